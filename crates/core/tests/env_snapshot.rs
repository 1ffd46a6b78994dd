//! The environment a call is given is the only one it reads: with an explicit snapshot
//! (what the binding takes on the JS thread at call time), a stream, discovery and the
//! credential probe ignore a process environment that says otherwise. Before, the stream
//! read region, endpoint URLs, bearer token and AWS_MAX_ATTEMPTS from the process
//! environment on a tokio worker thread.
//!
//! One test in this binary: it sets hostile process-environment values.

mod common;

use bedrock_core::credentials::{probe_credentials, ProbeOptions};
use bedrock_core::discovery::{discover_models, DiscoveryOptions, Mode};
use bedrock_core::region::{is_config_variable, EnvSnapshot, RegionSource};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, Op, StopReason, StreamControl};
use bedrock_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::json;

#[tokio::test]
async fn an_explicit_environment_wins_over_a_process_environment_that_says_otherwise() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    // The process environment points everything elsewhere; any read of it fails the call.
    for (name, value) in [
        ("AWS_REGION", "x@127.0.0.1:1/"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:1"),
        ("AWS_BEARER_TOKEN_BEDROCK", "process-env-token-not-accepted"),
        ("AWS_MAX_ATTEMPTS", "not-a-number"),
        ("AWS_ACCESS_KEY_ID", "AKIDPROCESSENV000000"),
        ("AWS_SECRET_ACCESS_KEY", "process/env/secret"),
    ] {
        std::env::set_var(name, value);
    }
    let emu_url = emu.url();
    let home = TempDir::new("env-snapshot");
    let env = isolated_env(
        &home,
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", EMU_KEY),
            ("AWS_SECRET_ACCESS_KEY", EMU_SECRET),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emu_url.as_str()),
            ("AWS_ENDPOINT_URL_BEDROCK", emu_url.as_str()),
        ],
    );

    // Stream: region, endpoint, credentials from the snapshot.
    let model: Model = serde_json::from_value(json!({ "id": "amazon.nova-micro-v1:0", "api": "bedrock-converse-stream" })).expect("model");
    let context: Context =
        serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context");
    let control = StreamControl { env: Some(EnvSnapshot::from(env.clone())), ..Default::default() };
    let ops = ConverseStream::start_with(model, Some(context), StreamOptions::default(), control, None).collect().await;
    assert!(matches!(ops.last(), Some(Op::Done { reason: StopReason::Stop })), "{:?}", ops.last());
    let requests = emu.requests();
    let sent = requests.iter().find(|r| r.operation == "ConverseStream").expect("stream reached the emulator");
    assert!(sent.auth.ok && sent.auth.scheme.eq_ignore_ascii_case("sigv4"), "{:?}", sent.auth);
    assert_eq!(sent.auth.access_key_id.as_deref(), Some(EMU_KEY));

    // Discovery: control plane endpoint and credentials from the map.
    let found = discover_models(DiscoveryOptions { env: Some(env.clone()), refresh_interval_secs: Some(0.0), mode: Mode::Strict, ..Default::default() })
        .await
        .expect("discovery with the explicit env");
    assert!(!found.models.is_empty());
    assert_eq!(found.region, "us-east-1");

    // Probe: the key pair and region of the map.
    let probe = probe_credentials(ProbeOptions { env: Some(env), ..Default::default() }).await;
    assert!(probe.available, "{}", probe.detail);
    assert_eq!((probe.region.as_str(), probe.region_source), ("us-east-1", RegionSource::AwsRegion));

    // The snapshot keeps what the core reads, nothing else.
    let snapshot = EnvSnapshot::of_process();
    assert_eq!(snapshot.map().get("AWS_REGION").map(String::as_str), Some("x@127.0.0.1:1/"));
    assert!(snapshot.map().keys().all(|k| is_config_variable(k)));
    for name in ["https_proxy", "NO_PROXY", "OPENCLAW_CONFIG_PATH", "NODE_EXTRA_CA_CERTS", "HOME"] {
        assert!(is_config_variable(name), "{name}");
    }
    assert!(!is_config_variable("PATH") && !is_config_variable("OPENAI_API_KEY"));
    assert!(!format!("{snapshot:?}").contains("process/env/secret"));
    emu.close().await;
}
