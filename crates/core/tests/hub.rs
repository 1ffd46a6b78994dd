//! DeliveryHub: many streams delivered to one consumer through one wake-up callback.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bedrock_core::stream::hub::DeliveryHub;
use bedrock_core::stream::{ConverseStream, ConverseStreamRequest, StreamSettings};
use bedrock_emulator::{Emulator, EmulatorConfig};
use serde_json::{json, Value};

const MODEL: &str = "amazon.nova-micro-v1:0";

fn settings(emu: &Emulator) -> StreamSettings {
    common::emulator_sigv4_settings(emu)
}

fn request() -> ConverseStreamRequest {
    common::hello_request(MODEL)
}

/// A hub whose callback counts wake-ups and signals the consumer loop.
fn counting_hub() -> (Arc<DeliveryHub>, Arc<AtomicUsize>, Arc<tokio::sync::Notify>) {
    counting_hub_with(Duration::from_millis(2))
}

fn counting_hub_with(interval: Duration) -> (Arc<DeliveryHub>, Arc<AtomicUsize>, Arc<tokio::sync::Notify>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(tokio::sync::Notify::new());
    let (w, r) = (wakes.clone(), ready.clone());
    let hub = DeliveryHub::new(interval, move || {
        w.fetch_add(1, Ordering::SeqCst);
        r.notify_one();
    });
    (hub, wakes, ready)
}

/// Per stream id: the text of its deltas, how many deltas, and its final op code.
#[derive(Default, Debug)]
struct Seen {
    text: String,
    deltas: usize,
    last: Option<i64>,
}

/// Drains `hub` at each wake-up until every stream ended.
async fn consume(hub: &DeliveryHub, ready: &tokio::sync::Notify) -> HashMap<u64, Seen> {
    let mut seen: HashMap<u64, Seen> = HashMap::new();
    loop {
        ready.notified().await;
        let mut out = String::new();
        hub.drain(512, &mut out);
        let batch: Value = serde_json::from_str(&out).expect("drain writes JSON");
        let batch = batch.as_array().expect("an array");
        assert_eq!(batch.len() % 2, 0, "id, ops pairs: {out}");
        for pair in batch.chunks(2) {
            let id = pair[0].as_u64().expect("a stream id");
            let entry = seen.entry(id).or_default();
            assert!(entry.last.is_none(), "stream {id} got ops after its final op");
            for op in pair[1].as_array().expect("ops") {
                let code = op[0].as_i64().expect("op code");
                if code == 2 {
                    for delta in &op.as_array().expect("run")[2..] {
                        entry.text.push_str(delta.as_str().expect("delta text"));
                        entry.deltas += 1;
                    }
                }
                if code == 14 || code == 15 {
                    entry.last = Some(code);
                }
            }
        }
        if hub.open_streams() == 0 {
            return seen;
        }
    }
}

/// 40 streams, each 30 deltas 10 ms apart: every stream gets its whole text in order and
/// ends once with `done`, through far fewer wake-ups of the consumer than events (each
/// stream drained on its own, as with `next_batch`, costs at least one per event at
/// this pace), and the hub forgets each stream once it ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_streams_share_wake_ups_and_each_gets_its_whole_text() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    let words: Vec<String> = (0..30).map(|i| format!("w{i:02} ")).collect();
    let text = words.concat();
    emu.script_json(MODEL, &json!({ "times": 0, "text": text, "chunkSize": 4, "faults": { "delayBetweenFramesMs": 10 } }))
        .expect("valid script");
    let (hub, wakes, ready) = counting_hub();
    let ids: Vec<u64> = (0..40).map(|_| hub.register(ConverseStream::start(request(), settings(&emu)))).collect();
    assert_eq!(hub.open_streams(), 40);

    let seen = consume(&hub, &ready).await;
    let mut events = 0;
    for id in &ids {
        let s = &seen[id];
        assert_eq!(s.text, text, "stream {id}");
        assert_eq!(s.last, Some(14), "stream {id} ends with done");
        events += s.deltas;
    }
    let wakes = wakes.load(Ordering::SeqCst);
    assert!(wakes * 2 < events, "{wakes} wake-ups for {events} deltas");
    assert_eq!(hub.open_streams(), 0);
    emu.close().await;
}

/// A stream that arrives faster than its consumer drains it (a firehose) is never held for
/// the interval: with a 5 s interval, ~110,000 one-character deltas written as fast as the
/// socket allows all arrive within seconds. Were each drain after the first held for the
/// interval (the hub before it knew backlogged streams), this would take hours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlogged_stream_is_not_held_for_the_interval() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    let words: Vec<String> = (0..20_000).map(|i| format!("{i} ")).collect();
    let text = words.concat();
    emu.script_json(MODEL, &json!({ "times": 0, "text": text, "chunkSize": 1 })).expect("valid script");
    let (hub, _wakes, ready) = counting_hub_with(Duration::from_secs(5));
    let id = hub.register(ConverseStream::start(request(), settings(&emu)));
    let seen = tokio::time::timeout(Duration::from_secs(120), consume(&hub, &ready))
        .await
        .expect("a fast stream was held for the 5 s interval between drains");
    assert_eq!(seen[&id].text, text);
    assert_eq!(seen[&id].last, Some(14));
    emu.close().await;
}

/// A stream's first event is never held for the interval, even though the response's
/// status and headers (their own op, first) were drained before it: with a 30 s interval
/// and a server that paces its frames, the first event still arrives at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_event_after_the_response_op_is_not_held_for_the_interval() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    emu.script_json(MODEL, &json!({ "times": 0, "text": "a b c", "chunkSize": 2, "faults": { "delayBetweenFramesMs": 50 } }))
        .expect("valid script");
    let (hub, _wakes, ready) = counting_hub_with(Duration::from_secs(30));
    let id = hub.register(ConverseStream::start(request(), settings(&emu)));
    let first_event = async {
        let mut codes = Vec::new();
        loop {
            ready.notified().await;
            let mut out = String::new();
            hub.drain(512, &mut out);
            let batch: Value = serde_json::from_str(&out).expect("JSON");
            for pair in batch.as_array().expect("array").chunks(2) {
                assert_eq!(pair[0].as_u64(), Some(id));
                codes.extend(pair[1].as_array().expect("ops").iter().map(|op| op[0].as_i64().expect("code")));
            }
            // 17 = the response op; anything else is an event.
            if codes.iter().any(|c| *c != 17) {
                return codes;
            }
        }
    };
    let codes = tokio::time::timeout(Duration::from_secs(10), first_event)
        .await
        .expect("the first event waited for the 30 s interval");
    assert_eq!(codes[0], 17, "the response op comes first: {codes:?}");
    assert!(codes.contains(&0), "the start event follows: {codes:?}");
    emu.close().await;
}

/// An abort reaches the consumer as the stream's `aborted` error at the next drain,
/// woken for it, even while the stream's server is silent; the other streams go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_wakes_the_consumer_with_the_aborted_error() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    emu.script_json(MODEL, &json!({ "times": 0, "text": "a b c d", "chunkSize": 1, "faults": { "stallAfterFrames": 2, "stallMs": 60000 } }))
        .expect("valid script");
    let (hub, _wakes, ready) = counting_hub();
    let stalled = ConverseStream::start(request(), settings(&emu));
    let abort = stalled.abort_handle();
    let id = hub.register(stalled);
    let _other = hub.register(ConverseStream::start(request(), settings(&emu)));
    // Wait until the stalled stream delivered its first ops (the server then goes silent).
    let mut started = false;
    while !started {
        ready.notified().await;
        let mut out = String::new();
        hub.drain(512, &mut out);
        let batch: Value = serde_json::from_str(&out).expect("JSON");
        started = batch.as_array().expect("array").chunks(2).any(|p| p[0].as_u64() == Some(id));
    }
    abort.abort();
    hub.wake_now(id);
    let aborted = loop {
        ready.notified().await;
        let mut out = String::new();
        hub.drain(512, &mut out);
        let batch: Value = serde_json::from_str(&out).expect("JSON");
        if let Some(pair) = batch.as_array().expect("array").chunks(2).find(|p| p[0].as_u64() == Some(id)) {
            break pair[1].clone();
        }
    };
    let ops = aborted.as_array().expect("ops");
    assert_eq!(ops.len(), 1, "only the error after an abort: {aborted}");
    assert_eq!(ops[0][0], 15);
    assert_eq!(ops[0][1], "aborted");
    assert_eq!(ops[0][3]["code"], "Aborted");
    assert_eq!(hub.open_streams(), 1, "the other stream is still open");
    emu.close().await;
}
