//! Region and endpoint resolution.
//!
//! Region: discovery `region` → `AWS_REGION` → `AWS_DEFAULT_REGION` → region of the
//! active AWS profile → `us-east-1`, reporting which one won. Endpoints: a standard
//! `https://bedrock-runtime.<region>.amazonaws.com` baseUrl only implies its region (the
//! SDK's own endpoint is used); any other baseUrl / endpoint is used verbatim for both
//! the runtime and the control plane (VPC endpoints, proxies, the emulator).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};

pub const DEFAULT_REGION: &str = "us-east-1";

/// Where the resolved region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    /// The discovery block's (or caller's) `region`.
    Config,
    /// Implied by a standard `bedrock-runtime.<region>.amazonaws.com` baseUrl.
    BaseUrl,
    AwsRegion,
    AwsDefaultRegion,
    /// `region` of the active profile in the AWS config file.
    Profile,
    Default,
    /// The region field of an ARN model id (`arn:aws:bedrock:<region>:...`).
    Arn,
}

impl RegionSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            RegionSource::Config => "config",
            RegionSource::BaseUrl => "baseUrl",
            RegionSource::AwsRegion => "env: AWS_REGION",
            RegionSource::AwsDefaultRegion => "env: AWS_DEFAULT_REGION",
            RegionSource::Profile => "profile",
            RegionSource::Default => "default",
            RegionSource::Arn => "model ARN",
        }
    }
}

/// A variable lookup: the process env or an explicit map (tests, JS `env` options).
pub trait EnvLookup {
    /// The value, trimmed; `None` when unset or blank (blank counts as absent).
    fn get(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl EnvLookup for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }
}

impl EnvLookup for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }
}

impl<T: EnvLookup + ?Sized> EnvLookup for &T {
    fn get(&self, name: &str) -> Option<String> {
        (**self).get(name)
    }
}

/// The process environment as a map. Unlike `std::env::vars()` this never panics on a
/// variable that is not valid Unicode: such variables are skipped.
pub fn process_env_map() -> HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Whether the core (or aws-config, or the proxy rules) reads variable `name`: what a
/// snapshot keeps. AWS_* covers the SDK's own settings (credentials, files, endpoints,
/// retries, IMDS, containers); proxies are matched in any case, as curl and hyper do.
pub fn is_config_variable(name: &str) -> bool {
    const EXACT: [&str; 10] = [
        "HOME", "USERPROFILE", "HOMEDRIVE", "HOMEPATH", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR",
        "PI_CACHE_RETENTION", "XDG_CACHE_HOME", "REQUEST_METHOD",
    ];
    const PROXIES: [&str; 4] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"];
    name.starts_with("AWS_")
        || name.starts_with("OPENCLAW_")
        || EXACT.contains(&name)
        || PROXIES.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// The variables of the process environment the core reads ([`is_config_variable`]),
/// copied now. The binding takes it on the JS thread when a call starts, so work on
/// tokio threads never calls getenv while Node may be writing `process.env` (a data
/// race in libc) and each call sees the values of its own call time.
#[derive(Clone, Default)]
pub struct EnvSnapshot(pub Arc<HashMap<String, String>>);

impl EnvSnapshot {
    pub fn of_process() -> EnvSnapshot {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| is_config_variable(k))
            .collect();
        EnvSnapshot(Arc::new(vars))
    }

    pub fn map(&self) -> &HashMap<String, String> {
        &self.0
    }
}

impl From<HashMap<String, String>> for EnvSnapshot {
    fn from(map: HashMap<String, String>) -> Self {
        EnvSnapshot(Arc::new(map))
    }
}

impl EnvLookup for EnvSnapshot {
    fn get(&self, name: &str) -> Option<String> {
        EnvLookup::get(&*self.0, name)
    }
}

/// Names only: values include secrets.
impl std::fmt::Debug for EnvSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        f.debug_tuple("EnvSnapshot").field(&names).finish()
    }
}

/// Home directory from the given env (`HOME`, else `USERPROFILE`).
pub fn home_dir(env: &dyn EnvLookup) -> Option<PathBuf> {
    env.get("HOME").or_else(|| env.get("USERPROFILE")).map(PathBuf::from)
}

/// The active AWS profile name (`AWS_PROFILE`, else `default`).
pub fn active_profile(env: &dyn EnvLookup, explicit: Option<&str>) -> String {
    explicit
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .or_else(|| env.get("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_string())
}

/// `region` of `profile` in the AWS shared config files, read by the SDK's own parser
/// ([`SdkSettings::load`]). A missing file has no region; a file the SDK cannot parse has
/// none either here (the stream path reports it through [`SdkSettings::load`]).
pub fn profile_region(env: &dyn EnvLookup, profile: &str) -> Option<String> {
    SdkSettings::load(env, Some(profile)).ok()?.region.clone()
}

fn expand_tilde(path: &std::path::Path, env: &dyn EnvLookup) -> PathBuf {
    match (path.strip_prefix("~"), home_dir(env)) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// Refuses a region that is not a valid host label before it reaches any URL: the region
/// is spliced into `https://bedrock-runtime.<region>.amazonaws.com`, so a value such as
/// `x@evil:443/` would otherwise send the request (and its signature or bearer key) to
/// another host. The rule is the AWS SDK's own: the generated endpoint `Params` builder
/// rejects a region that is not a host label (`isValidHostLabel(region, allowDots)`).
pub fn validate_region(region: &str, source: RegionSource) -> Result<()> {
    check_region(region, &format!(" (from {})", source.as_str()))
}

fn check_region(region: &str, from: &str) -> Result<()> {
    match aws_sdk_bedrock::config::endpoint::Params::builder().region(region).build() {
        Ok(_) => Ok(()),
        Err(_) => Err(Error::invalid_argument(format!(
            "region {region:?}{from} is not a valid AWS region: a region must be a host label \
             (letters, digits, '-', '.'); nothing was sent"
        ))),
    }
}

/// [`resolve_region_unchecked`], then [`validate_region`] on the winner: every region
/// this crate puts in a URL comes from here (or from an ARN, validated where it is read).
pub fn resolve_region(
    configured: Option<&str>,
    base_url: Option<&str>,
    profile: Option<&str>,
    env: &dyn EnvLookup,
) -> Result<(String, RegionSource)> {
    let (region, source) = resolve_region_unchecked(configured, base_url, profile, env);
    validate_region(&region, source)?;
    Ok((region, source))
}

/// Resolves the region: `configured` → baseUrl's region (standard hosts) → `AWS_REGION`
/// → `AWS_DEFAULT_REGION` → active profile's region → `us-east-1`. Not validated.
fn resolve_region_unchecked(
    configured: Option<&str>,
    base_url: Option<&str>,
    profile: Option<&str>,
    env: &dyn EnvLookup,
) -> (String, RegionSource) {
    if let Some(region) = configured.map(str::trim).filter(|r| !r.is_empty()) {
        return (region.to_string(), RegionSource::Config);
    }
    if let Some(region) = base_url.and_then(standard_runtime_region) {
        return (region, RegionSource::BaseUrl);
    }
    if let Some(region) = env.get("AWS_REGION") {
        return (region, RegionSource::AwsRegion);
    }
    if let Some(region) = env.get("AWS_DEFAULT_REGION") {
        return (region, RegionSource::AwsDefaultRegion);
    }
    let profile = active_profile(env, profile);
    if let Some(region) = profile_region(env, &profile) {
        return (region, RegionSource::Profile);
    }
    (DEFAULT_REGION.to_string(), RegionSource::Default)
}

/// The region of a standard Bedrock runtime URL
/// (`https://bedrock-runtime[-fips].<region>.amazonaws.com[.cn]`), else `None`.
pub fn standard_runtime_region(base_url: &str) -> Option<String> {
    let uri: http::Uri = base_url.trim().parse().ok()?;
    let host = uri.host()?.to_ascii_lowercase();
    let rest = host.strip_prefix("bedrock-runtime-fips.").or_else(|| host.strip_prefix("bedrock-runtime."))?;
    let region = rest.strip_suffix(".amazonaws.com").or_else(|| rest.strip_suffix(".amazonaws.com.cn"))?;
    if !region.is_empty() && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some(region.to_string())
    } else {
        None
    }
}

/// Endpoint settings the AWS SDKs read from the environment and the active profile: FIPS
/// and dual-stack hosts (`AWS_USE_FIPS_ENDPOINT` / `use_fips_endpoint`, ...), configured
/// endpoint URLs (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, a `[services <name>]`
/// section's `<service> = endpoint_url = ...`, the profile's `endpoint_url`; all ignored under
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointConfig {
    pub use_fips: bool,
    pub use_dual_stack: bool,
    /// Bedrock Runtime's configured URL (service-specific, else global).
    pub runtime_url: Option<String>,
    /// Bedrock's (control plane) configured URL (service-specific, else global).
    pub control_url: Option<String>,
}

impl EndpointConfig {
    /// The endpoint settings of `env` and its profile (`profile`, else `AWS_PROFILE`), env
    /// over profile as the SDKs ([`SdkSettings::load`]).
    pub fn load(env: &dyn EnvLookup, profile: Option<&str>) -> Result<EndpointConfig> {
        Ok(SdkSettings::load(env, profile)?.endpoint.clone())
    }
}

/// Retry strategy named by `AWS_RETRY_MODE` / profile `retry_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryModeSetting {
    /// `standard`, or `legacy` (the AWS CLI's and botocore's old default, which the Rust SDK
    /// refuses): both run the transport's retry loop and budget.
    Standard,
    /// `adaptive`: the same retry loop; the SDK's client-side send-rate limiter is not applied.
    Adaptive,
}

/// What the AWS SDKs read from the environment and the shared config files that this crate
/// applies: endpoint settings and the retry settings. Env wins over the profile, as in the
/// SDKs; an explicit option of the caller wins over both (applied by the callers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdkSettings {
    /// The profile's `region` (the env variables are read by [`resolve_region`]).
    pub region: Option<String>,
    pub endpoint: EndpointConfig,
    /// `AWS_MAX_ATTEMPTS` / profile `max_attempts`: total attempts, the first one included.
    pub max_attempts: Option<u32>,
    pub retry_mode: Option<RetryModeSetting>,
}

/// The variables [`SdkSettings::load`] reads: the settings themselves and what locates the
/// files and the profile. The cache key, so the loaded files are reused per environment.
const SDK_SETTING_VARIABLES: [&str; 17] = [
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_PROFILE",
    "HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_DEFAULT_PROFILE",
];

type SettingsKey = (Vec<(String, String)>, Option<std::time::SystemTime>, Option<std::time::SystemTime>);

fn settings_cache() -> &'static std::sync::Mutex<HashMap<SettingsKey, Arc<SdkSettings>>> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<HashMap<SettingsKey, Arc<SdkSettings>>>> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn modified(path: Option<PathBuf>) -> Option<std::time::SystemTime> {
    std::fs::metadata(path?).and_then(|m| m.modified()).ok()
}

impl SdkSettings {
    /// Loads the settings through the AWS SDK's own profile parser and env-over-profile
    /// lookup (`aws-runtime` `env_config`, what aws-config runs). Cached per relevant variable
    /// values and the two files' modification times: a stream costs two `stat`s, not a parse.
    /// Nothing here touches the network (no region chain, no IMDS).
    pub fn load(env: &dyn EnvLookup, profile: Option<&str>) -> Result<Arc<SdkSettings>> {
        let mut vars: Vec<(String, String)> =
            SDK_SETTING_VARIABLES.iter().filter_map(|name| env.get(name).map(|v| (name.to_string(), v))).collect();
        if let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) {
            vars.retain(|(k, _)| k != "AWS_PROFILE");
            vars.push(("AWS_PROFILE".to_string(), profile.to_string()));
        }
        let file = |var: &str, name: &str| {
            env.get(var)
                .map(PathBuf::from)
                .or_else(|| home_dir(env).map(|h| h.join(".aws").join(name)))
                .map(|p| expand_tilde(&p, env))
        };
        let key = (vars, modified(file("AWS_CONFIG_FILE", "config")), modified(file("AWS_SHARED_CREDENTIALS_FILE", "credentials")));
        if let Some(hit) = settings_cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(hit);
        }
        let sdk_env = aws_types::os_shim_internal::Env::from(key.0.iter().cloned().collect::<HashMap<_, _>>());
        let settings = Arc::new(SdkSettings::read(&sdk_env)?);
        if let Ok(mut cache) = settings_cache().lock() {
            if cache.len() >= 64 {
                cache.clear();
            }
            cache.insert(key, settings.clone());
        }
        Ok(settings)
    }

    fn read(env: &aws_types::os_shim_internal::Env) -> Result<SdkSettings> {
        use aws_runtime::env_config::{file::EnvConfigFiles, section::EnvConfigSections, source, EnvConfigValue};
        let fs = aws_types::os_shim_internal::Fs::real();
        let files = EnvConfigFiles::default();
        // The real Fs reads with std::fs inside the future, so it is ready at once.
        let loaded = ready(source::load(env, &fs, &files))
            .ok_or_else(|| Error::invalid_argument("AWS config files: the loader did not complete"))?
            .map_err(|e| Error::invalid_argument(format!("AWS config files: {e}")))?;
        let profiles = EnvConfigSections::parse(loaded)
            .map_err(|e| Error::invalid_argument(format!("AWS config files: {e}")))?;
        let region = profiles.get("region").map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
        let profiles = Some(&profiles);
        let invalid = |e: &dyn std::fmt::Display| Error::invalid_argument(format!("{e}"));
        let flag = |env_key: &str, profile_key: &str| -> Result<bool> {
            EnvConfigValue::new()
                .env(env_key)
                .profile(profile_key)
                .validate(env, profiles, |v| match v.trim() {
                    t if t.eq_ignore_ascii_case("true") => Ok(true),
                    f if f.eq_ignore_ascii_case("false") => Ok(false),
                    other => Err(SettingError(format!("{other:?} is not true or false"))),
                })
                .map(|v| v.unwrap_or(false))
                .map_err(|e| invalid(&aws_smithy_types::error::display::DisplayErrorContext(e)))
        };
        let ignore_urls = flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls")?;
        let url = |service_id: &str| {
            if ignore_urls {
                return None;
            }
            EnvConfigValue::new()
                .env("AWS_ENDPOINT_URL")
                .profile("endpoint_url")
                .service_id(service_id)
                .load(env, profiles)
                .map(|(v, _)| v.trim().trim_end_matches('/').to_string())
                .filter(|v| !v.is_empty())
        };
        let endpoint = EndpointConfig {
            use_fips: flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?,
            use_dual_stack: flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?,
            // The service keys of the AWS SDK reference guide ("bedrock_runtime" in a
            // `[services]` section, AWS_ENDPOINT_URL_BEDROCK_RUNTIME), as the JS SDK and the
            // CLI read them. Not the Rust SDK's "Bedrock Runtime": aws-runtime spells that
            // `bedrock-runtime` in the profile, so the documented key would go unread.
            runtime_url: url("bedrock_runtime"),
            control_url: url("bedrock"),
        };
        let max_attempts = EnvConfigValue::new()
            .env("AWS_MAX_ATTEMPTS")
            .profile("max_attempts")
            .validate(env, profiles, |v| match v.trim().parse::<u32>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(SettingError(format!("{v:?} is not a whole number >= 1"))),
            })
            .map_err(|e| invalid(&aws_smithy_types::error::display::DisplayErrorContext(e)))?;
        let retry_mode = EnvConfigValue::new()
            .env("AWS_RETRY_MODE")
            .profile("retry_mode")
            .validate(env, profiles, |v| {
                if v.trim().eq_ignore_ascii_case("legacy") {
                    return Ok(RetryModeSetting::Standard);
                }
                match v.parse::<aws_smithy_types::retry::RetryMode>() {
                    Ok(aws_smithy_types::retry::RetryMode::Adaptive) => Ok(RetryModeSetting::Adaptive),
                    Ok(_) => Ok(RetryModeSetting::Standard),
                    Err(e) => Err(SettingError(format!("{e}; expected standard, adaptive or legacy"))),
                }
            })
            .map_err(|e| invalid(&aws_smithy_types::error::display::DisplayErrorContext(e)))?;
        Ok(SdkSettings { region, endpoint, max_attempts, retry_mode })
    }
}

/// A setting's value is not valid; the SDK's `EnvConfigError` adds where it came from.
#[derive(Debug)]
struct SettingError(String);

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingError {}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Control plane (ListFoundationModels, ListInferenceProfiles).
    pub control: String,
    /// Runtime (Converse, ConverseStream).
    pub runtime: String,
    /// `true` when an explicit non-AWS endpoint serves both planes verbatim.
    pub custom: bool,
}

/// Polls a future that is ready at once (the SDK's generated resolvers answer synchronously).
fn ready<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

/// The runtime and control-plane hosts for `region` from the AWS SDK for Rust's generated
/// endpoint rules (`aws-sdk-bedrockruntime` / `aws-sdk-bedrock` `DefaultResolver`):
/// partitions (`amazonaws.com.cn`, ISO, EUSC), FIPS and dual-stack variants.
fn sdk_endpoints(region: &str, fips: bool, dual_stack: bool) -> Result<(String, String)> {
    use aws_sdk_bedrock::config::endpoint::ResolveEndpoint as _;
    use aws_sdk_bedrockruntime::config::endpoint::ResolveEndpoint as _;
    let failed = |plane: &str, e: &dyn std::fmt::Display| {
        Error::invalid_argument(format!("no {plane} endpoint for region {region:?} (fips={fips}, dualstack={dual_stack}): {e}"))
    };
    let runtime_params = aws_sdk_bedrockruntime::config::endpoint::Params::builder()
        .region(region)
        .use_fips(fips)
        .use_dual_stack(dual_stack)
        .build()
        .map_err(|e| failed("runtime", &e))?;
    let resolver = aws_sdk_bedrockruntime::config::endpoint::DefaultResolver::new();
    let runtime = ready(resolver.resolve_endpoint(&runtime_params))
        .ok_or_else(|| failed("runtime", &"resolver did not answer"))?
        .map_err(|e| failed("runtime", &e))?;
    let control_params = aws_sdk_bedrock::config::endpoint::Params::builder()
        .region(region)
        .use_fips(fips)
        .use_dual_stack(dual_stack)
        .build()
        .map_err(|e| failed("control-plane", &e))?;
    let resolver = aws_sdk_bedrock::config::endpoint::DefaultResolver::new();
    let control = ready(resolver.resolve_endpoint(&control_params))
        .ok_or_else(|| failed("control-plane", &"resolver did not answer"))?
        .map_err(|e| failed("control-plane", &e))?;
    Ok((runtime.url().trim_end_matches('/').to_string(), control.url().trim_end_matches('/').to_string()))
}

/// Whether `url` is an AWS-operated host (a VPC endpoint, a FIPS or regional host): such a
/// runtime endpoint serves only the runtime, never the control plane.
fn is_aws_host(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else { return false };
    let host = uri.host().unwrap_or("").to_ascii_lowercase();
    [".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov", ".cloud.adc-e.uk", ".csp.hci.ic.gov", ".amazonaws.eu"]
        .iter()
        .any(|suffix| host.ends_with(suffix))
}

impl Endpoints {
    /// [`Endpoints::resolve_with`] without endpoint settings from the environment.
    pub fn resolve(region: &str, base_url: Option<&str>, endpoint: Option<&str>) -> Result<Endpoints> {
        Endpoints::resolve_with(region, base_url, endpoint, &EndpointConfig::default())
    }

    /// `endpoint` (explicit override) wins, used verbatim for both planes (the emulator and
    /// proxies serve both on one URL); so does a non-AWS `base_url`. An AWS runtime
    /// baseUrl that is not the standard one (VPC endpoint) is the runtime only: the control
    /// plane is resolved for the region. A standard baseUrl only implies its region (and
    /// FIPS when it is a `bedrock-runtime-fips.` host). Otherwise the configured endpoint
    /// URLs, else the SDK's rules for `region`, FIPS and dual-stack.
    pub fn resolve_with(region: &str, base_url: Option<&str>, endpoint: Option<&str>, config: &EndpointConfig) -> Result<Endpoints> {
        let verbatim = |url: &str| {
            let url = url.trim_end_matches('/').to_string();
            Endpoints { control: url.clone(), runtime: url, custom: true }
        };
        if let Some(url) = endpoint.map(str::trim).filter(|e| !e.is_empty()) {
            return Ok(verbatim(url));
        }
        let base_url = base_url.map(str::trim).filter(|b| !b.is_empty());
        let standard_base = base_url.filter(|b| standard_runtime_region(b).is_some());
        if let Some(url) = base_url.filter(|b| standard_runtime_region(b).is_none() && !is_aws_host(b)) {
            return Ok(verbatim(url));
        }
        check_region(region, "")?;
        let fips = config.use_fips || standard_base.map(is_fips_host).unwrap_or(false);
        let (sdk_runtime, sdk_control) = sdk_endpoints(region, fips, config.use_dual_stack)?;
        let runtime = match base_url.filter(|b| standard_runtime_region(b).is_none()) {
            // An AWS runtime endpoint of the user's (VPC endpoint): the runtime only.
            Some(url) => url.trim_end_matches('/').to_string(),
            None => config.runtime_url.clone().unwrap_or(sdk_runtime),
        };
        let control = config.control_url.clone().unwrap_or(sdk_control);
        Ok(Endpoints { control, runtime, custom: false })
    }
}

fn is_fips_host(url: &str) -> bool {
    url.parse::<http::Uri>().ok().and_then(|u| u.host().map(|h| h.to_ascii_lowercase().starts_with("bedrock-runtime-fips."))).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn region_order_is_config_env_profile_default() {
        let e = env(&[("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "eu-central-1")]);
        assert_eq!(resolve_region(Some("ap-south-1"), None, None, &e).expect("valid region"), ("ap-south-1".into(), RegionSource::Config));
        assert_eq!(resolve_region(None, None, None, &e).expect("valid region"), ("eu-west-1".into(), RegionSource::AwsRegion));
        let e = env(&[("AWS_REGION", "  "), ("AWS_DEFAULT_REGION", "eu-central-1")]);
        assert_eq!(resolve_region(Some(" "), None, None, &e).expect("valid region"), ("eu-central-1".into(), RegionSource::AwsDefaultRegion));
        let e = env(&[("HOME", "/nonexistent-home-for-test")]);
        assert_eq!(resolve_region(None, None, None, &e).expect("valid region"), ("us-east-1".into(), RegionSource::Default));
    }

    #[test]
    fn profile_region_is_read_from_the_config_file() {
        let dir = std::env::temp_dir().join(format!("bn-region-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("config");
        std::fs::write(&file, "[default]\nregion = us-west-1   # where we run\n\n[profile work]\n# comment\nregion=eu-north-1 ;x\n")
            .expect("write");
        let path = file.to_string_lossy().to_string();
        let e = env(&[("AWS_CONFIG_FILE", &path), ("AWS_PROFILE", "work")]);
        assert_eq!(resolve_region(None, None, None, &e).expect("valid region"), ("eu-north-1".into(), RegionSource::Profile));
        let e = env(&[("AWS_CONFIG_FILE", &path)]);
        assert_eq!(resolve_region(None, None, None, &e).expect("valid region"), ("us-west-1".into(), RegionSource::Profile));
        assert_eq!(resolve_region(None, None, Some("work"), &e).expect("valid region").0, "eu-north-1");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn standard_base_url_implies_region_others_are_verbatim() {
        assert_eq!(standard_runtime_region("https://bedrock-runtime.eu-west-3.amazonaws.com").as_deref(), Some("eu-west-3"));
        assert_eq!(
            standard_runtime_region("https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com/").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(standard_runtime_region("https://vpce-123.bedrock-runtime.us-east-1.vpce.amazonaws.com"), None);
        assert_eq!(standard_runtime_region("http://127.0.0.1:4599"), None);

        let e = env(&[("AWS_REGION", "us-west-2")]);
        let (region, source) = resolve_region(None, Some("https://bedrock-runtime.eu-west-3.amazonaws.com"), None, &e).expect("valid region");
        assert_eq!((region.as_str(), source), ("eu-west-3", RegionSource::BaseUrl));

        let std = Endpoints::resolve("eu-west-3", Some("https://bedrock-runtime.eu-west-3.amazonaws.com"), None).expect("valid region");
        assert_eq!(std.control, "https://bedrock.eu-west-3.amazonaws.com");
        assert_eq!(std.runtime, "https://bedrock-runtime.eu-west-3.amazonaws.com");
        assert!(!std.custom);
        let proxy = Endpoints::resolve("us-east-1", Some("https://proxy.example.com/bedrock/"), None).expect("valid region");
        assert_eq!(proxy.runtime, "https://proxy.example.com/bedrock");
        assert_eq!(proxy.control, "https://proxy.example.com/bedrock");
        let emu = Endpoints::resolve("us-east-1", Some("https://proxy.example.com"), Some("http://127.0.0.1:4599")).expect("valid region");
        assert_eq!(emu.control, "http://127.0.0.1:4599");
        assert!(emu.custom);
    }

    #[test]
    fn a_region_that_is_not_a_host_label_is_refused_naming_its_source() {
        for bad in ["x@127.0.0.1:9/", "us-east-1/../x", "a b", "-east", "us_east_1", "evil.com:443#"] {
            let e = env(&[("AWS_REGION", bad)]);
            let err = resolve_region(None, None, None, &e).expect_err(bad);
            assert_eq!(err.code, crate::ErrorCode::InvalidArgument, "{bad}");
            assert!(err.message.contains("env: AWS_REGION"), "{}", err.message);
            let err = resolve_region(Some(bad), None, None, &e).expect_err(bad);
            assert!(err.message.contains("(from config)"), "{}", err.message);
            assert!(Endpoints::resolve(bad, None, None).is_err(), "{bad}");
        }
        let e = env(&[("AWS_DEFAULT_REGION", "x@h:1/")]);
        assert!(resolve_region(None, None, None, &e).expect_err("bad").message.contains("env: AWS_DEFAULT_REGION"));
        // The SDK's rule allows dots (its isValidHostLabel(region, true)) and every real region.
        for good in ["us-east-1", "cn-north-1", "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1", "a.b"] {
            assert!(validate_region(good, RegionSource::Config).is_ok(), "{good}");
        }
        // A custom endpoint carries its own host: the region is then only signed, still checked by callers.
        assert!(Endpoints::resolve("x@h:1/", None, Some("http://127.0.0.1:4599")).is_ok());
    }

    #[test]
    fn endpoints_come_from_the_sdk_rules_partitions_fips_dualstack_and_configured_urls() {
        let none = EndpointConfig::default();
        let at = |region: &str, cfg: &EndpointConfig| Endpoints::resolve_with(region, None, None, cfg).expect(region);
        let e = at("us-east-1", &none);
        assert_eq!((e.runtime.as_str(), e.control.as_str()), ("https://bedrock-runtime.us-east-1.amazonaws.com", "https://bedrock.us-east-1.amazonaws.com"));
        // Partitions: China, ISO, EUSC hosts are not .amazonaws.com.
        assert_eq!(at("cn-north-1", &none).runtime, "https://bedrock-runtime.cn-north-1.amazonaws.com.cn");
        assert_eq!(at("us-iso-east-1", &none).runtime, "https://bedrock-runtime.us-iso-east-1.c2s.ic.gov");
        assert_eq!(at("eusc-de-east-1", &none).runtime, "https://bedrock-runtime.eusc-de-east-1.amazonaws.eu");
        // FIPS and dual-stack from the environment.
        let fips = EndpointConfig::load(&env(&[("AWS_USE_FIPS_ENDPOINT", "true")]), None).unwrap();
        assert_eq!(at("us-gov-west-1", &fips).runtime, "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com");
        assert_eq!(at("us-east-1", &fips).control, "https://bedrock-fips.us-east-1.amazonaws.com");
        let ds = EndpointConfig::load(&env(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")]), None).unwrap();
        assert_eq!(at("us-east-1", &ds).runtime, "https://bedrock-runtime.us-east-1.api.aws");
        // A FIPS baseUrl stays FIPS.
        let e = Endpoints::resolve_with("us-east-1", Some("https://bedrock-runtime-fips.us-east-1.amazonaws.com"), None, &none).expect("fips");
        assert_eq!(e.runtime, "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
        // A runtime VPC endpoint is the runtime only, never the control plane.
        let vpce = "https://vpce-0abc-xyz.bedrock-runtime.us-east-1.vpce.amazonaws.com";
        let e = Endpoints::resolve_with("us-east-1", Some(vpce), None, &none).expect("vpce");
        assert_eq!((e.runtime.as_str(), e.control.as_str(), e.custom), (vpce, "https://bedrock.us-east-1.amazonaws.com", false));
        // A non-AWS baseUrl (proxy, emulator) serves both.
        let e = Endpoints::resolve_with("us-east-1", Some("http://127.0.0.1:4599/"), None, &fips).expect("proxy");
        assert_eq!((e.runtime.as_str(), e.control.as_str(), e.custom), ("http://127.0.0.1:4599", "http://127.0.0.1:4599", true));
        // Configured endpoint URLs: service-specific over global; ignored on request.
        let cfg = EndpointConfig::load(&env(&[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1/"),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:2"),
        ]), None).unwrap();
        let e = at("us-east-1", &cfg);
        assert_eq!((e.runtime.as_str(), e.control.as_str()), ("http://127.0.0.1:2", "http://127.0.0.1:1"));
        let cfg = EndpointConfig::load(&env(&[
            ("AWS_ENDPOINT_URL_BEDROCK", "http://127.0.0.1:3"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]), None).unwrap();
        assert_eq!(at("us-east-1", &cfg), at("us-east-1", &none));
        // FIPS + dual-stack together: the SDK's combined host.
        let both = EndpointConfig { use_fips: true, use_dual_stack: true, ..Default::default() };
        assert_eq!(at("us-east-1", &both).runtime, "https://bedrock-runtime-fips.us-east-1.api.aws");
    }
}
