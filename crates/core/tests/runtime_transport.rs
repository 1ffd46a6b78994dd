//! The runtime transport against servers that differ from the happy path the way real
//! deployments do: a clock that disagrees with ours, an auth-less proxy, a captive portal
//! answering 200 with HTML, and the per-call headers the AWS SDKs send.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use bedrock_core::auth::Auth;
use bedrock_core::credentials::{resolve_auth, AuthOptions};
use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, ConverseStreamRequest, ModelCost, Op, StreamControl, StreamSettings};
use bedrock_core::ErrorCode;
use bedrock_emulator::{Emulator, EmulatorConfig, RecordedRequest, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use common::*;
use serde_json::json;

const MODEL: &str = "amazon.nova-micro-v1:0";

fn sigv4_settings(endpoint: &str) -> StreamSettings {
    let creds = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None, None, "test");
    let mut s = StreamSettings::new(endpoint, "us-east-1", Auth::SigV4(SharedCredentialsProvider::new(creds)));
    s.retry_base_delay = Duration::from_millis(1);
    s
}

fn request() -> ConverseStreamRequest {
    let body = json!({ "messages": [{ "role": "user", "content": [{ "text": "hi" }] }], "inferenceConfig": {} });
    ConverseStreamRequest { model_id: MODEL.into(), body: serde_json::to_vec(&body).expect("json").into(), cost: ModelCost::default() }
}

fn assert_done(ops: &[Op], what: &str) {
    match ops.last() {
        Some(Op::Done { .. }) => {}
        other => panic!("{what}: expected a finished stream, got {other:?}"),
    }
}

fn header<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Old behaviour: signed with the local clock, the first stream ended in
/// InvalidSignatureException "Signature expired" and so did every later one.
#[tokio::test]
async fn a_server_clock_ten_minutes_ahead_costs_one_retry_once_per_process() {
    let emu = Emulator::start(EmulatorConfig { clock_offset_secs: 600, ..Default::default() }).await.expect("emulator");
    let ops = ConverseStream::start(request(), sigv4_settings(&emu.url())).collect().await;
    assert_done(&ops, "first stream");
    let seen = emu.requests();
    assert_eq!(seen.len(), 2, "first stream: refused once, then signed with the server's time");
    assert_eq!(seen[0].response.status, 403);
    assert_eq!(seen[0].auth.error_type.as_deref(), Some("InvalidSignatureException"));
    assert!(seen[0].auth.message.as_deref().unwrap_or("").starts_with("Signature expired:"), "{:?}", seen[0].auth);
    assert!(seen[1].auth.ok, "{:?}", seen[1].auth);

    let ops = ConverseStream::start(request(), sigv4_settings(&emu.url())).collect().await;
    assert_done(&ops, "second stream");
    assert_eq!(emu.requests().len(), 3, "the skew is remembered: the next stream is signed right at once");
    let skew = bedrock_core::clock_skew::skew_ms(&bedrock_core::clock_skew::endpoint_key(&emu.url())).expect("a learned skew");
    assert!((595_000..=605_000).contains(&skew), "learned skew {skew} ms");
    emu.close().await;
}

/// A refused signature with no clock to blame (wrong secret) is not retried.
#[tokio::test]
async fn a_bad_signature_with_agreeing_clocks_is_not_retried() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let creds = Credentials::new(DEFAULT_ACCESS_KEY_ID, "not-the-secret", None, None, "test");
    let mut settings = StreamSettings::new(emu.url(), "us-east-1", Auth::SigV4(SharedCredentialsProvider::new(creds)));
    settings.retry_base_delay = Duration::from_millis(1);
    let ops = ConverseStream::start(request(), settings).collect().await;
    match ops.last() {
        Some(Op::Error { error, .. }) => assert_eq!(error.code, ErrorCode::InvalidSignatureException),
        other => panic!("expected InvalidSignatureException, got {other:?}"),
    }
    assert_eq!(emu.requests().len(), 1);
    emu.close().await;
}

/// Discovery runs on the AWS SDK for Rust, whose clock-skew interceptor heals it too: each
/// of its operations is refused once and retried with the corrected time. The SDK keeps
/// the skew per client and discovery builds its client per call, so every discovery call
/// pays that one extra request per operation again (measured: 6 requests for 3 operations,
/// twice); it never fails.
#[tokio::test]
async fn discovery_heals_against_a_server_clock_ten_minutes_ahead() {
    let emu = Emulator::start(EmulatorConfig { clock_offset_secs: 600, ..Default::default() }).await.expect("emulator");
    let home = TempDir::new("skew-discovery");
    let options = || DiscoveryOptions {
        endpoint: Some(emu.url()),
        env: Some(emulator_key_env(&home)),
        refresh_interval_secs: Some(0.0),
        ..Default::default()
    };
    let first = discover_models(options()).await.expect("discovery heals");
    assert!(!first.models.is_empty());
    let after_first = emu.requests();
    let refused = after_first.iter().filter(|r| !r.auth.ok).count();
    println!("discovery, server 10 min ahead: {} requests, {refused} refused", after_first.len());
    assert!(refused >= 1, "the server must have refused the local clock at least once");
    discover_models(options()).await.expect("second discovery");
    let second: Vec<_> = emu.requests().into_iter().skip(after_first.len()).collect();
    let refused_again = second.iter().filter(|r| !r.auth.ok).count();
    println!("second discovery: {} requests, {refused_again} refused", second.len());
    assert!(refused <= after_first.len() / 2, "at most one refusal per operation");
    assert!(refused_again <= second.len() / 2, "at most one refusal per operation");
    emu.close().await;
}

/// Every attempt of one call carries the same `amz-sdk-invocation-id` (a UUID v4) and
/// `amz-sdk-request: attempt=N; max=M`; another call gets another id.
#[tokio::test]
async fn retries_carry_one_invocation_id_and_counted_attempts() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    emu.script_json(MODEL, &json!({ "times": 2, "http": { "errorType": "ServiceUnavailableException", "message": "busy" } }))
        .expect("script");
    assert_done(&ConverseStream::start(request(), sigv4_settings(&emu.url())).collect().await, "first call");
    assert_done(&ConverseStream::start(request(), sigv4_settings(&emu.url())).collect().await, "second call");
    let seen = emu.requests();
    assert_eq!(seen.len(), 4);
    let ids: Vec<&str> = seen.iter().map(|r| header(r, "amz-sdk-invocation-id").expect("invocation id")).collect();
    let attempts: Vec<&str> = seen.iter().map(|r| header(r, "amz-sdk-request").expect("amz-sdk-request")).collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[0], ids[3]);
    assert_eq!(attempts, ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3", "attempt=1; max=3"]);
    for id in [ids[0], ids[3]] {
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{id}");
        assert_eq!(&id[14..15], "4", "{id}: version 4");
        assert!("89ab".contains(&id[19..20]), "{id}: RFC 4122 variant");
    }
    // The strict emulator validated and verified all of them (SigV4 signs these headers).
    assert!(seen.iter().all(|r| r.auth.ok));
    emu.close().await;
}

/// A proxy or captive portal answering 200 with an HTML page. Old behaviour: Protocol
/// error "prelude CRC mismatch" (or a frame length error), naming nothing the user can act on.
#[tokio::test]
async fn a_200_html_page_is_an_unexpected_response_naming_status_type_and_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let served = tokio::spawn(async move {
        let mut count = 0;
        while let Ok((mut socket, _)) = listener.accept().await {
            count += 1;
            let mut buf = vec![0u8; 65536];
            let _ = socket.read(&mut buf).await;
            let page = "<!DOCTYPE html>\n<html><head><title>Hotel Wi-Fi</title></head>\n<body>  Please sign in\tto continue.  </body></html>";
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
            if count == 3 {
                break;
            }
        }
        count
    });
    let ops = ConverseStream::start(request(), sigv4_settings(&url)).collect().await;
    match ops.last() {
        Some(Op::Error { error, .. }) => {
            assert_eq!(error.code, ErrorCode::UnexpectedResponse, "{error:?}");
            assert!(error.message.contains("HTTP 200"), "{}", error.message);
            assert!(error.message.contains("text/html; charset=utf-8"), "{}", error.message);
            assert!(error.message.contains("<title>Hotel Wi-Fi</title></head> <body> Please sign in to continue."), "{}", error.message);
            assert!(!error.message.to_ascii_lowercase().contains("crc"), "{}", error.message);
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    served.abort();
}

fn skip_auth_env(home: &TempDir, value: &str, marker: &str) -> HashMap<String, String> {
    // A profile whose credential_process leaves a mark and then hangs: resolving
    // credentials at all would show (and block).
    let script = home.write("creds.sh", &format!("#!/bin/sh\ntouch '{marker}'\nsleep 1000\n"));
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let config = home.write("config", &format!("[profile hung]\nregion = us-east-1\ncredential_process = {script}\n"));
    isolated_env(
        home,
        &[
            ("AWS_BEDROCK_SKIP_AUTH", value),
            ("AWS_PROFILE", "hung"),
            ("AWS_CONFIG_FILE", config.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_BEARER_TOKEN_BEDROCK", "would-be-ignored"),
        ],
    )
}

/// `AWS_BEDROCK_SKIP_AUTH=1` (pi-ai 1.6, the OpenClaw plugin): no credential source is
/// consulted (a hung `credential_process` does not matter), no bearer token is sent, and
/// the request is signed with pi-ai's placeholder keys, as pi-ai sends it. Old behaviour:
/// the variable was ignored, the bearer token was sent.
#[tokio::test]
async fn skip_auth_sends_pi_ais_placeholder_signature_and_resolves_no_credentials() {
    // The emulator accepts pi-ai's placeholder keys, so it verifies the signature with them.
    let placeholder = bedrock_emulator::Credentials {
        access_key_id: "dummy-access-key".into(),
        secret_access_key: "dummy-secret-key".into(),
        session_token: None,
    };
    let emu = Emulator::start(EmulatorConfig { credentials: vec![placeholder], ..Default::default() }).await.expect("emulator");
    let home = TempDir::new("skip-auth");
    let marker = home.path("credential_process-ran");
    let env = skip_auth_env(&home, "1", &marker.to_string_lossy());
    let model: Model =
        serde_json::from_value(json!({ "id": MODEL, "api": "bedrock-converse-stream", "baseUrl": emu.url() })).expect("model");
    let context: Context =
        serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context");
    let options: StreamOptions = serde_json::from_value(json!({ "env": env })).expect("options");
    let ops = ConverseStream::start_with(model, Some(context), options, StreamControl::default(), None).collect().await;
    assert_done(&ops, "skip-auth stream");
    let seen = emu.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].auth.scheme, "sigv4");
    assert_eq!(seen[0].auth.access_key_id.as_deref(), Some("dummy-access-key"));
    assert!(seen[0].auth.ok && seen[0].auth.verified, "{:?}", seen[0].auth);
    assert!(!marker.exists(), "credential_process must not run");
    emu.close().await;

    // Only "1" counts, as in pi-ai: otherwise the bearer token is used as before.
    for value in ["true", "0", "yes", ""] {
        let auth = resolve_auth(&AuthOptions { env: Some(skip_auth_env(&home, value, "/nonexistent/x")), ..Default::default() })
            .await
            .expect("auth");
        assert_eq!(auth.kind(), "bearer", "AWS_BEDROCK_SKIP_AUTH={value:?}");
    }
}
