//! HTTP/2 to Bedrock over TLS, against the emulator serving HTTPS with a throwaway CA (ALPN
//! `h2` + `http/1.1`, as AWS): the emulator records each request's HTTP version and
//! connection, so these tests see what went over the wire.
//!
//! Every test here trusts the same CA through `AWS_CA_BUNDLE` (set once for the process).

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

use bedrock_core::auth::{Auth, BearerToken};
use bedrock_core::stream::{ConverseStream, ConverseStreamRequest, ModelCost, Op, ProxySetting, StreamSettings};
use bedrock_emulator::{Emulator, EmulatorConfig, Faults, Script, TlsIdentity, DEFAULT_BEARER_TOKEN};
use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MODEL: &str = "amazon.nova-micro-v1:0";

/// One CA for the process, trusted through `AWS_CA_BUNDLE`; returns a server identity it signed.
fn server_identity() -> TlsIdentity {
    static IDENTITY: OnceLock<(TempDir, TlsIdentity)> = OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let (ca_pem, chain_pem, key_pem) = common::throwaway_ca();
            let home = TempDir::new("http2-ca");
            std::env::set_var("AWS_CA_BUNDLE", home.write("ca.pem", &ca_pem));
            (home, TlsIdentity { cert_chain_pem: chain_pem, private_key_pem: key_pem })
        })
        .1
        .clone()
}

async fn tls_emulator(alpn: &[&str]) -> Emulator {
    let config = EmulatorConfig {
        tls: Some(server_identity()),
        tls_alpn: alpn.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    };
    let emu = Emulator::start(config).await.expect("emulator");
    assert!(emu.url().starts_with("https://"), "{}", emu.url());
    emu
}

/// A reply of `words` text deltas, `delay_ms` apart, for every request.
fn paced_reply(emu: &Emulator, words: usize, delay_ms: u64) {
    let text = (0..words).map(|i| format!("w{i} ")).collect::<String>();
    let script = Script {
        times: Some(0),
        text: Some(text),
        faults: Faults { delay_between_frames_ms: Some(delay_ms), ..Default::default() },
        ..Default::default()
    };
    emu.script(MODEL, script);
}

fn settings(emu: &Emulator) -> StreamSettings {
    let token = BearerToken::new(DEFAULT_BEARER_TOKEN).expect("token");
    let mut settings = StreamSettings::new(emu.url(), "us-east-1", Auth::Bearer(token));
    settings.max_retries = 0;
    settings.proxy = ProxySetting::Disabled;
    settings
}

fn start(settings: &StreamSettings) -> ConverseStream {
    let body = json!({ "messages": [{ "role": "user", "content": [{ "text": "hello" }] }], "inferenceConfig": {} });
    let request = ConverseStreamRequest {
        model_id: MODEL.into(),
        body: serde_json::to_vec(&body).expect("json").into(),
        cost: ModelCost::default(),
    };
    ConverseStream::start(request, settings.clone())
}

fn completed(ops: &[Op]) -> bool {
    ops.iter().any(|op| matches!(op, Op::TextDelta { .. }))
        && matches!(ops.last(), Some(Op::Done { .. }))
        && !ops.iter().any(|op| matches!(op, Op::Error { .. }))
}

/// (HTTP versions seen, distinct connection ids) over the emulator's request log.
fn wire(emu: &Emulator) -> (BTreeSet<String>, BTreeSet<u64>) {
    let requests = emu.requests();
    (requests.iter().map(|r| r.http_version.clone()).collect(), requests.iter().map(|r| r.connection_id).collect())
}

#[tokio::test]
async fn a_hundred_concurrent_streams_share_at_most_two_http2_connections() {
    let emu = tls_emulator(&["h2", "http/1.1"]).await;
    // Long enough (~20 deltas 10 ms apart) that all hundred are open at once.
    paced_reply(&emu, 20, 10);
    let settings = settings(&emu);
    let streams: Vec<_> = (0..100).map(|_| tokio::spawn(start(&settings).collect())).collect();
    for stream in streams {
        let ops = stream.await.expect("join");
        assert!(completed(&ops), "{ops:?}");
    }
    let (versions, connections) = wire(&emu);
    assert_eq!(emu.requests().len(), 100);
    assert_eq!(versions, BTreeSet::from(["HTTP/2.0".to_string()]));
    assert!(connections.len() <= 2, "100 streams used {} connections", connections.len());
    emu.close().await;
}

#[tokio::test]
async fn an_aborted_stream_resets_only_itself_and_its_connection_serves_the_next_stream() {
    let emu = tls_emulator(&["h2", "http/1.1"]).await;
    paced_reply(&emu, 30, 10);
    let settings = settings(&emu);
    let mut aborted = start(&settings);
    let others: Vec<_> = (0..4).map(|_| tokio::spawn(start(&settings).collect())).collect();
    // Abort mid-body: after the first delta arrived.
    loop {
        let batch = aborted.next_batch(64).await;
        assert!(!batch.is_empty() && !batch.iter().any(|op| matches!(op, Op::Done { .. })), "{batch:?}");
        if batch.iter().any(|op| matches!(op, Op::TextDelta { .. })) {
            break;
        }
    }
    aborted.abort();
    drop(aborted);
    for other in others {
        let ops = other.await.expect("join");
        assert!(completed(&ops), "a stream next to the aborted one: {ops:?}");
    }
    // A `for await` break: the consumer drops the stream mid-body.
    let mut dropped = start(&settings);
    assert!(!dropped.next_batch(64).await.is_empty());
    drop(dropped);
    let ops = start(&settings).collect().await;
    assert!(completed(&ops), "the stream after the aborts: {ops:?}");

    let (versions, connections) = wire(&emu);
    assert_eq!(versions, BTreeSet::from(["HTTP/2.0".to_string()]));
    assert_eq!(connections.len(), 1, "an abort cost the connection: {connections:?}");
    assert_eq!(emu.connections().closed, 0, "{:?}", emu.connections());
    emu.close().await;
}

#[tokio::test]
async fn a_tls_server_without_h2_is_spoken_to_in_http1() {
    let emu = tls_emulator(&["http/1.1"]).await;
    let settings = settings(&emu);
    for _ in 0..2 {
        let ops = start(&settings).collect().await;
        assert!(completed(&ops), "{ops:?}");
    }
    let (versions, _) = wire(&emu);
    assert_eq!(versions, BTreeSet::from(["HTTP/1.1".to_string()]));
    emu.close().await;
}

#[tokio::test]
async fn http1_only_keeps_http1_with_a_server_that_offers_h2() {
    let emu = tls_emulator(&["h2", "http/1.1"]).await;
    let mut settings = settings(&emu);
    settings.http1_only = true;
    let ops = start(&settings).collect().await;
    assert!(completed(&ops), "{ops:?}");
    let (versions, _) = wire(&emu);
    assert_eq!(versions, BTreeSet::from(["HTTP/1.1".to_string()]));
    emu.close().await;
}

/// A CONNECT proxy on loopback that tunnels for real and records each target.
async fn tunnelling_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                // Byte by byte: nothing past the request head may be consumed here.
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or("").to_string();
                let Some(target) = line.strip_prefix("CONNECT ").and_then(|l| l.split(' ').next()) else { return };
                record.lock().expect("lock").push(target.to_string());
                let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else { return };
                if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn http2_is_negotiated_inside_a_connect_tunnel() {
    let emu = tls_emulator(&["h2", "http/1.1"]).await;
    paced_reply(&emu, 5, 5);
    let (proxy, seen) = tunnelling_proxy().await;
    let mut settings = settings(&emu);
    settings.proxy = ProxySetting::Url(proxy);
    let streams: Vec<_> = (0..10).map(|_| tokio::spawn(start(&settings).collect())).collect();
    for stream in streams {
        let ops = stream.await.expect("join");
        assert!(completed(&ops), "{ops:?}");
    }
    let (versions, connections) = wire(&emu);
    assert_eq!(versions, BTreeSet::from(["HTTP/2.0".to_string()]));
    assert_eq!(connections.len(), 1, "{connections:?}");
    assert_eq!(*seen.lock().expect("lock"), vec![format!("127.0.0.1:{}", emu.port())]);
    emu.close().await;
}

#[tokio::test]
async fn an_http2_request_passes_sigv4_verification_and_strict_validation() {
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;
    let emu = tls_emulator(&["h2", "http/1.1"]).await;
    let mut settings = settings(&emu);
    let creds = Credentials::new(
        bedrock_emulator::DEFAULT_ACCESS_KEY_ID,
        bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY,
        None,
        None,
        "test",
    );
    settings.auth = Auth::SigV4(SharedCredentialsProvider::new(creds));
    let ops = start(&settings).collect().await;
    assert!(completed(&ops), "{ops:?}");
    let requests = emu.requests();
    assert_eq!(requests[0].http_version, "HTTP/2.0");
    assert!(requests[0].auth.ok && requests[0].auth.verified, "{:?}", requests[0].auth);
    // No Host header over HTTP/2: the authority travels as `:authority`.
    assert_eq!(requests[0].header("host"), None);
    emu.close().await;
}
