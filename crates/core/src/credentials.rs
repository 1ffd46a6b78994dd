//! Which credentials the addon can use, and how requests get them.
//!
//! - [`detect_auth_marker`]: OpenClaw's sync env-marker check (no I/O), same order and
//!   labels, so the gateway's "is Bedrock configured?" answer does not change.
//! - [`probe_credentials`]: the real AWS default chain (env, profile files with SSO /
//!   `credential_process` / assume-role, web identity, ECS, EC2 IMDSv2), bounded by a
//!   timeout, reporting which source answered. This sees an EC2 instance role, which
//!   env markers cannot.
//! - [`resolve_auth`]: bearer token (explicit or `AWS_BEARER_TOKEN_BEDROCK`) or SigV4
//!   with a caching default-chain provider.
//!
//! Secrets never leave this module in clear: results carry source names, and cache
//! identities carry a truncated SHA-256 of the key id / token.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::{self, future, error::CredentialsError, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_smithy_runtime::expiring_cache::ExpiringCache;
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::region::Region;
use sha2::{Digest, Sha256};

use crate::auth::{Auth, BearerToken};
use crate::error::{Error, ErrorCode, Result};
use crate::region::{active_profile, resolve_region, EnvLookup, ProcessEnv, RegionSource};

pub const BEARER_ENV: &str = "AWS_BEARER_TOKEN_BEDROCK";

/// pi-ai 1.6 sends `options.apiKey` as a Bedrock bearer token. OpenClaw puts an auth
/// *marker* in that field for SDK-chain auth, which is never a token: `aws-sdk`, an
/// environment variable's name (`AWS_PROFILE`, `AWS_BEARER_TOKEN_BEDROCK`, ...: upper-case
/// letters, digits and `_`), or a `<placeholder>`. Returns the token to send, if any.
/// Host adapters follow the same rule by passing the key on and letting this decide.
pub fn api_key_bearer_token(api_key: &str) -> Option<&str> {
    let key = api_key.trim();
    let env_var_name = key.starts_with(|c: char| c.is_ascii_uppercase())
        && key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let placeholder = key.starts_with('<') && key.ends_with('>');
    if key.is_empty() || key.eq_ignore_ascii_case("aws-sdk") || env_var_name || placeholder {
        None
    } else {
        Some(key)
    }
}

/// Result of the env-marker check: the marker's *name* and OpenClaw's source label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthMarker {
    /// `AWS_BEARER_TOKEN_BEDROCK`, `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, or `None` when only
    /// the SDK default chain is left.
    pub marker: Option<&'static str>,
    /// OpenClaw's label, e.g. `env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY`.
    pub label: &'static str,
    /// `"bearer"` for a Bedrock API key, else `"aws-sdk"` (SigV4).
    pub mode: &'static str,
}

/// Env markers in OpenClaw's order: bearer token → access key pair → profile → default
/// chain. Values are trimmed; blank counts as absent. Never reads a file.
pub fn detect_auth_marker(env: &dyn EnvLookup) -> AuthMarker {
    if env.get(BEARER_ENV).is_some() {
        return AuthMarker { marker: Some(BEARER_ENV), label: "env: AWS_BEARER_TOKEN_BEDROCK", mode: "bearer" };
    }
    if env.get("AWS_ACCESS_KEY_ID").is_some() && env.get("AWS_SECRET_ACCESS_KEY").is_some() {
        return AuthMarker {
            marker: Some("AWS_ACCESS_KEY_ID"),
            label: "env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY",
            mode: "aws-sdk",
        };
    }
    if env.get("AWS_PROFILE").is_some() {
        return AuthMarker { marker: Some("AWS_PROFILE"), label: "env: AWS_PROFILE", mode: "aws-sdk" };
    }
    AuthMarker { marker: None, label: "aws-sdk default chain", mode: "aws-sdk" }
}

/// Default bound for [`probe_credentials`].
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Default)]
pub struct ProbeOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Whole-probe bound; `None` = [`DEFAULT_PROBE_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// The environment the chain sees; `None` = the process environment. With a map,
    /// nothing is read from the process env (files are still read from disk, found via
    /// the map's `HOME` / `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`).
    pub env: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    pub available: bool,
    /// `env`, `profile`, `sso`, `process`, `assume-role`, `web-identity`, `ecs`, `imds`.
    pub source: Option<String>,
    /// Expiry of temporary credentials, milliseconds since the Unix epoch.
    pub expires_at_ms: Option<u64>,
    pub region: String,
    pub region_source: RegionSource,
    /// What happened, in words (never a secret).
    pub detail: String,
    /// Sources that were tried, in order.
    pub tried: Vec<String>,
    /// A stable non-secret identity of the credentials found (for cache keys).
    pub identity: Option<String>,
}

impl ProbeResult {
    /// `expires_at_ms` as ISO 8601 (`2026-01-01T00:00:00Z`).
    pub fn expires_at_iso(&self) -> Option<String> {
        let ms = self.expires_at_ms?;
        aws_smithy_types::DateTime::from_millis(ms as i64)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .ok()
    }
}

fn env_map_or_process(env: &Option<HashMap<String, String>>) -> HashMap<String, String> {
    match env {
        Some(map) => map.clone(),
        None => crate::region::process_env_map(),
    }
}

fn is_true(value: Option<String>) -> bool {
    value.map(|v| v.eq_ignore_ascii_case("true") || v == "1").unwrap_or(false)
}

/// An SDK default chain that sees exactly `env` (and the real file system).
async fn sdk_default_chain(env: HashMap<String, String>, profile: Option<&str>, region: &str) -> SharedCredentialsProvider {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    // STS, SSO and container-credential calls trust what the runtime trusts (crate::tls).
    if let Ok(client) = crate::tls::sdk_http_client(&env) {
        loader = loader.http_client(client);
    }
    let mut loader = loader
        .env(Env::from(env))
        .fs(Fs::real())
        .region(Region::new(region.to_string()));
    if let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    match config.credentials_provider() {
        Some(provider) => provider,
        // load() always installs the default chain unless told otherwise.
        None => SharedCredentialsProvider::new(NoCredentials),
    }
}

#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::not_loaded("no credentials provider configured")))
    }
}

/// Short name of the source that produced `credentials`.
pub fn credential_source(credentials: &Credentials) -> &'static str {
    let features = credentials.get_property::<Vec<AwsCredentialFeature>>();
    let has = |f: AwsCredentialFeature| features.map(|all| all.contains(&f)).unwrap_or(false);
    if has(AwsCredentialFeature::CredentialsSso) || has(AwsCredentialFeature::CredentialsProfileSso) {
        "sso"
    } else if has(AwsCredentialFeature::CredentialsProcess) || has(AwsCredentialFeature::CredentialsProfileProcess) {
        "process"
    } else if has(AwsCredentialFeature::CredentialsProfileStsWebIdToken)
        || has(AwsCredentialFeature::CredentialsEnvVarsStsWebIdToken)
        || has(AwsCredentialFeature::CredentialsStsAssumeRoleWebId)
    {
        "web-identity"
    } else if has(AwsCredentialFeature::CredentialsHttp) {
        "ecs"
    } else if has(AwsCredentialFeature::CredentialsImds) {
        "imds"
    } else if has(AwsCredentialFeature::CredentialsStsAssumeRole) {
        "assume-role"
    } else if has(AwsCredentialFeature::CredentialsEnvVars) {
        "env"
    } else if has(AwsCredentialFeature::CredentialsProfile) {
        "profile"
    } else {
        // A provider that does not tag its credentials (custom sources).
        "other"
    }
}

/// Non-secret identity of an access key id: a truncated SHA-256, never the id itself.
pub fn key_identity(prefix: &str, secret_or_id: &str) -> String {
    let digest = Sha256::digest(secret_or_id.as_bytes());
    format!("{prefix}:{}", &hex::encode(digest)[..16])
}

fn expires_ms(credentials: &Credentials) -> Option<u64> {
    credentials
        .expiry()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as u64)
}

/// The endpoint IMDS would be reached at under `env` (explicit endpoint, else the
/// IPv4/IPv6 default by `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`).
fn imds_endpoint(env: &HashMap<String, String>) -> String {
    if let Some(endpoint) = EnvLookup::get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT") {
        return endpoint;
    }
    match EnvLookup::get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE") {
        Some(mode) if mode.eq_ignore_ascii_case("ipv6") => "http://[fd00:ec2::254]".to_string(),
        _ => "http://169.254.169.254".to_string(),
    }
}

/// The IMDS stage of the chain with timeouts scaled to the probe's budget: on a host
/// where nothing answers at 169.254.169.254 the connect attempt must give up quickly.
fn imds_provider(env: &HashMap<String, String>, budget: Duration) -> Option<aws_config::imds::credentials::ImdsCredentialsProvider> {
    let connect = (budget / 5).clamp(Duration::from_millis(50), Duration::from_secs(1));
    let read = (budget / 2).clamp(Duration::from_millis(100), Duration::from_secs(1));
    let client = aws_config::imds::Client::builder()
        .endpoint(imds_endpoint(env))
        .ok()?
        .connect_timeout(connect)
        .read_timeout(read)
        .operation_attempt_timeout(read)
        .operation_timeout(budget)
        .max_attempts(2)
        .build();
    let mut builder = aws_config::imds::credentials::ImdsCredentialsProvider::builder().imds_client(client);
    if let Some(profile) = EnvLookup::get(env, "AWS_EC2_INSTANCE_PROFILE_NAME") {
        builder = builder.profile(profile);
    }
    Some(builder.build())
}

/// Stages of the default chain that apply under `env`, for `tried`.
fn chain_stages(env: &HashMap<String, String>) -> Vec<String> {
    let mut stages = vec!["env".to_string(), "profile".to_string()];
    if EnvLookup::get(env, "AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
        stages.push("web-identity".into());
    }
    if EnvLookup::get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        || EnvLookup::get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
    {
        stages.push("ecs".into());
    }
    stages
}

/// Runs the AWS default credential chain, bounded by `options.timeout`, and reports
/// which source answered. Never fails: "nothing found" is `available: false`.
pub async fn probe_credentials(options: ProbeOptions) -> ProbeResult {
    let started = Instant::now();
    let budget = options.timeout.unwrap_or(DEFAULT_PROBE_TIMEOUT).max(Duration::from_millis(1));
    let env = env_map_or_process(&options.env);
    let (region, region_source) = match resolve_region(options.region.as_deref(), None, options.profile.as_deref(), &env) {
        Ok(found) => found,
        Err(e) => {
            return ProbeResult {
                available: false,
                source: None,
                expires_at_ms: None,
                region: options.region.clone().unwrap_or_default(),
                region_source: RegionSource::Config,
                detail: e.message,
                tried: Vec::new(),
                identity: None,
            }
        }
    };
    let mut tried = chain_stages(&env);

    let found = |creds: Credentials, tried: Vec<String>, region: String| {
        let source = credential_source(&creds);
        ProbeResult {
            available: true,
            source: Some(source.to_string()),
            expires_at_ms: expires_ms(&creds),
            region,
            region_source,
            detail: format!("credentials from {source}"),
            tried,
            identity: Some(key_identity("sigv4", creds.access_key_id())),
        }
    };

    // Everything but IMDS through the SDK's own chain (IMDS switched off there so it
    // can run below with timeouts that fit the budget).
    let mut chain_env = env.clone();
    chain_env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    let chain = sdk_default_chain(chain_env, options.profile.as_deref(), &region).await;
    let remaining = budget.saturating_sub(started.elapsed());
    let mut failures: Vec<String> = Vec::new();
    match tokio::time::timeout(remaining, chain.provide_credentials()).await {
        Ok(Ok(creds)) => return found(creds, tried, region),
        Ok(Err(e)) => {
            // The chain lists every stage; its IMDS stage is the one we switched off.
            let text = describe_credentials_error(&e);
            let kept: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Ec2InstanceMetadata"))
                .collect();
            failures.push(kept.join(" "));
        }
        Err(_) => {
            return ProbeResult {
                available: false,
                source: None,
                expires_at_ms: None,
                region,
                region_source,
                detail: format!("credential probe timed out after {} ms", budget.as_millis()),
                tried,
                identity: None,
            }
        }
    }

    if is_true(EnvLookup::get(&env, "AWS_EC2_METADATA_DISABLED")) {
        failures.push("IMDS disabled by AWS_EC2_METADATA_DISABLED".into());
    } else {
        tried.push("imds".into());
        let remaining = budget.saturating_sub(started.elapsed());
        match imds_provider(&env, remaining) {
            Some(imds) => match tokio::time::timeout(remaining, imds.provide_credentials()).await {
                Ok(Ok(creds)) => return found(creds, tried, region),
                Ok(Err(e)) => failures.push(format!("IMDS: {}", describe_credentials_error(&e).replace('\n', " "))),
                Err(_) => failures.push(format!("IMDS: no answer within {} ms", remaining.as_millis())),
            },
            None => failures.push("IMDS: invalid AWS_EC2_METADATA_SERVICE_ENDPOINT".into()),
        }
    }

    ProbeResult {
        available: false,
        source: None,
        expires_at_ms: None,
        region,
        region_source,
        detail: format!("no AWS credentials found ({})", failures.join("; ")),
        tried,
        identity: None,
    }
}

/// A credentials error in one line, with its cause chain (AWS's messages name files and
/// providers, never key material).
pub fn describe_credentials_error(e: &CredentialsError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    let mut depth = 0;
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
        depth += 1;
        if depth > 6 {
            break;
        }
    }
    text
}

/// What [`resolve_auth`] needs.
#[derive(Clone, Default)]
pub struct AuthOptions {
    pub bearer_token: Option<String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    /// `None` = process environment.
    pub env: Option<HashMap<String, String>>,
    /// How the identity cache created for these options behaves; `None` = the SDK's
    /// defaults (the load timeout may be set by `BEDROCK_NATIVE_CREDENTIALS_TIMEOUT_MS`).
    /// Only used when no cache exists yet for this credential setup.
    pub identity_cache: Option<IdentityCacheSettings>,
}

impl AuthOptions {
    fn bearer(&self) -> Option<BearerToken> {
        match self.bearer_token.as_deref().and_then(BearerToken::new) {
            Some(token) => Some(token),
            None => match &self.env {
                Some(map) => EnvLookup::get(map, BEARER_ENV).and_then(|t| BearerToken::new(&t)),
                None => ProcessEnv.get(BEARER_ENV).and_then(|t| BearerToken::new(&t)),
            },
        }
    }
}

/// Bearer token when one is given (option, else `AWS_BEARER_TOKEN_BEDROCK`), else SigV4
/// with the default chain behind the process-wide identity cache ([`CachedCredentials`]).
pub async fn resolve_auth(options: &AuthOptions) -> Result<Auth> {
    Ok(resolve_auth_cached(options).await?.0)
}

/// [`resolve_auth`], plus the cache behind a SigV4 identity, so a caller that gets
/// `ExpiredToken` back can [`CachedCredentials::invalidate`] it and try once more.
pub async fn resolve_auth_cached(options: &AuthOptions) -> Result<(Auth, Option<CachedCredentials>)> {
    let skip = match &options.env {
        Some(map) => EnvLookup::get(map, crate::auth::SKIP_AUTH_ENV),
        None => ProcessEnv.get(crate::auth::SKIP_AUTH_ENV),
    };
    if crate::auth::skip_auth_requested(skip.as_deref()) {
        return Ok((crate::auth::skip_auth(), None));
    }
    if let Some(token) = options.bearer() {
        return Ok((Auth::Bearer(token), None));
    }
    let env = env_map_or_process(&options.env);
    let (region, _) = resolve_region(options.region.as_deref(), None, options.profile.as_deref(), &env)?;
    // A named AWS_CA_BUNDLE that cannot be used is reported, not silently not trusted.
    crate::tls::trust_roots(&env)?;
    // One cache per distinct credential setup, kept for the life of the process: the
    // runtime resolves auth for every stream, and rebuilding the chain each time would
    // re-read profile files and re-ask IMDS / credential_process per request. Each setup
    // has its own cache, so a hung load of one never holds up another.
    let key = provider_cache_key(&env, options.profile.as_deref(), &region);
    if let Some(cached) = lock_providers().get(&key) {
        return Ok((Auth::SigV4(SharedCredentialsProvider::new(cached.clone())), Some(cached.clone())));
    }
    let settings = options.identity_cache.clone().unwrap_or_else(|| IdentityCacheSettings::from_env(&env));
    let source = describe_credential_source(&env, options.profile.as_deref()).await;
    let chain = sdk_default_chain(env, options.profile.as_deref(), &region).await;
    let cached = CachedCredentials::new(chain, source, settings);
    let cached = lock_providers().entry(key).or_insert(cached).clone();
    Ok((Auth::SigV4(SharedCredentialsProvider::new(cached.clone())), Some(cached)))
}

type ProviderCache = std::sync::Mutex<HashMap<String, CachedCredentials>>;
static PROVIDERS: std::sync::OnceLock<ProviderCache> = std::sync::OnceLock::new();

fn lock_providers() -> std::sync::MutexGuard<'static, HashMap<String, CachedCredentials>> {
    // Only whole entries are ever inserted, so a poisoned map is still consistent.
    PROVIDERS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner())
}

/// Hash of everything the default chain reads from the environment (never stored in clear).
fn provider_cache_key(env: &HashMap<String, String>, profile: Option<&str>, region: &str) -> String {
    let mut relevant: Vec<(&String, &String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with("AWS_") || *k == "HOME" || *k == "USERPROFILE")
        .collect();
    relevant.sort();
    let mut hasher = Sha256::new();
    for (k, v) in relevant {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    hasher.update(profile.unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(region.as_bytes());
    hex::encode(hasher.finalize())
}

/// Cheap, sync, non-secret identity of the credentials `options` would use, for cache
/// keys: a hash of the bearer token or of `AWS_ACCESS_KEY_ID`, else the profile name.
pub fn credential_identity(options: &AuthOptions) -> String {
    if let Some(token) = options.bearer() {
        return key_identity("bearer", token.expose());
    }
    let process_env;
    let env: &dyn EnvLookup = match &options.env {
        Some(map) => map,
        None => {
            process_env = ProcessEnv;
            &process_env
        }
    };
    if let (Some(id), Some(_)) = (env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")) {
        return key_identity("sigv4", &id);
    }
    format!("profile:{}", active_profile(env, options.profile.as_deref()))
}

impl fmt::Debug for ProbeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeOptions")
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("timeout", &self.timeout)
            .field("env", &RedactedEnv(&self.env))
            .finish()
    }
}

impl fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthOptions")
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "** redacted **"))
            .field("profile", &self.profile)
            .field("region", &self.region)
            .field("env", &RedactedEnv(&self.env))
            .finish()
    }
}

/// Debug view of an env map: variable names only, never values (they include secrets).
pub struct RedactedEnv<'a>(pub &'a Option<HashMap<String, String>>);

impl fmt::Debug for RedactedEnv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("None (process env)"),
            Some(map) => {
                let mut names: Vec<&String> = map.keys().collect();
                names.sort();
                write!(f, "{{ names: {names:?}, values: ** redacted ** }}")
            }
        }
    }
}

/// How long an identity without an expiry is used before it is resolved again: the AWS
/// SDK for Rust's `LazyCache` default (aws-smithy-runtime `DEFAULT_EXPIRATION`).
pub const DEFAULT_EXPIRY_LESS_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// An identity counts as expired this long (less up to half of it, at random) before its
/// expiry: `LazyCache`'s `DEFAULT_BUFFER_TIME` and jitter.
pub const DEFAULT_BUFFER_TIME: Duration = Duration::from_secs(10);
/// Longest wait for one credential load. `LazyCache` derives it from the client's retry
/// and timeout config; for the defaults (3 attempts, 1 s then 2 s backoff, 3.1 s connect
/// timeout doubled per attempt) that is 3 + 3 x 6.2 = 21.6 s, long enough for an SSO or
/// STS call with its retries, and a hung `credential_process` still ends.
pub const DEFAULT_CREDENTIALS_LOAD_TIMEOUT: Duration = Duration::from_millis(21_600);
/// Environment variable that overrides [`DEFAULT_CREDENTIALS_LOAD_TIMEOUT`] (milliseconds).
pub const CREDENTIALS_TIMEOUT_ENV: &str = "BEDROCK_NATIVE_CREDENTIALS_TIMEOUT_MS";

/// The identity cache's rules, with the clock injectable (tests move it instead of waiting).
#[derive(Clone, Debug)]
pub struct IdentityCacheSettings {
    pub time_source: SharedTimeSource,
    pub load_timeout: Duration,
    pub expiry_less_lifetime: Duration,
    pub buffer_time: Duration,
}

impl Default for IdentityCacheSettings {
    fn default() -> Self {
        IdentityCacheSettings {
            time_source: SharedTimeSource::new(SystemTimeSource::new()),
            load_timeout: DEFAULT_CREDENTIALS_LOAD_TIMEOUT,
            expiry_less_lifetime: DEFAULT_EXPIRY_LESS_LIFETIME,
            buffer_time: DEFAULT_BUFFER_TIME,
        }
    }
}

impl IdentityCacheSettings {
    /// The defaults, with the load timeout from `BEDROCK_NATIVE_CREDENTIALS_TIMEOUT_MS`
    /// when that is a whole number of milliseconds >= 1 in `env`.
    pub fn from_env(env: &dyn EnvLookup) -> Self {
        let mut settings = IdentityCacheSettings::default();
        if let Some(ms) = env.get(CREDENTIALS_TIMEOUT_ENV).and_then(|v| v.parse::<u64>().ok()).filter(|ms| *ms >= 1) {
            settings.load_timeout = Duration::from_millis(ms);
        }
        settings
    }
}

/// One credential setup's cached identity, shared by every stream and discovery call
/// that uses it. The rules are the AWS SDK for Rust's lazy identity cache (aws-smithy-runtime
/// `LazyCache`), on its own `ExpiringCache`: concurrent callers share one in-flight load;
/// an identity is reloaded `buffer_time` (jittered) before its expiry, or
/// `expiry_less_lifetime` after it was loaded when it has none; a load that takes longer
/// than `load_timeout` fails with a `CredentialsTimeout` naming the source. Beyond the
/// SDK: [`CachedCredentials::invalidate`], for when AWS says the token has expired.
#[derive(Clone)]
pub struct CachedCredentials(Arc<IdentityCache>);

struct IdentityCache {
    chain: SharedCredentialsProvider,
    /// Where the credentials come from, in words (never a secret), for errors.
    source: String,
    settings: IdentityCacheSettings,
    /// Swapped for an empty one to invalidate: loads in flight finish into the old one.
    slot: std::sync::Mutex<ExpiringCache<Credentials, CredentialsError>>,
}

impl fmt::Debug for CachedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CachedCredentials({}, ** redacted **)", self.0.source)
    }
}

/// A credential load that outlasted the cache's load timeout.
#[derive(Debug)]
struct LoadTimedOut {
    source: String,
    after: Duration,
}

impl fmt::Display for LoadTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loading AWS credentials from {} took longer than {} ms (credential load timeout; {} changes it)",
            self.source,
            self.after.as_millis(),
            CREDENTIALS_TIMEOUT_ENV
        )
    }
}

impl std::error::Error for LoadTimedOut {}

impl CachedCredentials {
    /// `chain` behind a fresh cache; `source` names it in errors.
    pub fn new(chain: SharedCredentialsProvider, source: impl Into<String>, settings: IdentityCacheSettings) -> Self {
        let slot = std::sync::Mutex::new(ExpiringCache::new(settings.buffer_time));
        CachedCredentials(Arc::new(IdentityCache { chain, source: source.into(), settings, slot }))
    }

    /// Where these credentials come from, in words.
    pub fn source(&self) -> &str {
        &self.0.source
    }

    /// Forgets the cached identity: the next caller loads anew. For an `ExpiredToken`
    /// answer (the identity lapsed before the expiry it claimed, or it claimed none).
    pub fn invalidate(&self) {
        *self.lock_slot() = ExpiringCache::new(self.0.settings.buffer_time);
    }

    fn lock_slot(&self) -> std::sync::MutexGuard<'_, ExpiringCache<Credentials, CredentialsError>> {
        // Only ever replaced whole, so a poisoned slot is still consistent.
        self.0.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `LazyCache::resolve_cached_identity`, for credentials.
    async fn credentials(&self) -> provider::Result {
        let cache = &self.0;
        let now = cache.settings.time_source.now();
        // As the SDK, the timeout runs from the call: a caller waiting on another's load
        // is bounded by its own deadline too.
        let deadline = tokio::time::Instant::now() + cache.settings.load_timeout;
        let slot = self.lock_slot().clone();
        if let Some(credentials) = slot.yield_or_clear_if_expired(now).await {
            return Ok(credentials);
        }
        slot.get_or_load(|| async move {
            let credentials = match tokio::time::timeout_at(deadline, cache.chain.provide_credentials()).await {
                Ok(result) => result?,
                Err(_) => match cache.chain.fallback_on_interrupt() {
                    Some(credentials) => credentials,
                    None => {
                        crate::debug_log!("credentials: load from {} timed out", cache.source);
                        return Err(CredentialsError::provider_error(LoadTimedOut {
                            source: cache.source.clone(),
                            after: cache.settings.load_timeout,
                        }));
                    }
                },
            };
            let expiry = credentials.expiry().unwrap_or(now + cache.settings.expiry_less_lifetime);
            let jitter = cache.settings.buffer_time.mul_f64(rand::random::<f64>() * 0.5);
            crate::debug_log!(
                "credentials: loaded from {} ({})",
                cache.source,
                if credentials.expiry().is_some() { "with expiry" } else { "no expiry: reused for 15 min" }
            );
            Ok((credentials, expiry + jitter))
        })
        .await
    }
}

impl ProvideCredentials for CachedCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

/// A credentials failure as a core error: `CredentialsTimeout` when the load outlasted
/// the cache's timeout (the message names the source), else `NoCredentials`.
pub fn credentials_error(e: &CredentialsError) -> Error {
    if let Some(timed_out) = std::error::Error::source(e).and_then(|s| s.downcast_ref::<LoadTimedOut>()) {
        let mut error = Error::new(ErrorCode::CredentialsTimeout, timed_out.to_string());
        error.retryable = false;
        return error;
    }
    // CredentialsError's Display names the provider and cause, never key material.
    Error::new(ErrorCode::NoCredentials, format!("could not load AWS credentials: {e}"))
}

/// True for AWS's answer to a request signed with credentials that have lapsed
/// (`ExpiredToken` from STS-style services, `ExpiredTokenException` from Bedrock).
pub fn is_expired_token(error: &Error) -> bool {
    error.code == ErrorCode::ExpiredTokenException
        || matches!(error.aws_type.as_deref(), Some("ExpiredToken" | "ExpiredTokenException"))
        || error.message.contains("security token included in the request is expired")
}

/// The stage of the default chain that will answer under `env` (its order: env keys,
/// the profile, web identity, container endpoint, IMDS), in words for errors. Names
/// files, profiles and kinds of source only: never a key, and never a
/// `credential_process` command line (it may carry secrets).
async fn describe_credential_source(env: &HashMap<String, String>, profile: Option<&str>) -> String {
    if EnvLookup::get(env, "AWS_ACCESS_KEY_ID").is_some() && EnvLookup::get(env, "AWS_SECRET_ACCESS_KEY").is_some() {
        return "environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY".into();
    }
    let name = active_profile(env, profile);
    let profiles = aws_config::profile::load(
        &Fs::real(),
        &Env::from(env.clone()),
        &Default::default(),
        Some(name.clone().into()),
    )
    .await
    .ok();
    if let Some(found) = profiles.as_ref().and_then(|p| p.get_profile(&name)) {
        let kind = if found.get("credential_process").is_some() {
            Some("credential_process")
        } else if found.get("sso_session").is_some() || found.get("sso_start_url").is_some() {
            Some("SSO")
        } else if found.get("role_arn").is_some() {
            Some("assume-role")
        } else if found.get("aws_access_key_id").is_some() {
            Some("static keys")
        } else {
            None
        };
        if let Some(kind) = kind {
            return format!("{kind} of profile `{name}`");
        }
    }
    if EnvLookup::get(env, "AWS_WEB_IDENTITY_TOKEN_FILE").is_some() {
        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)".into()
    } else if EnvLookup::get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
        || EnvLookup::get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
    {
        "the container credentials endpoint".into()
    } else {
        format!("the AWS default credential chain (profile `{name}`, then the EC2 instance role)")
    }
}

/// `NoCredentials` as a core error, naming where we looked.
pub fn no_credentials_error(detail: &str) -> Error {
    Error::new(ErrorCode::NoCredentials, format!("no AWS credentials: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn api_keys_are_tokens_and_auth_markers_are_not() {
        assert_eq!(api_key_bearer_token("ABSKQmVkcm9ja0FQSUtleS1hYmM="), Some("ABSKQmVkcm9ja0FQSUtleS1hYmM="));
        assert_eq!(api_key_bearer_token("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t"), Some("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t"));
        for marker in ["aws-sdk", "AWS-SDK", "AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ACCESS_KEY_ID", "<authenticated>", "", "  "] {
            assert_eq!(api_key_bearer_token(marker), None, "{marker:?}");
        }
    }

    #[test]
    fn markers_follow_openclaw_order() {
        let m = detect_auth_marker(&env(&[
            ("AWS_BEARER_TOKEN_BEDROCK", "tok"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_PROFILE", "p"),
        ]));
        assert_eq!((m.marker, m.label, m.mode), (Some("AWS_BEARER_TOKEN_BEDROCK"), "env: AWS_BEARER_TOKEN_BEDROCK", "bearer"));
        let m = detect_auth_marker(&env(&[("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "s"), ("AWS_PROFILE", "p")]));
        assert_eq!(m.label, "env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY");
        assert_eq!(m.marker, Some("AWS_ACCESS_KEY_ID"));
        let m = detect_auth_marker(&env(&[("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_PROFILE", "p")]));
        assert_eq!((m.marker, m.label), (Some("AWS_PROFILE"), "env: AWS_PROFILE"));
        let m = detect_auth_marker(&env(&[]));
        assert_eq!((m.marker, m.label), (None, "aws-sdk default chain"));
    }

    #[test]
    fn blank_and_whitespace_values_are_absent() {
        let m = detect_auth_marker(&env(&[
            ("AWS_BEARER_TOKEN_BEDROCK", "   "),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "\t\n"),
            ("AWS_PROFILE", " work "),
        ]));
        assert_eq!(m.marker, Some("AWS_PROFILE"));
        let m = detect_auth_marker(&env(&[("AWS_PROFILE", ""), ("AWS_BEARER_TOKEN_BEDROCK", "")]));
        assert_eq!(m.marker, None);
    }

    #[test]
    fn option_debug_output_never_shows_values() {
        let opts = AuthOptions {
            bearer_token: Some("tok-secret-1".into()),
            env: Some(env(&[("AWS_SECRET_ACCESS_KEY", "env-secret-2")])),
            ..Default::default()
        };
        let text = format!("{opts:?}");
        assert!(!text.contains("tok-secret-1") && !text.contains("env-secret-2"), "{text}");
        assert!(text.contains("AWS_SECRET_ACCESS_KEY"));
        let probe = ProbeOptions { env: Some(env(&[("AWS_SESSION_TOKEN", "sess-3")])), ..Default::default() };
        assert!(!format!("{probe:?}").contains("sess-3"));
    }

    #[test]
    fn identities_never_contain_the_secret() {
        let opts = AuthOptions { bearer_token: Some("  my-bearer-secret ".into()), ..Default::default() };
        let id = credential_identity(&opts);
        assert!(id.starts_with("bearer:") && !id.contains("my-bearer-secret"));
        // Trimmed token gives the same identity.
        let same = credential_identity(&AuthOptions { bearer_token: Some("my-bearer-secret".into()), ..Default::default() });
        assert_eq!(id, same);
        let opts = AuthOptions {
            env: Some(env(&[("AWS_ACCESS_KEY_ID", "AKIDVISIBLE"), ("AWS_SECRET_ACCESS_KEY", "s")])),
            ..Default::default()
        };
        let id = credential_identity(&opts);
        assert!(id.starts_with("sigv4:") && !id.contains("AKIDVISIBLE"));
        let opts = AuthOptions { env: Some(env(&[("AWS_PROFILE", "work")])), ..Default::default() };
        assert_eq!(credential_identity(&opts), "profile:work");
        let opts = AuthOptions { env: Some(env(&[("AWS_BEARER_TOKEN_BEDROCK", "envtok")])), ..Default::default() };
        assert!(credential_identity(&opts).starts_with("bearer:"));
    }
}
