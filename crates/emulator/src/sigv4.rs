//! AWS Signature Version 4 verification, written from the spec (independent of the
//! `aws-sigv4` crate the clients use): the server recomputes the canonical request, the
//! string to sign, the signing key and the signature from what it received, and compares.
//!
//! Canonical URI of a non-S3 service: the path as received (already percent-encoded by
//! the client), with dot segments and empty segments removed, then URI-encoded once more
//! — so a model id `a:b`, sent as `/model/a%3Ab/converse-stream`, signs as `a%253Ab`.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// One accepted identity.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The parts of a received request the signature covers.
#[derive(Debug, Clone)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// Path exactly as received, without the query.
    pub path: &'a str,
    /// Raw query string as received (without `?`), possibly empty.
    pub query: &'a str,
    /// Headers as received, in order; repeated names allowed.
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

impl RequestParts<'_> {
    fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).into_iter().next()
    }
}

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub service: String,
    /// Region the credential scope must name (None: any).
    pub region: Option<String>,
    pub now: SystemTime,
    /// Allowed clock skew between `x-amz-date` and `now` (AWS: 5 minutes).
    pub max_skew: Duration,
    /// Normalise the path (remove `.`/`..`/empty segments) — every service but S3.
    pub normalize_path: bool,
    /// Encode the received path once more — every service but S3.
    pub double_encode: bool,
}

impl VerifyOptions {
    pub fn bedrock(region: &str) -> Self {
        VerifyOptions {
            service: "bedrock".into(),
            region: Some(region.into()),
            now: SystemTime::now(),
            max_skew: Duration::from_secs(300),
            normalize_path: true,
            double_encode: true,
        }
    }
}

/// Why verification failed, with the AWS error type and message a client would see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// `InvalidSignatureException`, `UnrecognizedClientException`,
    /// `IncompleteSignatureException`, `MissingAuthenticationTokenException`.
    pub aws_type: &'static str,
    pub message: String,
    /// The access key id the request named, if any.
    pub access_key_id: Option<String>,
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.aws_type, self.message)
    }
}

impl std::error::Error for AuthError {}

fn err(aws_type: &'static str, message: impl Into<String>, akid: Option<&str>) -> AuthError {
    AuthError {
        aws_type,
        message: message.into(),
        access_key_id: akid.map(String::from),
    }
}

pub const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
pub const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verified {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    /// `header` or `query` (presigned URL).
    pub location: &'static str,
}

// ---------------------------------------------------------------------------------------
// Building blocks (public so tests can compare each step with the published suite).

/// RFC 3986 percent-encoding of everything but unreserved characters (and `/` when
/// `keep_slash`), uppercase hex.
pub fn uri_encode(input: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len() * 3);
    for &b in input {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decodes (`+` stays `+`); invalid escapes are kept literally.
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = h {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Removes `.` and `..` segments and collapses empty segments, keeping a trailing slash.
pub fn normalize_path(path: &str) -> String {
    let trailing = path.len() > 1 && path.ends_with('/');
    let mut stack: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                stack.pop();
            }
            s => stack.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(&stack.join("/"));
    if trailing && !stack.is_empty() {
        out.push('/');
    }
    out
}

pub fn canonical_uri(path: &str, normalize: bool, double_encode: bool) -> String {
    let p = if path.is_empty() { "/" } else { path };
    let p = if normalize {
        normalize_path(p)
    } else {
        p.to_string()
    };
    if double_encode {
        uri_encode(p.as_bytes(), true)
    } else {
        p
    }
}

/// Canonical query string: each name and value decoded then strictly encoded, sorted by
/// name then value; `X-Amz-Signature` left out (presigned requests).
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (
                uri_encode(&percent_decode(k), false),
                uri_encode(&percent_decode(v), false),
            )
        })
        .filter(|(k, _)| k != "X-Amz-Signature")
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn trim_collapse(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `name:value\n` lines for the signed headers (lowercase names, values trimmed, inner
/// whitespace collapsed, repeated headers joined with `,`). Err(name) if one is missing.
pub fn canonical_headers(
    headers: &[(String, String)],
    signed: &[String],
) -> Result<String, String> {
    let mut out = String::new();
    for name in signed {
        let values: Vec<String> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| trim_collapse(v))
            .collect();
        if values.is_empty() {
            return Err(name.clone());
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Ok(out)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // Invariant: HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

pub fn signature(key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac(key, string_to_sign.as_bytes()))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

// ---------------------------------------------------------------------------------------
// Dates

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok());
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86400 + h * 3600 + mi * 60 + se;
    if secs < 0 {
        return None;
    }
    Some(UNIX_EPOCH + Duration::from_secs(secs as u64))
}

/// Formats as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    format!(
        "{y:04}{mo:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Formats as an HTTP `Date` (IMF-fixdate, RFC 9110): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn format_http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86400);
    let (y, mo, d) = civil_from_days(days);
    let rem = secs.rem_euclid(86400);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(mo - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Formats as ISO-8601 `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_iso8601(t: SystemTime) -> String {
    let s = format_amz_date(t);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    )
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ---------------------------------------------------------------------------------------
// Verification

struct AuthFields {
    akid: String,
    date: String,
    region: String,
    service: String,
    terminal: String,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    location: &'static str,
    expires: Option<u64>,
}

fn parse_header_auth(value: &str, req: &RequestParts) -> Result<AuthFields, AuthError> {
    let rest = value.trim().strip_prefix(ALGORITHM).ok_or_else(|| {
        err(
            "IncompleteSignatureException",
            format!("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={value}"),
            None,
        )
    })?;
    let mut credential = None;
    let mut signed = None;
    let mut sig = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some((k, v)) = part.split_once('=') {
            match k.trim() {
                "Credential" => credential = Some(v.trim().to_string()),
                "SignedHeaders" => signed = Some(v.trim().to_string()),
                "Signature" => sig = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    let missing: Vec<&str> = [
        ("Credential", &credential),
        ("SignedHeaders", &signed),
        ("Signature", &sig),
    ]
    .iter()
    .filter(|(_, v)| v.is_none())
    .map(|(k, _)| *k)
    .collect();
    if !missing.is_empty() {
        let list = missing
            .iter()
            .map(|m| format!("Authorization header requires '{m}' parameter."))
            .collect::<Vec<_>>()
            .join(" ");
        return Err(err(
            "IncompleteSignatureException",
            format!("{list} Authorization={value}"),
            None,
        ));
    }
    let amz_date = req
        .header("x-amz-date")
        .map(str::to_string)
        .or_else(|| req.header("date").map(str::to_string));
    let amz_date = amz_date.ok_or_else(|| {
        err(
            "IncompleteSignatureException",
            format!("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={value}"),
            None,
        )
    })?;
    // Invariant: Credential, SignedHeaders and Signature were checked present just above
    // (`missing` is empty), so the unwraps below cannot fail.
    let (akid, date, region, service, terminal) = split_credential(credential.as_deref().unwrap())?;
    Ok(AuthFields {
        akid,
        date,
        region,
        service,
        terminal,
        signed_headers: signed
            .unwrap()
            .split(';')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect(),
        signature: sig.unwrap(),
        amz_date,
        location: "header",
        expires: None,
    })
}

fn split_credential(c: &str) -> Result<(String, String, String, String, String), AuthError> {
    let parts: Vec<&str> = c.split('/').collect();
    if parts.len() != 5 {
        return Err(err(
            "IncompleteSignatureException",
            format!("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{c}'"),
            parts.first().copied(),
        ));
    }
    Ok((
        parts[0].into(),
        parts[1].into(),
        parts[2].into(),
        parts[3].into(),
        parts[4].into(),
    ))
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name).then(|| String::from_utf8_lossy(&percent_decode(v)).into_owned())
    })
}

fn parse_query_auth(req: &RequestParts) -> Result<AuthFields, AuthError> {
    let get = |n: &str| query_param(req.query, n);
    let (Some(credential), Some(signed), Some(sig), Some(amz_date)) = (
        get("X-Amz-Credential"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Signature"),
        get("X-Amz-Date"),
    ) else {
        return Err(err(
            "IncompleteSignatureException",
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'.",
            None,
        ));
    };
    let (akid, date, region, service, terminal) = split_credential(&credential)?;
    Ok(AuthFields {
        akid,
        date,
        region,
        service,
        terminal,
        signed_headers: signed
            .split(';')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect(),
        signature: sig,
        amz_date,
        location: "query",
        expires: get("X-Amz-Expires").and_then(|e| e.parse().ok()),
    })
}

/// Canonical request for the given signed headers and payload hash.
pub fn canonical_request(
    req: &RequestParts,
    signed_headers: &[String],
    payload_hash: &str,
    opts: &VerifyOptions,
) -> Result<String, String> {
    let ch = canonical_headers(&req.headers, signed_headers)?;
    Ok(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.path, opts.normalize_path, opts.double_encode),
        canonical_query(req.query),
        ch,
        signed_headers.join(";"),
        payload_hash
    ))
}

/// Verifies a SigV4-signed request (Authorization header or presigned query) against the
/// accepted credentials.
pub fn verify(
    req: &RequestParts,
    creds: &[Credentials],
    opts: &VerifyOptions,
) -> Result<Verified, AuthError> {
    let f = match req.header("authorization") {
        Some(a) => parse_header_auth(a, req)?,
        None if query_param(req.query, "X-Amz-Algorithm").is_some() => parse_query_auth(req)?,
        None => {
            return Err(err(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
                None,
            ))
        }
    };
    let akid = Some(f.akid.as_str());
    let cred = creds
        .iter()
        .find(|c| c.access_key_id == f.akid)
        .ok_or_else(|| err("UnrecognizedClientException", INVALID_TOKEN, akid))?;

    // Session token: must match the identity's, and an identity without one takes none.
    let token = req
        .header("x-amz-security-token")
        .map(str::to_string)
        .or_else(|| query_param(req.query, "X-Amz-Security-Token"));
    match (&cred.session_token, &token) {
        (Some(want), Some(got)) if want == got => {}
        (None, None) => {}
        _ => return Err(err("UnrecognizedClientException", INVALID_TOKEN, akid)),
    }

    // Scope.
    if f.terminal != "aws4_request" {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
                f.terminal
            ),
            akid,
        ));
    }
    if f.service != opts.service {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to correct service: '{}'. ",
                opts.service
            ),
            akid,
        ));
    }
    if let Some(region) = &opts.region {
        if &f.region != region {
            return Err(err(
                "InvalidSignatureException",
                format!(
                    "Credential should be scoped to a valid region, not '{}'. ",
                    f.region
                ),
                akid,
            ));
        }
    }

    // Date: format, scope date agreement, skew / expiry.
    let when = parse_amz_date(&f.amz_date).ok_or_else(|| {
        err("IncompleteSignatureException", format!("Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601", f.amz_date), akid)
    })?;
    if !f.amz_date.starts_with(&f.date) {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                f.date,
                &f.amz_date[..8],
                f.amz_date
            ),
            akid,
        ));
    }
    let now = opts.now;
    if f.location == "query" {
        let expires = Duration::from_secs(f.expires.unwrap_or(900));
        if now > when + expires + opts.max_skew {
            return Err(err("AccessDeniedException", "Request has expired", akid));
        }
    } else if when + opts.max_skew < now {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Signature expired: {} is now earlier than {} ({} - {} min.)",
                f.amz_date,
                format_amz_date(now - opts.max_skew),
                format_amz_date(now),
                opts.max_skew.as_secs() / 60
            ),
            akid,
        ));
    } else if when > now + opts.max_skew {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Signature not yet current: {} is still later than {} ({} + {} min.)",
                f.amz_date,
                format_amz_date(now + opts.max_skew),
                format_amz_date(now),
                opts.max_skew.as_secs() / 60
            ),
            akid,
        ));
    }

    // HTTP/2 clients (the AWS SDK for JS) sign the `:authority` pseudo-header instead.
    if !f
        .signed_headers
        .iter()
        .any(|h| h == "host" || h == ":authority")
    {
        return Err(err(
            "InvalidSignatureException",
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
            akid,
        ));
    }

    // Payload hash: the x-amz-content-sha256 value if sent (and it must be the body's),
    // else the body's hash.
    let body_hash = sha256_hex(req.body);
    let payload_hash = match req.header("x-amz-content-sha256") {
        Some(v) if v == "UNSIGNED-PAYLOAD" => v.to_string(),
        Some(v) => {
            if !v.eq_ignore_ascii_case(&body_hash) {
                return Err(err(
                    "InvalidSignatureException",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    akid,
                ));
            }
            v.to_ascii_lowercase()
        }
        None if f.location == "query" => {
            query_param(req.query, "X-Amz-Content-Sha256").unwrap_or(body_hash)
        }
        None => body_hash,
    };

    let mut creq = canonical_request(req, &f.signed_headers, &payload_hash, opts)
        .map_err(|_| err("InvalidSignatureException", SIGNATURE_MISMATCH, akid))?;
    let scope = format!("{}/{}/{}/aws4_request", f.date, f.region, f.service);
    let key = signing_key(&cred.secret_access_key, &f.date, &f.region, &f.service);
    let mut sts = string_to_sign(&f.amz_date, &scope, &creq);
    let mut sig = signature(&key, &sts);
    let want = f.signature.to_ascii_lowercase();
    if !constant_time_eq(&sig, &want) && f.location == "query" && token.is_some() {
        // A presigned URL may carry the session token appended after signing.
        let q: Vec<&str> = req
            .query
            .split('&')
            .filter(|kv| !kv.starts_with("X-Amz-Security-Token="))
            .collect();
        let q = q.join("&");
        let without = RequestParts {
            query: &q,
            ..req.clone()
        };
        if let Ok(c) = canonical_request(&without, &f.signed_headers, &payload_hash, opts) {
            let s = string_to_sign(&f.amz_date, &scope, &c);
            let g = signature(&key, &s);
            if constant_time_eq(&g, &want) {
                (creq, sts, sig) = (c, s, g);
            }
        }
    }
    if !constant_time_eq(&sig, &want) {
        let mut e = err("InvalidSignatureException", SIGNATURE_MISMATCH, akid);
        // AWS appends the canonical request and string-to-sign to the message.
        e.message = format!(
            "{SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{creq}'\n\nThe String-to-Sign should have been\n'{sts}'\n"
        );
        return Err(e);
    }
    Ok(Verified {
        access_key_id: f.akid,
        signed_headers: f.signed_headers,
        canonical_request: creq,
        string_to_sign: sts,
        signature: sig,
        location: f.location,
    })
}

/// Signs a request (used by the emulator's own tests and tools; header signing only).
/// Returns the `Authorization` header value; `x-amz-date` and `host` must already be in
/// `req.headers`.
pub fn sign(
    req: &RequestParts,
    cred: &Credentials,
    region: &str,
    service: &str,
    amz_date: &str,
    signed_headers: &[String],
) -> String {
    let opts = VerifyOptions {
        service: service.into(),
        region: None,
        now: SystemTime::now(),
        max_skew: Duration::from_secs(300),
        normalize_path: true,
        double_encode: true,
    };
    let payload_hash = req
        .header("x-amz-content-sha256")
        .map(str::to_string)
        .unwrap_or_else(|| sha256_hex(req.body));
    let creq = canonical_request(req, signed_headers, &payload_hash, &opts).unwrap_or_default();
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let sts = string_to_sign(amz_date, &scope, &creq);
    let sig = signature(
        &signing_key(&cred.secret_access_key, date, region, service),
        &sts,
    );
    format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={sig}",
        cred.access_key_id,
        signed_headers.join(";")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_roundtrip() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(format_amz_date(t), "20150830T123600Z");
        assert_eq!(format_iso8601(t), "2015-08-30T12:36:00Z");
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1440938160);
    }

    #[test]
    fn model_id_with_colon_double_encodes() {
        assert_eq!(
            canonical_uri("/model/a%3Ab/converse-stream", true, true),
            "/model/a%253Ab/converse-stream"
        );
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize_path("//example//"), "/example/");
        assert_eq!(normalize_path("/example1/example2/../.."), "/");
        assert_eq!(normalize_path("/./example"), "/example");
        assert_eq!(normalize_path("/"), "/");
    }
}
