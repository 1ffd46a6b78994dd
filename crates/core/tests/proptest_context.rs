//! Property tests for the pi-ai Context converter: any JSON a JS caller can hand us as
//! `model`, `context` or `options` gives a request or an `InvalidArgument` error naming
//! the field — never a panic.

use bedrock_core::request::{
    build_converse_request_with, parse_js_json, simple_stream_options, Context, Model, StreamOptions,
};
use bedrock_core::ErrorCode;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "role", "content", "type", "text", "thinking", "thinkingSignature", "redacted", "id", "name",
            "arguments", "toolCallId", "toolName", "isError", "data", "mimeType", "timestamp", "messages",
            "systemPrompt", "tools", "parameters", "description", "stopReason", "usage", "api", "provider",
            "model", "textSignature", "reasoning", "cacheRetention", "maxTokens", "temperature",
            "thinkingBudgets", "toolChoice", "region", "headers", "metadata", "guardrail", "serviceTier",
            "input", "cost", "contextWindow", "baseUrl", "thinkingLevelMap", "compat", "errorMessage",
        ]).prop_map(str::to_string),
        1 => "[a-zA-Z]{1,8}",
    ]
}

fn string_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "user", "assistant", "toolResult", "text", "image", "thinking", "toolCall", "image/png",
            "image/jpeg", "stop", "toolUse", "error", "aborted", "minimal", "low", "medium", "high", "xhigh",
            "auto", "none", "any", "short", "long", "bedrock-converse-stream", "amazon-bedrock",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "global.anthropic.claude-opus-4-6-v1",
            "amazon.nova-pro-v1:0", "arn:aws:bedrock:us-west-2:1:application-inference-profile/x",
            "aGVsbG8=", "not base64 !!", "",
        ]).prop_map(str::to_string),
        "\\PC{0,20}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(|f| json!(f)),
        Just(json!(1.0e308)),
        Just(json!(-0.0)),
        string_leaf().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn message() -> impl Strategy<Value = Value> {
    let block = prop_oneof![
        string_leaf().prop_map(|t| json!({"type": "text", "text": t})),
        (string_leaf(), string_leaf(), any::<bool>())
            .prop_map(|(t, s, r)| json!({"type": "thinking", "thinking": t, "thinkingSignature": s, "redacted": r})),
        (string_leaf(), string_leaf(), json_value())
            .prop_map(|(id, name, args)| json!({"type": "toolCall", "id": id, "name": name, "arguments": args})),
        (string_leaf(), string_leaf()).prop_map(|(d, m)| json!({"type": "image", "data": d, "mimeType": m})),
        json_value(),
    ];
    let content = prop_oneof![string_leaf().prop_map(Value::String), proptest::collection::vec(block, 0..4).prop_map(Value::Array), json_value()];
    (prop::sample::select(vec!["user", "assistant", "toolResult", "system", ""]), content, string_leaf(), any::<bool>(), json_value())
        .prop_map(|(role, content, s, flag, extra)| {
            json!({"role": role, "content": content, "toolCallId": s, "toolName": s, "isError": flag,
                   "stopReason": if flag { "error" } else { "stop" }, "model": s, "provider": "amazon-bedrock",
                   "api": "bedrock-converse-stream", "timestamp": 1, "extra": extra})
        })
}

fn context_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => json_value(),
        4 => (proptest::collection::vec(message(), 0..6), prop::option::of(string_leaf()), prop::option::of(proptest::collection::vec(json_value(), 0..3)))
            .prop_map(|(messages, system, tools)| {
                let mut c = json!({"messages": messages});
                if let Some(s) = system { c["systemPrompt"] = json!(s); }
                if let Some(t) = tools {
                    c["tools"] = Value::Array(t.into_iter().map(|p| json!({"name": "t", "description": "d", "parameters": p})).collect());
                }
                c
            }),
    ]
}

fn model_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => json_value(),
        4 => (string_leaf(), json_value(), json_value()).prop_map(|(id, reasoning, extra)| json!({
            "id": id, "name": id, "api": "bedrock-converse-stream", "provider": "amazon-bedrock",
            "reasoning": reasoning, "input": ["text", "image"], "contextWindow": 200000, "maxTokens": extra,
            "cost": {"input": 3, "output": 15}
        })),
    ]
}

fn options_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => json_value(),
        3 => (string_leaf(), json_value(), json_value(), json_value()).prop_map(|(level, max_tokens, temp, choice)| json!({
            "reasoning": level, "maxTokens": max_tokens, "temperature": temp, "toolChoice": choice,
            "cacheRetention": level,
        })),
    ]
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn expect_invalid_argument(e: &bedrock_core::Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.code, ErrorCode::InvalidArgument, "{}", e.message);
    prop_assert!(!e.message.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn arbitrary_arguments_build_or_are_invalid_argument(
        model in model_value(),
        context in context_value(),
        options in options_value(),
    ) {
        let model = match Model::from_value(model) {
            Ok(m) => Some(m),
            Err(e) => { expect_invalid_argument(&e)?; None }
        };
        let context = match Context::from_value(context) {
            Ok(c) => Some(c),
            Err(e) => {
                expect_invalid_argument(&e)?;
                prop_assert!(e.message.starts_with("context"), "error does not name the field: {}", e.message);
                None
            }
        };
        let options = match StreamOptions::from_value(options) {
            Ok(o) => Some(o),
            Err(e) => { expect_invalid_argument(&e)?; None }
        };
        if let (Some(model), Some(context), Some(options)) = (model, context, options) {
            match build_converse_request_with(&model, &context, &options, &|_: &str| None, &no_env) {
                Ok(request) => prop_assert!(request.body.is_object()),
                Err(e) => expect_invalid_argument(&e)?,
            }
            match simple_stream_options(&model, &context, &options, &|_: &str| None) {
                Ok(simple) => {
                    if let Err(e) = build_converse_request_with(&model, &context, &simple, &|_: &str| None, &no_env) {
                        expect_invalid_argument(&e)?;
                    }
                }
                Err(e) => expect_invalid_argument(&e)?,
            }
        }
    }

    #[test]
    fn arbitrary_json_text_parses_or_is_invalid_argument(text in "\\PC{0,120}", escape in "\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}") {
        for t in [text.clone(), format!("\"{escape}{text}\""), format!("[\"{escape}\"]")] {
            if let Err(e) = parse_js_json(&t) {
                expect_invalid_argument(&e)?;
            }
        }
    }
}

/// Deep nesting from JS (`JSON.stringify` of a 100k-deep array) must not overflow the
/// stack in the parser or the converter.
#[test]
fn deeply_nested_arguments_are_refused_not_a_stack_overflow() {
    let depth = 100_000;
    let text = format!("{{\"messages\": [{{\"role\": \"user\", \"content\": {}{}}}]}}", "[".repeat(depth), "]".repeat(depth));
    match parse_js_json(&text) {
        Ok(v) => {
            if let Err(e) = Context::from_value(v) {
                assert_eq!(e.code, ErrorCode::InvalidArgument);
            }
        }
        Err(e) => assert_eq!(e.code, ErrorCode::InvalidArgument),
    }
}
