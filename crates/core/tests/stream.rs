//! ConverseStream end to end against the loopback emulator: mapping of real recorded
//! streams, errors and their codes, retries, timeouts, abort.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use base64::Engine;
use bedrock_core::auth::Auth;
use bedrock_core::eventstream::{encode_event, FrameDecoder};
use bedrock_core::stream::mapper::Mapper;
use bedrock_core::stream::{
    write_batch_json, ConverseStream, ConverseStreamRequest, ModelCost, Op, StopReason, StreamSettings,
};
use bedrock_core::ErrorCode;
use bedrock_emulator::{Emulator, EmulatorConfig, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use serde_json::{json, Value};

const MODEL: &str = "amazon.nova-micro-v1:0";

fn settings(emu: &Emulator) -> StreamSettings {
    let creds = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None, None, "test");
    let mut s = StreamSettings::new(emu.url(), "us-east-1", Auth::SigV4(SharedCredentialsProvider::new(creds)));
    s.retry_base_delay = Duration::from_millis(5);
    s
}

fn request() -> ConverseStreamRequest {
    let body = json!({ "messages": [{ "role": "user", "content": [{ "text": "hello there" }] }], "inferenceConfig": {} });
    ConverseStreamRequest {
        model_id: MODEL.into(),
        body: serde_json::to_vec(&body).expect("json").into(),
        cost: ModelCost { input: 3.0, output: 15.0, cache_read: 0.3, cache_write: 3.75, ..Default::default() },
    }
}

/// The ops of a whole stream, without the `Response` marker (checked on its own).
async fn run(s: StreamSettings) -> Vec<Op> {
    let ops = tokio::time::timeout(Duration::from_secs(30), ConverseStream::start(request(), s).collect())
        .await
        .expect("stream must end (hang detector)");
    ops.into_iter().filter(|op| !matches!(op, Op::Response { .. })).collect()
}

fn text_of(ops: &[Op]) -> String {
    ops.iter()
        .filter_map(|op| match op {
            Op::TextDelta { delta, .. } => Some(delta.as_str()),
            _ => None,
        })
        .collect()
}

fn final_error(ops: &[Op]) -> &bedrock_core::Error {
    match ops.last() {
        Some(Op::Error { error, .. }) => error,
        other => panic!("expected a final error, got {other:?}"),
    }
}

fn final_error_message(ops: &[Op]) -> &str {
    match ops.last() {
        Some(Op::Error { message, .. }) => message,
        other => panic!("expected a final error, got {other:?}"),
    }
}

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default()).await.expect("emulator starts")
}

fn script(emu: &Emulator, script: Value) {
    emu.script_json(MODEL, &script).expect("valid script");
}

#[tokio::test]
async fn default_reply_streams_text_usage_and_done() {
    let emu = emulator().await;
    let ops = run(settings(&emu)).await;
    assert!(matches!(ops[0], Op::Start));
    assert!(matches!(ops[1], Op::TextStart { content_index: 0 }));
    assert!(text_of(&ops).contains("You said: hello there"), "{}", text_of(&ops));
    let usage = ops.iter().find_map(|op| if let Op::Usage(u) = op { Some(**u) } else { None }).expect("usage");
    assert!(usage.input > 0.0 && usage.output > 0.0);
    assert_eq!(usage.cost_input, 3.0 / 1000000.0 * usage.input);
    assert!(matches!(ops.last(), Some(Op::Done { reason: StopReason::Stop })));
    let all = ConverseStream::start(request(), settings(&emu)).collect().await;
    assert!(matches!(&all[0], Op::Response { status: 200, request_id: Some(id), .. } if !id.is_empty()), "{:?}", all[0]);
    // onResponse gets every response header, names lower-case.
    let Op::Response { headers, request_id, .. } = &all[0] else { unreachable!() };
    assert!(headers.iter().any(|(n, v)| n == "x-amzn-requestid" && Some(v) == request_id.as_ref()), "{headers:?}");
    assert!(headers.iter().any(|(n, v)| n == "content-type" && v == "application/vnd.amazon.eventstream"), "{headers:?}");
    emu.clear_requests();
    let _ = run(settings(&emu)).await;
    let recorded = emu.requests();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].auth.ok, "SigV4 accepted: {:?}", recorded[0].auth);
    assert_eq!(recorded[0].path, "/model/amazon.nova-micro-v1%3A0/converse-stream");
    emu.close().await;
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bedrock-runtime/extracted")
}

/// What a recording's decoded frames imply: per content block, its kind and text.
fn implied_blocks(jsonl: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut blocks: Vec<(i64, String, String)> = Vec::new();
    let mut stop = None;
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        let frame: Value = serde_json::from_str(line).expect("jsonl");
        let event = frame["headers"][":event-type"].as_str().unwrap_or("");
        let p = &frame["payload"];
        let index = p["contentBlockIndex"].as_i64().unwrap_or(-1);
        let mut block = |kind: &str| -> usize {
            match blocks.iter().position(|b| b.0 == index) {
                Some(i) => i,
                None => {
                    blocks.push((index, kind.to_string(), String::new()));
                    blocks.len() - 1
                }
            }
        };
        match event {
            "contentBlockStart" if p["start"]["toolUse"].is_object() => {
                block("toolCall");
            }
            "contentBlockDelta" => {
                let d = &p["delta"];
                if let Some(t) = d["text"].as_str() {
                    let i = block("text");
                    blocks[i].2.push_str(t);
                } else if let Some(t) = d["toolUse"]["input"].as_str() {
                    let i = block("toolCall");
                    blocks[i].2.push_str(t);
                } else if d["reasoningContent"].is_object() {
                    let i = block("thinking");
                    if let Some(t) = d["reasoningContent"]["text"].as_str() {
                        blocks[i].2.push_str(t);
                    }
                    // Redacted reasoning shows pi-ai 1.6's placeholder, once per block.
                    let redacted = d["reasoningContent"]["redactedContent"].as_str().is_some_and(|r| !r.is_empty());
                    if redacted && !blocks[i].2.ends_with("[Reasoning redacted]") {
                        blocks[i].2.push_str("[Reasoning redacted]");
                    }
                }
            }
            "messageStop" => stop = p["stopReason"].as_str().map(str::to_string),
            _ => {}
        }
    }
    (blocks.into_iter().map(|(_, k, t)| (k, t)).collect(), stop)
}

/// Rebuilds (kind, text-or-arguments) per content block from the ops.
fn blocks_from_ops(ops: &[Op]) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for op in ops {
        match op {
            Op::TextStart { .. } => blocks.push(("text".into(), String::new())),
            Op::ThinkingStart { .. } => blocks.push(("thinking".into(), String::new())),
            Op::ToolCallStart { .. } => blocks.push(("toolCall".into(), String::new())),
            Op::TextDelta { content_index, delta } | Op::ThinkingDelta { content_index, delta } => {
                blocks[*content_index].1.push_str(delta)
            }
            Op::ToolCallDelta { content_index, delta, .. } => blocks[*content_index].1.push_str(delta),
            _ => {}
        }
    }
    blocks
}

#[tokio::test]
async fn real_recordings_produce_the_events_their_content_implies() {
    let emu = emulator().await;
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("eventstream") {
            continue;
        }
        let body = std::fs::read(&path).expect("read");
        let jsonl = std::fs::read_to_string(path.with_extension("decoded.jsonl")).expect("jsonl");
        let (want_blocks, stop) = implied_blocks(&jsonl);
        script(&emu, json!({ "eventstreamBase64": base64::engine::general_purpose::STANDARD.encode(&body) }));
        let ops = run(settings(&emu)).await;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        assert!(matches!(ops[0], Op::Start), "{name}: {:?}", ops[0]);
        assert_eq!(blocks_from_ops(&ops), want_blocks, "{name}");
        // Every tool call ends with the parsed JSON of its streamed input.
        for op in &ops {
            if let Op::ToolCallEnd { content_index, arguments, arguments_error: None } = op {
                let raw = &want_blocks[*content_index].1;
                let want: Value = if raw.is_empty() { json!({}) } else { serde_json::from_str(raw).expect("tool json") };
                assert_eq!(arguments, &want, "{name}");
            }
        }
        let expected_reason = StopReason::from_bedrock(stop.as_deref());
        match ops.last() {
            Some(Op::Done { reason }) => assert_eq!(*reason, expected_reason, "{name}"),
            Some(Op::Error { message, .. }) => {
                assert_eq!(expected_reason, StopReason::Error, "{name}");
                assert_eq!(message, &format!("Provider stopped with: {}", stop.as_deref().unwrap_or_default()));
            }
            other => panic!("{name}: {other:?}"),
        }
        if name.contains("thinking_part_stream") {
            assert!(ops.iter().any(|op| matches!(op, Op::ThinkingSignature { signature, .. } if !signature.is_empty())));
        }
        if name.contains("redacted") {
            assert!(ops.iter().any(|op| matches!(op, Op::ThinkingRedacted { .. })));
            assert!(ops.iter().any(|op| matches!(op, Op::ThinkingRedactedData { data, .. } if !data.is_empty())));
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
    emu.close().await;
}

#[tokio::test]
async fn in_stream_exceptions_end_with_their_code_and_pi_ai_message() {
    let emu = emulator().await;
    for (exception, code, prefix) in [
        ("throttlingException", ErrorCode::ThrottlingException, "Throttling error: "),
        ("modelStreamErrorException", ErrorCode::ModelStreamErrorException, "Model stream error: "),
        ("validationException", ErrorCode::ValidationException, "Validation error: "),
        ("internalServerException", ErrorCode::InternalServerException, "Internal server error: "),
        ("serviceUnavailableException", ErrorCode::ServiceUnavailableException, "Service unavailable: "),
    ] {
        script(
            &emu,
            json!({ "frames": [
                { "event": "messageStart", "data": { "role": "assistant" } },
                { "event": "contentBlockDelta", "data": { "contentBlockIndex": 0, "delta": { "text": "Hel" } } },
                { "exception": exception, "data": { "message": "it broke" } }
            ]}),
        );
        let ops = run(settings(&emu)).await;
        assert_eq!(text_of(&ops), "Hel", "{exception}");
        assert_eq!(final_error(&ops).code, code, "{exception}");
        assert_eq!(final_error_message(&ops), format!("{prefix}it broke"));
        assert!(final_error(&ops).request_id.is_some(), "{exception}: request id");
    }
    // Output began, so none of them was retried.
    assert_eq!(emu.requests().len(), 5);
    emu.close().await;
}

#[tokio::test]
async fn http_errors_carry_code_status_request_id_and_pi_ai_message() {
    let emu = emulator().await;
    for (error_type, code, status, shown) in [
        ("ValidationException", ErrorCode::ValidationException, 400, "Validation error: bad input"),
        ("AccessDeniedException", ErrorCode::AccessDeniedException, 403, "AccessDeniedException: bad input"),
        ("ResourceNotFoundException", ErrorCode::ResourceNotFoundException, 404, "ResourceNotFoundException: bad input"),
        ("ThrottlingException", ErrorCode::ThrottlingException, 429, "Throttling error: bad input"),
        ("InternalServerException", ErrorCode::InternalServerException, 500, "Internal server error: bad input"),
        ("ServiceUnavailableException", ErrorCode::ServiceUnavailableException, 503, "Service unavailable: bad input"),
    ] {
        script(&emu, json!({ "http": { "errorType": error_type, "message": "bad input" } }));
        let mut s = settings(&emu);
        s.max_retries = 0;
        let ops = run(s).await;
        assert_eq!(ops.len(), 1, "{error_type}: only the error");
        let error = final_error(&ops);
        assert_eq!(error.code, code, "{error_type}");
        assert_eq!(error.http_status, Some(status), "{error_type}");
        assert_eq!(error.retryable, status >= 429, "{error_type}");
        assert!(error.request_id.is_some(), "{error_type}");
        assert_eq!(final_error_message(&ops), shown);
    }
    emu.close().await;
}

#[tokio::test]
async fn throttled_twice_then_served_gives_one_clean_stream() {
    let emu = emulator().await;
    script(&emu, json!({ "times": 2, "http": { "errorType": "ThrottlingException", "message": "slow down" } }));
    let ops = run(settings(&emu)).await;
    assert!(matches!(ops.last(), Some(Op::Done { .. })), "{:?}", ops.last());
    assert_eq!(ops.iter().filter(|op| matches!(op, Op::Start)).count(), 1);
    assert!(text_of(&ops).starts_with("Emulated reply"));
    assert_eq!(emu.requests().len(), 3);

    // Three throttles exhaust the default two retries.
    script(&emu, json!({ "times": 3, "http": { "errorType": "ThrottlingException", "message": "slow down" } }));
    emu.clear_requests();
    let ops = run(settings(&emu)).await;
    assert_eq!(final_error(&ops).code, ErrorCode::ThrottlingException);
    assert_eq!(emu.requests().len(), 3);
    emu.close().await;
}

#[tokio::test]
async fn a_retry_hint_longer_than_max_retry_delay_fails_at_once() {
    let emu = emulator().await;
    script(&emu, json!({ "http": { "errorType": "ThrottlingException", "message": "wait", "retryAfterSeconds": 30 } }));
    let mut s = settings(&emu);
    s.max_retry_delay = Duration::from_secs(1);
    let ops = run(s).await;
    assert_eq!(final_error(&ops).retry_after_ms, Some(30_000));
    assert_eq!(emu.requests().len(), 1);
    emu.close().await;
}

#[tokio::test]
async fn throttled_mid_stream_is_not_retried_and_text_is_not_duplicated() {
    let emu = emulator().await;
    script(
        &emu,
        json!({ "frames": [
            { "event": "messageStart", "data": { "role": "assistant" } },
            { "event": "contentBlockDelta", "data": { "contentBlockIndex": 0, "delta": { "text": "Hello" } } },
            { "exception": "throttlingException", "data": { "message": "Too many tokens" } }
        ]}),
    );
    let ops = run(settings(&emu)).await;
    assert_eq!(text_of(&ops), "Hello");
    assert_eq!(final_error(&ops).code, ErrorCode::ThrottlingException);
    assert_eq!(emu.requests().len(), 1);
    emu.close().await;
}

#[tokio::test]
async fn connection_refused_is_a_network_error_after_the_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let creds = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None, None, "test");
    let mut s =
        StreamSettings::new(format!("http://127.0.0.1:{port}"), "us-east-1", Auth::SigV4(SharedCredentialsProvider::new(creds)));
    s.retry_base_delay = Duration::from_millis(1);
    let ops = tokio::time::timeout(Duration::from_secs(30), ConverseStream::start(request(), s).collect())
        .await
        .expect("ends");
    let error = final_error(&ops);
    assert_eq!(error.code, ErrorCode::Network);
    assert!(error.retryable);
}

#[tokio::test]
async fn a_stall_hits_the_idle_timeout_and_a_slow_drip_completes() {
    let emu = emulator().await;
    script(&emu, json!({ "text": "one two three four", "faults": { "stallAfterFrames": 2, "stallMs": 20000 } }));
    let mut s = settings(&emu);
    s.idle_timeout = Duration::from_millis(300);
    let ops = run(s).await;
    let error = final_error(&ops);
    assert_eq!(error.code, ErrorCode::Timeout);
    assert!(error.message.contains("idle"), "{}", error.message);

    // Bytes keep arriving (7 at a time, every 20 ms): slower than any frame rate, but alive.
    script(&emu, json!({ "text": "slow but steady", "faults": { "bytesPerWrite": 7, "delayBetweenWritesMs": 20 } }));
    let mut s = settings(&emu);
    s.idle_timeout = Duration::from_millis(300);
    let ops = run(s).await;
    assert!(matches!(ops.last(), Some(Op::Done { .. })), "{:?}", ops.last());
    assert_eq!(text_of(&ops), "slow but steady");
    emu.close().await;
}

#[tokio::test]
async fn no_first_event_in_time_is_a_timeout() {
    let emu = emulator().await;
    script(&emu, json!({ "text": "late", "faults": { "delayBeforeHeadersMs": 20000 } }));
    let mut s = settings(&emu);
    s.first_event_timeout = Duration::from_millis(300);
    let ops = run(s).await;
    let error = final_error(&ops);
    assert_eq!(error.code, ErrorCode::Timeout);
    assert!(error.message.contains("first-event"), "{}", error.message);
    emu.close().await;
}

#[tokio::test]
async fn corrupt_frames_and_dropped_connections_end_the_stream_with_clear_errors() {
    let emu = emulator().await;
    script(&emu, json!({ "text": "a b c d", "faults": { "corruptMessageCrcAtFrame": 2 } }));
    let ops = run(settings(&emu)).await;
    let error = final_error(&ops);
    assert_eq!(error.code, ErrorCode::Protocol);
    assert!(error.message.contains("Message checksum mismatch"), "{}", error.message);

    script(&emu, json!({ "text": "a b c d e f", "faults": { "dropAfterFrames": 3 } }));
    emu.clear_requests();
    let ops = run(settings(&emu)).await;
    assert!(matches!(ops[0], Op::Start));
    let error = final_error(&ops);
    assert!(matches!(error.code, ErrorCode::Network | ErrorCode::Protocol), "{error:?}");
    // Output had begun: no retry.
    assert_eq!(emu.requests().len(), 1);
    emu.close().await;
}

#[tokio::test]
async fn abort_mid_stream_closes_the_connection_at_once() {
    let emu = emulator().await;
    let words: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
    script(&emu, json!({ "text": words.join(" "), "faults": { "delayBetweenFramesMs": 20 } }));
    let mut stream = ConverseStream::start(request(), settings(&emu));
    let first = tokio::time::timeout(Duration::from_secs(10), stream.next_batch(64)).await.expect("first batch");
    assert!(matches!(first[0], Op::Response { status: 200, request_id: Some(_), .. }), "{first:?}");
    assert_eq!(emu.connections().open, 1);
    stream.abort();
    let aborted_at = Instant::now();
    let last = stream.next_batch(64).await;
    assert!(matches!(&last[..], [Op::Error { reason: StopReason::Aborted, .. }]), "{last:?}");
    assert_eq!(final_error(&last).code, ErrorCode::Aborted);
    assert!(stream.next_batch(64).await.is_empty(), "nothing after the final error");
    // Bound, not a benchmark: the emulator must see the close promptly.
    while emu.connections().open > 0 {
        assert!(aborted_at.elapsed() < Duration::from_millis(100), "connection still open 100 ms after abort");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let record = &emu.requests()[0].response;
    assert!(!record.completed, "the stream must not have run to its end");
    emu.close().await;
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let emu = emulator().await;
    let words: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
    script(&emu, json!({ "text": words.join(" "), "faults": { "delayBetweenFramesMs": 20 } }));
    let mut stream = ConverseStream::start(request(), settings(&emu));
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.next_batch(64)).await.expect("first batch");
    drop(stream);
    let dropped_at = Instant::now();
    while emu.connections().open > 0 {
        assert!(dropped_at.elapsed() < Duration::from_millis(100), "connection still open 100 ms after drop");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    emu.close().await;
}

#[tokio::test]
async fn bearer_auth_and_raw_mode() {
    let emu = emulator().await;
    let mut s = settings(&emu);
    s.auth = Auth::Bearer(bedrock_core::auth::BearerToken::new(bedrock_emulator::DEFAULT_BEARER_TOKEN).expect("token"));
    s.raw = true;
    let ops = run(s).await;
    let types: Vec<&str> = ops
        .iter()
        .filter_map(|op| if let Op::Raw { event_type, .. } = op { Some(&**event_type) } else { None })
        .collect();
    assert_eq!(types.first(), Some(&"messageStart"));
    assert!(types.contains(&"contentBlockDelta") && types.contains(&"metadata"));
    assert!(matches!(ops.last(), Some(Op::Done { .. })));
    assert_eq!(emu.requests()[0].auth.scheme, "bearer");
    let mut json = String::new();
    write_batch_json(&ops, &mut json);
    let parsed: Value = serde_json::from_str(&json).expect("batch is JSON");
    assert_eq!(parsed[0][1], "messageStart");
    assert_eq!(parsed[0][2]["role"], "assistant");
    emu.close().await;
}

/// Throughput figure (printed, not asserted): decode + map + batch-encode 50,000 text
/// deltas. Run with `--nocapture` to see it.
#[test]
fn throughput_of_decoding_and_mapping_50k_deltas() {
    let mut wire = encode_event("event", "messageStart", br#"{"role":"assistant"}"#);
    for i in 0..50_000 {
        let payload = format!(r#"{{"contentBlockIndex":0,"delta":{{"text":"tok{i} "}},"p":"abcdefghij"}}"#);
        wire.extend(encode_event("event", "contentBlockDelta", payload.as_bytes()));
    }
    wire.extend(encode_event("event", "contentBlockStop", br#"{"contentBlockIndex":0}"#));
    wire.extend(encode_event("event", "messageStop", br#"{"stopReason":"end_turn"}"#));
    let started = Instant::now();
    let mut decoder = FrameDecoder::default();
    let mut mapper = Mapper::new(ModelCost::default());
    let mut ops = Vec::new();
    let mut json = String::new();
    let mut deltas = 0usize;
    for chunk in wire.chunks(16 * 1024) {
        decoder.push(chunk);
        while let Some(m) = decoder.next_message().expect("valid") {
            let event_type = m.header_str(":event-type").unwrap_or("").to_string();
            mapper.map_event(&event_type, &m.payload, &mut ops).expect("maps");
        }
        deltas += ops.iter().filter(|op| matches!(op, Op::TextDelta { .. })).count();
        json.clear();
        write_batch_json(&ops, &mut json);
        ops.clear();
    }
    let elapsed = started.elapsed();
    assert_eq!(deltas, 50_000);
    eprintln!(
        "decode+map+encode: 50,000 deltas ({} KiB) in {:?} = {:.0} deltas/s (debug build)",
        wire.len() / 1024,
        elapsed,
        50_000.0 / elapsed.as_secs_f64()
    );
}

/// A minimal HTTP CONNECT proxy: records each CONNECT target (and whether it carried
/// proxy credentials), then relays bytes both ways.
async fn connect_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let addr = listener.local_addr().expect("addr");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let authorized = head.to_ascii_lowercase().contains("proxy-authorization: basic");
                log.lock().expect("log").push((target.clone(), authorized));
                let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else { return };
                if client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn streams_through_an_http_connect_proxy_without_leaking_its_credentials() {
    let emu = emulator().await;
    let (proxy_url, seen) = connect_proxy().await;
    let mut s = settings(&emu);
    s.proxy = bedrock_core::stream::ProxySetting::Url(proxy_url.replace("http://", "http://user:pa55word@"));
    let ops = run(s).await;
    assert!(matches!(ops.last(), Some(Op::Done { .. })), "{:?}", ops.last());
    let target = emu.url().trim_start_matches("http://").to_string();
    assert_eq!(seen.lock().expect("log").clone(), vec![(target, true)]);

    // A proxy that refuses: a network error that names the proxy but not its password.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let mut s = settings(&emu);
    s.max_retries = 0;
    s.proxy = bedrock_core::stream::ProxySetting::Url(format!("http://user:pa55word@127.0.0.1:{port}"));
    let ops = run(s).await;
    let error = final_error(&ops);
    assert_eq!(error.code, ErrorCode::Network);
    assert!(error.message.contains(&format!("127.0.0.1:{port}")), "{}", error.message);
    assert!(!error.message.contains("pa55word"), "{}", error.message);
    emu.close().await;
}
