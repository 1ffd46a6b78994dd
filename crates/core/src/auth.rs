//! How a request proves who sent it: SigV4 with AWS credentials, or a Bedrock API key
//! sent as `Authorization: Bearer`. Used by the runtime transport for every request;
//! [`crate::credentials::resolve_auth`] decides which one applies.
//!
//! Secrets stay inside this module's types: `Debug` never prints them, and errors only
//! ever name the *kind* of credential that failed.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::error::{Error, Result};

/// SigV4 service name: Bedrock signs both the control plane and the runtime as `bedrock`.
pub const SIGNING_SERVICE: &str = "bedrock";

/// A Bedrock API key. Never printed, never returned.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    /// `None` for a blank token: blank values count as absent everywhere in the addon.
    pub fn new(raw: &str) -> Option<BearerToken> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            None
        } else {
            Some(BearerToken(trimmed.to_string()))
        }
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(** redacted **)")
    }
}

/// How requests are authenticated.
#[derive(Clone)]
pub enum Auth {
    Bearer(BearerToken),
    SigV4(SharedCredentialsProvider),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Auth::Bearer(** redacted **)"),
            // The provider's own Debug may name its source but never a secret; keep it short anyway.
            Auth::SigV4(_) => f.write_str("Auth::SigV4"),
        }
    }
}

impl Auth {
    pub fn kind(&self) -> &'static str {
        match self {
            Auth::Bearer(_) => "bearer",
            Auth::SigV4(_) => "sigv4",
        }
    }

    /// Adds authentication headers to `request`, whose body is `body` (needed for the
    /// SigV4 payload hash). The URI must be absolute (`http[s]://host/path`) and already
    /// percent-encoded as it will be sent. SigV4 signs as of `signing_time` (the local
    /// clock corrected by the skew learned from the server's `Date`).
    pub async fn authorize<B>(
        &self,
        request: &mut http::Request<B>,
        body: &[u8],
        region: &str,
        signing_time: SystemTime,
    ) -> Result<()> {
        match self {
            Auth::Bearer(token) => {
                refuse_bearer_over_plaintext(request.uri())?;
                let value = http::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                    .map_err(|_| Error::invalid_argument("bearer token contains characters not allowed in an HTTP header"))?;
                request.headers_mut().insert(http::header::AUTHORIZATION, value);
                Ok(())
            }
            Auth::SigV4(provider) => {
                let credentials =
                    provider.provide_credentials().await.map_err(|e| crate::credentials::credentials_error(&e))?;
                sign_sigv4(request, body, region, &credentials, signing_time)
            }
        }
    }
}

/// `AWS_BEDROCK_SKIP_AUTH`: a proxy in front of Bedrock that needs no AWS auth.
pub const SKIP_AUTH_ENV: &str = "AWS_BEDROCK_SKIP_AUTH";

/// Whether `AWS_BEDROCK_SKIP_AUTH` asks for no auth: exactly `1`, as pi-ai 1.6 reads it
/// (`getProviderEnvValue("AWS_BEDROCK_SKIP_AUTH") === "1"`; `true`, `yes` do not count;
/// surrounding blanks are trimmed, as for every variable this package reads).
pub fn skip_auth_requested(value: Option<&str>) -> bool {
    value == Some("1")
}

/// What pi-ai 1.6 sends when auth is skipped: SigV4 with its fixed placeholder
/// credentials (`dummy-access-key` / `dummy-secret-key`), so the request a proxy sees is
/// the same. No credential source is consulted, and neither is a bearer token.
pub fn skip_auth() -> Auth {
    let placeholder = aws_credential_types::Credentials::new("dummy-access-key", "dummy-secret-key", None, None, SKIP_AUTH_ENV);
    Auth::SigV4(SharedCredentialsProvider::new(placeholder))
}

/// A bearer token is a long-lived secret: send it only over TLS, or to this machine
/// (the emulator, a local proxy). Used by every client that sends one.
pub fn refuse_bearer_over_plaintext(uri: &http::Uri) -> Result<()> {
    if uri.scheme_str() == Some("https") {
        return Ok(());
    }
    let host = uri.host().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false);
    if loopback {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "refusing to send a bearer token over plain HTTP to {host}: use an https:// endpoint"
        )))
    }
}

/// SigV4-signs `request` in place (headers `authorization`, `x-amz-date`,
/// `x-amz-security-token` when the credentials carry one). Separate from [`Auth`] so
/// tests can sign with a fixed clock.
pub fn sign_sigv4<B>(
    request: &mut http::Request<B>,
    body: &[u8],
    region: &str,
    credentials: &aws_credential_types::Credentials,
    time: SystemTime,
) -> Result<()> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SIGNING_SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Error::internal(format!("SigV4 parameters: {e}")))?
        .into();
    let uri = request.uri().to_string();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| value.to_str().ok().map(|v| (name.as_str(), v)))
        .collect();
    let signable = SignableRequest::new(request.method().as_str(), uri, headers.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| Error::invalid_argument(format!("request cannot be signed: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| Error::invalid_argument(format!("request cannot be signed: {e}")))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_bearer_token() {
        let token = BearerToken::new("  secret-token-value ").expect("non-blank");
        assert_eq!(token.expose(), "secret-token-value");
        let auth = Auth::Bearer(token);
        assert!(!format!("{auth:?}").contains("secret-token-value"));
        assert!(BearerToken::new("   ").is_none());
    }

    #[tokio::test]
    async fn bearer_goes_only_over_tls_or_loopback() {
        let auth = Auth::Bearer(BearerToken::new("sekrit-7f3a").expect("non-blank"));
        for (uri, ok) in [
            ("https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse", true),
            ("http://127.0.0.1:4599/model/x/converse", true),
            ("http://localhost:4599/model/x/converse", true),
            ("http://[::1]:4599/model/x/converse", true),
            ("http://proxy.internal:8080/model/x/converse", false),
        ] {
            let mut req = http::Request::post(uri).body(()).expect("valid request");
            let result = auth.authorize(&mut req, b"{}", "us-east-1", SystemTime::now()).await;
            assert_eq!(result.is_ok(), ok, "{uri}");
            if ok {
                assert_eq!(req.headers()["authorization"], "Bearer sekrit-7f3a");
            } else {
                let err = result.unwrap_err();
                assert!(!err.message.contains("sekrit-7f3a"), "error must not echo the token");
                assert!(req.headers().get("authorization").is_none());
            }
        }
    }

    #[test]
    fn sigv4_signs_with_service_bedrock_and_the_region() {
        let creds = aws_credential_types::Credentials::new("AKIDEXAMPLE", "secret", Some("session".into()), None, "test");
        let mut req = http::Request::post("https://bedrock-runtime.eu-west-1.amazonaws.com/model/a%3Ab/converse-stream")
            .header("content-type", "application/json")
            .body(())
            .expect("valid request");
        sign_sigv4(&mut req, b"{}", "eu-west-1", &creds, SystemTime::UNIX_EPOCH).expect("signs");
        let authz = req.headers()["authorization"].to_str().expect("ascii");
        assert!(authz.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/19700101/eu-west-1/bedrock/aws4_request"), "{authz}");
        assert!(!authz.contains("secret"));
        assert_eq!(req.headers()["x-amz-security-token"], "session");
        assert_eq!(req.headers()["x-amz-date"], "19700101T000000Z");
    }
}
