//! The process-wide read-ahead budget (its own test binary: the budget is global, and
//! using it up on purpose would slow the other stream tests).

mod common;

use std::time::Duration;

use base64::Engine;
use bedrock_core::eventstream::encode_event;
use bedrock_core::stream::{
    read_ahead_available, read_ahead_total, ConverseStream, ConverseStreamRequest, Op, StreamSettings,
};
use bedrock_emulator::{Emulator, EmulatorConfig};
use serde_json::json;

const MODEL: &str = "amazon.nova-micro-v1:0";

fn settings(emu: &Emulator) -> StreamSettings {
    common::emulator_sigv4_settings(emu)
}

fn request() -> ConverseStreamRequest {
    common::hello_request(MODEL)
}

/// A reply (served to every request) written in 16 KiB pieces, as a fast model's stream
/// arrives: a read then carries many events.
fn fast_reply(words: &[String]) -> serde_json::Value {
    let mut frames = vec![encode_event("event", "messageStart", br#"{"role":"assistant"}"#)];
    for word in words {
        let payload = json!({ "contentBlockIndex": 0, "delta": { "text": word } });
        frames.push(encode_event("event", "contentBlockDelta", payload.to_string().as_bytes()));
    }
    frames.push(encode_event("event", "contentBlockStop", br#"{"contentBlockIndex":0}"#));
    frames.push(encode_event("event", "messageStop", br#"{"stopReason":"end_turn"}"#));
    let mut writes: Vec<Vec<u8>> = vec![Vec::new()];
    for frame in frames {
        if writes.last().is_some_and(|w| w.len() >= 16 * 1024) {
            writes.push(Vec::new());
        }
        writes.last_mut().expect("one write").extend(frame);
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({ "times": 0, "frames": writes.iter().map(|w| json!({ "rawBase64": b64.encode(w) })).collect::<Vec<_>>() })
}

/// Many streams whose consumer lags (reads every 200 ms) together queue no more than one
/// chunk each plus the shared budget, so memory stays bounded; every one of them still
/// delivers its whole text, a stream read at full speed meanwhile is not starved, and
/// the budget is whole again at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_streams_share_a_bounded_budget_and_lose_nothing() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    let words: Vec<String> = (0..2_000).map(|i| format!(" w{i}")).collect();
    let text = words.concat();
    emu.script_json(MODEL, &fast_reply(&words)).expect("valid script");
    // A small budget (read once, at first use), so these streams are sure to use it up.
    std::env::set_var("BEDROCK_NATIVE_READ_AHEAD_OPS", "256");
    assert_eq!(read_ahead_total(), 256);
    assert_eq!(read_ahead_available(), 256);

    let lagging: Vec<_> = (0..150)
        .map(|_| {
            let mut stream = ConverseStream::start(request(), settings(&emu));
            tokio::spawn(async move {
                let mut got = String::new();
                let mut last = None;
                loop {
                    let batch = stream.next_batch(usize::MAX).await;
                    if batch.is_empty() {
                        return (got, last);
                    }
                    for op in batch {
                        match op {
                            Op::TextDelta { delta, .. } => got.push_str(&delta),
                            Op::Response { .. } => {}
                            other => last = Some(other),
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        })
        .collect();
    // The lagging consumers' streams read ahead until the budget is used up.
    let mut lowest = read_ahead_total();
    for _ in 0..1_500 {
        lowest = lowest.min(read_ahead_available());
        if lowest == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(lowest, 0, "150 lagging streams of 2,000 deltas use the whole read-ahead budget");

    let ops = tokio::time::timeout(Duration::from_secs(60), ConverseStream::start(request(), settings(&emu)).collect())
        .await
        .expect("a stream read at full speed is not starved (hang detector)");
    assert!(matches!(ops.last(), Some(Op::Done { .. })), "{:?}", ops.last());
    let got: String = ops
        .iter()
        .filter_map(|op| if let Op::TextDelta { delta, .. } = op { Some(delta.as_str()) } else { None })
        .collect();
    assert!(got == text, "the full-speed stream got {} of {} chars: {:.60}", got.len(), text.len(), got);

    for task in lagging {
        let (got, last) = tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("lagging streams end (hang detector)")
            .expect("task");
        assert!(matches!(last, Some(Op::Done { .. })), "{last:?}");
        assert!(got == text, "a lagging stream got {} of {} chars: {:.60}", got.len(), text.len(), got);
    }
    assert_eq!(read_ahead_available(), 256, "finished streams give their share back");
    emu.close().await;
}
