//! `discoverModels(options?)`, `discoverModelsDetailed(options?)`,
//! `clearDiscoveryCache()`, `resolveBedrockProvider(options?)`: the gateway's Bedrock
//! model list, cached in process (and optionally on disk, shared between processes).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use bedrock_core::config::{load_config, settings_from_value, LoadOptions};
use bedrock_core::discovery::{self as core_discovery, DiscoveredModel, DiscoveryOptions, DiscoveryResult, Mode, ProviderOptions};
use bedrock_core::region::ProcessEnv;
use napi_derive::napi;
use serde_json::{json, Value};

use crate::error::{error_details, invalid_argument, to_napi};

#[napi(object, js_name = "DiscoverModelsOptions")]
pub struct JsDiscoveryOptions {
  /// Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1.
  pub region: Option<String>,
  /// Provider names or id prefixes (`anthropic`, `Mistral AI`, `mistral`), any case.
  pub provider_filter: Option<Vec<String>>,
  /// Cache TTL in seconds (default 3600; 0 = always call AWS).
  pub refresh_interval: Option<f64>,
  /// For models the built-in table does not know (default 32000).
  pub default_context_window: Option<f64>,
  /// For models the built-in table does not know (default 4096).
  pub default_max_tokens: Option<f64>,
  /// Control-plane endpoint (VPC endpoint, proxy, emulator).
  pub endpoint: Option<String>,
  /// Bedrock API key; default AWS_BEARER_TOKEN_BEDROCK; else SigV4 with the default chain.
  pub bearer_token: Option<String>,
  pub profile: Option<String>,
  /// `advisory` (default): failures are reported in the result. `strict`: they reject.
  #[napi(ts_type = "'advisory' | 'strict'")]
  pub mode: Option<String>,
  /// JSON file shared by processes on this host (written atomically, no credentials).
  pub cache_file: Option<String>,
  /// Environment instead of `process.env` (credentials and region lookup).
  pub env: Option<HashMap<String, String>>,
  /// Bound on each API call, ms (default 30000).
  pub timeout_ms: Option<f64>,
}

#[napi(object, js_name = "ModelCost")]
pub struct JsModelCost {
  pub input: f64,
  pub output: f64,
  pub cache_read: f64,
  pub cache_write: f64,
}

/// The gateway's model shape.
#[napi(object, js_name = "DiscoveredModel")]
pub struct JsModel {
  pub id: String,
  pub name: String,
  pub reasoning: bool,
  #[napi(ts_type = "Array<'text' | 'image'>")]
  pub input: Vec<String>,
  pub cost: JsModelCost,
  pub context_window: f64,
  pub max_tokens: f64,
}

fn to_js_model(m: &DiscoveredModel) -> JsModel {
  JsModel {
    id: m.id.clone(),
    name: m.name.clone(),
    reasoning: m.reasoning,
    input: m.input.clone(),
    cost: JsModelCost { input: m.cost.input, output: m.cost.output, cache_read: m.cost.cache_read, cache_write: m.cost.cache_write },
    context_window: m.context_window as f64,
    max_tokens: m.max_tokens as f64,
  }
}

/// A failure that did not stop discovery (advisory mode).
#[napi(object, js_name = "DiscoveryWarning")]
pub struct JsDiscoveryWarning {
  /// `ListFoundationModels` or `ListInferenceProfiles`.
  pub operation: String,
  /// The error code, as on a thrown error (`AccessDenied`, `Network`, ...).
  pub code: String,
  pub message: String,
  pub http_status: Option<u32>,
}

#[napi(object, js_name = "DiscoveryResult")]
pub struct JsDiscoveryResult {
  pub models: Vec<JsModel>,
  pub region: String,
  /// Served from the in-process cache or the cache file.
  pub from_cache: bool,
  /// A refresh failed and this is the last good list.
  pub stale: bool,
  /// Some call failed (see `warnings`).
  pub partial: bool,
  pub warnings: Vec<JsDiscoveryWarning>,
  /// When the list was fetched from AWS (ms since epoch; 0 when nothing was fetched).
  pub fetched_at: f64,
}

fn to_js_result(r: &DiscoveryResult) -> JsDiscoveryResult {
  JsDiscoveryResult {
    models: r.models.iter().map(to_js_model).collect(),
    region: r.region.clone(),
    from_cache: r.from_cache,
    stale: r.stale,
    partial: r.partial,
    warnings: r
      .warnings
      .iter()
      .map(|w| JsDiscoveryWarning {
        operation: w.operation.to_string(),
        code: w.error.code.as_str().to_string(),
        message: w.error.message.clone(),
        http_status: w.error.http_status.map(u32::from),
      })
      .collect(),
    fetched_at: r.fetched_at_ms as f64,
  }
}

fn parse_mode(mode: Option<&str>) -> napi::Result<Mode> {
  match mode.map(str::trim) {
    None | Some("") | Some("advisory") => Ok(Mode::Advisory),
    Some("strict") => Ok(Mode::Strict),
    Some(other) => Err(invalid_argument(format!("mode must be \"advisory\" or \"strict\", got \"{other}\""))),
  }
}

fn number_option(v: Option<f64>, name: &str) -> napi::Result<Option<f64>> {
  match v {
    Some(n) if n.is_nan() => Err(invalid_argument(format!("{name} must be a number, got NaN"))),
    other => Ok(other),
  }
}

fn to_core_options(o: Option<JsDiscoveryOptions>) -> napi::Result<DiscoveryOptions> {
  let Some(o) = o else { return Ok(DiscoveryOptions::default()) };
  let timeout = match o.timeout_ms {
    None => None,
    Some(ms) if ms.is_finite() && ms > 0.0 => Some(Duration::from_millis(ms.min(600_000.0) as u64)),
    Some(ms) => return Err(invalid_argument(format!("timeoutMs must be a positive number of milliseconds, got {ms}"))),
  };
  Ok(DiscoveryOptions {
    region: o.region,
    provider_filter: o.provider_filter.unwrap_or_default(),
    refresh_interval_secs: number_option(o.refresh_interval, "refreshInterval")?,
    default_context_window: number_option(o.default_context_window, "defaultContextWindow")?,
    default_max_tokens: number_option(o.default_max_tokens, "defaultMaxTokens")?,
    endpoint: o.endpoint,
    bearer_token: o.bearer_token,
    profile: o.profile,
    mode: parse_mode(o.mode.as_deref())?,
    cache_file: o.cache_file.filter(|f| !f.trim().is_empty()).map(PathBuf::from),
    env: o.env,
    timeout,
  })
}

/// The model list (what OpenClaw's discovery returns). In advisory mode failures give an
/// empty or partial list; use `discoverModelsDetailed` to see why.
#[napi]
pub async fn discover_models(options: Option<JsDiscoveryOptions>) -> napi::Result<Vec<JsModel>> {
  let result = core_discovery::discover_models(to_core_options(options)?).await.map_err(to_napi)?;
  Ok(result.models.iter().map(to_js_model).collect())
}

/// The model list plus where it came from and what failed.
#[napi]
pub async fn discover_models_detailed(options: Option<JsDiscoveryOptions>) -> napi::Result<JsDiscoveryResult> {
  let result = core_discovery::discover_models(to_core_options(options)?).await.map_err(to_napi)?;
  Ok(to_js_result(&result))
}

/// Forgets the in-process discovery cache (a cache file, if any, is left alone).
#[napi(catch_unwind)]
pub fn clear_discovery_cache() {
  core_discovery::clear_cache();
}

#[napi(object, js_name = "ResolveBedrockProviderOptions")]
pub struct JsProviderOptions {
  /// An OpenClaw config object already in memory (else the file is loaded).
  pub config: Option<Value>,
  /// Config file to load (see `loadConfig`).
  pub path: Option<String>,
  pub env: Option<HashMap<String, String>>,
  /// Control-plane endpoint override (else a non-standard explicit baseUrl).
  pub endpoint: Option<String>,
  pub bearer_token: Option<String>,
  pub profile: Option<String>,
  #[napi(ts_type = "'advisory' | 'strict'")]
  pub mode: Option<String>,
  /// Bound for the credential probe in auto mode, ms (default 2000).
  pub probe_timeout_ms: Option<f64>,
}

/// What the gateway registers as the `amazon-bedrock` provider, or null when discovery
/// is off (or auto and no credentials are found by env marker or probe), or nothing is
/// found: `{ baseUrl, api: "bedrock-converse-stream", auth: "aws-sdk", models,
/// modelsSource, enabledBy, discovery? }`.
#[napi(ts_return_type = "Promise<BedrockProvider | null>")]
pub async fn resolve_bedrock_provider(options: Option<JsProviderOptions>) -> napi::Result<Option<Value>> {
  let o = options.unwrap_or(JsProviderOptions {
    config: None,
    path: None,
    env: None,
    endpoint: None,
    bearer_token: None,
    profile: None,
    mode: None,
    probe_timeout_ms: None,
  });
  let mode = parse_mode(o.mode.as_deref())?;
  let settings = match &o.config {
    Some(config) => match &o.env {
      Some(env) => settings_from_value(config, None, env),
      None => settings_from_value(config, None, &ProcessEnv),
    },
    None => load_config(LoadOptions { path: o.path.map(PathBuf::from), env: o.env.clone() }),
  }
  .map_err(to_napi)?;
  let probe_timeout = match o.probe_timeout_ms {
    None => None,
    Some(ms) if ms.is_finite() && ms > 0.0 => Some(Duration::from_millis(ms.min(600_000.0) as u64)),
    Some(ms) => return Err(invalid_argument(format!("probeTimeoutMs must be a positive number, got {ms}"))),
  };
  let provider = core_discovery::resolve_bedrock_provider(
    &settings,
    ProviderOptions { env: o.env, endpoint: o.endpoint, bearer_token: o.bearer_token, profile: o.profile, mode, probe_timeout },
  )
  .await
  .map_err(to_napi)?;
  Ok(provider.map(|p| {
    let discovery = p.discovery.as_ref().map(|d| {
      json!({
        "fromCache": d.from_cache,
        "stale": d.stale,
        "partial": d.partial,
        "warnings": d.warnings.iter().map(|w| {
          let mut details = error_details(&w.error);
          details["operation"] = json!(w.operation);
          details["message"] = json!(w.error.message);
          details
        }).collect::<Vec<_>>(),
      })
    });
    json!({
      "baseUrl": p.base_url,
      "api": p.api,
      "auth": p.auth,
      "models": p.models,
      "modelsSource": p.models_source,
      "enabledBy": p.enabled_by,
      "discovery": discovery,
    })
  }))
}

/// TypeScript shape of `resolveBedrockProvider()`'s result (for index.d.ts).
#[napi(object, js_name = "BedrockProvider")]
#[allow(dead_code)] // documents the JSON shape for index.d.ts
pub struct JsBedrockProviderDoc {
  pub base_url: String,
  #[napi(ts_type = "'bedrock-converse-stream'")]
  pub api: String,
  #[napi(ts_type = "'aws-sdk'")]
  pub auth: String,
  /// Explicit models as written, or discovered ones (`DiscoveredModel`).
  pub models: Vec<Value>,
  #[napi(ts_type = "'explicit' | 'discovered'")]
  pub models_source: String,
  /// `config`, `bearerToken`, an env-marker label, or `probe: <source>`.
  pub enabled_by: String,
  pub discovery: Option<Value>,
}
