//! The skew between this host's clock and a service's, learned from each response's
//! `Date` header, so SigV4 signs with the service's time: a host whose clock drifted
//! (WSL2 after sleep, a VM without an RTC) heals after one refused request instead of
//! failing every call with "Signature expired".
//!
//! The rule is aws-runtime's `ServiceClockSkewInterceptor` / `ServiceClockSkewClassifier`
//! (aws-runtime 1.10, which the SDK clients used for discovery run): every response
//! refreshes the skew (`Date` minus the midpoint of the round trip), except a cached one
//! (`Age`) or one slower than 15 minutes; an error whose code is a clock-skew code is
//! retried when that skew exceeds 4 minutes. Its types are crate-private and bound to the
//! orchestrator's config bag, so the same constants live here. The skew is kept per
//! endpoint for the life of the process (the SDK keeps it per client).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_smithy_types::date_time::{DateTime, Format};

/// Below this, a signature error is a signature error, not a clock problem.
const SKEW_DETECTION_THRESHOLD: Duration = Duration::from_secs(4 * 60);
/// A round trip longer than this says nothing reliable about the server's clock.
const MAX_TRUSTED_REQUEST_DURATION: Duration = Duration::from_secs(15 * 60);
/// Error codes a wrong signing time produces (AWS answers `InvalidSignatureException`
/// "Signature expired: ..." for Bedrock).
const CLOCK_SKEW_ERROR_CODES: &[&str] =
    &["InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestTimeTooSkewed", "AccessDeniedException"];

/// Server clock minus local clock, milliseconds, per endpoint (`scheme://authority`).
fn skews() -> std::sync::MutexGuard<'static, HashMap<String, i64>> {
    static SKEWS: OnceLock<Mutex<HashMap<String, i64>>> = OnceLock::new();
    // Only whole values are ever stored, so a poisoned map is still consistent.
    SKEWS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner())
}

/// The endpoint a URL's skew is kept under: its scheme and authority.
pub fn endpoint_key(url: &str) -> String {
    match url.parse::<http::Uri>() {
        Ok(uri) => format!("{}://{}", uri.scheme_str().unwrap_or(""), uri.authority().map(|a| a.as_str()).unwrap_or("")),
        Err(_) => url.to_string(),
    }
}

fn shift(t: SystemTime, skew_ms: i64) -> SystemTime {
    let by = Duration::from_millis(skew_ms.unsigned_abs());
    if skew_ms >= 0 { t.checked_add(by) } else { t.checked_sub(by) }.unwrap_or(t)
}

/// The time to sign a request to `endpoint` with: `now` moved by the skew learned so far.
pub fn signing_time(endpoint: &str, now: SystemTime) -> SystemTime {
    match skews().get(endpoint) {
        Some(&skew) => shift(now, skew),
        None => now,
    }
}

/// The skew learned so far for `endpoint`, milliseconds (tests, diagnostics).
pub fn skew_ms(endpoint: &str) -> Option<i64> {
    skews().get(endpoint).copied()
}

/// Learns the skew from a response of `endpoint` sent at `sent` and received at
/// `received` (both local clock) and returns it; `None` when the response cannot tell
/// (no parseable `Date`, an `Age` header, a round trip over 15 minutes).
pub fn record(endpoint: &str, headers: &http::HeaderMap, sent: SystemTime, received: SystemTime) -> Option<i64> {
    if headers.contains_key(http::header::AGE) {
        return None;
    }
    let date = headers.get(http::header::DATE)?.to_str().ok()?;
    let server = SystemTime::try_from(DateTime::from_str(date.trim(), Format::HttpDate).ok()?).ok()?;
    let elapsed = received.duration_since(sent).unwrap_or_default();
    if elapsed > MAX_TRUSTED_REQUEST_DURATION {
        return None;
    }
    let midpoint = sent + elapsed / 2;
    let skew = match server.duration_since(midpoint) {
        Ok(ahead) => ahead.as_millis() as i64,
        Err(behind) => -(behind.duration().as_millis() as i64),
    };
    skews().insert(endpoint.to_string(), skew);
    Some(skew)
}

/// Whether an error of type `aws_type` after a response showing `skew_ms` of skew is the
/// clock's fault, so a retry signed with the corrected time can succeed.
pub fn explains(aws_type: Option<&str>, skew_ms: i64) -> bool {
    Duration::from_millis(skew_ms.unsigned_abs()) > SKEW_DETECTION_THRESHOLD
        && aws_type.is_some_and(|t| CLOCK_SKEW_ERROR_CODES.contains(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(date: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::DATE, date.parse().expect("header value"));
        h
    }

    #[test]
    fn skew_is_the_date_minus_the_round_trip_midpoint_and_moves_the_signing_time() {
        let endpoint = "http://skew-test-1:1";
        // Sun, 06 Nov 1994 08:49:37 GMT = 784111777
        let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777 - 600 - 2);
        let received = sent + Duration::from_secs(4);
        let skew = record(endpoint, &headers("Sun, 06 Nov 1994 08:49:37 GMT"), sent, received).expect("a skew");
        assert_eq!(skew, 600_000);
        assert_eq!(signing_time(endpoint, sent), sent + Duration::from_secs(600));
        assert!(explains(Some("InvalidSignatureException"), skew));
        assert!(!explains(Some("ValidationException"), skew));
        // Four minutes or less is not the clock's fault.
        assert!(!explains(Some("InvalidSignatureException"), 240_000));
        assert!(explains(Some("InvalidSignatureException"), -240_001));
    }

    #[test]
    fn cached_slow_or_dateless_responses_teach_nothing() {
        let endpoint = "http://skew-test-2:1";
        let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_000);
        let mut cached = headers("Sun, 06 Nov 1994 08:49:37 GMT");
        cached.insert(http::header::AGE, "3".parse().expect("header value"));
        assert_eq!(record(endpoint, &cached, sent, sent), None);
        let slow = sent + Duration::from_secs(15 * 60 + 1);
        assert_eq!(record(endpoint, &headers("Sun, 06 Nov 1994 08:49:37 GMT"), sent, slow), None);
        assert_eq!(record(endpoint, &headers("yesterday"), sent, sent), None);
        assert_eq!(record(endpoint, &http::HeaderMap::new(), sent, sent), None);
        assert_eq!(signing_time(endpoint, sent), sent);
    }
}
