//! bedrock-core: everything bedrock-native does, without napi.
//!
//! - [`config`]: OpenClaw config file loading (JSON5), discovery/guardrail settings.
//! - [`credentials`]: env-marker detection, deep credential probe, auth for requests.
//! - [`region`]: region and endpoint resolution.
//! - [`discovery`]: cached model discovery (ListFoundationModels + ListInferenceProfiles).
//! - [`model_family`]: the model catalogue (limits, capabilities, cost) and family rules.
//! - [`eventstream`]: `application/vnd.amazon.eventstream` frame decoder.
//! - [`request`]: pi-ai `Context` -> Converse request body.
//! - [`stream`]: ConverseStream transport, retries, timeouts, pi-ai event mapping.
//! - [`error`]: the one error type, with a stable code per kind.
//! - [`log`]: `DEBUG=bedrock-native` / `BEDROCK_NATIVE_LOG=debug` stderr logging.

pub mod config;
pub mod credentials;
pub mod discovery;
pub mod error;
pub mod eventstream;
pub mod log;
pub mod model_family;
pub mod region;
pub mod request;
pub mod stream;
pub mod tls;

pub use error::{Error, ErrorCode, Result};
pub mod auth;
pub mod clock_skew;
