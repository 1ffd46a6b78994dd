//! Core errors → JS errors.
//!
//! A napi error can only carry a message and a status string, and an async function's
//! rejection is built where no `Env` is at hand, so the structured fields (`code`,
//! `retryable`, `httpStatus`, …) travel as JSON after a NUL-prefixed marker at the end of
//! the message. `js/index.js` strips the marker and puts the fields on the `Error`
//! object; the human message stays as it was.

use bedrock_core::Error;
use serde_json::{json, Map, Value};

/// Keep in sync with `DETAILS_MARKER` in js/errors.js.
pub(crate) const DETAILS_MARKER: &str = "\u{0}bedrock-native:";

/// The structured fields of an error, as JS sees them.
pub(crate) fn error_details(err: &Error) -> Value {
    let mut details = Map::new();
    details.insert("code".into(), json!(err.code.as_str()));
    details.insert("retryable".into(), json!(err.retryable));
    if let Some(status) = err.http_status {
        details.insert("httpStatus".into(), json!(status));
    }
    if let Some(id) = &err.request_id {
        details.insert("requestId".into(), json!(id));
    }
    if let Some(aws_type) = &err.aws_type {
        details.insert("awsType".into(), json!(aws_type));
    }
    if let Some(ms) = err.retry_after_ms {
        details.insert("retryAfterMs".into(), json!(ms));
    }
    if let Some(loc) = &err.location {
        details.insert(
            "location".into(),
            json!({ "file": loc.file, "line": loc.line, "column": loc.column }),
        );
    }
    if let Some(path) = &err.key_path {
        details.insert("keyPath".into(), json!(path));
    }
    Value::Object(details)
}

/// Converts a core error into the napi error thrown (or rejected) to JS.
pub(crate) fn to_napi(err: Error) -> napi::Error {
    let details = error_details(&err);
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{}{}{}", err.message, DETAILS_MARKER, details),
    )
}

/// Bad arguments found while converting JS values (before any core call).
pub(crate) fn invalid_argument(message: impl Into<String>) -> napi::Error {
    to_napi(Error::invalid_argument(message))
}
