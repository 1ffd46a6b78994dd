//! Loopback Amazon Bedrock emulator: control plane (`ListFoundationModels`,
//! `ListInferenceProfiles`, `GetInferenceProfile`, `GetFoundationModel`) and runtime
//! (`Converse`, `ConverseStream` with real `application/vnd.amazon.eventstream` frames),
//! SigV4 and bearer auth verified as AWS does, scripted replies and fault injection,
//! request recording and connection tracking.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use bedrock_emulator::{Emulator, EmulatorConfig};
//! let emu = Emulator::start(EmulatorConfig::default()).await?;
//! println!("{}", emu.url());
//! emu.close().await;
//! # Ok(()) }
//! ```
//!
//! The emulator runs on the caller's tokio runtime (`tokio::spawn`), so it works inside
//! napi's runtime as well as in `#[tokio::test]`.

pub mod catalogue;
pub mod eventstream;
pub mod models;
pub mod reply;
pub mod script;
mod server;
pub mod sigv4;
pub mod validate;

pub use script::{Faults, HttpError, Script, ScriptFrame};
pub use server::{
    AuthOutcome, ConnectionRecord, ConnectionStats, Emulator, RecordedRequest, ResponseRecord,
};
pub use sigv4::Credentials;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Default test identity accepted by the emulator.
pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIDEMULATORTEST0001";
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "emulator/secret/key/0000000000000000000000";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_BEARER_TOKEN: &str = "bedrock-emulator-api-key";

/// Emulator settings. Every field has a default; from JSON (camelCase) any subset may be
/// given.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct EmulatorConfig {
    /// Interface to bind (default 127.0.0.1).
    pub host: String,
    /// Port (0 = a free port).
    pub port: u16,
    /// The region the emulator is "in": SigV4 scope region, ARNs.
    pub region: String,
    pub account_id: String,
    /// Accepted SigV4 identities.
    pub credentials: Vec<Credentials>,
    /// Accepted `Authorization: Bearer` tokens (Bedrock API keys).
    pub bearer_tokens: Vec<String>,
    /// Verify auth (false: accept anything, still record what was sent).
    pub auth: bool,
    /// Allowed clock skew for `x-amz-date`, seconds (AWS: 300).
    pub max_skew_secs: u64,
    /// How far the emulator's clock runs ahead of the host's, seconds (negative: behind).
    /// SigV4 dates are checked against it and every response's `Date` header tells it, as
    /// a server with a wrong clock (or a client host with one) would.
    #[serde(alias = "clockOffsetSeconds")]
    pub clock_offset_secs: i64,
    /// Replace the built-in foundation models (`FoundationModelSummary` JSON items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foundation_models: Option<Vec<Value>>,
    /// Added to the (built-in or replaced) foundation models.
    pub extra_foundation_models: Vec<Value>,
    /// Replace the built-in inference profiles (`InferenceProfileSummary` JSON items).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inference_profiles: Option<Vec<Value>>,
    pub extra_inference_profiles: Vec<Value>,
    /// Operations answered with 403 AccessDeniedException (`ListInferenceProfiles` or
    /// `bedrock:ListInferenceProfiles`; runtime: `Converse`, `ConverseStream`).
    pub deny_operations: Vec<String>,
    /// Reject on-demand calls to a foundation model whose `inferenceTypesSupported` lacks
    /// `ON_DEMAND` (as AWS does: use an inference profile).
    pub enforce_inference_types: bool,
    /// Pause between default-reply frames, ms (0 = none).
    pub frame_delay_ms: u64,
    /// Refuse every Converse request Bedrock would refuse (`src/validate.rs`: thinking,
    /// sampling, limits, tools, images, cache points, types, unknown fields), as Bedrock
    /// does. Default true; false keeps only the conversation-shape checks, for
    /// fault-injection tests that send an odd request on purpose.
    pub strict_validation: bool,
    /// Serve HTTPS with this certificate chain and key instead of plain HTTP (tests of TLS
    /// trust, with a throwaway CA); `url()` is then `https://`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsIdentity>,
    /// With `tls`: the protocols offered in ALPN, in order of preference. Default
    /// `["h2", "http/1.1"]` as Bedrock; `["http/1.1"]` is a server without HTTP/2.
    pub tls_alpn: Vec<String>,
}

/// A server certificate chain and its private key, PEM.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsIdentity {
    pub cert_chain_pem: String,
    pub private_key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity(..)")
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            host: "127.0.0.1".into(),
            port: 0,
            region: DEFAULT_REGION.into(),
            account_id: catalogue::DEFAULT_ACCOUNT.into(),
            credentials: vec![Credentials {
                access_key_id: DEFAULT_ACCESS_KEY_ID.into(),
                secret_access_key: DEFAULT_SECRET_ACCESS_KEY.into(),
                session_token: None,
            }],
            bearer_tokens: vec![DEFAULT_BEARER_TOKEN.into()],
            auth: true,
            max_skew_secs: 300,
            clock_offset_secs: 0,
            foundation_models: None,
            extra_foundation_models: Vec::new(),
            inference_profiles: None,
            extra_inference_profiles: Vec::new(),
            deny_operations: Vec::new(),
            enforce_inference_types: true,
            frame_delay_ms: 0,
            strict_validation: true,
            tls: None,
            tls_alpn: vec!["h2".into(), "http/1.1".into()],
        }
    }
}

impl EmulatorConfig {
    /// Parses options JSON (camelCase); unknown keys are an error naming them.
    pub fn from_json(v: &Value) -> Result<Self, String> {
        if v.is_null() {
            return Ok(Self::default());
        }
        serde_json::from_value(v.clone()).map_err(|e| format!("invalid emulator options: {e}"))
    }
}
