//! Model discovery: `ListFoundationModels` + every page of `ListInferenceProfiles`
//! (system-defined and application), concurrently, turned into the gateway's model
//! list exactly as OpenClaw's discovery does — plus the known-limits table, a provider
//! filter that also matches provider *names*, single-flight caching with last-good
//! fallback, and an optional on-disk cache shared between processes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_bedrock::config::{BehaviorVersion, Region, Token};
use aws_sdk_bedrock::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrock::types::InferenceProfileType;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Auth;
use crate::config::{BedrockSettings, DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_TOKENS, DEFAULT_REFRESH_INTERVAL_SECS};
use crate::credentials::{
    credential_identity, detect_auth_marker, key_identity, probe_credentials, resolve_auth_cached, AuthOptions, CachedCredentials,
    ProbeOptions,
};
use crate::error::{Error, ErrorCode, Result};
use crate::model_family::{self, Cost};
use crate::region::{resolve_region, EndpointConfig, Endpoints, EnvLookup};

pub const API: &str = "bedrock-converse-stream";
pub const AUTH: &str = "aws-sdk";

// ---------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------

/// The gateway's model shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveredModel {
    pub id: String,
    pub name: String,
    pub reasoning: bool,
    /// `"text"` and/or `"image"`.
    pub input: Vec<String>,
    pub cost: ModelCost,
    pub context_window: u64,
    pub max_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelCost {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
}

impl From<Cost> for ModelCost {
    fn from(c: Cost) -> Self {
        ModelCost { input: c.input, output: c.output, cache_read: c.cache_read, cache_write: c.cache_write }
    }
}

/// What a `FoundationModelSummary` says that discovery uses.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FoundationModelInfo {
    pub model_id: String,
    pub model_name: Option<String>,
    pub provider_name: Option<String>,
    pub input_modalities: Vec<String>,
    pub output_modalities: Vec<String>,
    pub response_streaming_supported: Option<bool>,
    #[serde(deserialize_with = "lifecycle_status")]
    #[serde(rename = "modelLifecycle")]
    pub lifecycle_status: Option<String>,
}

fn lifecycle_status<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(v.and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_string)))
}

/// What an `InferenceProfileSummary` says that discovery uses.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InferenceProfileInfo {
    pub inference_profile_id: String,
    pub inference_profile_name: Option<String>,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub profile_type: Option<String>,
    #[serde(deserialize_with = "model_arns")]
    #[serde(rename = "models")]
    pub model_arns: Vec<String>,
}

fn model_arns<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    let v = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(v.iter().filter_map(|m| m.get("modelArn").and_then(Value::as_str).map(str::to_string)).collect())
}

impl From<&aws_sdk_bedrock::types::FoundationModelSummary> for FoundationModelInfo {
    fn from(s: &aws_sdk_bedrock::types::FoundationModelSummary) -> Self {
        FoundationModelInfo {
            model_id: s.model_id().to_string(),
            model_name: s.model_name().map(str::to_string),
            provider_name: s.provider_name().map(str::to_string),
            input_modalities: s.input_modalities().iter().map(|m| m.as_str().to_string()).collect(),
            output_modalities: s.output_modalities().iter().map(|m| m.as_str().to_string()).collect(),
            response_streaming_supported: s.response_streaming_supported(),
            lifecycle_status: s.model_lifecycle().map(|l| l.status().as_str().to_string()),
        }
    }
}

impl From<&aws_sdk_bedrock::types::InferenceProfileSummary> for InferenceProfileInfo {
    fn from(s: &aws_sdk_bedrock::types::InferenceProfileSummary) -> Self {
        InferenceProfileInfo {
            inference_profile_id: s.inference_profile_id().to_string(),
            inference_profile_name: Some(s.inference_profile_name().to_string()),
            status: Some(s.status().as_str().to_string()),
            profile_type: Some(s.r#type().as_str().to_string()),
            model_arns: s.models().iter().filter_map(|m| m.model_arn().map(str::to_string)).collect(),
        }
    }
}

/// Limits applied to models the table does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Defaults {
    pub context_window: u64,
    pub max_tokens: u64,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { context_window: DEFAULT_CONTEXT_WINDOW, max_tokens: DEFAULT_MAX_TOKENS }
    }
}

// ---------------------------------------------------------------------------------------
// Pure part: filtering, resolution, ordering, de-duplication
// ---------------------------------------------------------------------------------------

/// Trimmed, lower-cased, de-duplicated and sorted (so the cache key does not depend on order).
pub fn normalize_provider_filter<S: AsRef<str>>(filter: &[S]) -> Vec<String> {
    let mut out: Vec<String> = filter.iter().map(|s| s.as_ref().trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

/// `anthropic` in `anthropic.claude-…` / `us.anthropic.claude-…`.
fn vendor_prefix(model_id: &str) -> String {
    let id = model_family::strip_geo_prefix(model_id.trim());
    id.split('.').next().unwrap_or("").to_lowercase()
}

fn provider_matches(filter: &[String], provider_name: Option<&str>, model_id: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let vendor = vendor_prefix(model_id);
    let name = provider_name.map(|n| n.trim().to_lowercase()).unwrap_or_default();
    let compact: String = name.chars().filter(|c| c.is_alphanumeric()).collect();
    let first_word = name.split_whitespace().next().unwrap_or("").to_string();
    filter.iter().any(|f| {
        (!vendor.is_empty() && *f == vendor) || (!name.is_empty() && (*f == name || *f == compact || *f == first_word))
    })
}

fn is_text_streaming(fm: &FoundationModelInfo) -> bool {
    fm.response_streaming_supported == Some(true) && fm.output_modalities.iter().any(|m| m.eq_ignore_ascii_case("text"))
}

fn is_active(status: Option<&str>) -> bool {
    status.map(|s| s.eq_ignore_ascii_case("active")).unwrap_or(false)
}

fn map_input(modalities: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for m in modalities {
        let lower = m.to_lowercase();
        if (lower == "text" || lower == "image") && !out.contains(&lower) {
            out.push(lower);
        }
    }
    if out.is_empty() {
        out.push("text".into());
    }
    out
}

/// Input modalities: the catalogue's for a known model (ListFoundationModels lists some
/// vision models as text-only), else what Bedrock lists, else text.
fn input_of(known: Option<&model_family::ModelSpec>, listed: &[String]) -> Vec<String> {
    match known {
        Some(k) if k.image_input => vec!["text".into(), "image".into()],
        Some(_) => vec!["text".into()],
        None => map_input(listed),
    }
}

fn foundation_model_to_definition(fm: &FoundationModelInfo, defaults: Defaults) -> DiscoveredModel {
    let id = fm.model_id.trim().to_string();
    let name = fm.model_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(&id).to_string();
    let known = model_family::lookup(&id);
    DiscoveredModel {
        reasoning: model_family::infers_reasoning(&id, &name),
        input: input_of(known, &fm.input_modalities),
        cost: known.map(|k| k.cost.into()).unwrap_or_default(),
        context_window: known.map(|k| k.context_window as u64).unwrap_or(defaults.context_window),
        max_tokens: known.map(|k| k.max_tokens as u64).unwrap_or(defaults.max_tokens),
        id,
        name,
    }
}

/// The base foundation model of a profile: the first model ARN, else (system-defined
/// profiles only) the id without its geography prefix.
pub fn profile_base_model_id(profile: &InferenceProfileInfo) -> Option<String> {
    if let Some(arn) = profile.model_arns.first() {
        if let Some((_, id)) = arn.split_once("foundation-model/") {
            if !id.is_empty() {
                return Some(id.to_string());
            }
        }
    }
    let system_defined = profile.profile_type.as_deref().map(|t| t.eq_ignore_ascii_case("SYSTEM_DEFINED")).unwrap_or(false);
    if system_defined {
        let id = profile.inference_profile_id.trim();
        let stripped = model_family::strip_geo_prefix(id);
        if stripped.len() != id.len() {
            return Some(stripped.to_string());
        }
    }
    None
}

/// OpenClaw's merge: kept foundation models, then profiles (inheriting from their base
/// model), de-duplicated by lower-cased id, `global.` first then by name.
pub fn build_model_list(
    foundation_models: &[FoundationModelInfo],
    profiles: &[InferenceProfileInfo],
    provider_filter: &[String],
    defaults: Defaults,
) -> Vec<DiscoveredModel> {
    let mut out: Vec<DiscoveredModel> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept: HashMap<String, usize> = HashMap::new();
    // Models that exist but cannot serve a text stream: their profiles are useless too.
    let mut unusable: HashSet<String> = HashSet::new();
    let mut provider_of: HashMap<String, String> = HashMap::new();

    for fm in foundation_models {
        let id = fm.model_id.trim();
        if id.is_empty() {
            continue;
        }
        let lower = id.to_lowercase();
        if let Some(p) = &fm.provider_name {
            provider_of.insert(lower.clone(), p.clone());
        }
        if !is_text_streaming(fm) {
            unusable.insert(lower);
            continue;
        }
        if !is_active(fm.lifecycle_status.as_deref()) || !provider_matches(provider_filter, fm.provider_name.as_deref(), id) {
            continue;
        }
        if seen.insert(lower.clone()) {
            kept.insert(lower, out.len());
            out.push(foundation_model_to_definition(fm, defaults));
        }
    }

    for profile in profiles {
        let id = profile.inference_profile_id.trim();
        if id.is_empty() || !is_active(profile.status.as_deref()) {
            continue;
        }
        let base_id = profile_base_model_id(profile);
        let base_lower = base_id.as_deref().map(str::to_lowercase);
        if let Some(b) = &base_lower {
            if unusable.contains(b) {
                continue;
            }
        }
        if !provider_filter.is_empty() {
            let by_arn = profile.model_arns.iter().any(|arn| {
                arn.split_once("foundation-model/").map(|(_, m)| provider_matches(provider_filter, None, m)).unwrap_or(false)
            });
            let by_base = base_id.as_deref().map(|b| {
                provider_matches(provider_filter, base_lower.as_ref().and_then(|l| provider_of.get(l)).map(String::as_str), b)
            });
            let by_id = !id.starts_with("arn:") && provider_matches(provider_filter, None, id);
            if !(by_arn || by_base.unwrap_or(false) || by_id) {
                continue;
            }
        }
        let lower = id.to_lowercase();
        if seen.contains(&lower) {
            continue;
        }
        let name = profile.inference_profile_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).unwrap_or(id).to_string();
        let base = base_lower.as_ref().and_then(|b| kept.get(b)).map(|&i| out[i].clone());
        let lookup_id = base_id.as_deref().unwrap_or(id);
        let known = model_family::lookup(lookup_id);
        let model = match base {
            Some(b) => DiscoveredModel { id: id.to_string(), name, ..b },
            None => DiscoveredModel {
                id: id.to_string(),
                reasoning: model_family::infers_reasoning(lookup_id, &name),
                input: input_of(known, &[]),
                cost: known.map(|k| k.cost.into()).unwrap_or_default(),
                context_window: known.map(|k| k.context_window as u64).unwrap_or(defaults.context_window),
                max_tokens: known.map(|k| k.max_tokens as u64).unwrap_or(defaults.max_tokens),
                name,
            },
        };
        seen.insert(lower);
        out.push(model);
    }

    out.sort_by(|a, b| {
        let ga = !a.id.starts_with("global.");
        let gb = !b.id.starts_with("global.");
        ga.cmp(&gb)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

// ---------------------------------------------------------------------------------------
// Options and results
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Return what could be fetched; failures are reported in the result.
    #[default]
    Advisory,
    /// Any failure rejects.
    Strict,
}

#[derive(Clone, Default)]
pub struct DiscoveryOptions {
    pub region: Option<String>,
    pub provider_filter: Vec<String>,
    /// Seconds; `None` = 3600; negative = 0 (no caching).
    pub refresh_interval_secs: Option<f64>,
    pub default_context_window: Option<f64>,
    pub default_max_tokens: Option<f64>,
    /// Control-plane endpoint override (VPC endpoint, proxy, emulator).
    pub endpoint: Option<String>,
    pub bearer_token: Option<String>,
    pub profile: Option<String>,
    pub mode: Mode,
    /// JSON file shared between processes (bedrock-native extension).
    pub cache_file: Option<PathBuf>,
    /// Environment for credentials and region; `None` = process env.
    pub env: Option<HashMap<String, String>>,
    /// Bound on each API call (connect + response); `None` = 30 s.
    pub timeout: Option<Duration>,
}

impl std::fmt::Debug for DiscoveryOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryOptions")
            .field("region", &self.region)
            .field("provider_filter", &self.provider_filter)
            .field("refresh_interval_secs", &self.refresh_interval_secs)
            .field("default_context_window", &self.default_context_window)
            .field("default_max_tokens", &self.default_max_tokens)
            .field("endpoint", &self.endpoint)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "** redacted **"))
            .field("profile", &self.profile)
            .field("mode", &self.mode)
            .field("cache_file", &self.cache_file)
            .field("env", &crate::credentials::RedactedEnv(&self.env))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A failure that did not stop discovery (advisory mode).
#[derive(Debug, Clone)]
pub struct DiscoveryWarning {
    /// `ListFoundationModels` or `ListInferenceProfiles`.
    pub operation: &'static str,
    pub error: Error,
}

#[derive(Debug, Clone)]
pub struct DiscoveryResult {
    pub models: Arc<Vec<DiscoveredModel>>,
    pub region: String,
    /// Served from the in-process or disk cache.
    pub from_cache: bool,
    /// The last good list, served because a refresh failed.
    pub stale: bool,
    /// Some call failed; `warnings` says which and why.
    pub partial: bool,
    pub warnings: Vec<DiscoveryWarning>,
    /// When the list was fetched from AWS (ms since epoch).
    pub fetched_at_ms: u64,
}

struct Resolved {
    region: String,
    filter: Vec<String>,
    refresh_secs: u64,
    defaults: Defaults,
    endpoint: Option<String>,
    auth_options: AuthOptions,
    key: String,
    timeout: Duration,
}

fn resolve_options(options: &DiscoveryOptions) -> Result<Resolved> {
    let env_owned;
    let env: &dyn EnvLookup = match &options.env {
        Some(map) => map,
        None => {
            env_owned = crate::region::ProcessEnv;
            &env_owned
        }
    };
    let (region, _) = resolve_region(options.region.as_deref(), None, options.profile.as_deref(), env)?;
    let filter = normalize_provider_filter(&options.provider_filter);
    let refresh_secs = match options.refresh_interval_secs {
        None => DEFAULT_REFRESH_INTERVAL_SECS,
        Some(v) if v.is_finite() && v > 0.0 => v.floor() as u64,
        Some(v) if v == f64::INFINITY => u64::MAX / 4,
        Some(_) => 0,
    };
    let positive = |v: Option<f64>, d: u64| match v {
        Some(v) if v.is_finite() && v.floor() >= 1.0 => v.floor() as u64,
        _ => d,
    };
    let defaults = Defaults {
        context_window: positive(options.default_context_window, DEFAULT_CONTEXT_WINDOW),
        max_tokens: positive(options.default_max_tokens, DEFAULT_MAX_TOKENS),
    };
    let endpoint = options.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(|e| e.trim_end_matches('/').to_string());
    let auth_options = AuthOptions {
        bearer_token: options.bearer_token.clone(),
        profile: options.profile.clone(),
        region: Some(region.clone()),
        env: options.env.clone(),
        identity_cache: None,
    };
    let key = format!(
        "{region}|{}|{}|{}|{}|{}",
        filter.join(","),
        defaults.context_window,
        defaults.max_tokens,
        endpoint.as_deref().unwrap_or(""),
        credential_identity(&auth_options)
    );
    Ok(Resolved {
        region,
        filter,
        refresh_secs,
        defaults,
        endpoint,
        auth_options,
        key,
        timeout: options.timeout.unwrap_or(Duration::from_secs(30)),
    })
}

// ---------------------------------------------------------------------------------------
// Fetching
// ---------------------------------------------------------------------------------------

/// Counts calls per operation (tests and benchmarks check single-flight with it).
static API_CALLS: OnceLock<Mutex<HashMap<&'static str, u64>>> = OnceLock::new();

fn count_call(op: &'static str) {
    let map = API_CALLS.get_or_init(Default::default);
    if let Ok(mut m) = map.lock() {
        *m.entry(op).or_default() += 1;
    }
}

/// Number of list calls made to AWS by this process so far (per operation name; pages
/// of `ListInferenceProfiles` count one each).
pub fn api_call_count(operation: &str) -> u64 {
    API_CALLS.get().and_then(|m| m.lock().ok().map(|m| m.get(operation).copied().unwrap_or(0))).unwrap_or(0)
}

/// The control-plane endpoint for `r`: its explicit endpoint, else the configured endpoint
/// URLs / FIPS / dual-stack settings of its environment through the SDK's resolver.
fn control_endpoints(r: &Resolved) -> Result<Endpoints> {
    let profile = r.auth_options.profile.as_deref();
    let config = match &r.auth_options.env {
        Some(env) => EndpointConfig::load(env, profile)?,
        None => EndpointConfig::load(&crate::region::ProcessEnv, profile)?,
    };
    Endpoints::resolve_with(&r.region, None, r.endpoint.as_deref(), &config)
}

async fn build_client(r: &Resolved) -> Result<(aws_sdk_bedrock::Client, Auth, Option<CachedCredentials>)> {
    let (auth, credentials_cache) = resolve_auth_cached(&r.auth_options).await?;
    let endpoints = control_endpoints(r)?;
    let timeouts = aws_smithy_types::timeout::TimeoutConfig::builder()
        .connect_timeout(r.timeout.min(Duration::from_secs(10)))
        .operation_attempt_timeout(r.timeout)
        .build();
    let http_client = match &r.auth_options.env {
        Some(env) => crate::tls::sdk_http_client(env)?,
        None => crate::tls::sdk_http_client(&crate::region::ProcessEnv)?,
    };
    let mut builder = aws_sdk_bedrock::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http_client)
        .region(Region::new(r.region.clone()))
        .timeout_config(timeouts)
        .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(3));
    // Resolved by control_endpoints (the SDK's own rules, plus configured endpoint URLs).
    builder = builder.endpoint_url(endpoints.control.clone());
    match &auth {
        Auth::Bearer(token) => {
            let uri = endpoints.control.parse::<http::Uri>().map_err(|_| {
                Error::invalid_argument(format!("endpoint {:?} is not a valid URL", endpoints.control))
            })?;
            crate::auth::refuse_bearer_over_plaintext(&uri)?;
            builder = builder
                .bearer_token(Token::new(token.expose().to_string(), None))
                .auth_scheme_preference([aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID]);
        }
        Auth::SigV4(provider) => {
            builder = builder.credentials_provider(provider.clone());
        }
    }
    Ok((aws_sdk_bedrock::Client::from_conf(builder.build()), auth, credentials_cache))
}

/// Turns an SDK failure into an error that names the cause.
fn map_sdk_error<E>(operation: &'static str, region: &str, endpoint: &str, err: SdkError<E, aws_smithy_runtime_api::http::Response>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        // A success status whose body is not the operation's response: the SDK reports
        // it as an unhandled service error, but nothing failed on AWS's side.
        SdkError::ServiceError(ctx) if ctx.raw().status().is_success() => {
            let mut out = Error::protocol(format!(
                "{operation}: {endpoint} answered {} with a body that is not a {operation} response: {}",
                ctx.raw().status().as_u16(),
                DisplayErrorContext(&err)
            ));
            out.request_id = ctx.raw().headers().get("x-amzn-RequestId").map(str::to_string);
            out
        }
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let request_id = ctx.raw().headers().get("x-amzn-RequestId").map(str::to_string);
            let e = ctx.err();
            let code = e.code().unwrap_or("UnknownError").to_string();
            let aws_message = e.message().unwrap_or("").to_string();
            let lower = code.to_lowercase();
            let mut out = if lower.contains("accessdenied") {
                let mut x = Error::aws(
                    &code,
                    format!("{operation} was denied: the credentials lack the IAM permission bedrock:{operation} ({aws_message})"),
                    Some(status),
                );
                x.code = ErrorCode::AccessDenied;
                x
            } else if lower.contains("unrecognizedclient") {
                Error::aws(
                    &code,
                    format!("{operation} failed: {aws_message} — the credentials are invalid, or region {region} is not enabled for this account"),
                    Some(status),
                )
            } else {
                Error::aws(&code, format!("{operation} failed: {code}: {aws_message}"), Some(status))
            };
            out.request_id = request_id;
            out
        }
        SdkError::TimeoutError(_) => Error::timeout(format!("{operation} timed out calling {endpoint}")),
        SdkError::DispatchFailure(d) => {
            let detail = DisplayErrorContext(&err).to_string();
            if d.is_timeout() {
                Error::timeout(format!("{operation}: no answer from {endpoint} ({detail})"))
            } else {
                Error::network(format!("{operation}: cannot reach {endpoint} (region {region}): {detail}"))
            }
        }
        SdkError::ResponseError(_) => Error::protocol(format!("{operation}: unreadable response from {endpoint}: {}", DisplayErrorContext(&err))),
        _ => Error::new(ErrorCode::AwsError, format!("{operation} failed: {}", DisplayErrorContext(&err))),
    }
}

async fn list_foundation_models(client: &aws_sdk_bedrock::Client, region: &str, endpoint: &str) -> Result<Vec<FoundationModelInfo>> {
    count_call("ListFoundationModels");
    let out = client
        .list_foundation_models()
        .send()
        .await
        .map_err(|e| map_sdk_error("ListFoundationModels", region, endpoint, e))?;
    Ok(out.model_summaries().iter().map(FoundationModelInfo::from).collect())
}

/// Every page of one profile type (`None` = the API's default, system-defined).
async fn list_profiles_of_type(
    client: &aws_sdk_bedrock::Client,
    profile_type: Option<InferenceProfileType>,
    region: &str,
    endpoint: &str,
) -> Result<Vec<InferenceProfileInfo>> {
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0u32;
    loop {
        count_call("ListInferenceProfiles");
        let out = client
            .list_inference_profiles()
            .set_type_equals(profile_type.clone())
            .max_results(1000)
            .set_next_token(next.clone())
            .send()
            .await
            .map_err(|e| map_sdk_error("ListInferenceProfiles", region, endpoint, e))?;
        all.extend(out.inference_profile_summaries().iter().map(InferenceProfileInfo::from));
        pages += 1;
        match out.next_token().map(str::trim).filter(|t| !t.is_empty()) {
            // A token that repeats would loop forever; AWS never does that, a proxy might.
            Some(t) if Some(t) != next.as_deref() && pages < 10_000 => next = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(all)
}

async fn list_all_profiles(client: &aws_sdk_bedrock::Client, region: &str, endpoint: &str) -> Result<Vec<InferenceProfileInfo>> {
    let (system, application) = tokio::join!(
        list_profiles_of_type(client, None, region, endpoint),
        list_profiles_of_type(client, Some(InferenceProfileType::Application), region, endpoint)
    );
    let mut all = system?;
    all.extend(application?);
    Ok(all)
}

/// One fetched list, as cached.
#[derive(Debug, Clone)]
struct Snapshot {
    models: Arc<Vec<DiscoveredModel>>,
    warnings: Vec<DiscoveryWarning>,
    fetched_at_ms: u64,
    /// Read from the cache file (another process, or an earlier run, fetched it).
    from_disk: bool,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Calls both APIs concurrently. `Err` only when the foundation-model list failed (or
/// credentials are missing); a profile failure becomes a warning.
async fn fetch(r: &Resolved) -> Result<Snapshot> {
    let mut credentials_renewed = false;
    let (fms, profiles) = loop {
        let (client, auth, credentials_cache) = build_client(r).await?;
        if let Auth::SigV4(provider) = &auth {
            use aws_credential_types::provider::ProvideCredentials;
            // Resolve first so "no credentials" is reported as such, not as a dispatch failure.
            provider.provide_credentials().await.map_err(|e| {
                let error = crate::credentials::credentials_error(&e);
                if error.code == ErrorCode::CredentialsTimeout {
                    return error;
                }
                let detail = crate::credentials::describe_credentials_error(&e);
                let detail: Vec<&str> = detail.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                Error::new(ErrorCode::NoCredentials, format!("no AWS credentials for Bedrock discovery: {}", detail.join(" ")))
            })?;
        }
        let endpoint = control_endpoints(r)?.control;
        let (fms, profiles) = tokio::join!(
            list_foundation_models(&client, &r.region, &endpoint),
            list_all_profiles(&client, &r.region, &endpoint)
        );
        match (&fms, &credentials_cache) {
            // The cached identity lapsed early (or had no expiry): reload it and ask once
            // more, with a new client (the SDK client keeps its own copy of the identity).
            (Err(e), Some(cache)) if !credentials_renewed && crate::credentials::is_expired_token(e) => {
                crate::debug_log!("discovery {}: {} from AWS, reloading credentials from {}", r.region, e.code, cache.source());
                cache.invalidate();
                credentials_renewed = true;
            }
            _ => break (fms, profiles),
        }
    };
    let fms = fms?;
    let mut warnings = Vec::new();
    let profiles = match profiles {
        Ok(p) => p,
        Err(error) => {
            warnings.push(DiscoveryWarning { operation: "ListInferenceProfiles", error });
            Vec::new()
        }
    };
    remember_profile_bases(&profiles);
    let models = build_model_list(&fms, &profiles, &r.filter, r.defaults);
    crate::debug_log!(
        "discovery {}: {} foundation models, {} inference profiles -> {} models{}",
        r.region,
        fms.len(),
        profiles.len(),
        models.len(),
        if warnings.is_empty() { "" } else { " (partial: ListInferenceProfiles failed)" }
    );
    Ok(Snapshot { models: Arc::new(models), warnings, fetched_at_ms: now_ms(), from_disk: false })
}

// ---------------------------------------------------------------------------------------
// Application inference profiles -> base model (for the request builder's family rules)
// ---------------------------------------------------------------------------------------

/// Application profile ARN -> base foundation model id. An ARN's base model never
/// changes, so what any discovery run or `GetInferenceProfile` learnt is kept for the
/// life of the process.
static PROFILE_BASES: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();

fn profile_bases() -> std::sync::MutexGuard<'static, HashMap<String, String>> {
    // Only whole entries are inserted, so a poisoned lock still holds a consistent map.
    PROFILE_BASES.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner())
}

fn remember_profile_bases(profiles: &[InferenceProfileInfo]) {
    let learnt: Vec<(String, String)> = profiles
        .iter()
        .filter(|p| crate::request::is_application_profile_arn(&p.inference_profile_id))
        .filter_map(|p| profile_base_model_id(p).map(|base| (p.inference_profile_id.clone(), base)))
        .collect();
    if !learnt.is_empty() {
        profile_bases().extend(learnt);
    }
}

/// Where to ask `GetInferenceProfile` when discovery has not seen a profile.
#[derive(Clone, Default)]
pub struct ProfileLookupOptions {
    pub region: String,
    /// Control-plane endpoint override (`None` = AWS's standard endpoint for `region`).
    pub endpoint: Option<String>,
    pub bearer_token: Option<String>,
    pub profile: Option<String>,
    pub timeout: Option<Duration>,
    /// Environment for credentials and endpoints; `None` = process env.
    pub env: Option<HashMap<String, String>>,
}

impl std::fmt::Debug for ProfileLookupOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfileLookupOptions")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "** redacted **"))
            .field("profile", &self.profile)
            .finish()
    }
}

/// The base foundation model of an application inference profile ARN: from what
/// discovery listed, else from `GetInferenceProfile` (remembered). `None` when it cannot
/// be learnt (no permission, unreachable): the caller then treats the ARN as pi-ai does,
/// by its id alone, rather than failing the request.
pub async fn application_profile_base_model(arn: &str, options: ProfileLookupOptions) -> Option<String> {
    if let Some(base) = profile_bases().get(arn) {
        return Some(base.clone());
    }
    let resolved = resolve_options(&DiscoveryOptions {
        region: Some(options.region.clone()),
        endpoint: options.endpoint.clone(),
        bearer_token: options.bearer_token.clone(),
        profile: options.profile.clone(),
        timeout: Some(options.timeout.unwrap_or(Duration::from_secs(5))),
        env: options.env.clone(),
        ..Default::default()
    })
    .ok()?;
    let (client, _, _) = build_client(&resolved).await.ok()?;
    count_call("GetInferenceProfile");
    let output = client.get_inference_profile().inference_profile_identifier(arn).send().await.ok()?;
    let info = InferenceProfileInfo {
        inference_profile_id: arn.to_string(),
        inference_profile_name: None,
        status: None,
        profile_type: Some("APPLICATION".to_string()),
        model_arns: output.models().iter().filter_map(|m| m.model_arn().map(str::to_string)).collect(),
    };
    let base = profile_base_model_id(&info)?;
    profile_bases().insert(arn.to_string(), base.clone());
    Some(base)
}

// ---------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------

type Flight = Arc<tokio::sync::OnceCell<std::result::Result<Arc<Snapshot>, Error>>>;

#[derive(Default)]
struct CacheEntry {
    fresh: Option<(Arc<Snapshot>, Instant)>,
    last_good: Option<Arc<Snapshot>>,
    in_flight: Option<Flight>,
}

static CACHE: OnceLock<Mutex<HashMap<String, CacheEntry>>> = OnceLock::new();

fn cache() -> &'static Mutex<HashMap<String, CacheEntry>> {
    CACHE.get_or_init(Default::default)
}

fn lock_cache() -> std::sync::MutexGuard<'static, HashMap<String, CacheEntry>> {
    // A panic while holding the lock cannot leave the map half-written (only whole
    // values are swapped in), so a poisoned lock is still safe to use.
    cache().lock().unwrap_or_else(|p| p.into_inner())
}

/// Forgets every cached list (in process; the disk cache file is left alone).
pub fn clear_cache() {
    lock_cache().clear();
}

fn result_from(snapshot: &Snapshot, region: &str, from_cache: bool, stale: bool, mut extra: Vec<DiscoveryWarning>) -> DiscoveryResult {
    let mut warnings = snapshot.warnings.clone();
    warnings.append(&mut extra);
    DiscoveryResult {
        models: snapshot.models.clone(),
        region: region.to_string(),
        from_cache,
        stale,
        partial: !warnings.is_empty(),
        warnings,
        fetched_at_ms: snapshot.fetched_at_ms,
    }
}

fn finish(r: &Resolved, mode: Mode, outcome: std::result::Result<(Arc<Snapshot>, bool), Error>) -> Result<DiscoveryResult> {
    match outcome {
        Ok((snapshot, from_cache)) => {
            if mode == Mode::Strict {
                if let Some(w) = snapshot.warnings.first() {
                    return Err(w.error.clone());
                }
            }
            Ok(result_from(&snapshot, &r.region, from_cache, false, Vec::new()))
        }
        Err(error) => {
            if mode == Mode::Strict {
                return Err(error);
            }
            if error.code == ErrorCode::InvalidArgument {
                return Err(error);
            }
            let last_good = lock_cache().get(&r.key).and_then(|e| e.last_good.clone());
            let warning = DiscoveryWarning { operation: "ListFoundationModels", error };
            Ok(match last_good {
                Some(s) => result_from(&s, &r.region, true, true, vec![warning]),
                None => DiscoveryResult {
                    models: Arc::new(Vec::new()),
                    region: r.region.clone(),
                    from_cache: false,
                    stale: false,
                    partial: true,
                    warnings: vec![warning],
                    fetched_at_ms: 0,
                },
            })
        }
    }
}

/// Discovers the models (SPEC §4), from cache when fresh.
pub async fn discover_models(options: DiscoveryOptions) -> Result<DiscoveryResult> {
    let r = resolve_options(&options)?;

    if r.refresh_secs == 0 {
        let outcome = fetch(&r).await.map(|s| {
            let s = Arc::new(s);
            lock_cache().entry(r.key.clone()).or_default().last_good = Some(s.clone());
            (s, false)
        });
        return finish(&r, options.mode, outcome);
    }

    let ttl = Duration::from_secs(r.refresh_secs.min(100 * 365 * 24 * 3600));
    let flight = {
        let mut map = lock_cache();
        let entry = map.entry(r.key.clone()).or_default();
        if let Some((snapshot, expires)) = &entry.fresh {
            if *expires > Instant::now() {
                return finish(&r, options.mode, Ok((snapshot.clone(), true)));
            }
        }
        entry.in_flight.get_or_insert_with(|| Arc::new(tokio::sync::OnceCell::new())).clone()
    };

    let cache_file = options.cache_file.clone();
    let result = flight
        .get_or_init(|| async {
            let outcome = refresh(&r, ttl, cache_file.as_deref()).await;
            let mut map = lock_cache();
            let entry = map.entry(r.key.clone()).or_default();
            entry.in_flight = None;
            match outcome {
                Ok((snapshot, age)) => {
                    let snapshot = Arc::new(snapshot);
                    let expires = Instant::now() + ttl.saturating_sub(age);
                    entry.fresh = Some((snapshot.clone(), expires));
                    entry.last_good = Some(snapshot.clone());
                    Ok(snapshot)
                }
                Err(e) => Err(e),
            }
        })
        .await
        .clone();
    let from_disk = matches!(&result, Ok(s) if s.from_disk);
    finish(&r, options.mode, result.map(|s| (s, from_disk)))
}

/// Gets a fresh list: from the disk cache when one is fresh there, else from AWS (one
/// process at a time per cache file). Returns the snapshot and its age.
async fn refresh(r: &Resolved, ttl: Duration, cache_file: Option<&Path>) -> Result<(Snapshot, Duration)> {
    let Some(path) = cache_file else {
        return fetch(r).await.map(|s| (s, Duration::ZERO));
    };
    let key_hash = key_identity("key", &r.key);
    if let Some(found) = read_disk_cache(path, &key_hash, ttl) {
        return Ok(found);
    }
    // Another process may be refreshing right now: wait for its result rather than
    // calling AWS a second time.
    let lock = DiskLock::acquire(path, r.timeout).await;
    if lock.is_none() {
        if let Some(found) = read_disk_cache(path, &key_hash, ttl) {
            return Ok(found);
        }
    } else if let Some(found) = read_disk_cache(path, &key_hash, ttl) {
        return Ok(found);
    }
    let snapshot = fetch(r).await?;
    if snapshot.warnings.is_empty() {
        write_disk_cache(path, &key_hash, &r.region, &snapshot);
    }
    drop(lock);
    Ok((snapshot, Duration::ZERO))
}

const DISK_FORMAT: &str = "bedrock-native/discovery-cache";
const DISK_VERSION: u64 = 1;

fn read_disk_cache(path: &Path, key_hash: &str, ttl: Duration) -> Option<(Snapshot, Duration)> {
    let text = std::fs::read_to_string(path).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    if v["format"] != DISK_FORMAT || v["version"].as_u64() != Some(DISK_VERSION) || v["key"] != key_hash {
        return None;
    }
    let fetched = v["fetchedAtMs"].as_u64()?;
    let now = now_ms();
    if fetched > now + 60_000 {
        return None; // from the future: clock jump or forged; refetch
    }
    let age = Duration::from_millis(now.saturating_sub(fetched));
    if age >= ttl {
        return None;
    }
    let models: Vec<DiscoveredModel> = serde_json::from_value(v["models"].clone()).ok()?;
    Some((Snapshot { models: Arc::new(models), warnings: Vec::new(), fetched_at_ms: fetched, from_disk: true }, age))
}

/// Writes atomically (temp file in the same directory, then rename) so a reader never
/// sees half a file. Failures are not fatal: the in-process cache still works.
fn write_disk_cache(path: &Path, key_hash: &str, region: &str, snapshot: &Snapshot) {
    let body = json!({
        "format": DISK_FORMAT,
        "version": DISK_VERSION,
        "key": key_hash,
        "region": region,
        "fetchedAtMs": snapshot.fetched_at_ms,
        "models": &*snapshot.models,
    });
    let Ok(text) = serde_json::to_vec_pretty(&body) else { return };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_file_name(format!(
        ".{}.{}.{}.tmp",
        path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "cache".into()),
        std::process::id(),
        now_ms()
    ));
    if std::fs::write(&tmp, &text).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// `<cacheFile>.lock`, created exclusively; removed on drop. A lock older than
/// `STALE_LOCK` is from a crashed process and is taken over.
struct DiskLock {
    path: PathBuf,
}

const STALE_LOCK: Duration = Duration::from_secs(60);

impl DiskLock {
    /// `Some` when this process holds the lock; `None` after waiting up to `wait` for
    /// another holder (the caller then re-reads the cache, or fetches itself).
    async fn acquire(cache_path: &Path, wait: Duration) -> Option<DiskLock> {
        let path = cache_path.with_file_name(format!(
            "{}.lock",
            cache_path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "cache".into())
        ));
        let deadline = Instant::now() + wait;
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Some(DiskLock { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .map(|t| t.elapsed().unwrap_or_default() > STALE_LOCK)
                        .unwrap_or(false);
                    if stale {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if Instant::now() >= deadline {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                    // The holder finished once the lock is gone; let the caller re-read.
                    if !path.exists() {
                        return None;
                    }
                }
                // Unwritable directory: no cross-process coordination, still works.
                Err(_) => return None,
            }
        }
    }
}

impl Drop for DiskLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

// ---------------------------------------------------------------------------------------
// Provider resolution (what the gateway registers)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Default)]
pub struct ProviderOptions {
    pub env: Option<HashMap<String, String>>,
    /// Control-plane endpoint override (else the explicit provider's non-standard baseUrl).
    pub endpoint: Option<String>,
    pub bearer_token: Option<String>,
    pub profile: Option<String>,
    pub mode: Mode,
    /// Bound for the credential probe in auto mode.
    pub probe_timeout: Option<Duration>,
}

impl std::fmt::Debug for ProviderOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderOptions")
            .field("env", &crate::credentials::RedactedEnv(&self.env))
            .field("endpoint", &self.endpoint)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "** redacted **"))
            .field("profile", &self.profile)
            .field("mode", &self.mode)
            .field("probe_timeout", &self.probe_timeout)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct ResolvedProvider {
    pub base_url: String,
    pub api: &'static str,
    pub auth: &'static str,
    /// Explicit models (as written) or discovered ones (gateway shape).
    pub models: Vec<Value>,
    /// `explicit` or `discovered`.
    pub models_source: &'static str,
    pub discovery: Option<DiscoveryResult>,
    /// Why discovery was considered enabled (`config`, a marker label, or the probe's source).
    pub enabled_by: String,
}

/// The provider the gateway registers, or `None` when discovery is off, or auto and no
/// credentials are found (env marker first, then the real chain), or nothing is found.
pub async fn resolve_bedrock_provider(settings: &BedrockSettings, options: ProviderOptions) -> Result<Option<ResolvedProvider>> {
    let enabled_by = match settings.discovery.enabled {
        Some(false) => return Ok(None),
        Some(true) => "config".to_string(),
        None => {
            let env_owned;
            let env: &dyn EnvLookup = match &options.env {
                Some(map) => map,
                None => {
                    env_owned = crate::region::ProcessEnv;
                    &env_owned
                }
            };
            let marker = detect_auth_marker(env);
            let explicit_bearer = options.bearer_token.as_deref().map(str::trim).filter(|t| !t.is_empty()).is_some();
            if explicit_bearer {
                "bearerToken".to_string()
            } else if marker.marker.is_some() {
                marker.label.to_string()
            } else {
                let probe = probe_credentials(ProbeOptions {
                    region: Some(settings.region.clone()),
                    profile: options.profile.clone(),
                    timeout: options.probe_timeout,
                    env: options.env.clone(),
                })
                .await;
                match probe.source {
                    Some(source) if probe.available => format!("probe: {source}"),
                    _ => return Ok(None),
                }
            }
        }
    };

    let explicit = settings.provider.as_ref();
    let base_url = explicit
        .and_then(|p| p.base_url.clone())
        .map(Ok)
        .unwrap_or_else(|| {
            let profile = options.profile.as_deref();
            let config = match &options.env {
                Some(env) => EndpointConfig::load(env, profile)?,
                None => EndpointConfig::load(&crate::region::ProcessEnv, profile)?,
            };
            Endpoints::resolve_with(&settings.region, None, None, &config).map(|e| e.runtime)
        })?;
    let endpoint = options.endpoint.clone().or_else(|| {
        Endpoints::resolve(&settings.region, Some(&base_url), None).ok().filter(|e| e.custom).map(|e| e.control)
    });

    if let Some(p) = explicit.filter(|p| !p.models.is_empty()) {
        return Ok(Some(ResolvedProvider {
            base_url,
            api: API,
            auth: AUTH,
            models: p.models.clone(),
            models_source: "explicit",
            discovery: None,
            enabled_by,
        }));
    }

    let d = &settings.discovery;
    let result = discover_models(DiscoveryOptions {
        region: Some(settings.region.clone()),
        provider_filter: d.provider_filter.clone(),
        refresh_interval_secs: Some(d.refresh_interval_secs as f64),
        default_context_window: Some(d.default_context_window as f64),
        default_max_tokens: Some(d.default_max_tokens as f64),
        endpoint,
        bearer_token: options.bearer_token.clone(),
        profile: options.profile.clone(),
        mode: options.mode,
        cache_file: d.cache_file.as_ref().map(PathBuf::from),
        env: options.env.clone(),
        timeout: None,
    })
    .await?;
    if result.models.is_empty() {
        return Ok(None);
    }
    let models = result.models.iter().map(|m| serde_json::to_value(m).unwrap_or(Value::Null)).collect();
    Ok(Some(ResolvedProvider {
        base_url,
        api: API,
        auth: AUTH,
        models,
        models_source: "discovered",
        discovery: Some(result),
        enabled_by,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(id: &str, name: &str, provider: &str, input: &[&str], output: &[&str], streaming: bool, status: &str) -> FoundationModelInfo {
        FoundationModelInfo {
            model_id: id.into(),
            model_name: Some(name.into()),
            provider_name: Some(provider.into()),
            input_modalities: input.iter().map(|s| s.to_string()).collect(),
            output_modalities: output.iter().map(|s| s.to_string()).collect(),
            response_streaming_supported: Some(streaming),
            lifecycle_status: Some(status.into()),
        }
    }

    fn profile(id: &str, name: &str, ty: &str, status: &str, arns: &[&str]) -> InferenceProfileInfo {
        InferenceProfileInfo {
            inference_profile_id: id.into(),
            inference_profile_name: Some(name.into()),
            status: Some(status.into()),
            profile_type: Some(ty.into()),
            model_arns: arns.iter().map(|s| s.to_string()).collect(),
        }
    }

    const SONNET46_ARN: &str = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6";

    #[test]
    fn filters_active_streaming_text_models_and_maps_modalities() {
        let models = build_model_list(
            &[
                fm("anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", "anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE"),
                fm("anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "anthropic", &["TEXT"], &["TEXT"], false, "ACTIVE"),
                fm("meta.llama3-8b-instruct-v1:0", "Llama 3 8B", "meta", &["TEXT"], &["TEXT"], true, "INACTIVE"),
                fm("amazon.titan-embed-text-v1", "Titan Embed", "amazon", &["TEXT"], &["EMBEDDING"], true, "ACTIVE"),
                fm("x.legacy", "Legacy", "x", &["TEXT"], &["text"], true, "legacy"),
                fm("  ", "Blank", "x", &["TEXT"], &["TEXT"], true, "ACTIVE"),
            ],
            &[],
            &[],
            Defaults::default(),
        );
        assert_eq!(models.len(), 1);
        let m = &models[0];
        assert_eq!(m.id, "anthropic.claude-3-7-sonnet-20250219-v1:0");
        assert_eq!(m.name, "Claude 3.7 Sonnet");
        assert_eq!(m.input, vec!["text", "image"]);
        // Known table, not the 32k default.
        assert_eq!((m.context_window, m.max_tokens), (200_000, 64_000));
        assert!(m.reasoning);
        assert_eq!(m.cost.input, 3.0);
    }

    #[test]
    fn unknown_models_get_configured_defaults_and_empty_input_means_text() {
        let models = build_model_list(
            &[fm("acme.widget-v1:0", " ", "Acme", &[], &["TEXT"], true, "active")],
            &[],
            &[],
            Defaults { context_window: 64_000, max_tokens: 8192 },
        );
        assert_eq!(models[0].name, "acme.widget-v1:0");
        assert_eq!(models[0].input, vec!["text"]);
        assert_eq!((models[0].context_window, models[0].max_tokens), (64_000, 8192));
        assert_eq!(models[0].cost, ModelCost::default());
    }

    #[test]
    fn provider_filter_matches_names_and_id_prefixes() {
        let fms = [
            fm("mistral.mistral-large-2402-v1:0", "Mistral Large", "Mistral AI", &["TEXT"], &["TEXT"], true, "ACTIVE"),
            fm("anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "Anthropic", &["TEXT"], &["TEXT"], true, "ACTIVE"),
            fm("ai21.jamba-1-5-mini-v1:0", "Jamba", "AI21 Labs", &["TEXT"], &["TEXT"], true, "ACTIVE"),
        ];
        let ids = |f: &[&str]| {
            build_model_list(&fms, &[], &normalize_provider_filter(f), Defaults::default()).into_iter().map(|m| m.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(&["mistral"]), vec!["mistral.mistral-large-2402-v1:0"]);
        assert_eq!(ids(&[" Mistral AI "]), vec!["mistral.mistral-large-2402-v1:0"]);
        assert_eq!(ids(&["ANTHROPIC"]), vec!["anthropic.claude-3-haiku-20240307-v1:0"]);
        assert_eq!(ids(&["ai21 labs"]).len(), 1);
        assert!(ids(&["amazon"]).is_empty());
        assert_eq!(ids(&[]).len(), 3);
    }

    #[test]
    fn profiles_inherit_from_their_base_and_global_sorts_first() {
        let fms = [fm("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", "anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE")];
        let profiles = [
            profile("us.anthropic.claude-sonnet-4-6", "US Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN]),
            profile("eu.anthropic.claude-sonnet-4-6", "EU Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN]),
            profile("global.anthropic.claude-sonnet-4-6", "Global Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN]),
            profile("ap.anthropic.claude-sonnet-4-6", "AP Claude Sonnet 4.6", "SYSTEM_DEFINED", "LEGACY", &[]),
        ];
        let models = build_model_list(&fms, &profiles, &[], Defaults::default());
        assert_eq!(models.len(), 4);
        assert_eq!(models[0].id, "global.anthropic.claude-sonnet-4-6");
        let us = models.iter().find(|m| m.id == "us.anthropic.claude-sonnet-4-6").expect("us profile");
        assert_eq!(us.name, "US Anthropic Claude Sonnet 4.6");
        assert_eq!(us.input, vec!["text", "image"]);
        assert_eq!(us.context_window, 1_000_000);
        assert!(models.iter().all(|m| m.id != "ap.anthropic.claude-sonnet-4-6"));
    }

    #[test]
    fn geography_prefixes_resolve_without_arns() {
        let fms = [fm("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", "anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE")];
        for prefix in ["au", "apac", "jp", "us-gov", "global"] {
            let id = format!("{prefix}.anthropic.claude-sonnet-4-6");
            let models = build_model_list(&fms, &[profile(&id, "P", "SYSTEM_DEFINED", "ACTIVE", &[])], &[], Defaults::default());
            let p = models.iter().find(|m| m.id == id).expect("profile kept");
            assert_eq!(p.input, vec!["text", "image"], "{prefix}");
        }
    }

    #[test]
    fn application_profiles_use_their_model_arn() {
        let fms = [fm("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", "anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE")];
        let arn_id = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
        let models = build_model_list(
            &fms,
            &[
                profile("us.my-prod-profile", "Prod Claude Profile", "APPLICATION", "ACTIVE", &[SONNET46_ARN]),
                profile(arn_id, "team", "APPLICATION", "ACTIVE", &[SONNET46_ARN]),
            ],
            &normalize_provider_filter(&["anthropic"]),
            Defaults::default(),
        );
        let p = models.iter().find(|m| m.id == "us.my-prod-profile").expect("kept");
        assert_eq!(p.input, vec!["text", "image"]);
        assert!(models.iter().any(|m| m.id == arn_id));
    }

    #[test]
    fn unknown_base_gets_text_and_defaults_and_duplicates_collapse() {
        let models = build_model_list(
            &[fm("Acme.Model", "Acme", "acme", &["TEXT"], &["TEXT"], true, "ACTIVE")],
            &[
                profile("us.acme.other", "Other", "SYSTEM_DEFINED", "ACTIVE", &[]),
                profile("acme.model", "dup of foundation model", "SYSTEM_DEFINED", "ACTIVE", &[]),
                profile("us.acme.other", "dup", "SYSTEM_DEFINED", "ACTIVE", &[]),
            ],
            &[],
            Defaults { context_window: 1000, max_tokens: 10 },
        );
        assert_eq!(models.len(), 2);
        let other = models.iter().find(|m| m.id == "us.acme.other").expect("kept");
        assert_eq!((other.input.clone(), other.context_window, other.max_tokens), (vec!["text".to_string()], 1000, 10));
    }

    #[test]
    fn profiles_of_non_text_models_are_dropped_and_filter_applies_to_profiles() {
        let fms = [
            fm("amazon.nova-canvas-v1:0", "Canvas", "Amazon", &["TEXT"], &["IMAGE"], false, "ACTIVE"),
            fm("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", "Anthropic", &["TEXT"], &["TEXT"], true, "ACTIVE"),
        ];
        let profiles = [
            profile("us.amazon.nova-canvas-v1:0", "Canvas", "SYSTEM_DEFINED", "ACTIVE", &[]),
            profile("us.anthropic.claude-sonnet-4-6", "US Sonnet", "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN]),
            profile("us.meta.llama3-3-70b-instruct-v1:0", "US Llama", "SYSTEM_DEFINED", "ACTIVE", &[]),
        ];
        let all = build_model_list(&fms, &profiles, &[], Defaults::default());
        assert!(all.iter().all(|m| !m.id.contains("canvas")));
        let filtered = build_model_list(&fms, &profiles, &normalize_provider_filter(&["anthropic"]), Defaults::default());
        let ids: Vec<_> = filtered.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, vec!["anthropic.claude-sonnet-4-6", "us.anthropic.claude-sonnet-4-6"]);
    }

    #[test]
    fn sdk_json_shapes_deserialize() {
        let fm: FoundationModelInfo = serde_json::from_value(json!({
            "modelArn": "arn:x", "modelId": "a.b", "modelName": "B", "providerName": "A",
            "inputModalities": ["TEXT"], "outputModalities": ["TEXT"], "responseStreamingSupported": true,
            "modelLifecycle": { "status": "ACTIVE" }, "guardrailsSupported": true
        }))
        .expect("parses");
        assert_eq!(fm.lifecycle_status.as_deref(), Some("ACTIVE"));
        let p: InferenceProfileInfo = serde_json::from_value(json!({
            "inferenceProfileId": "us.a.b", "inferenceProfileName": "US B", "status": "ACTIVE", "type": "SYSTEM_DEFINED",
            "models": [{ "modelArn": "arn:aws:bedrock:us-east-2::foundation-model/a.b" }]
        }))
        .expect("parses");
        assert_eq!(profile_base_model_id(&p).as_deref(), Some("a.b"));
    }
}
