//! Scripted replies and faults (JSON, camelCase — see docs/CONTRACTS.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One scripted reply/fault, applied to the next `times` requests for its key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Script {
    /// How many requests this script answers (default 1; 0 = every request until reset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Answer with an HTTP error instead of a stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpError>,
    /// Exact frames to stream (events, exceptions, raw bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<Vec<ScriptFrame>>,
    /// Reply text (streamed in deltas of `chunk_size` characters, or word by word).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunk_size: Option<usize>,
    /// Stop reason for a `text` reply (default `end_turn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// Exact response body bytes, base64 (e.g. a real recording).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eventstream_base64: Option<String>,
    /// JSON body for `/converse`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converse: Option<Value>,
    /// JSON body for a control-plane operation (`op:ListFoundationModels`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<Value>,
    /// Add the random `p` padding field to scripted event payloads (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub padding: Option<bool>,
    pub faults: Faults,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpError {
    /// HTTP status (default from the error type: Throttling 429, Validation 400, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// AWS error type (`ThrottlingException`, ...); sent in `x-amzn-ErrorType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// Exact body instead of `{"message": ...}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// A scripted frame: `{event, data}`, `{exception, data}` or `{rawBase64}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ScriptFrame {
    Event {
        event: String,
        #[serde(default)]
        data: Value,
    },
    Exception {
        exception: String,
        #[serde(default)]
        data: Value,
    },
    Raw {
        #[serde(rename = "rawBase64")]
        raw_base64: String,
    },
}

/// Transport faults, applicable to any stream (scripted or default).
/// Frame numbers count from 0 (`corruptPreludeCrcAtFrame: 1` corrupts the second frame).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Close the connection (mid-body, no terminating chunk) after this many frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_after_frames: Option<usize>,
    /// Reset the TCP connection (RST) before sending any response.
    pub reset_before_headers: bool,
    /// Wait this long before sending the response head.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_before_headers_ms: Option<u64>,
    /// Stop sending after this many frames, for `stall_ms` (default 60 s), then go on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_after_frames: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_between_frames_ms: Option<u64>,
    /// Write the body in pieces of this many bytes (slow drip / tiny writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_per_write: Option<usize>,
    /// Pause between those pieces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_between_writes_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrupt_prelude_crc_at_frame: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrupt_message_crc_at_frame: Option<usize>,
}

/// Default HTTP status for an AWS error type.
pub fn default_status(error_type: &str) -> u16 {
    match error_type {
        "ThrottlingException" | "ModelNotReadyException" | "TooManyRequestsException" => 429,
        "ValidationException" | "ServiceQuotaExceededException" => 400,
        "AccessDeniedException"
        | "InvalidSignatureException"
        | "UnrecognizedClientException"
        | "IncompleteSignatureException"
        | "MissingAuthenticationTokenException"
        | "ExpiredTokenException" => 403,
        "ResourceNotFoundException" | "UnknownOperationException" => 404,
        "ModelTimeoutException" => 408,
        "ConflictException" => 409,
        "ModelErrorException" => 424,
        "ServiceUnavailableException" => 503,
        _ => 500,
    }
}

/// Default message for an AWS error type.
pub fn default_message(error_type: &str) -> &'static str {
    match error_type {
        "ThrottlingException" => "Too many requests, please wait before trying again.",
        "ServiceUnavailableException" => "Bedrock is unable to process your request.",
        "InternalServerException" => "The system encountered an unexpected error during processing. Try your request again.",
        "ValidationException" => "The request is invalid.",
        "ModelTimeoutException" => "Model has timed out in processing the request. Try your request again.",
        "ModelNotReadyException" => "Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times.",
        "ServiceQuotaExceededException" => "Your request exceeds the service quota for your account.",
        "ModelErrorException" => "The request failed due to an error while processing the model.",
        "ResourceNotFoundException" => "The requested resource could not be found.",
        "modelStreamErrorException" => "The model stream encountered an error.",
        "throttlingException" => "Too many tokens, please wait before trying again.",
        "validationException" => "The request is invalid.",
        "internalServerException" => "The system encountered an unexpected error during processing. Try your request again.",
        "serviceUnavailableException" => "Bedrock is unable to process your request.",
        _ => "An error occurred.",
    }
}
