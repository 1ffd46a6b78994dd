//! `detectAuthMarker(env?)`, `probeCredentials(options?)`, `loadConfig(options?)`:
//! which credentials the gateway has, and its Bedrock settings from the OpenClaw config.
//! Results carry source *names* only, never a key, secret, session token or bearer token.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use bedrock_core::config::{self as core_config, BedrockSettings, LoadOptions};
use bedrock_core::credentials::{self as core_credentials, ProbeOptions};
use bedrock_core::region::ProcessEnv;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::error::{invalid_argument, to_napi};

/// Which env marker OpenClaw would see. `marker` is the variable's *name*.
#[napi(object, js_name = "AuthMarker")]
pub struct JsAuthMarker {
  /// `AWS_BEARER_TOKEN_BEDROCK`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, or null.
  pub marker: Option<String>,
  /// OpenClaw's source label, e.g. `env: AWS_PROFILE` or `aws-sdk default chain`.
  pub label: String,
  /// `bearer` or `aws-sdk`.
  pub mode: String,
}

/// Env markers in OpenClaw's order (bearer token → key pair → profile → default chain),
/// trimmed, blank = absent. Sync, no I/O. `env` defaults to `process.env`.
#[napi(catch_unwind)]
pub fn detect_auth_marker(env: Option<HashMap<String, String>>) -> JsAuthMarker {
  let marker = match &env {
    Some(map) => core_credentials::detect_auth_marker(map),
    None => core_credentials::detect_auth_marker(&ProcessEnv),
  };
  JsAuthMarker {
    marker: marker.marker.map(str::to_string),
    label: marker.label.to_string(),
    mode: marker.mode.to_string(),
  }
}

#[napi(object, js_name = "ProbeCredentialsOptions")]
pub struct JsProbeOptions {
  pub region: Option<String>,
  pub profile: Option<String>,
  /// Whole-probe bound in ms (default 2000).
  pub timeout_ms: Option<f64>,
  /// The environment the AWS chain sees instead of `process.env` (files are still read
  /// from disk, located through this env's HOME / AWS_CONFIG_FILE / ...).
  pub env: Option<HashMap<String, String>>,
}

#[napi(object, js_name = "ProbeCredentialsResult")]
pub struct JsProbeResult {
  pub available: bool,
  /// `env`, `profile`, `sso`, `process`, `assume-role`, `web-identity`, `ecs`, `imds`.
  pub source: Option<String>,
  /// Expiry of temporary credentials, ISO 8601.
  pub expires_at: Option<String>,
  pub region: String,
  /// `config`, `env: AWS_REGION`, `env: AWS_DEFAULT_REGION`, `profile`, `default`.
  pub region_source: String,
  pub detail: String,
  /// Sources tried, in order.
  pub tried: Vec<String>,
}

fn timeout_from_ms(ms: Option<f64>, name: &str) -> napi::Result<Option<Duration>> {
  match ms {
    None => Ok(None),
    Some(v) if v.is_finite() && v > 0.0 => Ok(Some(Duration::from_millis(v.min(600_000.0) as u64))),
    Some(v) => Err(invalid_argument(format!("{name} must be a positive number of milliseconds, got {v}"))),
  }
}

/// Runs the real AWS default credential chain (env, shared files with SSO /
/// credential_process / assume-role, web identity, ECS, EC2 IMDSv2) within the timeout.
/// Never rejects for "no credentials": that is `available: false`.
#[napi]
pub async fn probe_credentials(options: Option<JsProbeOptions>) -> napi::Result<JsProbeResult> {
  let options = options.unwrap_or(JsProbeOptions { region: None, profile: None, timeout_ms: None, env: None });
  let timeout = timeout_from_ms(options.timeout_ms, "timeoutMs")?;
  let result = core_credentials::probe_credentials(ProbeOptions {
    region: options.region,
    profile: options.profile,
    timeout,
    env: options.env,
  })
  .await;
  Ok(JsProbeResult {
    available: result.available,
    expires_at: result.expires_at_iso(),
    source: result.source,
    region: result.region,
    region_source: result.region_source.as_str().to_string(),
    detail: result.detail,
    tried: result.tried,
  })
}

#[napi(object, js_name = "LoadConfigOptions")]
pub struct JsLoadConfigOptions {
  /// Config file to read (must exist). Default: OPENCLAW_CONFIG_PATH, then
  /// OPENCLAW_STATE_DIR/openclaw.json, then ~/.openclaw/openclaw.json.
  pub path: Option<String>,
  /// Environment instead of `process.env`.
  pub env: Option<HashMap<String, String>>,
}

/// The settings as JS sees them (camelCase, OpenClaw's key names).
pub(crate) fn settings_to_json(s: &BedrockSettings) -> Value {
  let d = &s.discovery;
  json!({
    "file": s.file,
    "region": s.region,
    "regionSource": s.region_source.as_str(),
    "discovery": {
      "enabled": d.enabled,
      "region": d.region,
      "providerFilter": d.provider_filter,
      "refreshInterval": d.refresh_interval_secs,
      "defaultContextWindow": d.default_context_window,
      "defaultMaxTokens": d.default_max_tokens,
      "cacheFile": d.cache_file,
    },
    "guardrail": s.guardrail.as_ref().map(|g| json!({
      "guardrailIdentifier": g.guardrail_identifier,
      "guardrailVersion": g.guardrail_version,
      "streamProcessingMode": g.stream_processing_mode,
      "trace": g.trace,
    })),
    "provider": s.provider.as_ref().map(|p| p.raw.clone()),
    "pluginConfig": s.plugin_config,
  })
}

/// Finds and parses the OpenClaw config (JSON5) and resolves the Bedrock settings.
/// Throws `ConfigSyntax` (with `location`), `ConfigType` (with `keyPath`) or
/// `ConfigNotFound` (an explicitly named file is missing).
#[napi(catch_unwind, ts_return_type = "BedrockSettings")]
pub fn load_config(options: Option<JsLoadConfigOptions>) -> napi::Result<Value> {
  let (path, env) = match options {
    Some(o) => (o.path.map(PathBuf::from), o.env),
    None => (None, None),
  };
  let settings = core_config::load_config(LoadOptions { path, env }).map_err(to_napi)?;
  Ok(settings_to_json(&settings))
}

/// TypeScript shape of `loadConfig()`'s result (for index.d.ts).
#[napi(object, js_name = "BedrockSettings")]
#[allow(dead_code)] // documents the JSON shape for index.d.ts
pub struct JsBedrockSettingsDoc {
  /// The file read, or null when no config file exists.
  pub file: Option<String>,
  pub region: String,
  pub region_source: String,
  pub discovery: JsDiscoverySettingsDoc,
  pub guardrail: Option<JsGuardrailDoc>,
  /// `models.providers["amazon-bedrock"]` as written.
  pub provider: Option<Value>,
  /// `plugins.entries["amazon-bedrock"].config` as written (unknown keys kept).
  pub plugin_config: Option<Value>,
}

#[napi(object, js_name = "DiscoverySettings")]
#[allow(dead_code)] // documents the JSON shape for index.d.ts
pub struct JsDiscoverySettingsDoc {
  /// null = auto (on when credentials are found).
  pub enabled: Option<bool>,
  pub region: Option<String>,
  pub provider_filter: Vec<String>,
  /// Seconds; 0 = no caching.
  pub refresh_interval: f64,
  pub default_context_window: f64,
  pub default_max_tokens: f64,
  pub cache_file: Option<String>,
}

#[napi(object, js_name = "GuardrailSettings")]
#[allow(dead_code)] // documents the JSON shape for index.d.ts
pub struct JsGuardrailDoc {
  pub guardrail_identifier: String,
  pub guardrail_version: String,
  pub stream_processing_mode: Option<String>,
  pub trace: Option<String>,
}
