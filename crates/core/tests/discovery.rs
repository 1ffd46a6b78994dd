//! Discovery against the emulator: OpenClaw's discovery cases plus paging, single-flight,
//! last-good, strict mode, error causes, the real control-plane fixtures, and provider
//! resolution. Every test has its own emulator (its own port), so cache keys never
//! collide between tests running in parallel.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use bedrock_core::config::{settings_from_value, BedrockSettings};
use bedrock_core::discovery::{discover_models, resolve_bedrock_provider, DiscoveryOptions, DiscoveryResult, Mode, ProviderOptions};
use bedrock_core::ErrorCode;
use bedrock_emulator::{Emulator, EmulatorConfig, HttpError, Script};
use common::*;
use serde_json::{json, Value};

fn count(emu: &Emulator, op: &str) -> usize {
    emu.requests().iter().filter(|r| r.operation == op).count()
}

fn opts(emu: &Emulator, home: &TempDir) -> DiscoveryOptions {
    DiscoveryOptions { endpoint: Some(emu.url()), env: Some(emulator_key_env(home)), ..Default::default() }
}

fn ids(result: &DiscoveryResult) -> Vec<String> {
    result.models.iter().map(|m| m.id.clone()).collect()
}

fn summary(id: &str, name: &str, provider: &str, input: &[&str], output: &[&str], streaming: bool, status: &str) -> Value {
    json!({
        "modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{id}"),
        "modelId": id, "modelName": name, "providerName": provider,
        "inputModalities": input, "outputModalities": output,
        "responseStreamingSupported": streaming, "modelLifecycle": { "status": status }
    })
}

fn profile(id: &str, name: &str, ty: &str, status: &str, arns: &[&str]) -> Value {
    json!({
        "inferenceProfileId": id, "inferenceProfileName": name,
        "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}"),
        "status": status, "type": ty,
        "models": arns.iter().map(|a| json!({ "modelArn": a })).collect::<Vec<_>>()
    })
}

async fn emulator_with(models: Vec<Value>, profiles: Vec<Value>) -> Emulator {
    Emulator::start(EmulatorConfig { foundation_models: Some(models), inference_profiles: Some(profiles), ..Default::default() })
        .await
        .expect("emulator")
}

const SONNET46_ARN: &str = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6";

fn sonnet46() -> Value {
    summary("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", "anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE")
}

#[tokio::test]
async fn builtin_catalogue_filters_resolves_and_orders() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("disc-builtin");
    let r = discover_models(opts(&emu, &home)).await.expect("discovery");
    let ids = ids(&r);
    assert!(!r.from_cache && !r.stale && !r.partial, "{r:?}");
    // LEGACY, embedding, image-output and non-streaming models are dropped.
    for dropped in ["anthropic.claude-3-sonnet-20240229-v1:0", "amazon.titan-embed-text-v2:0", "amazon.nova-canvas-v1:0", "ai21.j2-ultra-v1", "amazon.titan-text-express-v1"] {
        assert!(!ids.iter().any(|i| i == dropped), "{dropped} should be dropped");
    }
    // The INACTIVE profile (for the LEGACY model) is dropped.
    assert!(!ids.iter().any(|i| i == "us.anthropic.claude-3-sonnet-20240229-v1:0"));
    // global. profiles first.
    let first_non_global = ids.iter().position(|i| !i.starts_with("global.")).expect("some non-global");
    assert!(first_non_global > 0 && ids[first_non_global..].iter().all(|i| !i.starts_with("global.")), "{ids:?}");
    // The APPLICATION profile (ARN id) resolves through its model ARN and inherits image input.
    let app = r.models.iter().find(|m| m.id.contains("application-inference-profile")).expect("application profile listed");
    assert_eq!(app.input, vec!["text", "image"]);
    assert_eq!(app.context_window, 200_000);
    // Profiles inherit limits from the known table through their base model.
    let sonnet45 = r.models.iter().find(|m| m.id == "global.anthropic.claude-sonnet-4-5-20250929-v1:0").expect("global sonnet 4.5");
    assert_eq!((sonnet45.context_window, sonnet45.max_tokens, sonnet45.reasoning), (200_000, 64_000, true));
    // One ListFoundationModels; ListInferenceProfiles once per profile type.
    assert_eq!(count(&emu, "ListFoundationModels"), 1);
    let profile_calls: Vec<_> = emu.requests().into_iter().filter(|r| r.operation == "ListInferenceProfiles").collect();
    assert_eq!(profile_calls.len(), 2);
    assert!(profile_calls.iter().any(|r| r.query_params.iter().any(|(k, v)| k == "type" && v == "APPLICATION")));
    // Names are unique by id (lower-cased).
    let mut lower: Vec<String> = ids.iter().map(|i| i.to_lowercase()).collect();
    lower.sort();
    lower.dedup();
    assert_eq!(lower.len(), ids.len());
    emu.close().await;
}

#[tokio::test]
async fn openclaw_filter_and_modalities_case() {
    let emu = emulator_with(
        vec![
            summary("anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", "anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE"),
            summary("anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "anthropic", &["TEXT"], &["TEXT"], false, "ACTIVE"),
            summary("meta.llama3-8b-instruct-v1:0", "Llama 3 8B", "meta", &["TEXT"], &["TEXT"], true, "INACTIVE"),
            summary("amazon.titan-embed-text-v1", "Titan Embed", "amazon", &["TEXT"], &["EMBEDDING"], true, "ACTIVE"),
        ],
        vec![],
    )
    .await;
    let home = TempDir::new("disc-oc1");
    let r = discover_models(opts(&emu, &home)).await.expect("discovery");
    assert_eq!(r.models.len(), 1);
    let m = &r.models[0];
    assert_eq!((m.id.as_str(), m.name.as_str()), ("anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet"));
    assert_eq!(m.input, vec!["text", "image"]);
    // OpenClaw would say 32000/4096 here: the known table fixes that.
    assert_eq!((m.context_window, m.max_tokens, m.reasoning), (200_000, 64_000, true));

    let none = discover_models(DiscoveryOptions { provider_filter: vec!["amazon".into()], ..opts(&emu, &home) }).await.expect("filtered");
    assert!(none.models.is_empty());
    emu.close().await;
}

#[tokio::test]
async fn configured_defaults_apply_to_unknown_models_prefixed_and_versioned_ids_use_the_table() {
    let emu = emulator_with(
        vec![
            summary("acme.unknown-model-v1:0", "Acme", "Acme", &["TEXT"], &["TEXT"], true, "ACTIVE"),
            summary("anthropic.claude-opus-4-1-20250805-v1:0", "Claude Opus 4.1", "Anthropic", &["TEXT", "IMAGE"], &["TEXT"], true, "ACTIVE"),
        ],
        vec![profile("us.anthropic.claude-opus-4-1-20250805-v1:0", "US Opus 4.1", "SYSTEM_DEFINED", "ACTIVE", &[])],
    )
    .await;
    let home = TempDir::new("disc-defaults");
    let r = discover_models(DiscoveryOptions { default_context_window: Some(64000.0), default_max_tokens: Some(8192.0), ..opts(&emu, &home) })
        .await
        .expect("discovery");
    let acme = r.models.iter().find(|m| m.id == "acme.unknown-model-v1:0").expect("acme");
    assert_eq!((acme.context_window, acme.max_tokens), (64000, 8192));
    let us = r.models.iter().find(|m| m.id == "us.anthropic.claude-opus-4-1-20250805-v1:0").expect("profile");
    assert_eq!((us.context_window, us.max_tokens), (200_000, 32_000));
    // <= 0 falls back to the built-in defaults.
    let r = discover_models(DiscoveryOptions { default_context_window: Some(0.0), default_max_tokens: Some(-3.0), ..opts(&emu, &home) })
        .await
        .expect("discovery");
    let acme = r.models.iter().find(|m| m.id == "acme.unknown-model-v1:0").expect("acme");
    assert_eq!((acme.context_window, acme.max_tokens), (32000, 4096));
    emu.close().await;
}

#[tokio::test]
async fn cached_results_cost_no_calls_and_refresh_zero_always_calls() {
    let emu = emulator_with(vec![sonnet46()], vec![]).await;
    let home = TempDir::new("disc-cache");
    let first = discover_models(opts(&emu, &home)).await.expect("first");
    let second = discover_models(opts(&emu, &home)).await.expect("second");
    assert!(!first.from_cache && second.from_cache);
    assert_eq!(count(&emu, "ListFoundationModels"), 1);
    assert_eq!(count(&emu, "ListInferenceProfiles"), 2);
    assert_eq!(ids(&first), ids(&second));

    emu.clear_requests();
    let zero = || DiscoveryOptions { refresh_interval_secs: Some(0.0), ..opts(&emu, &home) };
    discover_models(zero()).await.expect("a");
    discover_models(zero()).await.expect("b");
    assert_eq!(count(&emu, "ListFoundationModels"), 2);
    // Negative is 0 too.
    discover_models(DiscoveryOptions { refresh_interval_secs: Some(-10.0), ..opts(&emu, &home) }).await.expect("c");
    assert_eq!(count(&emu, "ListFoundationModels"), 3);
    emu.close().await;
}

#[tokio::test]
async fn a_different_filter_or_defaults_is_a_different_cache_entry() {
    let emu = emulator_with(vec![sonnet46()], vec![]).await;
    let home = TempDir::new("disc-keys");
    discover_models(opts(&emu, &home)).await.expect("a");
    discover_models(DiscoveryOptions { provider_filter: vec!["anthropic".into()], ..opts(&emu, &home) }).await.expect("b");
    discover_models(DiscoveryOptions { default_max_tokens: Some(999.0), ..opts(&emu, &home) }).await.expect("c");
    // Same filter in another order/case: same entry.
    discover_models(DiscoveryOptions { provider_filter: vec![" Anthropic".into()], ..opts(&emu, &home) }).await.expect("d");
    assert_eq!(count(&emu, "ListFoundationModels"), 3);
    emu.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hundred_concurrent_callers_share_one_request() {
    let emu = Arc::new(Emulator::start(EmulatorConfig::default()).await.expect("emulator"));
    let home = Arc::new(TempDir::new("disc-flight"));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let o = opts(&emu, &home);
        tasks.push(tokio::spawn(async move { discover_models(o).await }));
    }
    let mut lens = Vec::new();
    for t in tasks {
        lens.push(t.await.expect("task").expect("discovery").models.len());
    }
    assert!(lens.iter().all(|&l| l == lens[0] && l > 0));
    assert_eq!(count(&emu, "ListFoundationModels"), 1);
    assert_eq!(count(&emu, "ListInferenceProfiles"), 2, "one per profile type");
}

#[tokio::test]
async fn every_page_of_profiles_is_read() {
    let models = vec![sonnet46()];
    let profiles: Vec<Value> = (0..2500)
        .map(|i| profile(&format!("us.anthropic.claude-sonnet-4-6-p{i:04}"), &format!("P{i:04}"), "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN]))
        .collect();
    let emu = emulator_with(models, profiles).await;
    let home = TempDir::new("disc-pages");
    let r = discover_models(opts(&emu, &home)).await.expect("discovery");
    assert_eq!(r.models.len(), 2501);
    let system_pages = emu
        .requests()
        .into_iter()
        .filter(|r| r.operation == "ListInferenceProfiles" && !r.query_params.iter().any(|(k, _)| k == "type"))
        .count();
    assert_eq!(system_pages, 3);
    emu.close().await;
}

#[tokio::test]
async fn openclaw_profile_cases_inherit_and_drop_legacy() {
    let emu = emulator_with(
        vec![sonnet46()],
        vec![
            profile("us.anthropic.claude-sonnet-4-6", "US Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN, "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-6"]),
            profile("eu.anthropic.claude-sonnet-4-6", "EU Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-6"]),
            profile("global.anthropic.claude-sonnet-4-6", "Global Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[SONNET46_ARN]),
            profile("ap.anthropic.claude-sonnet-4-6", "AP Claude Sonnet 4.6", "SYSTEM_DEFINED", "LEGACY", &[]),
            profile("au.anthropic.claude-sonnet-4-6", "AU Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[]),
            profile("apac.anthropic.claude-sonnet-4-6", "APAC Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[]),
            profile("jp.anthropic.claude-sonnet-4-6", "JP Anthropic Claude Sonnet 4.6", "SYSTEM_DEFINED", "ACTIVE", &[]),
            profile("us.my-prod-profile", "Prod Claude Profile", "APPLICATION", "ACTIVE", &[SONNET46_ARN]),
        ],
    )
    .await;
    let home = TempDir::new("disc-oc-profiles");
    let r = discover_models(opts(&emu, &home)).await.expect("discovery");
    assert_eq!(r.models[0].id, "global.anthropic.claude-sonnet-4-6");
    assert!(!ids(&r).contains(&"ap.anthropic.claude-sonnet-4-6".to_string()));
    for id in ["us.", "eu.", "global.", "au.", "apac.", "jp."].map(|p| format!("{p}anthropic.claude-sonnet-4-6")) {
        let m = r.models.iter().find(|m| m.id == id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(m.input, vec!["text", "image"], "{id}");
        assert_eq!(m.context_window, 1_000_000, "{id}");
    }
    // The emulator (like AWS) lists APPLICATION profiles only when asked for them.
    let app = r.models.iter().find(|m| m.id == "us.my-prod-profile").expect("application profile");
    assert_eq!(app.input, vec!["text", "image"]);

    // Filter keeps matching profiles.
    let filtered = discover_models(DiscoveryOptions { provider_filter: vec!["anthropic".into()], ..opts(&emu, &home) }).await.expect("filtered");
    assert_eq!(filtered.models.len(), r.models.len());
    let none = discover_models(DiscoveryOptions { provider_filter: vec!["meta".into()], ..opts(&emu, &home) }).await.expect("filtered");
    assert!(none.models.is_empty());
    emu.close().await;
}

#[tokio::test]
async fn mistral_matches_mistral_ai() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("disc-mistral");
    let r = discover_models(DiscoveryOptions { provider_filter: vec!["mistral".into()], ..opts(&emu, &home) }).await.expect("discovery");
    assert!(!r.models.is_empty());
    assert!(r.models.iter().all(|m| m.id.contains("mistral.")), "{:?}", ids(&r));
    assert!(ids(&r).contains(&"us.mistral.pixtral-large-2502-v1:0".to_string()));
    let by_name = discover_models(DiscoveryOptions { provider_filter: vec!["Mistral AI".into()], ..opts(&emu, &home) }).await.expect("discovery");
    assert_eq!(ids(&by_name), ids(&r));
    emu.close().await;
}

#[tokio::test]
async fn profiles_denied_still_returns_foundation_models_in_advisory_mode_and_fails_in_strict() {
    let emu = Emulator::start(EmulatorConfig { deny_operations: vec!["ListInferenceProfiles".into()], ..Default::default() })
        .await
        .expect("emulator");
    let home = TempDir::new("disc-denied");
    let r = discover_models(DiscoveryOptions { refresh_interval_secs: Some(0.0), ..opts(&emu, &home) }).await.expect("advisory");
    assert!(!r.models.is_empty());
    assert!(r.models.iter().all(|m| !m.id.starts_with("us.") && !m.id.starts_with("global.")));
    assert!(r.partial);
    let w = &r.warnings[0];
    assert_eq!(w.operation, "ListInferenceProfiles");
    assert_eq!(w.error.code, ErrorCode::AccessDenied);
    assert!(w.error.message.contains("bedrock:ListInferenceProfiles"), "{}", w.error.message);

    let err = discover_models(DiscoveryOptions { refresh_interval_secs: Some(0.0), mode: Mode::Strict, ..opts(&emu, &home) })
        .await
        .expect_err("strict rejects");
    assert_eq!(err.code, ErrorCode::AccessDenied);
    assert_eq!(err.http_status, Some(403));
    emu.close().await;
}

#[tokio::test]
async fn foundation_models_denied_names_the_permission() {
    let emu = Emulator::start(EmulatorConfig { deny_operations: vec!["bedrock:ListFoundationModels".into()], ..Default::default() })
        .await
        .expect("emulator");
    let home = TempDir::new("disc-denied-fm");
    let r = discover_models(DiscoveryOptions { refresh_interval_secs: Some(0.0), ..opts(&emu, &home) }).await.expect("advisory never throws");
    assert!(r.models.is_empty() && r.partial);
    assert!(r.warnings[0].error.message.contains("bedrock:ListFoundationModels"), "{}", r.warnings[0].error.message);
    let err = discover_models(DiscoveryOptions { refresh_interval_secs: Some(0.0), mode: Mode::Strict, ..opts(&emu, &home) })
        .await
        .expect_err("strict");
    assert_eq!(err.code, ErrorCode::AccessDenied);
    assert!(err.message.contains("bedrock:ListFoundationModels"));
    emu.close().await;
}

#[tokio::test]
async fn a_failed_refresh_serves_the_last_good_list_and_says_so() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("disc-lastgood");
    let o = || DiscoveryOptions { refresh_interval_secs: Some(1.0), ..opts(&emu, &home) };
    let good = discover_models(o()).await.expect("good");
    // Wait out the 1 s TTL, then make every attempt (with retries) fail.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    emu.script(
        "op:ListFoundationModels",
        Script {
            times: Some(10),
            http: Some(HttpError { status: Some(500), error_type: Some("InternalServerException".into()), message: Some("boom".into()), ..Default::default() }),
            ..Default::default()
        },
    );
    let stale = discover_models(o()).await.expect("advisory keeps last good");
    assert!(stale.stale && stale.from_cache && stale.partial, "{stale:?}");
    assert_eq!(ids(&stale), ids(&good));
    assert_eq!(stale.warnings[0].error.code, ErrorCode::InternalServerException);
    // Strict mode does not hide the failure.
    let err = discover_models(DiscoveryOptions { mode: Mode::Strict, ..o() }).await.expect_err("strict");
    assert_eq!(err.code, ErrorCode::InternalServerException);
    emu.close().await;
}

#[tokio::test]
async fn an_unreachable_endpoint_is_named() {
    let home = TempDir::new("disc-unreachable");
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let err = discover_models(DiscoveryOptions {
        endpoint: Some(endpoint.clone()),
        env: Some(emulator_key_env(&home)),
        mode: Mode::Strict,
        refresh_interval_secs: Some(0.0),
        ..Default::default()
    })
    .await
    .expect_err("unreachable");
    assert_eq!(err.code, ErrorCode::Network);
    assert!(err.message.contains(&endpoint), "{}", err.message);
}

#[tokio::test]
async fn missing_credentials_are_named_and_nothing_is_sent() {
    let home = TempDir::new("disc-nocreds");
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let err = discover_models(DiscoveryOptions {
        endpoint: Some(emu.url()),
        env: Some(isolated_env(&home, &[])),
        mode: Mode::Strict,
        refresh_interval_secs: Some(0.0),
        ..Default::default()
    })
    .await
    .expect_err("no credentials");
    assert_eq!(err.code, ErrorCode::NoCredentials);
    assert!(err.message.contains("no AWS credentials"), "{}", err.message);
    assert!(emu.requests().is_empty(), "nothing is sent without credentials");
    emu.close().await;
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../fixtures/bedrock-control-plane/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("fixture JSON")
}

#[tokio::test]
async fn real_control_plane_responses_from_brag_bot() {
    let models = fixture("list_foundation_models.partial.brag-bot.derived.json")["modelSummaries"].as_array().cloned().expect("models");
    let profiles = fixture("list_inference_profiles.brag-bot.derived.json")["inferenceProfileSummaries"].as_array().cloned().expect("profiles");
    assert_eq!((models.len(), profiles.len()), (6, 23));
    // The recording is from us-east-2; the emulator signs-checks for that region.
    let emu = Emulator::start(EmulatorConfig {
        region: "us-east-2".into(),
        foundation_models: Some(models),
        inference_profiles: Some(profiles),
        ..Default::default()
    })
    .await
    .expect("emulator");
    let home = TempDir::new("disc-fixture");
    let r = discover_models(DiscoveryOptions { region: Some("us-east-2".into()), ..opts(&emu, &home) }).await.expect("discovery");
    // 6 active streaming text models + 23 active profiles, no overlap.
    assert_eq!(r.models.len(), 29);
    let haiku = r.models.iter().find(|m| m.id == "us.anthropic.claude-3-haiku-20240307-v1:0").expect("haiku profile");
    assert_eq!(haiku.name, "US Anthropic Claude 3 Haiku");
    assert_eq!(haiku.input, vec!["text", "image"]);
    assert_eq!((haiku.context_window, haiku.max_tokens), (200_000, 4096));
    // Base model not in the (partial) foundation list: text only, limits from the table.
    let llama = r.models.iter().find(|m| m.id == "us.meta.llama3-3-70b-instruct-v1:0").expect("llama profile");
    assert_eq!((llama.input.clone(), llama.context_window), (vec!["text".to_string()], 128_000));
    let r1 = r.models.iter().find(|m| m.id == "us.deepseek.r1-v1:0").expect("r1");
    assert!(r1.reasoning);
    // Unknown to the table: configured defaults.
    let v2 = r.models.iter().find(|m| m.id == "anthropic.claude-v2").expect("claude v2");
    assert_eq!((v2.context_window, v2.max_tokens), (32_000, 4096));
    // Sorted by name.
    let names: Vec<String> = r.models.iter().map(|m| m.name.to_lowercase()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    emu.close().await;
}

fn settings(config: Value, env: &HashMap<String, String>) -> BedrockSettings {
    settings_from_value(&config, None, env).expect("valid settings")
}

#[tokio::test]
async fn provider_resolution_follows_enablement_and_explicit_models() {
    // Several regions against one emulator: it accepts any signature scope here.
    let emu = Emulator::start(EmulatorConfig { auth: false, ..Default::default() }).await.expect("emulator");
    let home = TempDir::new("disc-provider");
    let no_creds = isolated_env(&home, &[]);
    let with_keys = emulator_key_env(&home);
    let popts = |env: &HashMap<String, String>| ProviderOptions { env: Some(env.clone()), endpoint: Some(emu.url()), ..Default::default() };

    // enabled: false → none, even with credentials.
    let off = settings(json!({ "plugins": { "entries": { "amazon-bedrock": { "config": { "discovery": { "enabled": false } } } } } }), &with_keys);
    assert!(resolve_bedrock_provider(&off, popts(&with_keys)).await.expect("ok").is_none());

    // auto with nothing found (markers none, probe none) → none, and nothing is called.
    let auto = settings(json!({}), &no_creds);
    assert!(resolve_bedrock_provider(&auto, popts(&no_creds)).await.expect("ok").is_none());
    assert!(emu.requests().is_empty());

    // auto with an env marker → discovered provider on the region's standard baseUrl.
    let auto = settings(json!({ "models": { "bedrockDiscovery": { "region": "us-west-2" } } }), &with_keys);
    let p = resolve_bedrock_provider(&auto, popts(&with_keys)).await.expect("ok").expect("provider");
    assert_eq!(p.base_url, "https://bedrock-runtime.us-west-2.amazonaws.com");
    assert_eq!((p.api, p.auth, p.models_source), ("bedrock-converse-stream", "aws-sdk", "discovered"));
    assert!(!p.models.is_empty());
    assert!(p.enabled_by.contains("AWS_ACCESS_KEY_ID"));

    // Plugin block wins over legacy.
    let both = settings(
        json!({
            "models": { "bedrockDiscovery": { "enabled": false, "region": "us-west-2" } },
            "plugins": { "entries": { "amazon-bedrock": { "config": { "discovery": { "enabled": true, "region": "us-east-1" } } } } }
        }),
        &no_creds,
    );
    let p = resolve_bedrock_provider(&both, popts(&with_keys)).await.expect("ok").expect("provider");
    assert_eq!(p.base_url, "https://bedrock-runtime.us-east-1.amazonaws.com");

    // A non-empty explicit list replaces discovery; an empty one does not.
    let explicit = settings(
        json!({ "models": { "providers": { "amazon-bedrock": { "baseUrl": "https://override.example.com", "models": [{ "id": "amazon.nova-micro-v1:0", "name": "Nova" }] } } } }),
        &with_keys,
    );
    let p = resolve_bedrock_provider(&explicit, popts(&with_keys)).await.expect("ok").expect("provider");
    assert_eq!(p.models_source, "explicit");
    assert_eq!(p.models.len(), 1);
    assert_eq!(p.base_url, "https://override.example.com");
    let empty_list = settings(json!({ "models": { "providers": { "amazon-bedrock": { "models": [] } } } }), &with_keys);
    let p = resolve_bedrock_provider(&empty_list, popts(&with_keys)).await.expect("ok").expect("provider");
    assert_eq!(p.models_source, "discovered");
    emu.close().await;
}

#[tokio::test]
async fn probe_enables_auto_discovery_without_env_markers() {
    // The seeds' gap: an instance role has no env marker. Here the "role" is a profile
    // file in the default location with no AWS_PROFILE set — invisible to markers.
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("disc-probe-auto");
    home.write(".aws/credentials", &format!("[default]\naws_access_key_id = {EMU_KEY}\naws_secret_access_key = {EMU_SECRET}\n"));
    let env = isolated_env(&home, &[]);
    let auto = settings(json!({}), &env);
    let p = resolve_bedrock_provider(&auto, ProviderOptions { env: Some(env), endpoint: Some(emu.url()), ..Default::default() })
        .await
        .expect("ok")
        .expect("enabled by the probe");
    assert_eq!(p.enabled_by, "probe: profile");
    emu.close().await;
}
