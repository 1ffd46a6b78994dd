//! Which host each plane dials, seen through a CONNECT-recording proxy on loopback
//! (`HTTPS_PROXY=http://127.0.0.1:P`; it records the CONNECT target and answers 502, so
//! nothing leaves the machine): partitions, FIPS, dual-stack, configured endpoint URLs,
//! a runtime VPC endpoint that never serves the control plane.
//!
//! One test in this binary: the proxy and endpoint settings are process environment.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, StreamControl};
use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn connect_recorder() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_string();
                if let Some(target) = line.strip_prefix("CONNECT ").and_then(|l| l.split(' ').next()) {
                    record.lock().expect("lock").push(target.to_string());
                }
                let _ = socket.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
            });
        }
    });
    (port, seen)
}

/// Runs one stream to its (failed) end and returns the CONNECT targets it caused.
async fn runtime_host(seen: &Arc<Mutex<Vec<String>>>, base_url: Option<&str>) -> Vec<String> {
    seen.lock().expect("lock").clear();
    let mut model = json!({ "id": "amazon.nova-micro-v1:0", "api": "bedrock-converse-stream" });
    if let Some(url) = base_url {
        model["baseUrl"] = json!(url);
    }
    let model: Model = serde_json::from_value(model).expect("model");
    let context: Context =
        serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context");
    let options: StreamOptions = serde_json::from_value(json!({ "bearerToken": "endpoint-test-token" })).expect("options");
    let control = StreamControl { max_retries: Some(0), ..Default::default() };
    let _ = ConverseStream::start_with(model, Some(context), options, control, None).collect().await;
    let hosts = seen.lock().expect("lock").clone();
    hosts
}

async fn control_host(seen: &Arc<Mutex<Vec<String>>>, home: &TempDir, pairs: &[(&str, &str)]) -> Vec<String> {
    seen.lock().expect("lock").clear();
    let _ = discover_models(DiscoveryOptions {
        bearer_token: Some("endpoint-test-token".into()),
        refresh_interval_secs: Some(0.0),
        env: Some(isolated_env(home, pairs)),
        timeout: Some(Duration::from_secs(10)),
        ..Default::default()
    })
    .await;
    let mut hosts = seen.lock().expect("lock").clone();
    hosts.dedup();
    hosts
}

#[tokio::test]
async fn each_plane_dials_the_host_the_sdk_rules_give() {
    let (port, seen) = connect_recorder().await;
    let home = TempDir::new("endpoints");
    for var in ["NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_BEDROCK", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_BEARER_TOKEN_BEDROCK"]
    {
        std::env::remove_var(var);
    }
    std::env::set_var("HOME", &home.0);
    std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{port}"));

    std::env::set_var("AWS_REGION", "cn-north-1");
    assert_eq!(runtime_host(&seen, None).await, ["bedrock-runtime.cn-north-1.amazonaws.com.cn:443"]);
    std::env::set_var("AWS_REGION", "eusc-de-east-1");
    assert_eq!(runtime_host(&seen, None).await, ["bedrock-runtime.eusc-de-east-1.amazonaws.eu:443"]);
    std::env::set_var("AWS_REGION", "us-gov-west-1");
    std::env::set_var("AWS_USE_FIPS_ENDPOINT", "true");
    assert_eq!(runtime_host(&seen, None).await, ["bedrock-runtime-fips.us-gov-west-1.amazonaws.com:443"]);
    std::env::remove_var("AWS_USE_FIPS_ENDPOINT");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_USE_DUALSTACK_ENDPOINT", "true");
    assert_eq!(runtime_host(&seen, None).await, ["bedrock-runtime.us-east-1.api.aws:443"]);
    std::env::remove_var("AWS_USE_DUALSTACK_ENDPOINT");
    // A FIPS baseUrl is kept FIPS (it used to be rewritten to the standard host).
    let fips = "https://bedrock-runtime-fips.us-east-1.amazonaws.com";
    assert_eq!(runtime_host(&seen, Some(fips)).await, ["bedrock-runtime-fips.us-east-1.amazonaws.com:443"]);
    // A runtime VPC endpoint serves the runtime.
    let vpce = "https://vpce-0abc-1234.bedrock-runtime.us-east-1.vpce.amazonaws.com";
    assert_eq!(runtime_host(&seen, Some(vpce)).await, ["vpce-0abc-1234.bedrock-runtime.us-east-1.vpce.amazonaws.com:443"]);
    // Configured endpoint URL for the runtime, and its opt-out.
    std::env::set_var("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://runtime.corp.example:8443");
    assert_eq!(runtime_host(&seen, None).await, ["runtime.corp.example:8443"]);
    std::env::set_var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
    assert_eq!(runtime_host(&seen, None).await, ["bedrock-runtime.us-east-1.amazonaws.com:443"]);
    std::env::remove_var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    std::env::remove_var("AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
    std::env::remove_var("AWS_REGION");

    // The control plane (discovery through aws-sdk-bedrock), from its explicit env.
    assert_eq!(control_host(&seen, &home, &[("AWS_REGION", "cn-northwest-1")]).await, ["bedrock.cn-northwest-1.amazonaws.com.cn:443"]);
    assert_eq!(
        control_host(&seen, &home, &[("AWS_REGION", "us-east-1"), ("AWS_USE_FIPS_ENDPOINT", "true")]).await,
        ["bedrock-fips.us-east-1.amazonaws.com:443"]
    );
    assert_eq!(
        control_host(&seen, &home, &[("AWS_REGION", "us-east-1"), ("AWS_ENDPOINT_URL_BEDROCK", "https://control.corp.example")]).await,
        ["control.corp.example:443"]
    );
    // AWS_ENDPOINT_URL_BEDROCK_RUNTIME is the runtime's: the control plane stays AWS's.
    assert_eq!(
        control_host(&seen, &home, &[("AWS_REGION", "us-west-2"), ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://runtime.corp.example")]).await,
        ["bedrock.us-west-2.amazonaws.com:443"]
    );
}
