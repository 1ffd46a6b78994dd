//! Property tests for the stream mapper and the partial-JSON repair it uses for tool
//! arguments: any sequence of Bedrock events with any payload maps to ops or a
//! `Protocol` error, never a panic; any prefix of JSON text parses to some value.

use bedrock_core::stream::mapper::Mapper;
use bedrock_core::stream::partial_json::{repair_json, streaming_tool_arguments};
use bedrock_core::stream::{ModelCost, Op};
use bedrock_core::ErrorCode;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

fn index() -> impl Strategy<Value = Value> {
    prop_oneof![Just(json!(0)), Just(json!(1)), Just(json!(-1)), Just(json!(4294967296u64)), Just(json!("0")), Just(Value::Null)]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![".{0,12}".prop_map(Value::String), Just(json!(5)), Just(Value::Null), Just(json!({"x": 1}))]
}

fn event() -> impl Strategy<Value = (String, Vec<u8>)> {
    let structured = prop_oneof![
        text().prop_map(|r| ("messageStart".to_string(), json!({"role": r}))),
        (index(), text(), text()).prop_map(|(i, id, name)| ("contentBlockStart".to_string(), json!({"contentBlockIndex": i, "start": {"toolUse": {"toolUseId": id, "name": name}}}))),
        (index(), text()).prop_map(|(i, t)| ("contentBlockDelta".to_string(), json!({"contentBlockIndex": i, "delta": {"text": t}}))),
        (index(), text()).prop_map(|(i, t)| ("contentBlockDelta".to_string(), json!({"contentBlockIndex": i, "delta": {"toolUse": {"input": t}}}))),
        (index(), text(), text()).prop_map(|(i, t, s)| ("contentBlockDelta".to_string(), json!({"contentBlockIndex": i, "delta": {"reasoningContent": {"text": t, "signature": s}}}))),
        (index(), text()).prop_map(|(i, d)| ("contentBlockDelta".to_string(), json!({"contentBlockIndex": i, "delta": {"reasoningContent": {"redactedContent": d}}}))),
        index().prop_map(|i| ("contentBlockStop".to_string(), json!({"contentBlockIndex": i}))),
        text().prop_map(|r| ("messageStop".to_string(), json!({"stopReason": r}))),
        (any::<i64>(), any::<i64>(), text()).prop_map(|(a, b, c)| ("metadata".to_string(), json!({"usage": {"inputTokens": a, "outputTokens": b, "totalTokens": c, "cacheReadInputTokens": a, "cacheWriteInputTokens": b}}))),
    ]
    .prop_map(|(t, v)| (t, serde_json::to_vec(&v).unwrap_or_default()));
    let raw = ("[a-zA-Z]{0,20}", proptest::collection::vec(any::<u8>(), 0..64));
    prop_oneof![5 => structured, 1 => raw]
}

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn any_event_sequence_maps_or_is_a_protocol_error(events in proptest::collection::vec(event(), 0..24)) {
        let mut mapper = Mapper::new(ModelCost { input: 3.0, output: 15.0, cache_read: 0.3, cache_write: 3.75, ..Default::default() });
        let mut ops = Vec::new();
        for (event_type, payload) in &events {
            if let Err(e) = mapper.map_event(event_type, payload, &mut ops) {
                prop_assert_eq!(e.code, ErrorCode::Protocol, "{}", e.message);
                break;
            }
        }
        mapper.finish(&mut ops);
        prop_assert!(ops.last().is_some_and(Op::is_terminal));
        let mut out = String::new();
        bedrock_core::stream::write_batch_json(&ops, &mut out);
        let parsed: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("batch JSON invalid: {e}: {out}")))?;
        prop_assert!(parsed.is_array());
    }

    /// Consecutive deltas of one block travel as one run (`[2,index,"a","b"]`); expanding
    /// the runs again gives back every delta, in order, with its text unchanged.
    #[test]
    fn delta_runs_in_batch_json_give_back_every_delta(
        deltas in proptest::collection::vec((any::<bool>(), 0usize..3, "(\\PC|[\\x00-\\x1f\"\\\\\u{7f}])*"), 0..40),
    ) {
        let ops: Vec<Op> = deltas
            .iter()
            .map(|(thinking, index, text)| {
                let (content_index, delta) = (*index, text.clone());
                if *thinking { Op::ThinkingDelta { content_index, delta } } else { Op::TextDelta { content_index, delta } }
            })
            .collect();
        let mut out = String::new();
        bedrock_core::stream::write_batch_json(&ops, &mut out);
        let parsed: Value = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("batch JSON invalid: {e}: {out}")))?;
        let mut expanded = Vec::new();
        for run in parsed.as_array().into_iter().flatten() {
            let run = run.as_array().expect("an op is an array");
            let thinking = match run[0].as_u64() {
                Some(2) => false,
                Some(5) => true,
                other => return Err(TestCaseError::fail(format!("unexpected op code {other:?}"))),
            };
            prop_assert!(run.len() > 2, "a run carries at least one delta");
            let index = run[1].as_u64().expect("index") as usize;
            for text in &run[2..] {
                expanded.push((thinking, index, text.as_str().expect("delta text").to_string()));
            }
        }
        prop_assert_eq!(expanded, deltas);
    }

    #[test]
    fn any_partial_json_parses_to_a_value(text in "\\PC{0,80}") {
        prop_assert!(streaming_tool_arguments(&text).is_object());
        let _ = repair_json(&text);
    }

    #[test]
    fn every_prefix_of_valid_json_parses(value in proptest::collection::vec(("[a-z]{1,5}", ".{0,8}"), 0..5)) {
        let object: serde_json::Map<String, Value> = value.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let text = serde_json::to_string(&Value::Object(object)).unwrap_or_default();
        let mut cut = 0;
        for (i, _) in text.char_indices() {
            cut = i;
            let v = streaming_tool_arguments(&text[..cut]);
            prop_assert!(v.is_object(), "prefix {:?} -> {}", &text[..cut], v);
        }
        let _ = cut;
        prop_assert_eq!(streaming_tool_arguments(&text), serde_json::from_str::<Value>(&text).unwrap_or(Value::Null));
    }
}
