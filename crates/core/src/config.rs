//! OpenClaw config file loading: finds `openclaw.json`, parses JSON5, and resolves the
//! Bedrock settings (discovery block, guardrail, explicit provider, region).
//!
//! Bad config is an error that says where: syntax errors carry file:line:column, type
//! errors the key path and the expected and actual types. Unknown keys are kept (the
//! raw plugin config is returned), never rejected.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result, SourceLocation};
use crate::region::{home_dir, resolve_region, EnvLookup, RegionSource};

pub const DEFAULT_REFRESH_INTERVAL_SECS: u64 = 3600;
pub const DEFAULT_CONTEXT_WINDOW: u64 = 32_000;
pub const DEFAULT_MAX_TOKENS: u64 = 4096;
/// Deeper nesting than this is refused before parsing: the JSON5 parser is recursive.
pub const MAX_NESTING_DEPTH: usize = 256;
/// Stack for the parser thread, so even the allowed depth never touches the caller's stack.
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

const PLUGIN_PATH: &str = "plugins.entries.amazon-bedrock.config";
const LEGACY_DISCOVERY_PATH: &str = "models.bedrockDiscovery";
const PROVIDER_PATH: &str = "models.providers.amazon-bedrock";

#[derive(Clone, Default)]
pub struct LoadOptions {
    /// Explicit config file; must exist.
    pub path: Option<PathBuf>,
    /// Environment to read `OPENCLAW_*`, `HOME`, `AWS_*` from; `None` = process env.
    pub env: Option<HashMap<String, String>>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("path", &self.path)
            .field("env", &crate::credentials::RedactedEnv(&self.env))
            .finish()
    }
}

/// The discovery settings after merging, defaults and clamping.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoverySettings {
    /// `None` = auto (on when credentials are found).
    pub enabled: Option<bool>,
    pub region: Option<String>,
    /// Trimmed, lower-cased, blanks dropped.
    pub provider_filter: Vec<String>,
    /// Seconds; `0` disables caching.
    pub refresh_interval_secs: u64,
    pub default_context_window: u64,
    pub default_max_tokens: u64,
    /// Optional on-disk cache shared across processes (bedrock-native extension).
    pub cache_file: Option<String>,
}

impl Default for DiscoverySettings {
    fn default() -> Self {
        DiscoverySettings {
            enabled: None,
            region: None,
            provider_filter: Vec::new(),
            refresh_interval_secs: DEFAULT_REFRESH_INTERVAL_SECS,
            default_context_window: DEFAULT_CONTEXT_WINDOW,
            default_max_tokens: DEFAULT_MAX_TOKENS,
            cache_file: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GuardrailSettings {
    pub guardrail_identifier: String,
    pub guardrail_version: String,
    /// `sync` | `async`
    pub stream_processing_mode: Option<String>,
    /// `enabled` | `disabled` | `enabled_full`
    pub trace: Option<String>,
}

/// `models.providers["amazon-bedrock"]` as written (models kept raw).
#[derive(Debug, Clone, PartialEq)]
pub struct ExplicitProvider {
    pub base_url: Option<String>,
    pub api: Option<String>,
    pub auth: Option<String>,
    pub models: Vec<Value>,
    pub raw: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BedrockSettings {
    /// The file read, if any.
    pub file: Option<String>,
    pub discovery: DiscoverySettings,
    pub guardrail: Option<GuardrailSettings>,
    pub provider: Option<ExplicitProvider>,
    pub region: String,
    pub region_source: RegionSource,
    /// `plugins.entries["amazon-bedrock"].config` as written (unknown keys included).
    pub plugin_config: Value,
}

/// Finds, reads and resolves the OpenClaw config (SPEC §3).
pub fn load_config(options: LoadOptions) -> Result<BedrockSettings> {
    let env: HashMap<String, String> = match options.env {
        Some(map) => map,
        None => crate::region::process_env_map(),
    };
    let (path, required) = locate(options.path.as_deref(), &env);
    let root = match read_file(&path, required)? {
        Some(text) => Some(parse_json5(&text, &path)?),
        None => None,
    };
    let file = root.as_ref().map(|_| path.to_string_lossy().to_string());
    settings_from_value(root.as_ref().unwrap_or(&Value::Null), file, &env)
}

/// Resolves settings from an already-parsed config object (the gateway may hand us its
/// in-memory config instead of a path).
pub fn settings_from_value(root: &Value, file: Option<String>, env: &dyn EnvLookup) -> Result<BedrockSettings> {
    if !root.is_object() && !root.is_null() {
        return Err(type_error("(root)", "an object", root));
    }
    let plugin_config = lookup_object(root, &["plugins", "entries", "amazon-bedrock", "config"], PLUGIN_PATH)?;
    let current = match plugin_config {
        Some(cfg) => object_field(cfg, "discovery", &format!("{PLUGIN_PATH}.discovery"))?,
        None => None,
    };
    let legacy = lookup_object(root, &["models", "bedrockDiscovery"], LEGACY_DISCOVERY_PATH)?;
    let discovery = merge_discovery(current, legacy)?;

    let guardrail = match plugin_config {
        Some(cfg) => match object_field(cfg, "guardrail", &format!("{PLUGIN_PATH}.guardrail"))? {
            Some(g) => Some(parse_guardrail(g, &format!("{PLUGIN_PATH}.guardrail"))?),
            None => None,
        },
        None => None,
    };

    let provider = match lookup_object(root, &["models", "providers", "amazon-bedrock"], PROVIDER_PATH)? {
        Some(p) => Some(parse_provider(p)?),
        None => None,
    };

    let (region, region_source) = resolve_region(
        discovery.region.as_deref(),
        provider.as_ref().and_then(|p| p.base_url.as_deref()),
        None,
        env,
    )?;

    Ok(BedrockSettings {
        file,
        discovery,
        guardrail,
        provider,
        region,
        region_source,
        plugin_config: plugin_config.map(|m| without_secrets(Value::Object(m.clone()))).unwrap_or(Value::Null),
    })
}

/// What replaces a secret-named value in what is handed back.
pub const REDACTED: &str = "** redacted **";

/// Whether a config key names a secret (`apiKey`, `secretAccessKey`, `sessionToken`,
/// `bearerToken`, `password`, …). Not `maxTokens`: counts of tokens are not secrets.
fn is_secret_key(key: &str) -> bool {
    let k: String = key.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
    matches!(
        k.as_str(),
        "token" | "sessiontoken" | "bearertoken" | "authtoken" | "accesstoken" | "refreshtoken" | "idtoken"
            | "awsbearertokenbedrock" | "awssessiontoken" | "secretaccesskey" | "awssecretaccesskey"
    ) || k.ends_with("apikey")
        || k.ends_with("secret")
        || k.ends_with("secretkey")
        || k.ends_with("password")
}

/// The config as handed back to callers: unknown keys are kept, but a secret written in
/// the file (an `apiKey` beside the provider, say) is never returned.
fn without_secrets(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if is_secret_key(&k) && !v.is_null() {
                        (k, Value::String(REDACTED.to_string()))
                    } else {
                        (k, without_secrets(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_secrets).collect()),
        other => other,
    }
}

/// Config file to read and whether its absence is an error.
fn locate(explicit: Option<&Path>, env: &HashMap<String, String>) -> (PathBuf, bool) {
    if let Some(path) = explicit {
        return (expand_home(path, env), true);
    }
    if let Some(path) = EnvLookup::get(env, "OPENCLAW_CONFIG_PATH") {
        return (expand_home(Path::new(&path), env), true);
    }
    if let Some(dir) = EnvLookup::get(env, "OPENCLAW_STATE_DIR") {
        return (expand_home(Path::new(&dir), env).join("openclaw.json"), false);
    }
    let home = home_dir(env).unwrap_or_else(|| PathBuf::from("."));
    (home.join(".openclaw").join("openclaw.json"), false)
}

fn expand_home(path: &Path, env: &dyn EnvLookup) -> PathBuf {
    match (path.strip_prefix("~"), home_dir(env)) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

fn read_file(path: &Path, required: bool) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            // A UTF-8 BOM is common in files saved by Windows editors.
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            String::from_utf8(bytes.to_vec())
                .map(Some)
                .map_err(|e| {
                    let (line, column) = line_col(bytes, e.utf8_error().valid_up_to());
                    Error::new(
                        ErrorCode::ConfigSyntax,
                        format!("{}:{line}:{column}: config file is not valid UTF-8", path.display()),
                    )
                    .with_location(SourceLocation { file: Some(path.display().to_string()), line, column })
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::new(
            ErrorCode::ConfigNotFound,
            format!("config file not found: {}", path.display()),
        )),
        Err(e) => Err(Error::new(ErrorCode::ConfigNotFound, format!("cannot read config file {}: {e}", path.display()))),
    }
}

fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line as u32, column as u32)
}

/// Parses JSON5 text into a value, with depth guarded and syntax errors located.
pub fn parse_json5(text: &str, path: &Path) -> Result<Value> {
    let file = path.display().to_string();
    if let Some((depth_at, line, column)) = excessive_nesting(text, MAX_NESTING_DEPTH) {
        return Err(Error::new(
            ErrorCode::ConfigSyntax,
            format!("{file}:{line}:{column}: nesting deeper than {depth_at} levels is not supported"),
        )
        .with_location(SourceLocation { file: Some(file), line, column }));
    }
    let owned = text.to_string();
    let parsed = std::thread::Builder::new()
        .name("bedrock-config-parse".into())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || json5::from_str::<Value>(&owned))
        .map_err(|e| Error::internal(format!("could not start the config parser thread: {e}")))?
        .join()
        .map_err(|_| Error::internal(format!("the JSON5 parser failed on {file}")))?;
    parsed.map_err(|json5::Error::Message { msg, location }| {
        let (line, column) = location.map(|l| (l.line as u32, l.column as u32)).unwrap_or((0, 0));
        Error::new(ErrorCode::ConfigSyntax, format!("{file}:{line}:{column}: invalid JSON5: {}", summarize_parse_error(&msg)))
            .with_location(SourceLocation { file: Some(file), line, column })
    })
}

/// pest's message quotes the offending source line, which may hold a secret (an API
/// key in the same file); keep only its "expected …" summary.
fn summarize_parse_error(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("= "))
        .map(str::to_string)
        .unwrap_or_else(|| {
            if msg.contains('\n') {
                "syntax error".to_string()
            } else {
                msg.to_string()
            }
        })
}

/// First place where `[`/`{` nesting exceeds `max`, skipping strings and comments.
fn excessive_nesting(text: &str, max: usize) -> Option<(usize, u32, u32)> {
    let bytes = text.as_bytes();
    let (mut depth, mut i, mut line, mut col) = (0usize, 0usize, 1u32, 1u32);
    let advance = |b: u8, line: &mut u32, col: &mut u32| {
        if b == b'\n' {
            *line += 1;
            *col = 1;
        } else if b & 0xC0 != 0x80 {
            *col += 1;
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' | b'\'' => {
                advance(b, &mut line, &mut col);
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        advance(bytes[i], &mut line, &mut col);
                        i += 1;
                    }
                    advance(bytes[i], &mut line, &mut col);
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    advance(bytes[i], &mut line, &mut col);
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some((max, line, col));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if i < bytes.len() {
            advance(bytes[i], &mut line, &mut col);
        }
        i += 1;
    }
    None
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_error(path: &str, expected: &str, got: &Value) -> Error {
    Error::new(ErrorCode::ConfigType, format!("{path}: expected {expected}, got {}", json_type(got))).with_key_path(path)
}

/// Walks `keys` from `root`; every step that exists must be an object.
fn lookup_object<'a>(root: &'a Value, keys: &[&str], full_path: &str) -> Result<Option<&'a Map<String, Value>>> {
    let mut current = root;
    let mut walked = String::new();
    for key in keys {
        let obj = match current {
            Value::Object(map) => map,
            Value::Null => return Ok(None),
            other => return Err(type_error(if walked.is_empty() { "(root)" } else { &walked }, "an object", other)),
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(key);
        match obj.get(*key) {
            Some(v) => current = v,
            None => return Ok(None),
        }
    }
    match current {
        Value::Object(map) => Ok(Some(map)),
        Value::Null => Ok(None),
        other => Err(type_error(full_path, "an object", other)),
    }
}

fn object_field<'a>(obj: &'a Map<String, Value>, key: &str, path: &str) -> Result<Option<&'a Map<String, Value>>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(type_error(path, "an object", other)),
    }
}

/// A field taken from the current block, else the legacy one, with the path it came from.
fn pick<'a>(
    current: Option<&'a Map<String, Value>>,
    legacy: Option<&'a Map<String, Value>>,
    key: &str,
) -> Option<(&'a Value, String)> {
    let from = |block: Option<&'a Map<String, Value>>, base: &str| {
        block.and_then(|b| b.get(key)).filter(|v| !v.is_null()).map(|v| (v, format!("{base}.{key}")))
    };
    from(current, &format!("{PLUGIN_PATH}.discovery")).or_else(|| from(legacy, LEGACY_DISCOVERY_PATH))
}

fn number(value: &Value, path: &str) -> Result<f64> {
    value.as_f64().ok_or_else(|| type_error(path, "a number", value))
}

fn string(value: &Value, path: &str) -> Result<String> {
    value.as_str().map(str::to_string).ok_or_else(|| type_error(path, "a string", value))
}

fn positive_or(value: f64, default: u64) -> u64 {
    let floored = value.floor();
    if floored >= 1.0 {
        floored.min(u64::MAX as f64) as u64
    } else {
        default
    }
}

fn merge_discovery(current: Option<&Map<String, Value>>, legacy: Option<&Map<String, Value>>) -> Result<DiscoverySettings> {
    let mut out = DiscoverySettings::default();
    if let Some((v, path)) = pick(current, legacy, "enabled") {
        out.enabled = Some(v.as_bool().ok_or_else(|| type_error(&path, "a boolean", v))?);
    }
    if let Some((v, path)) = pick(current, legacy, "region") {
        let region = string(v, &path)?;
        let region = region.trim();
        out.region = (!region.is_empty()).then(|| region.to_string());
    }
    if let Some((v, path)) = pick(current, legacy, "providerFilter") {
        let items = v.as_array().ok_or_else(|| type_error(&path, "an array of strings", v))?;
        let mut filter = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let s = item.as_str().ok_or_else(|| type_error(&format!("{path}.{i}"), "a string", item))?;
            let s = s.trim().to_lowercase();
            if !s.is_empty() && !filter.contains(&s) {
                filter.push(s);
            }
        }
        filter.sort();
        out.provider_filter = filter;
    }
    if let Some((v, path)) = pick(current, legacy, "refreshInterval") {
        let secs = number(v, &path)?.floor();
        out.refresh_interval_secs = if secs > 0.0 { secs.min(u64::MAX as f64) as u64 } else { 0 };
    }
    if let Some((v, path)) = pick(current, legacy, "defaultContextWindow") {
        out.default_context_window = positive_or(number(v, &path)?, DEFAULT_CONTEXT_WINDOW);
    }
    if let Some((v, path)) = pick(current, legacy, "defaultMaxTokens") {
        out.default_max_tokens = positive_or(number(v, &path)?, DEFAULT_MAX_TOKENS);
    }
    if let Some((v, path)) = pick(current, legacy, "cacheFile") {
        let file = string(v, &path)?;
        out.cache_file = (!file.trim().is_empty()).then(|| file.trim().to_string());
    }
    Ok(out)
}

fn parse_guardrail(g: &Map<String, Value>, base: &str) -> Result<GuardrailSettings> {
    let required = |key: &str| -> Result<String> {
        let path = format!("{base}.{key}");
        match g.get(key) {
            None | Some(Value::Null) => Err(Error::new(ErrorCode::ConfigType, format!("{path}: required when a guardrail is configured"))
                .with_key_path(path)),
            Some(v) => {
                let s = string(v, &path)?;
                if s.trim().is_empty() {
                    Err(Error::new(ErrorCode::ConfigType, format!("{path}: must not be blank")).with_key_path(path))
                } else {
                    Ok(s.trim().to_string())
                }
            }
        }
    };
    let one_of = |key: &str, allowed: &[&str]| -> Result<Option<String>> {
        let path = format!("{base}.{key}");
        match g.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let s = string(v, &path)?;
                if allowed.contains(&s.as_str()) {
                    Ok(Some(s))
                } else {
                    let list = allowed.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
                    Err(Error::new(ErrorCode::ConfigType, format!("{path}: expected one of {list}"))
                        .with_key_path(path))
                }
            }
        }
    };
    Ok(GuardrailSettings {
        guardrail_identifier: required("guardrailIdentifier")?,
        guardrail_version: required("guardrailVersion")?,
        stream_processing_mode: one_of("streamProcessingMode", &["sync", "async"])?,
        trace: one_of("trace", &["enabled", "disabled", "enabled_full"])?,
    })
}

fn parse_provider(p: &Map<String, Value>) -> Result<ExplicitProvider> {
    let opt_string = |key: &str| -> Result<Option<String>> {
        match p.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => string(v, &format!("{PROVIDER_PATH}.{key}")).map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        }
    };
    let models = match p.get("models") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{PROVIDER_PATH}.models.{i}");
                let obj = item.as_object().ok_or_else(|| type_error(&path, "an object", item))?;
                match obj.get("id") {
                    Some(Value::String(id)) if !id.trim().is_empty() => {}
                    Some(other) if !other.is_string() => return Err(type_error(&format!("{path}.id"), "a string", other)),
                    _ => {
                        return Err(Error::new(ErrorCode::ConfigType, format!("{path}.id: required"))
                            .with_key_path(format!("{path}.id")))
                    }
                }
            }
            items.clone()
        }
        Some(other) => return Err(type_error(&format!("{PROVIDER_PATH}.models"), "an array", other)),
    };
    Ok(ExplicitProvider {
        base_url: opt_string("baseUrl")?,
        api: opt_string("api")?,
        auth: opt_string("auth")?,
        models,
        raw: without_secrets(Value::Object(p.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Result<BedrockSettings> {
        let value = parse_json5(text, Path::new("/tmp/openclaw.json"))?;
        let env: HashMap<String, String> = HashMap::from([("HOME".to_string(), "/nonexistent-home".to_string())]);
        settings_from_value(&value, Some("/tmp/openclaw.json".into()), &env)
    }

    #[test]
    fn current_block_wins_and_legacy_fills_gaps() {
        let s = settings(
            r#"{
              // JSON5: comments, unquoted keys, trailing commas
              models: { bedrockDiscovery: { enabled: false, region: "us-west-2", defaultMaxTokens: 9000, providerFilter: ["Meta"] } },
              plugins: { entries: { "amazon-bedrock": { config: {
                discovery: { enabled: true, region: "eu-west-1", futureKey: 1, },
                somethingNew: { kept: true },
              } } } },
            }"#,
        )
        .expect("valid");
        assert_eq!(s.discovery.enabled, Some(true));
        assert_eq!(s.discovery.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.discovery.default_max_tokens, 9000);
        assert_eq!(s.discovery.provider_filter, vec!["meta".to_string()]);
        assert_eq!((s.region.as_str(), s.region_source), ("eu-west-1", RegionSource::Config));
        assert_eq!(s.plugin_config["somethingNew"]["kept"], Value::Bool(true));
    }

    #[test]
    fn defaults_and_clamping() {
        let s = settings("{}").expect("valid");
        assert_eq!(s.discovery, DiscoverySettings::default());
        let s = settings(
            r#"{ models: { bedrockDiscovery: { refreshInterval: -5, defaultContextWindow: 0, defaultMaxTokens: -1 } } }"#,
        )
        .expect("valid");
        assert_eq!(s.discovery.refresh_interval_secs, 0);
        assert_eq!(s.discovery.default_context_window, DEFAULT_CONTEXT_WINDOW);
        assert_eq!(s.discovery.default_max_tokens, DEFAULT_MAX_TOKENS);
        let s = settings(r#"{ models: { bedrockDiscovery: { refreshInterval: 90.7, defaultContextWindow: 64000.9 } } }"#)
            .expect("valid");
        assert_eq!(s.discovery.refresh_interval_secs, 90);
        assert_eq!(s.discovery.default_context_window, 64000);
    }

    #[test]
    fn wrong_types_name_the_key_path() {
        let e = settings(r#"{ plugins: { entries: { "amazon-bedrock": { config: { discovery: { refreshInterval: "60" } } } } } }"#)
            .expect_err("type error");
        assert_eq!(e.code, ErrorCode::ConfigType);
        assert_eq!(e.message, "plugins.entries.amazon-bedrock.config.discovery.refreshInterval: expected a number, got string");
        assert_eq!(e.key_path.as_deref(), Some("plugins.entries.amazon-bedrock.config.discovery.refreshInterval"));
        let e = settings(r#"{ models: { bedrockDiscovery: { providerFilter: ["a", 3] } } }"#).expect_err("type error");
        assert_eq!(e.message, "models.bedrockDiscovery.providerFilter.1: expected a string, got number");
        let e = settings(r#"{ models: { bedrockDiscovery: { enabled: "yes" } } }"#).expect_err("type error");
        assert_eq!(e.message, "models.bedrockDiscovery.enabled: expected a boolean, got string");
        let e = settings(r#"{ models: { providers: { "amazon-bedrock": { models: {} } } } }"#).expect_err("type error");
        assert_eq!(e.message, "models.providers.amazon-bedrock.models: expected an array, got object");
        let e = settings(r#"{ plugins: { entries: { "amazon-bedrock": { config: { guardrail: { guardrailIdentifier: "g", guardrailVersion: "1", trace: "loud" } } } } } }"#)
            .expect_err("enum error");
        assert!(e.message.contains("guardrail.trace: expected one of"), "{}", e.message);
    }

    #[test]
    fn syntax_errors_carry_file_line_and_column_but_not_the_source_text() {
        let e = parse_json5("{\n  a: 1,\n  b: SECRET-VALUE-xyz\n}", Path::new("/etc/openclaw.json")).expect_err("syntax");
        assert_eq!(e.code, ErrorCode::ConfigSyntax);
        let loc = e.location.clone().expect("location");
        assert_eq!((loc.file.as_deref(), loc.line), (Some("/etc/openclaw.json"), 3));
        assert!(loc.column > 0);
        assert!(e.message.starts_with("/etc/openclaw.json:3:"), "{}", e.message);
        assert!(!e.message.contains("SECRET-VALUE"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused_without_crashing() {
        let deep = "[".repeat(100_000);
        let e = parse_json5(&deep, Path::new("x.json")).expect_err("too deep");
        assert_eq!(e.code, ErrorCode::ConfigSyntax);
        assert!(e.message.contains("nesting"));
        // Brackets inside strings and comments do not count.
        let text = format!("{{ a: \"{}\", /* {} */ b: 1 }}", "[".repeat(1000), "{".repeat(1000));
        assert!(parse_json5(&text, Path::new("x.json")).is_ok());
        // The allowed depth parses.
        let ok = format!("{}{}", "[".repeat(MAX_NESTING_DEPTH), "]".repeat(MAX_NESTING_DEPTH));
        assert!(parse_json5(&ok, Path::new("x.json")).is_ok());
    }

    #[test]
    fn secrets_in_the_file_are_not_handed_back() {
        let v = json5::from_str::<Value>(
            r#"{ models: { providers: { "amazon-bedrock": { baseUrl: "https://x", apiKey: "KEY-123", maxTokens: 9,
                 headers: { "x-api-key": "KEY-456" } } } },
                 plugins: { entries: { "amazon-bedrock": { config: { bearerToken: "TOK-789", discovery: { region: "eu-west-1" } } } } } }"#,
        )
        .expect("json5");
        let s = settings_from_value(&v, None, &HashMap::new()).expect("settings");
        let text = format!("{:?} {} {}", s, s.provider.as_ref().expect("provider").raw, s.plugin_config);
        for secret in ["KEY-123", "KEY-456", "TOK-789"] {
            assert!(!text.contains(secret), "{secret} handed back: {text}");
        }
        let raw = &s.provider.expect("provider").raw;
        assert_eq!(raw["apiKey"], REDACTED);
        assert_eq!(raw["maxTokens"], 9, "token counts are not secrets");
        assert_eq!(s.plugin_config["discovery"]["region"], "eu-west-1");
    }

    #[test]
    fn guardrail_and_explicit_provider_are_read() {
        let s = settings(
            r#"{
              plugins: { entries: { "amazon-bedrock": { config: { guardrail: { guardrailIdentifier: "gr-1", guardrailVersion: "DRAFT", streamProcessingMode: "async" } } } } },
              models: { providers: { "amazon-bedrock": { baseUrl: "https://bedrock-runtime.ap-northeast-1.amazonaws.com", api: "bedrock-converse-stream", auth: "aws-sdk", models: [{ id: "x.y", name: "Y" }] } } },
            }"#,
        )
        .expect("valid");
        let g = s.guardrail.expect("guardrail");
        assert_eq!((g.guardrail_identifier.as_str(), g.guardrail_version.as_str()), ("gr-1", "DRAFT"));
        assert_eq!(g.stream_processing_mode.as_deref(), Some("async"));
        let p = s.provider.expect("provider");
        assert_eq!(p.models.len(), 1);
        assert_eq!((s.region.as_str(), s.region_source), ("ap-northeast-1", RegionSource::BaseUrl));
    }
}
