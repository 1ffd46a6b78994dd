//! TLS trust on loopback with a throwaway CA: the emulator serves HTTPS with a
//! certificate the system store does not trust. The runtime stream and discovery (the
//! SDK's client) fail without the CA and succeed once `AWS_CA_BUNDLE` or
//! `NODE_EXTRA_CA_CERTS` names it; a named bundle that cannot be read is an error naming it.
//!
//! One test in this binary: the runtime reads these variables from the process environment.

mod common;

use std::time::Duration;

use bedrock_core::auth::{Auth, BearerToken};
use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_core::stream::{ConverseStream, ConverseStreamRequest, ModelCost, Op, StreamSettings};
use bedrock_core::ErrorCode;
use bedrock_emulator::{Emulator, EmulatorConfig, TlsIdentity, DEFAULT_BEARER_TOKEN};
use common::*;
use serde_json::json;

async fn stream(emu: &Emulator) -> Vec<Op> {
    let token = BearerToken::new(DEFAULT_BEARER_TOKEN).expect("token");
    let mut settings = StreamSettings::new(emu.url(), "us-east-1", Auth::Bearer(token));
    settings.max_retries = 0;
    settings.connect_timeout = Duration::from_secs(5);
    let body = json!({ "messages": [{ "role": "user", "content": [{ "text": "hello" }] }], "inferenceConfig": {} });
    let request = ConverseStreamRequest {
        model_id: "amazon.nova-micro-v1:0".into(),
        body: serde_json::to_vec(&body).expect("json").into(),
        cost: ModelCost::default(),
    };
    ConverseStream::start(request, settings).collect().await
}

fn completed(ops: &[Op]) -> bool {
    ops.iter().any(|op| matches!(op, Op::TextDelta { .. })) && !ops.iter().any(|op| matches!(op, Op::Error { .. }))
}

#[tokio::test]
async fn a_private_ca_is_trusted_only_when_aws_ca_bundle_or_node_extra_ca_certs_names_it() {
    let (ca_pem, chain_pem, key_pem) = common::throwaway_ca();
    let home = TempDir::new("tls-trust");
    let ca_file = home.write("ca.pem", &ca_pem);
    let tls = TlsIdentity { cert_chain_pem: chain_pem, private_key_pem: key_pem };
    let emu = Emulator::start(EmulatorConfig { tls: Some(tls), ..Default::default() }).await.expect("emulator");
    assert!(emu.url().starts_with("https://127.0.0.1:"), "{}", emu.url());
    for var in ["AWS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::remove_var(var);
    }

    // Runtime: untrusted → a network (certificate) error and nothing served.
    let ops = stream(&emu).await;
    match ops.last() {
        Some(Op::Error { error, .. }) => assert_eq!(error.code, ErrorCode::Network, "{error:?}"),
        other => panic!("expected a certificate failure, got {other:?}"),
    }
    assert_eq!(emu.requests().len(), 0);

    std::env::set_var("AWS_CA_BUNDLE", &ca_file);
    let ops = stream(&emu).await;
    assert!(completed(&ops), "AWS_CA_BUNDLE: {ops:?}");
    std::env::remove_var("AWS_CA_BUNDLE");

    std::env::set_var("NODE_EXTRA_CA_CERTS", &ca_file);
    let ops = stream(&emu).await;
    assert!(completed(&ops), "NODE_EXTRA_CA_CERTS: {ops:?}");
    std::env::remove_var("NODE_EXTRA_CA_CERTS");
    assert_eq!(emu.requests().len(), 2);

    // A named bundle that cannot be read fails the stream, naming the variable.
    std::env::set_var("AWS_CA_BUNDLE", home.path("missing.pem"));
    let ops = stream(&emu).await;
    match ops.last() {
        Some(Op::Error { error, .. }) => assert!(error.message.contains("AWS_CA_BUNDLE"), "{error:?}"),
        other => panic!("expected an AWS_CA_BUNDLE error, got {other:?}"),
    }
    std::env::remove_var("AWS_CA_BUNDLE");

    // Discovery (aws-sdk-bedrock's client) trusts the same roots, from its explicit env.
    let opts = |pairs: &[(&str, &str)]| DiscoveryOptions {
        endpoint: Some(emu.url()),
        bearer_token: Some(DEFAULT_BEARER_TOKEN.into()),
        refresh_interval_secs: Some(0.0),
        env: Some(isolated_env(&home, pairs)),
        timeout: Some(Duration::from_secs(10)),
        ..Default::default()
    };
    // Untrusted: a partial (empty) result whose warning names the certificate failure.
    let untrusted = discover_models(opts(&[])).await.expect("partial result");
    assert!(untrusted.models.is_empty(), "{untrusted:?}");
    assert!(untrusted.warnings.iter().any(|w| w.error.message.contains("UnknownIssuer")), "{untrusted:?}");
    for var in ["AWS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"] {
        let found = discover_models(opts(&[(var, &ca_file)])).await.unwrap_or_else(|e| panic!("{var}: {e:?}"));
        assert!(!found.models.is_empty() && found.warnings.is_empty(), "{var}: {found:?}");
    }
    emu.close().await;
}
