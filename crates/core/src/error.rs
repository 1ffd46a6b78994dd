//! The one error type of the core. Every failure the addon can report is an [`Error`]
//! with a stable [`ErrorCode`]; the binding turns it into a JS `Error` whose `code` is
//! `ErrorCode::as_str()`. Messages never contain secrets: constructors take only
//! already-redacted text.

use std::fmt;

/// Stable, machine-readable kind of failure. The string form (`as_str`) is public API:
/// gateways switch on it, so variants are only ever added, never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // --- AWS service errors (names as AWS spells them) ---
    ThrottlingException,
    ModelStreamErrorException,
    ValidationException,
    AccessDeniedException,
    ResourceNotFoundException,
    ServiceUnavailableException,
    InternalServerException,
    ModelTimeoutException,
    ModelNotReadyException,
    ModelErrorException,
    ServiceQuotaExceededException,
    UnrecognizedClientException,
    ExpiredTokenException,
    InvalidSignatureException,
    /// Any other AWS error type; the original type name is kept in `Error::aws_type`.
    AwsError,
    // --- client-side failures ---
    /// A required IAM permission is missing (discovery names which one).
    AccessDenied,
    /// No credentials could be found for SigV4 signing.
    NoCredentials,
    /// Loading credentials (credential_process, SSO, STS, IMDS...) took longer than the
    /// credential load timeout; the message names the source.
    CredentialsTimeout,
    /// Configuration file could not be parsed (message carries file:line:column).
    ConfigSyntax,
    /// Configuration value has the wrong type or range (message carries the key path).
    ConfigType,
    /// A configuration file named explicitly does not exist or cannot be read.
    ConfigNotFound,
    /// Bad argument from the caller (JS boundary or options).
    InvalidArgument,
    /// Connect / first-event / idle timeout.
    Timeout,
    /// Cancelled by the caller (AbortSignal or leaving the iterator early).
    Aborted,
    /// Connection refused, reset, DNS, TLS.
    Network,
    /// The peer spoke something that is not Bedrock's protocol (bad frame, CRC, JSON).
    Protocol,
    /// A 200 answer that is not an event stream (a proxy's or captive portal's page): the
    /// message names the status, content type and the start of the body.
    UnexpectedResponse,
    /// A bug: a Rust panic caught at the FFI boundary.
    InternalError,
    // --- a stream that ended with a stop reason pi-ai treats as an error ---
    /// `stopReason: guardrail_intervened`: a guardrail blocked the input or output.
    GuardrailIntervened,
    /// `stopReason: content_filtered`: the model's content filter stopped it.
    ContentFiltered,
    /// `stopReason: malformed_model_output` / `malformed_tool_use`.
    MalformedModelOutput,
    /// Any other stop reason Bedrock adds that is not stop/length/tool use.
    UnexpectedStopReason,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ThrottlingException => "ThrottlingException",
            ErrorCode::ModelStreamErrorException => "ModelStreamErrorException",
            ErrorCode::ValidationException => "ValidationException",
            ErrorCode::AccessDeniedException => "AccessDeniedException",
            ErrorCode::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorCode::ServiceUnavailableException => "ServiceUnavailableException",
            ErrorCode::InternalServerException => "InternalServerException",
            ErrorCode::ModelTimeoutException => "ModelTimeoutException",
            ErrorCode::ModelNotReadyException => "ModelNotReadyException",
            ErrorCode::ModelErrorException => "ModelErrorException",
            ErrorCode::ServiceQuotaExceededException => "ServiceQuotaExceededException",
            ErrorCode::UnrecognizedClientException => "UnrecognizedClientException",
            ErrorCode::ExpiredTokenException => "ExpiredTokenException",
            ErrorCode::InvalidSignatureException => "InvalidSignatureException",
            ErrorCode::AwsError => "AwsError",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::NoCredentials => "NoCredentials",
            ErrorCode::CredentialsTimeout => "CredentialsTimeout",
            ErrorCode::ConfigSyntax => "ConfigSyntax",
            ErrorCode::ConfigType => "ConfigType",
            ErrorCode::ConfigNotFound => "ConfigNotFound",
            ErrorCode::InvalidArgument => "InvalidArgument",
            ErrorCode::Timeout => "Timeout",
            ErrorCode::Aborted => "Aborted",
            ErrorCode::Network => "Network",
            ErrorCode::Protocol => "Protocol",
            ErrorCode::UnexpectedResponse => "UnexpectedResponse",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::GuardrailIntervened => "GuardrailIntervened",
            ErrorCode::ContentFiltered => "ContentFiltered",
            ErrorCode::MalformedModelOutput => "MalformedModelOutput",
            ErrorCode::UnexpectedStopReason => "UnexpectedStopReason",
        }
    }

    /// Maps an AWS error type name (`x-amzn-ErrorType`, `__type`, `:exception-type`,
    /// any case, with or without a `:` suffix or namespace prefix) to a code.
    pub fn from_aws_type(raw: &str) -> ErrorCode {
        // "com.amazon.coral.service#ThrottlingException:http://..." -> "ThrottlingException"
        let name = raw.split(':').next().unwrap_or(raw);
        let name = name.rsplit('#').next().unwrap_or(name);
        match name.to_ascii_lowercase().as_str() {
            "throttlingexception" | "toomanyrequestsexception" => ErrorCode::ThrottlingException,
            "modelstreamerrorexception" => ErrorCode::ModelStreamErrorException,
            "validationexception" => ErrorCode::ValidationException,
            "accessdeniedexception" => ErrorCode::AccessDeniedException,
            "resourcenotfoundexception" => ErrorCode::ResourceNotFoundException,
            "serviceunavailableexception" => ErrorCode::ServiceUnavailableException,
            "internalserverexception" | "internalfailure" => ErrorCode::InternalServerException,
            "modeltimeoutexception" => ErrorCode::ModelTimeoutException,
            "modelnotreadyexception" => ErrorCode::ModelNotReadyException,
            "modelerrorexception" => ErrorCode::ModelErrorException,
            "servicequotaexceededexception" => ErrorCode::ServiceQuotaExceededException,
            "unrecognizedclientexception" => ErrorCode::UnrecognizedClientException,
            "expiredtokenexception" => ErrorCode::ExpiredTokenException,
            "invalidsignatureexception" => ErrorCode::InvalidSignatureException,
            _ => ErrorCode::AwsError,
        }
    }

    /// The code for a stream that ended with a stop reason that is an error (pi-ai maps
    /// every stop reason but stop/length/tool use to `error`).
    pub fn from_stop_reason(raw: &str) -> ErrorCode {
        match raw {
            "guardrail_intervened" => ErrorCode::GuardrailIntervened,
            "content_filtered" => ErrorCode::ContentFiltered,
            r if r.starts_with("malformed_") => ErrorCode::MalformedModelOutput,
            _ => ErrorCode::UnexpectedStopReason,
        }
    }

    /// Whether a request that failed with this code may be retried (before output began).
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::ThrottlingException
                | ErrorCode::ServiceUnavailableException
                | ErrorCode::InternalServerException
                | ErrorCode::ModelNotReadyException
                | ErrorCode::Network
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a source text an error is (1-based), for config syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    /// AWS's own error type name when the error came from AWS.
    pub aws_type: Option<String>,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub retryable: bool,
    /// Server's retry hint (e.g. `Retry-After`), in milliseconds.
    pub retry_after_ms: Option<u64>,
    pub location: Option<SourceLocation>,
    /// Config key path (`plugins.entries.amazon-bedrock.config.discovery.region`).
    pub key_path: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            aws_type: None,
            http_status: None,
            request_id: None,
            retryable: code.is_retryable(),
            retry_after_ms: None,
            location: None,
            key_path: None,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message)
    }
    pub fn protocol(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Protocol, message)
    }
    pub fn network(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Network, message)
    }
    pub fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Timeout, message)
    }
    pub fn aborted() -> Self {
        Error::new(ErrorCode::Aborted, "Request was aborted")
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InternalError, message)
    }

    /// An error reported by AWS (HTTP error body or in-stream exception frame). The
    /// service's text goes through [`service_message`].
    pub fn aws(aws_type: &str, message: impl Into<String>, http_status: Option<u16>) -> Self {
        let code = ErrorCode::from_aws_type(aws_type);
        let short = aws_type.split(':').next().unwrap_or(aws_type);
        let short = short.rsplit('#').next().unwrap_or(short).to_string();
        let mut e = Error::new(code, service_message(&message.into()));
        e.aws_type = Some(short);
        e.http_status = http_status;
        if let Some(status) = http_status {
            if status >= 500 || status == 429 {
                e.retryable = true;
            }
        }
        e
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }
    pub fn with_location(mut self, location: SourceLocation) -> Self {
        self.location = Some(location);
        self
    }
    pub fn with_key_path(mut self, path: impl Into<String>) -> Self {
        self.key_path = Some(path.into());
        self
    }
}

/// Text from a server, made safe to show. AWS's signature-mismatch message quotes the
/// canonical request and string to sign it expected, and those carry the caller's
/// `x-amz-security-token` (the session token) in clear: everything from that quote on is
/// dropped. The first sentence says what went wrong.
pub fn service_message(text: &str) -> String {
    const QUOTED_REQUEST: [&str; 2] = ["The Canonical String for this request", "The String-to-Sign should have been"];
    let cut = QUOTED_REQUEST.iter().filter_map(|marker| text.find(marker)).min();
    match cut {
        Some(at) => text[..at].trim_end().to_string(),
        None => text.to_string(),
    }
}

/// A serde error's text without the values it quotes: `invalid type: string "…"` and
/// `unknown variant \`…\`` echo what the caller wrote, and a secret pasted into the wrong
/// field must not come back in an error. The field path and the expectation stay.
pub fn without_quoted_values(text: &str) -> String {
    const QUOTING: [(&str, char); 2] = [("string \"", '"'), ("variant `", '`')];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = QUOTING.iter().filter_map(|(m, close)| rest.find(m).map(|at| (at, *m, *close))).min_by_key(|x| x.0);
        let Some((at, marker, close)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        out.push_str(marker.trim_end_matches(['"', '`', ' ']));
        let quoted = &rest[at + marker.len()..];
        // Skip to the closing quote, past escaped ones.
        let mut escaped = false;
        let end = quoted.char_indices().find(|&(_, c)| {
            let closes = c == close && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        });
        match end {
            Some((i, c)) => rest = &quoted[i + c.len_utf8()..],
            None => return out,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_type_names_map_to_codes_whatever_their_decoration() {
        assert_eq!(ErrorCode::from_aws_type("ThrottlingException"), ErrorCode::ThrottlingException);
        assert_eq!(ErrorCode::from_aws_type("throttlingException"), ErrorCode::ThrottlingException);
        assert_eq!(
            ErrorCode::from_aws_type("com.amazon.coral.service#AccessDeniedException:http://internal"),
            ErrorCode::AccessDeniedException
        );
        assert_eq!(ErrorCode::from_aws_type("SomethingNew"), ErrorCode::AwsError);
    }

    #[test]
    fn signature_mismatch_text_loses_the_quoted_request_and_its_session_token() {
        let aws = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.\n\nThe Canonical String for this request should have been\n'POST\n/model/x/converse-stream\n\nhost:bedrock-runtime.us-east-1.amazonaws.com\nx-amz-security-token:SESSIONTOKEN123\n'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n...'\n";
        let e = Error::aws("InvalidSignatureException", format!("ConverseStream failed: {aws}"), Some(403));
        assert!(!e.message.contains("SESSIONTOKEN123"), "{}", e.message);
        assert!(e.message.starts_with("ConverseStream failed: The request signature we calculated does not match"));
        assert!(e.message.ends_with("signing method."), "{}", e.message);
        assert_eq!(service_message("plain text stays"), "plain text stays");
    }

    #[test]
    fn serde_texts_lose_the_values_they_quote() {
        assert_eq!(
            without_quoted_values(r#"invalid type: string "AKIA-secret \"x\" y", expected u32"#),
            "invalid type: string, expected u32"
        );
        assert_eq!(
            without_quoted_values("unknown variant `hunter2`, expected `none` or `short`"),
            "unknown variant, expected `none` or `short`"
        );
        assert_eq!(without_quoted_values("missing field `id`"), "missing field `id`");
        assert_eq!(without_quoted_values(r#"invalid type: string "unterminated"#), "invalid type: string");
    }

    #[test]
    fn error_stop_reasons_have_their_own_codes() {
        assert_eq!(ErrorCode::from_stop_reason("guardrail_intervened").as_str(), "GuardrailIntervened");
        assert_eq!(ErrorCode::from_stop_reason("content_filtered").as_str(), "ContentFiltered");
        assert_eq!(ErrorCode::from_stop_reason("malformed_tool_use"), ErrorCode::MalformedModelOutput);
        assert_eq!(ErrorCode::from_stop_reason("malformed_model_output"), ErrorCode::MalformedModelOutput);
        assert_eq!(ErrorCode::from_stop_reason("something_new"), ErrorCode::UnexpectedStopReason);
        assert!(!ErrorCode::GuardrailIntervened.is_retryable());
    }

    #[test]
    fn aws_errors_keep_the_short_type_and_retryability_follows_status() {
        let e = Error::aws("com.amazon#SomethingNew:x", "boom", Some(503));
        assert_eq!(e.code, ErrorCode::AwsError);
        assert_eq!(e.aws_type.as_deref(), Some("SomethingNew"));
        assert!(e.retryable);
        let e = Error::aws("ValidationException", "bad", Some(400));
        assert!(!e.retryable);
    }
}
