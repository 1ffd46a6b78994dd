//! A region is spliced into `https://bedrock-runtime.<region>.amazonaws.com`, so a region
//! that is not a host label (`x@127.0.0.1:PORT/`) would send the request, with its
//! signature or bearer key, to another host. Every source (config, AWS_REGION,
//! AWS_DEFAULT_REGION, the profile, an ARN's region field) is refused before any URL is
//! built: a loopback listener standing in for the attacker's host must see no connection.
//!
//! One test in this binary: it sets the process environment (the stream path reads it).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bedrock_core::config::{load_config, LoadOptions};
use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, Op, StreamControl};
use bedrock_core::ErrorCode;
use common::*;
use serde_json::json;

/// Counts every TCP connection made to it (the stand-in for the host in the region).
async fn recording_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, count)
}

async fn stream_error(model_id: &str) -> bedrock_core::Error {
    let model: Model = serde_json::from_value(json!({ "id": model_id, "api": "bedrock-converse-stream" })).expect("model");
    let context: Context =
        serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context");
    let options: StreamOptions = serde_json::from_value(json!({ "bearerToken": "region-test-token" })).expect("options");
    let control = StreamControl { max_retries: Some(0), connect_timeout_ms: Some(2000), ..Default::default() };
    let ops = ConverseStream::start_with(model, Some(context), options, control, None).collect().await;
    match ops.last() {
        Some(Op::Error { error, .. }) => (**error).clone(),
        other => panic!("expected the stream to fail, got {other:?}"),
    }
}

#[tokio::test]
async fn a_region_that_is_not_a_host_label_sends_nothing_anywhere() {
    let (port, connections) = recording_listener().await;
    let evil = format!("x@127.0.0.1:{port}/");
    let home = TempDir::new("region-sec");
    let profile_file = home.write(".aws/config", &format!("[default]\nregion = {evil}\n"));
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_BEARER_TOKEN_BEDROCK"] {
        std::env::remove_var(var);
    }
    std::env::set_var("HOME", &home.0);
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");

    // The stream: from AWS_REGION, AWS_DEFAULT_REGION, the profile, an ARN's region.
    for (var, source) in [("AWS_REGION", "env: AWS_REGION"), ("AWS_DEFAULT_REGION", "env: AWS_DEFAULT_REGION")] {
        std::env::set_var(var, &evil);
        let err = stream_error("amazon.nova-micro-v1:0").await;
        std::env::remove_var(var);
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{err:?}");
        assert!(err.message.contains(source) && err.message.contains("not a valid AWS region"), "{}", err.message);
    }
    let err = stream_error("amazon.nova-micro-v1:0").await;
    assert!(err.message.contains("(from profile)"), "{}", err.message);
    std::env::set_var("AWS_REGION", "us-east-1");
    let err = stream_error("arn:aws:bedrock:x@127.0.0.1#:123456789012:foundation-model/amazon.nova-micro-v1:0").await;
    assert!(err.message.contains("(from model ARN)"), "{}", err.message);
    std::env::remove_var("AWS_REGION");

    // Discovery and the config loader, with an explicit environment.
    let env = isolated_env(&home, &[("AWS_REGION", &evil), ("AWS_BEARER_TOKEN_BEDROCK", "region-test-token")]);
    let err = discover_models(DiscoveryOptions { env: Some(env.clone()), ..Default::default() }).await.expect_err("refused");
    assert!(err.message.contains("env: AWS_REGION"), "{}", err.message);
    let err = discover_models(DiscoveryOptions { region: Some(evil.clone()), env: Some(env.clone()), ..Default::default() })
        .await
        .expect_err("refused");
    assert!(err.message.contains("(from config)"), "{}", err.message);
    let err = load_config(LoadOptions { path: None, env: Some(env) }).expect_err("refused");
    assert!(err.message.contains("env: AWS_REGION"), "{}", err.message);
    let _ = profile_file;

    // Let any connection that was made land before counting.
    tokio::task::yield_now().await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0, "a request went to the host named in the region");
}
