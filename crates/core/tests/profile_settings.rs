//! Settings the AWS SDKs read from the shared config file's profile (and their env
//! variables), which this crate used to ignore: `use_fips_endpoint`,
//! `use_dualstack_endpoint`, `endpoint_url`, `[services <name>]` sections,
//! `ignore_configured_endpoint_urls`, `max_attempts`, `retry_mode` / `AWS_RETRY_MODE`.
//! Precedence as the SDKs: explicit option > env > profile. Every case uses its own
//! temporary `AWS_CONFIG_FILE` through `options.env`, never the process environment.

mod common;

use std::collections::HashMap;

use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_core::region::{EndpointConfig, Endpoints, RetryModeSetting, SdkSettings};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, Op, StreamControl};
use bedrock_emulator::{Emulator, EmulatorConfig, DEFAULT_BEARER_TOKEN};
use common::*;
use serde_json::json;

const MODEL: &str = "amazon.nova-micro-v1:0";

/// An env map with HOME in `home`, `config` as its AWS_CONFIG_FILE, plus `pairs`.
fn env_with_config(home: &TempDir, config: &str, pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let path = home.write("aws-config", config);
    let mut env = isolated_env(home, pairs);
    env.insert("AWS_CONFIG_FILE".into(), path);
    env
}

/// One stream with no baseUrl (the endpoint comes from the settings) and `env`.
async fn stream_ops(env: HashMap<String, String>, max_retries: Option<u32>) -> Vec<Op> {
    let model: Model = serde_json::from_value(json!({ "id": MODEL, "api": "bedrock-converse-stream" })).expect("model");
    let context: Context =
        serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context");
    let options: StreamOptions =
        serde_json::from_value(json!({ "bearerToken": DEFAULT_BEARER_TOKEN, "env": env })).expect("options");
    let control = StreamControl { max_retries, ..Default::default() };
    ConverseStream::start_with(model, Some(context), options, control, None).collect().await
}

fn completed(ops: &[Op]) -> bool {
    ops.iter().any(|op| matches!(op, Op::TextDelta { .. })) && !ops.iter().any(|op| matches!(op, Op::Error { .. }))
}

fn endpoints(env: &HashMap<String, String>) -> Endpoints {
    let config = EndpointConfig::load(env, None).expect("settings");
    Endpoints::resolve_with("us-east-1", None, None, &config).expect("endpoints")
}

#[test]
fn profile_use_fips_endpoint_gives_the_fips_hosts_and_env_false_overrides_it() {
    let home = TempDir::new("fips");
    let config = "[default]\nuse_fips_endpoint = true\n";
    let e = endpoints(&env_with_config(&home, config, &[]));
    assert_eq!(e.runtime, "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
    assert_eq!(e.control, "https://bedrock-fips.us-east-1.amazonaws.com");
    // Env over profile, as the SDKs.
    let e = endpoints(&env_with_config(&home, config, &[("AWS_USE_FIPS_ENDPOINT", "false")]));
    assert_eq!(e.runtime, "https://bedrock-runtime.us-east-1.amazonaws.com");
    // A named profile through AWS_PROFILE.
    let config = "[default]\n[profile gov]\nuse_fips_endpoint = true\n";
    let e = endpoints(&env_with_config(&home, config, &[("AWS_PROFILE", "gov")]));
    assert_eq!(e.runtime, "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
    // A bad value is refused, naming the key and where it came from.
    let err = EndpointConfig::load(&env_with_config(&home, "[default]\nuse_fips_endpoint = yes\n", &[]), None).unwrap_err();
    assert!(err.message.contains("use_fips_endpoint") && err.message.contains("yes"), "{}", err.message);
}

#[test]
fn profile_use_dualstack_endpoint_gives_the_dual_stack_hosts() {
    let home = TempDir::new("dualstack");
    let e = endpoints(&env_with_config(&home, "[default]\nuse_dualstack_endpoint = true\n", &[]));
    assert_eq!(e.runtime, "https://bedrock-runtime.us-east-1.api.aws");
    assert_eq!(e.control, "https://bedrock.us-east-1.api.aws");
}

#[tokio::test]
async fn profile_endpoint_url_sends_streams_and_discovery_there() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("endpoint-url");
    let env = env_with_config(&home, &format!("[default]\nregion = us-east-1\nendpoint_url = {}\n", emu.url()), &[]);
    assert!(completed(&stream_ops(env.clone(), Some(0)).await), "the stream did not reach the profile's endpoint_url");
    let found = discover_models(DiscoveryOptions {
        bearer_token: Some(DEFAULT_BEARER_TOKEN.into()),
        refresh_interval_secs: Some(0.0),
        env: Some(env),
        ..Default::default()
    })
    .await
    .expect("discovery through the profile's endpoint_url");
    assert!(!found.models.is_empty());
    let ops: Vec<String> = emu.requests().iter().map(|r| r.operation.clone()).collect();
    assert!(ops.iter().any(|o| o == "ConverseStream") && ops.iter().any(|o| o == "ListFoundationModels"), "{ops:?}");
    emu.close().await;
}

#[tokio::test]
async fn a_services_section_url_wins_over_the_profile_url_and_env_wins_over_both() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("services");
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let config = format!(
        "[default]\nregion = us-east-1\nendpoint_url = {dead}\nservices = my-svc\n\n[services my-svc]\nbedrock_runtime =\n  endpoint_url = {}\n",
        emu.url()
    );
    let env = env_with_config(&home, &config, &[]);
    let settings = EndpointConfig::load(&env, None).expect("settings");
    assert_eq!(settings.runtime_url.as_deref(), Some(emu.url().as_str()), "bedrock_runtime's own URL");
    assert_eq!(settings.control_url.as_deref(), Some(dead.as_str()), "bedrock has none: the profile's global URL");
    assert!(completed(&stream_ops(env, Some(0)).await), "the stream did not use the [services] URL");

    // AWS_ENDPOINT_URL (env) beats every URL of the profile.
    let config = format!("[default]\nregion = us-east-1\nendpoint_url = {dead}\n");
    let env = env_with_config(&home, &config, &[("AWS_ENDPOINT_URL", &emu.url())]);
    assert!(completed(&stream_ops(env, Some(0)).await), "AWS_ENDPOINT_URL did not beat the profile's endpoint_url");
    emu.close().await;
}

#[test]
fn ignoring_configured_endpoint_urls_from_env_or_profile_restores_the_aws_hosts() {
    let home = TempDir::new("ignore-urls");
    let standard = "https://bedrock-runtime.us-east-1.amazonaws.com";
    let config = "[default]\nendpoint_url = http://127.0.0.1:1\n";
    assert_eq!(endpoints(&env_with_config(&home, config, &[])).runtime, "http://127.0.0.1:1");
    let env = env_with_config(&home, config, &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]);
    assert_eq!(endpoints(&env).runtime, standard);
    let config = "[default]\nendpoint_url = http://127.0.0.1:1\nignore_configured_endpoint_urls = true\n";
    let env = env_with_config(&home, config, &[("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:2")]);
    assert_eq!(endpoints(&env).runtime, standard);
}

#[tokio::test]
async fn profile_max_attempts_sets_the_attempts_env_and_max_retries_win() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    emu.script_json(MODEL, &json!({ "times": 100000, "http": { "errorType": "ThrottlingException", "message": "slow down" } }))
        .expect("script");
    let home = TempDir::new("max-attempts");
    let config = format!("[default]\nregion = us-east-1\nendpoint_url = {}\nmax_attempts = 2\n", emu.url());
    let attempts = |env: HashMap<String, String>, max_retries: Option<u32>| {
        let emu = &emu;
        async move {
            let before = emu.requests().len();
            let ops = stream_ops(env, max_retries).await;
            assert!(matches!(ops.last(), Some(Op::Error { .. })), "{ops:?}");
            emu.requests().len() - before
        }
    };
    assert_eq!(attempts(env_with_config(&home, &config, &[]), None).await, 2, "profile max_attempts = 2");
    assert_eq!(attempts(env_with_config(&home, &config, &[("AWS_MAX_ATTEMPTS", "1")]), None).await, 1, "env over profile");
    assert_eq!(attempts(env_with_config(&home, &config, &[]), Some(0)).await, 1, "maxRetries over both");
    emu.close().await;
}

#[tokio::test]
async fn retry_mode_adaptive_and_legacy_are_accepted_and_a_bad_mode_is_refused() {
    let home = TempDir::new("retry-mode");
    let mode = |pairs: &[(&str, &str)], config: &str| SdkSettings::load(&env_with_config(&home, config, pairs), None);
    assert_eq!(mode(&[("AWS_RETRY_MODE", "adaptive")], "").expect("adaptive").retry_mode, Some(RetryModeSetting::Adaptive));
    assert_eq!(mode(&[("AWS_RETRY_MODE", "legacy")], "").expect("legacy").retry_mode, Some(RetryModeSetting::Standard));
    assert_eq!(mode(&[], "[default]\nretry_mode = adaptive\n").expect("profile").retry_mode, Some(RetryModeSetting::Adaptive));
    assert_eq!(
        mode(&[("AWS_RETRY_MODE", "standard")], "[default]\nretry_mode = adaptive\n").expect("env wins").retry_mode,
        Some(RetryModeSetting::Standard)
    );
    let err = mode(&[("AWS_RETRY_MODE", "fast")], "").unwrap_err();
    assert!(err.message.contains("AWS_RETRY_MODE") && err.message.contains("fast"), "{}", err.message);

    // A stream under adaptive mode runs as usual.
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let env = env_with_config(&home, &format!("[default]\nregion = us-east-1\nendpoint_url = {}\nretry_mode = adaptive\n", emu.url()), &[]);
    assert!(completed(&stream_ops(env, None).await));
    emu.close().await;
}

#[test]
fn an_edited_config_file_is_read_again() {
    let home = TempDir::new("edited");
    let env = env_with_config(&home, "[default]\nmax_attempts = 2\n", &[]);
    assert_eq!(SdkSettings::load(&env, None).expect("first").max_attempts, Some(2));
    let path = home.path("aws-config");
    std::fs::write(&path, "[default]\nmax_attempts = 5\n").expect("rewrite");
    // A different modification time even on coarse-grained file systems.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options().write(true).open(&path).expect("open").set_modified(later).expect("set mtime");
    assert_eq!(SdkSettings::load(&env, None).expect("second").max_attempts, Some(5));
}
