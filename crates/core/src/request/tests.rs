//! One test per rule of pi-ai's request building (and each intended difference).

use super::*;
use serde_json::json;

const SONNET_45: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const OPUS_46: &str = "global.anthropic.claude-opus-4-6-v1";
const OPUS_47: &str = "us.anthropic.claude-opus-4-7";
const HAIKU_3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const NOVA: &str = "amazon.nova-pro-v1:0";

fn model(id: &str) -> Model {
    Model::from_value(json!({
        "id": id, "name": id, "api": "bedrock-converse-stream", "provider": "amazon-bedrock",
        "baseUrl": "https://bedrock-runtime.us-east-1.amazonaws.com", "reasoning": true,
        "input": ["text", "image"], "cost": {"input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75},
        "contextWindow": 200000, "maxTokens": 64000
    }))
    .unwrap()
}

fn ctx(v: Value) -> Context {
    Context::from_value(v).unwrap()
}

fn opts(v: Value) -> StreamOptions {
    StreamOptions::from_value(v).unwrap()
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn build(m: &Model, c: &Context, o: &StreamOptions) -> Value {
    build_converse_request_with(m, c, o, &|_: &str| None, &no_env).unwrap().body
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": text, "timestamp": 1})
}

fn assistant(model_id: &str, content: Value) -> Value {
    json!({"role": "assistant", "content": content, "api": "bedrock-converse-stream", "provider": "amazon-bedrock",
           "model": model_id, "stopReason": "stop", "timestamp": 2,
           "usage": {"input": 1, "output": 1, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 2,
                     "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0}}})
}

fn tool_result(id: &str, text: &str, is_error: bool) -> Value {
    json!({"role": "toolResult", "toolCallId": id, "toolName": "read", "content": [{"type": "text", "text": text}],
           "isError": is_error, "timestamp": 3})
}

#[test]
fn plain_text_on_a_caching_model_has_cache_points_and_the_models_max_tokens() {
    let body = build(&model(SONNET_45), &ctx(json!({"systemPrompt": "Be brief.", "messages": [user("hi")]})), &opts(json!({})));
    assert_eq!(
        body,
        json!({
            "messages": [{"role": "user", "content": [{"text": "hi"}, {"cachePoint": {"type": "default"}}]}],
            "system": [{"text": "Be brief."}, {"cachePoint": {"type": "default"}}],
            "inferenceConfig": {"maxTokens": 64000}
        })
    );
    // SDK member order: messages, system, inferenceConfig, ...
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["messages", "system", "inferenceConfig"]);
}

#[test]
fn cache_retention_long_adds_one_hour_ttl_and_none_removes_cache_points() {
    let c = ctx(json!({"systemPrompt": "S", "messages": [user("hi")]}));
    let long = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "long"})));
    assert_eq!(long["system"][1], json!({"cachePoint": {"type": "default", "ttl": "1h"}}));
    assert_eq!(long["messages"][0]["content"][1], json!({"cachePoint": {"type": "default", "ttl": "1h"}}));
    let none = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    assert_eq!(none["system"], json!([{"text": "S"}]));
    assert_eq!(none["messages"][0]["content"], json!([{"text": "hi"}]));
}

#[test]
fn pi_cache_retention_env_sets_the_default_retention() {
    let env = |name: &str| (name == "PI_CACHE_RETENTION").then(|| "long".to_string());
    let c = ctx(json!({"messages": [user("hi")]}));
    let body = build_converse_request_with(&model(SONNET_45), &c, &opts(json!({})), &|_: &str| None, &env).unwrap().body;
    assert_eq!(body["messages"][0]["content"][1]["cachePoint"]["ttl"], "1h");
}

#[test]
fn caching_follows_pi_ai_model_rules() {
    let c = ctx(json!({"systemPrompt": "S", "messages": [user("hi")]}));
    for (id, expected) in [
        (SONNET_45, true),
        ("anthropic.claude-3-7-sonnet-20250219-v1:0", true),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", true),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", false),
        (HAIKU_3, false),
        (NOVA, false),
    ] {
        let body = build(&model(id), &c, &opts(json!({})));
        assert_eq!(body["system"].as_array().unwrap().len() == 2, expected, "{id}");
    }
    // AWS_BEDROCK_FORCE_CACHE=1 turns them on for non-Claude ids (application profiles).
    let env = |name: &str| (name == "AWS_BEDROCK_FORCE_CACHE").then(|| "1".to_string());
    let body = build_converse_request_with(&model(NOVA), &c, &opts(json!({})), &|_: &str| None, &env).unwrap().body;
    assert_eq!(body["system"].as_array().unwrap().len(), 2);
}

#[test]
fn cache_point_goes_only_on_a_final_user_message() {
    let c = ctx(json!({"messages": [user("hi"), assistant(SONNET_45, json!([{"type": "text", "text": "hello"}]))]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({})));
    assert_eq!(body["messages"][0]["content"], json!([{"text": "hi"}]));
    assert_eq!(body["messages"][1]["content"], json!([{"text": "hello"}]));
}

#[test]
fn max_tokens_and_temperature_only_when_given_and_temperature_omitted_for_opus_47() {
    let c = ctx(json!({"messages": [user("hi")]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"maxTokens": 1000, "temperature": 0.7})));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 1000, "temperature": 0.7}));
    let body = build(&model(OPUS_47), &c, &opts(json!({"maxTokens": 1000, "temperature": 0.7})));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 1000}));
    // Opus 4 (dated id) still takes temperature.
    let body = build(&model("anthropic.claude-opus-4-20250514-v1:0"), &c, &opts(json!({"temperature": 0})));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 64000, "temperature": 0}), "Claude gets model.maxTokens");
    // Non-Claude models get no default maxTokens; GPT-5.x/6 no temperature.
    assert_eq!(build(&model(NOVA), &c, &opts(json!({"temperature": 0.2})))["inferenceConfig"], json!({"temperature": 0.2}));
    assert_eq!(build(&model("openai.gpt-5.5"), &c, &opts(json!({"temperature": 0.2})))["inferenceConfig"], json!({}));
    assert_eq!(build(&model("openai.gpt-oss-20b-1:0"), &c, &opts(json!({"temperature": 0.2})))["inferenceConfig"], json!({"temperature": 0.2}));
    // Claude with thinking takes only temperature 1; a forced tool choice becomes auto.
    let tools = json!([{"name": "t", "parameters": {"type": "object"}}]);
    let c = ctx(json!({"messages": [user("hi")], "tools": tools}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"temperature": 0.7, "reasoning": "low", "toolChoice": "any", "maxTokens": 9000})));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 9000}));
    assert_eq!(body["toolConfig"]["toolChoice"], json!({"auto": {}}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"temperature": 1, "reasoning": "low", "toolChoice": {"type": "tool", "name": "t"}, "maxTokens": 9000})));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 9000, "temperature": 1}));
    assert_eq!(body["toolConfig"]["toolChoice"], json!({"auto": {}}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"temperature": 0.7, "toolChoice": "any", "maxTokens": 9000})));
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 9000, "temperature": 0.7}));
    assert_eq!(body["toolConfig"]["toolChoice"], json!({"any": {}}));
}

#[test]
fn off_means_no_thinking_and_an_unknown_level_is_refused() {
    let c = ctx(json!({"messages": [user("hi")]}));
    for id in [SONNET_45, OPUS_46, OPUS_47, "openai.gpt-6-sol"] {
        let body = build(&model(id), &c, &opts(json!({"reasoning": "off"})));
        assert!(body.get("additionalModelRequestFields").is_none(), "{id}");
    }
    let err = build_converse_request_with(&model(SONNET_45), &c, &opts(json!({"reasoning": "extreme"})), &|_: &str| None, &no_env)
        .unwrap_err();
    assert_eq!(err.code, crate::ErrorCode::InvalidArgument);
    assert!(err.message.contains("options.reasoning") && err.message.contains("max"), "{}", err.message);
}

#[test]
fn openai_models_get_their_reasoning_field() {
    let c = ctx(json!({"messages": [user("hi")]}));
    let fields = |id: &str, level: &str| build(&model(id), &c, &opts(json!({"reasoning": level})))["additionalModelRequestFields"].clone();
    assert_eq!(fields("openai.gpt-oss-120b-1:0", "minimal"), json!({"reasoning_effort": "low"}));
    assert_eq!(fields("openai.gpt-oss-120b-1:0", "max"), json!({"reasoning_effort": "high"}));
    assert_eq!(fields("global.openai.gpt-6-sol", "minimal"), json!({"reasoning": {"effort": "low"}}));
    assert_eq!(fields("global.openai.gpt-6-sol", "xhigh"), json!({"reasoning": {"effort": "xhigh"}}));
    assert_eq!(fields("global.openai.gpt-6-sol", "max"), json!({"reasoning": {"effort": "max"}}));
    assert!(fields("deepseek.v3.2", "high").is_null());
}

#[test]
fn budget_thinking_levels_and_overrides() {
    let c = ctx(json!({"messages": [user("hi")]}));
    for (level, budget) in [("minimal", 1024), ("low", 2048), ("medium", 8192), ("high", 16384), ("xhigh", 16384), ("max", 16384)] {
        let body = build(&model(SONNET_45), &c, &opts(json!({"reasoning": level})));
        assert_eq!(
            body["additionalModelRequestFields"],
            json!({"thinking": {"type": "enabled", "budget_tokens": budget, "display": "summarized"},
                   "anthropic_beta": ["interleaved-thinking-2025-05-14"]}),
            "{level}"
        );
    }
    // xhigh uses the "high" override.
    let body = build(
        &model(SONNET_45),
        &c,
        &opts(json!({"reasoning": "xhigh", "thinkingBudgets": {"high": 5000}, "interleavedThinking": false, "thinkingDisplay": "omitted"})),
    );
    assert_eq!(body["additionalModelRequestFields"], json!({"thinking": {"type": "enabled", "budget_tokens": 5000, "display": "omitted"}}));
}

#[test]
fn adaptive_thinking_with_effort_for_opus_and_sonnet_46_and_later() {
    let c = ctx(json!({"messages": [user("hi")]}));
    for (id, level, effort) in [
        (OPUS_46, "minimal", "low"),
        (OPUS_46, "low", "low"),
        (OPUS_46, "medium", "medium"),
        (OPUS_46, "high", "high"),
        (OPUS_46, "xhigh", "high"),
        (OPUS_46, "max", "max"),
        ("us.anthropic.claude-sonnet-4-6", "medium", "medium"),
    ] {
        let body = build(&model(id), &c, &opts(json!({"reasoning": level})));
        assert_eq!(
            body["additionalModelRequestFields"],
            json!({"thinking": {"type": "adaptive", "display": "summarized"}, "output_config": {"effort": effort}}),
            "{id} {level}"
        );
    }
    let mut m = model(OPUS_46);
    m.thinking_level_map = Some(json!({"medium": "max"}).as_object().unwrap().clone());
    let body = build(&m, &c, &opts(json!({"reasoning": "medium"})));
    assert_eq!(body["additionalModelRequestFields"]["output_config"]["effort"], "max");
    // A model object's own map wins over the catalogue's: no `max` in it means high.
    let body = build(&m, &c, &opts(json!({"reasoning": "max"})));
    assert_eq!(body["additionalModelRequestFields"]["output_config"]["effort"], "high");
}

#[test]
fn opus_47_and_claude_5_bind_thinking_blocks_outside_gov_cloud() {
    let c = ctx(json!({"messages": [user("hi")]}));
    for (id, level, effort) in [(OPUS_47, "xhigh", "xhigh"), ("global.anthropic.claude-opus-4-8", "max", "max"),
        ("anthropic.claude-sonnet-5", "low", "low"), ("us.anthropic.claude-haiku-5-5", "high", "high"), ("anthropic.claude-fable-5", "xhigh", "xhigh")] {
        let body = build(&model(id), &c, &opts(json!({"reasoning": level})));
        assert_eq!(
            body["additionalModelRequestFields"],
            json!({"thinking": {"type": "adaptive", "display": "summarized", "block_binding": {"prefix_mismatch_behavior": "drop_block"}},
                   "output_config": {"effort": effort}, "anthropic_beta": ["thinking-binding-controls-2026-08-01"]}),
            "{id} {level}"
        );
        assert_eq!(body["system"], Value::Null);
        assert!(body["messages"][0]["content"][1].get("cachePoint").is_some(), "{id} has cache points");
    }
    let body = build(&model(OPUS_47), &c, &opts(json!({"reasoning": "high", "region": "us-gov-west-1"})));
    assert_eq!(body["additionalModelRequestFields"], json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "high"}}));
}

#[test]
fn no_thinking_fields_without_reasoning_or_for_non_claude_or_non_reasoning_models() {
    let c = ctx(json!({"messages": [user("hi")]}));
    assert!(build(&model(SONNET_45), &c, &opts(json!({}))).get("additionalModelRequestFields").is_none());
    assert!(build(&model(NOVA), &c, &opts(json!({"reasoning": "high"}))).get("additionalModelRequestFields").is_none());
    let mut m = model(SONNET_45);
    m.reasoning = false;
    assert!(build(&m, &c, &opts(json!({"reasoning": "high"}))).get("additionalModelRequestFields").is_none());
}

#[test]
fn gov_cloud_omits_thinking_display() {
    let c = ctx(json!({"messages": [user("hi")]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"reasoning": "low", "region": "us-gov-west-1"})));
    assert_eq!(body["additionalModelRequestFields"]["thinking"], json!({"type": "enabled", "budget_tokens": 2048}));
    let body = build(&model("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0"), &c, &opts(json!({"reasoning": "low"})));
    assert!(body["additionalModelRequestFields"]["thinking"].get("display").is_none());
}

#[test]
fn tool_config_and_tool_choice_mapping() {
    let tools = json!([{"name": "read", "description": "Read a file", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}]);
    let c = ctx(json!({"messages": [user("hi")], "tools": tools}));
    let spec = json!({"toolSpec": {"name": "read", "inputSchema": {"json": {"type": "object", "properties": {"path": {"type": "string"}}}}, "description": "Read a file"}});
    assert_eq!(build(&model(SONNET_45), &c, &opts(json!({})))["toolConfig"], json!({"tools": [spec]}));
    assert_eq!(build(&model(SONNET_45), &c, &opts(json!({"toolChoice": "auto"})))["toolConfig"]["toolChoice"], json!({"auto": {}}));
    assert_eq!(build(&model(SONNET_45), &c, &opts(json!({"toolChoice": "any"})))["toolConfig"]["toolChoice"], json!({"any": {}}));
    assert_eq!(
        build(&model(SONNET_45), &c, &opts(json!({"toolChoice": {"type": "tool", "name": "read"}})))["toolConfig"]["toolChoice"],
        json!({"tool": {"name": "read"}})
    );
    assert!(build(&model(SONNET_45), &c, &opts(json!({"toolChoice": "none"}))).get("toolConfig").is_none());
    let empty = ctx(json!({"messages": [user("hi")], "tools": []}));
    assert!(build(&model(SONNET_45), &empty, &opts(json!({"toolChoice": "any"}))).get("toolConfig").is_none());
}

#[test]
fn request_metadata_guardrail_and_service_tier_in_sdk_order() {
    let c = ctx(json!({"messages": [user("hi")]}));
    let body = build(
        &model(SONNET_45),
        &c,
        &opts(json!({"requestMetadata": {"team": "a"}, "serviceTier": "priority", "reasoning": "low",
                     "guardrail": {"guardrailIdentifier": "gr-1", "guardrailVersion": "2", "streamProcessingMode": "async", "trace": "enabled"}})),
    );
    assert_eq!(body["requestMetadata"], json!({"team": "a"}));
    assert_eq!(body["serviceTier"], json!({"type": "priority"}));
    assert_eq!(
        body["guardrailConfig"],
        json!({"guardrailIdentifier": "gr-1", "guardrailVersion": "2", "trace": "enabled", "streamProcessingMode": "async"})
    );
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["messages", "inferenceConfig", "guardrailConfig", "additionalModelRequestFields", "requestMetadata", "serviceTier"]
    );
}

#[test]
fn images_are_sent_as_canonical_base64_with_their_format() {
    let c = ctx(json!({"messages": [{"role": "user", "content": [
        {"type": "text", "text": "what is this"},
        {"type": "image", "mimeType": "image/jpg", "data": "aGVsbG8"},
        {"type": "image", "mimeType": "image/webp", "data": "aGVs\nbG8="}
    ]}]}));
    let body = build(&model(HAIKU_3), &c, &opts(json!({})));
    assert_eq!(
        body["messages"][0]["content"],
        json!([{"text": "what is this"},
               {"image": {"format": "jpeg", "source": {"bytes": "aGVsbG8="}}},
               {"image": {"format": "webp", "source": {"bytes": "aGVsbG8="}}}])
    );
}

#[test]
fn unsupported_image_type_is_rejected_naming_message_and_part() {
    let c = ctx(json!({"messages": [user("hi"), {"role": "user", "content": [
        {"type": "text", "text": "look"}, {"type": "image", "mimeType": "image/bmp", "data": "aGVsbG8="}]}]}));
    let err = build_converse_request_with(&model(SONNET_45), &c, &opts(json!({})), &|_: &str| None, &no_env).unwrap_err();
    assert_eq!(err.code, crate::ErrorCode::InvalidArgument);
    assert!(err.message.contains("context.messages[1].content[1]"), "{}", err.message);
    assert!(err.message.contains("image/bmp"), "{}", err.message);
}

#[test]
fn non_vision_models_get_one_placeholder_per_run_of_images() {
    let mut m = model(SONNET_45);
    m.input = vec!["text".into()];
    let img = json!({"type": "image", "mimeType": "image/bmp", "data": "x"});
    let c = ctx(json!({"messages": [
        {"role": "user", "content": [img, img, {"type": "text", "text": "and"}, img]},
        assistant(SONNET_45, json!([{"type": "toolCall", "id": "t1", "name": "shot", "arguments": {}}])),
        {"role": "toolResult", "toolCallId": "t1", "toolName": "shot", "content": [img], "isError": false}
    ]}));
    let body = build(&m, &c, &opts(json!({"cacheRetention": "none"})));
    assert_eq!(
        body["messages"][0]["content"],
        json!([{"text": "(image omitted: model does not support images)"}, {"text": "and"},
               {"text": "(image omitted: model does not support images)"}])
    );
    assert_eq!(
        body["messages"][2]["content"][0]["toolResult"]["content"],
        json!([{"text": "(tool image omitted: model does not support images)"}])
    );
}

#[test]
fn consecutive_tool_results_merge_into_one_user_message_with_status() {
    let c = ctx(json!({"messages": [
        user("run both"),
        assistant(SONNET_45, json!([{"type": "toolCall", "id": "a", "name": "read", "arguments": {"p": 1}},
                                    {"type": "toolCall", "id": "b", "name": "read", "arguments": {"p": 2}}])),
        tool_result("a", "one", false),
        tool_result("b", "boom", true)
    ]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    assert_eq!(
        body["messages"][1]["content"],
        json!([{"toolUse": {"toolUseId": "a", "name": "read", "input": {"p": 1}}},
               {"toolUse": {"toolUseId": "b", "name": "read", "input": {"p": 2}}}])
    );
    assert_eq!(
        body["messages"][2],
        json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": "a", "content": [{"text": "one"}], "status": "success"}},
            {"toolResult": {"toolUseId": "b", "content": [{"text": "boom"}], "status": "error"}}]})
    );
}

#[test]
fn orphaned_tool_calls_get_a_synthetic_error_result() {
    let c = ctx(json!({"messages": [
        user("go"),
        assistant(SONNET_45, json!([{"type": "toolCall", "id": "a", "name": "read", "arguments": {}}])),
        user("never mind")
    ]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    // synthetic result + the next user message merged into one user turn (intended difference)
    assert_eq!(
        body["messages"][2],
        json!({"role": "user", "content": [
            {"toolResult": {"toolUseId": "a", "content": [{"text": "No result provided"}], "status": "error"}},
            {"text": "never mind"}]})
    );
    assert_eq!(body["messages"].as_array().unwrap().len(), 3);
}

#[test]
fn errored_and_aborted_assistant_turns_are_dropped() {
    let mut bad = assistant(SONNET_45, json!([{"type": "text", "text": "partial"}]));
    bad["stopReason"] = json!("error");
    let mut aborted = assistant(SONNET_45, json!([{"type": "toolCall", "id": "x", "name": "read", "arguments": {}}]));
    aborted["stopReason"] = json!("aborted");
    let c = ctx(json!({"messages": [user("a"), bad, aborted, user("b")]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    assert_eq!(body["messages"], json!([{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}]));
}

#[test]
fn cross_model_history_drops_thinking_and_normalises_tool_ids() {
    let foreign = json!({"role": "assistant", "api": "openai-responses", "provider": "openai", "model": "gpt-5",
        "stopReason": "toolUse", "content": [
            {"type": "thinking", "thinking": "let me think", "thinkingSignature": "{\"id\":\"rs_1\"}"},
            {"type": "thinking", "thinking": "secret", "thinkingSignature": "opaque", "redacted": true},
            {"type": "text", "text": "calling", "textSignature": "x"},
            {"type": "toolCall", "id": "call_1|fc_ÿ😀.x", "name": "read", "arguments": {}}]});
    let c = ctx(json!({"messages": [user("q"), foreign, tool_result("call_1|fc_ÿ😀.x", "r", false)]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    // pi-ai 1.6: another model's thinking is dropped, not turned into text.
    assert_eq!(
        body["messages"][1]["content"],
        json!([{"text": "calling"}, {"toolUse": {"toolUseId": "call_1_fc_____x", "name": "read", "input": {}}}])
    );
    assert_eq!(body["messages"][2]["content"][0]["toolResult"]["toolUseId"], "call_1_fc_____x");
}

#[test]
fn tool_ids_are_cut_to_64_chars() {
    assert_eq!(normalize_tool_call_id(&"a".repeat(100)).len(), 64);
    assert_eq!(normalize_tool_call_id("a b"), "a_b");
}

#[test]
fn same_model_thinking_is_replayed_with_signature_or_as_text_without_one() {
    let c = ctx(json!({"messages": [user("q"), assistant(SONNET_45, json!([
        {"type": "thinking", "thinking": "step 1", "thinkingSignature": "sig=="},
        {"type": "thinking", "thinking": "no sig", "thinkingSignature": " "},
        {"type": "thinking", "thinking": "  ", "thinkingSignature": "sig2"},
        {"type": "text", "text": " \n"},
        {"type": "text", "text": "answer"}]))]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({})));
    assert_eq!(
        body["messages"][1]["content"],
        json!([{"reasoningContent": {"reasoningText": {"text": "step 1", "signature": "sig=="}}},
               {"text": "no sig"}, {"text": "answer"}])
    );
}

#[test]
fn non_claude_reasoning_is_replayed_without_signature() {
    let id = "openai.gpt-oss-120b-1:0";
    let c = ctx(json!({"messages": [user("q"), assistant(id, json!([{"type": "thinking", "thinking": "hmm", "thinkingSignature": "s"}]))]}));
    let body = build(&model(id), &c, &opts(json!({})));
    assert_eq!(body["messages"][1]["content"], json!([{"reasoningContent": {"reasoningText": {"text": "hmm"}}}]));
}

#[test]
fn redacted_reasoning_is_replayed_as_redacted_content_for_the_same_model() {
    let c = ctx(json!({"messages": [user("q"), assistant(SONNET_45, json!([
        {"type": "thinking", "thinking": "[Reasoning redacted]", "thinkingSignature": "EmwKAhgBEgy3", "redacted": true},
        {"type": "text", "text": "ok"}]))]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({})));
    assert_eq!(
        body["messages"][1]["content"],
        json!([{"reasoningContent": {"redactedContent": "EmwKAhgBEgy3"}}, {"text": "ok"}])
    );
    // Without a decodable payload the block is dropped.
    let c = ctx(json!({"messages": [user("q"), assistant(SONNET_45, json!([
        {"type": "thinking", "thinking": "[Reasoning redacted]", "redacted": true},
        {"type": "thinking", "thinking": "x", "thinkingSignature": "not base64 !", "redacted": true},
        {"type": "text", "text": "ok"}]))]}));
    assert_eq!(build(&model(SONNET_45), &c, &opts(json!({})))["messages"][1]["content"], json!([{"text": "ok"}]));
}

#[test]
fn claude_error_result_images_follow_the_tool_results() {
    let img = json!({"type": "image", "data": "AAAA", "mimeType": "image/png"});
    let err = json!({"role": "toolResult", "toolCallId": "c1", "toolName": "shot", "isError": true,
        "content": [{"type": "text", "text": "failed"}, img, img], "timestamp": 3});
    let ok = json!({"role": "toolResult", "toolCallId": "c2", "toolName": "shot", "isError": false, "content": [img], "timestamp": 3});
    let call = |id: &str| json!({"type": "toolCall", "id": id, "name": "shot", "arguments": {}});
    let c = ctx(json!({"messages": [user("q"), assistant(SONNET_45, json!([call("c1"), call("c2")])), err, ok]}));
    let image = json!({"image": {"format": "png", "source": {"bytes": "AAAA"}}});
    let body = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    assert_eq!(body["messages"][2]["content"], json!([
        {"toolResult": {"toolUseId": "c1", "content": [{"text": "failed"}, {"text": "(image attached after the tool results)"}], "status": "error"}},
        {"toolResult": {"toolUseId": "c2", "content": [image], "status": "success"}},
        {"text": "Images from the error result of tool call c1 (shot):"}, image, image]));
    // Other models keep them in place.
    let c = ctx(json!({"messages": [user("q"), assistant(NOVA, json!([call("c1"), call("c2")])), err, ok]}));
    let body = build(&model(NOVA), &c, &opts(json!({})));
    assert_eq!(body["messages"][2]["content"][0]["toolResult"]["content"], json!([{"text": "failed"}, image, image]));
}

#[test]
fn empty_keys_leave_tool_arguments_and_blank_tool_results_read_empty() {
    let call = json!({"type": "toolCall", "id": "c1", "name": "t", "arguments": {"": 1, "a": {"": [], "b": [{"": 2, "c": 3}]}}});
    let c = ctx(json!({"messages": [user("q"), assistant(NOVA, json!([call])), tool_result("c1", "  ", false)]}));
    let body = build(&model(NOVA), &c, &opts(json!({})));
    assert_eq!(body["messages"][1]["content"][0]["toolUse"]["input"], json!({"a": {"b": [{"c": 3}]}}));
    assert_eq!(body["messages"][2]["content"][0]["toolResult"]["content"], json!([{"text": "<empty>"}]));
}

#[test]
fn empty_assistant_messages_are_skipped_and_blank_user_text_reads_empty() {
    let c = ctx(json!({"messages": [user(""), assistant(SONNET_45, json!([])),
        assistant(SONNET_45, json!([{"type": "text", "text": "  "}])), user("   "),
        {"role": "user", "content": [{"type": "text", "text": " "}, {"type": "text", "text": "x"}]},
        {"role": "user", "content": []}]}));
    let body = build(&model(SONNET_45), &c, &opts(json!({"cacheRetention": "none"})));
    assert_eq!(body["messages"], json!([{"role": "user", "content": [{"text": "<empty>"}, {"text": "<empty>"}, {"text": "x"}, {"text": "<empty>"}]}]));
}

#[test]
fn js_whitespace_rules_match_string_trim() {
    assert!(js_trim_is_empty("\u{FEFF}\u{3000}\t\u{2028}"));
    assert!(!js_trim_is_empty("\u{85}"));
    // Names are matched with pi-ai's dashing: "Claude Opus 4.7" is Opus 4.7.
    assert!(ModelFamily::new("arn:aws:bedrock:us-east-1:1:application-inference-profile/p", Some("Claude Opus 4.7"), None).supports_block_binding());
}

#[test]
fn transcript_contexts_replay_system_messages_into_prompt_and_tools() {
    let tool = |name: &str| json!({"name": name, "description": name, "parameters": {"type": "object"}});
    let c = ctx(json!({"messages": [
        {"role": "system", "content": "Base", "sections": {"a": "A1", "b": "B"}, "toolsAdded": [tool("read"), tool("edit")], "timestamp": 0},
        user("hi"),
        {"role": "system", "content": [{"type": "text", "text": "More"}], "sections": {"a": "A2", "b": null},
         "toolsRemoved": [{"name": "read"}], "toolsAdded": [tool("grep")], "timestamp": 5},
        {"role": "custom", "content": "skipped"},
        {"role": "user", "content": [{"type": "text", "text": "again"}, {"type": "audio", "data": "skipped"}]}]}));
    assert_eq!(c.system_prompt.as_deref(), Some("Base\n\nMore\n\nA2"));
    let names: Vec<_> = c.tools.as_ref().unwrap().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["edit", "grep"]);
    let body = build(&model(NOVA), &c, &opts(json!({})));
    assert_eq!(body["messages"], json!([{"role": "user", "content": [{"text": "hi"}, {"text": "again"}]}]));
    // The older shape builds the same request as its transcript.
    let old = ctx(json!({"systemPrompt": "S", "tools": [tool("read")], "messages": [user("hi")]}));
    let new = ctx(json!({"messages": [{"role": "system", "content": "S", "toolsAdded": [tool("read")], "timestamp": 0}, user("hi")]}));
    assert_eq!(build(&model(SONNET_45), &old, &opts(json!({}))), build(&model(SONNET_45), &new, &opts(json!({}))));
}

#[test]
fn empty_system_prompt_is_omitted() {
    let body = build(&model(SONNET_45), &ctx(json!({"systemPrompt": "", "messages": [user("hi")]})), &opts(json!({})));
    assert!(body.get("system").is_none());
}

#[test]
fn lone_surrogates_are_dropped_when_parsing_js_json() {
    let v = parse_js_json(r#"{"a":"x\ud800y\udc00z\ud83d\ude00\\ud800"}"#).unwrap();
    assert_eq!(v["a"], "xyz😀\\ud800");
    assert_eq!(parse_js_json(r#""\udbff""#).unwrap(), json!(""));
    assert_eq!(parse_js_json(r#""é\u00e9""#).unwrap(), json!("éé"));
}

#[test]
fn application_profile_arn_uses_resolved_base_model_and_carries_region() {
    let arn = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123";
    let mut m = model(arn);
    m.name = Some("team profile".into());
    let c = ctx(json!({"systemPrompt": "S", "messages": [user("hi")]}));
    let o = opts(json!({"reasoning": "high", "temperature": 1}));
    let plain = build_converse_request_with(&m, &c, &o, &|_: &str| None, &no_env).unwrap();
    assert_eq!(plain.arn_region.as_deref(), Some("eu-west-1"));
    assert_eq!(plain.model_id, arn);
    assert!(plain.body.get("additionalModelRequestFields").is_none());
    let resolver = |id: &str| (id == arn).then(|| "anthropic.claude-opus-4-7".to_string());
    let resolved = build_converse_request_with(&m, &c, &o, &resolver, &no_env).unwrap().body;
    assert_eq!(resolved["additionalModelRequestFields"]["thinking"]["type"], "adaptive");
    assert_eq!(resolved["additionalModelRequestFields"]["output_config"]["effort"], "high");
    assert_eq!(resolved["system"].as_array().unwrap().len(), 2, "caching applies");
    assert!(resolved["inferenceConfig"].get("temperature").is_none());
}

#[test]
fn bad_input_is_an_invalid_argument_naming_the_message() {
    let err = Context::from_value(json!({"messages": [user("ok"), {"role": "user", "content": [{"type": "image", "data": 5}]}]})).unwrap_err();
    assert_eq!(err.code, crate::ErrorCode::InvalidArgument);
    assert!(err.message.starts_with("context.messages[1]: content[0]"), "{}", err.message);
    let err = Context::from_value(json!({"messages": [{"role": "system", "content": "x", "sections": []}]})).unwrap_err();
    assert!(err.message.starts_with("context.messages[0].sections"), "{}", err.message);
    let err = Context::from_value(json!({"messages": [5]})).unwrap_err();
    assert!(err.message.starts_with("context.messages[0]"), "{}", err.message);
    assert!(Context::from_value(json!({"systemPrompt": 3, "messages": []})).is_err());
}

#[test]
fn stream_options_debug_redacts_the_bearer_token() {
    let o = opts(json!({"bearerToken": "ABSKsecretvalue", "region": "us-east-1"}));
    let shown = format!("{o:?}");
    assert!(!shown.contains("ABSKsecretvalue"));
    assert!(shown.contains("<redacted>"));
}

fn simple(m: &Model, o: Value) -> StreamOptions {
    simple_stream_options(m, &ctx(json!({"messages": [user("x")]})), &opts(o), &|_: &str| None).unwrap()
}

#[test]
fn simple_options_default_max_tokens_to_the_model_fitted_to_the_context_and_keep_base_options() {
    let o = simple(
        &model(NOVA),
        json!({"toolChoice": "any", "requestMetadata": {"a": "b"}, "region": "us-gov-west-1", "bearerToken": "t",
               "interleavedThinking": false, "thinkingDisplay": "omitted", "temperature": 0.5, "cacheRetention": "long",
               "serviceTier": "flex", "apiKey": "k", "env": {"AWS_REGION": "eu-west-1"}, "headers": {"x-a": "1"}}),
    );
    assert_eq!(o.max_tokens, Some(64000.into()), "model.maxTokens, no 32,000 cap");
    assert_eq!(o.temperature.as_ref().and_then(|t| t.as_f64()), Some(0.5));
    assert_eq!(o.cache_retention.as_deref(), Some("long"));
    assert_eq!(o.service_tier, Some(json!("flex")));
    assert_eq!(o.tool_choice, Some(json!("any")), "pi-ai 1.6 forwards toolChoice");
    assert_eq!((o.api_key.as_deref(), o.headers.clone()), (Some("k"), Some(json!({"x-a": "1"}))));
    assert!(o.env.is_some());
    assert!(o.request_metadata.is_none() && o.region.is_none() && o.bearer_token.is_none());
    assert!(o.interleaved_thinking.is_none() && o.thinking_display.is_none() && o.reasoning.is_none());
    let mut small = model(NOVA);
    small.max_tokens = Some(json!(4096));
    assert_eq!(simple(&small, json!({})).max_tokens, Some(4096.into()));
    assert_eq!(simple(&small, json!({"maxTokens": 100})).max_tokens, Some(100.into()));
    // Fitted to the context window: 40,000 - 1 (estimated input) - 4,096 margin.
    let mut narrow = model(NOVA);
    narrow.context_window = Some(json!(40000));
    assert_eq!(simple(&narrow, json!({})).max_tokens, Some(35903.into()));
    // A long history leaves less room: last usage (50,000) + what follows it.
    let history = ctx(json!({"messages": [user("q"), {"role": "assistant", "content": [{"type": "text", "text": "a"}], "stopReason": "stop",
        "timestamp": 2, "usage": {"input": 1, "output": 1, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 50000}}, user("1234567")]}));
    let mut big = model(NOVA);
    big.max_tokens = Some(json!(190000));
    let o = simple_stream_options(&big, &history, &opts(json!({})), &|_: &str| None).unwrap();
    assert_eq!(o.max_tokens, Some((200000 - 50002 - 7501).into()), "margin: 15% of the input");
}

#[test]
fn simple_options_grow_max_tokens_by_the_thinking_budget_for_budget_claude() {
    let o = simple(&model(SONNET_45), json!({"reasoning": "high"}));
    assert_eq!(o.max_tokens, Some(64000.into()));
    assert_eq!(o.thinking_budgets.unwrap()["high"], json!(16384));
    // capped at the model's limit, leaving 1024 output tokens
    let mut m = model(SONNET_45);
    m.max_tokens = Some(json!(8192));
    let o = simple(&m, json!({"reasoning": "xhigh", "thinkingBudgets": {"low": 10}}));
    assert_eq!(o.max_tokens, Some(8192.into()));
    assert_eq!(o.thinking_budgets.clone().unwrap(), *json!({"low": 10, "high": 7168}).as_object().unwrap());
    let body = build(&m, &ctx(json!({"messages": [user("x")]})), &o);
    assert_eq!(body["inferenceConfig"]["maxTokens"], 8192);
    assert_eq!(body["additionalModelRequestFields"]["thinking"]["budget_tokens"], 7168);
    // Never a budget under Bedrock's 1024 minimum: maxTokens makes room for it.
    m.max_tokens = Some(json!(1500));
    let o = simple(&m, json!({"reasoning": "low"}));
    assert_eq!((o.max_tokens, o.thinking_budgets.unwrap()["low"].clone()), (Some(2048.into()), json!(1024)));
    // adaptive models and non-Claude models keep maxTokens as is
    assert_eq!(simple(&model(OPUS_46), json!({"reasoning": "high"})).max_tokens, Some(64000.into()));
    assert_eq!(simple(&model(NOVA), json!({"reasoning": "high"})).max_tokens, Some(64000.into()));
    assert!(simple(&model(OPUS_46), json!({"reasoning": "off"})).reasoning.is_none());
}

#[test]
fn surrogate_stripping_never_panics_on_truncated_or_odd_escapes() {
    for text in [
        r#""\u"#, r#""\ud8"#, r#""\ud800"#, r#""\ud800\"#, r#""\ud800\u"#, r#""\ud800\udc"#, r#""\\\\u0041""#,
        r#""\udc00\ud800""#, r#""\ud800\ud800\udc00""#, "\"é\\u00\"", "\"\\uD83D\\uDE00\"", "\"\\\\\"",
    ] {
        let _ = parse_js_json(text); // an error for invalid JSON is fine; a panic is not
    }
    assert_eq!(parse_js_json(r#""\udc00\ud800""#).unwrap(), json!(""));
    assert_eq!(parse_js_json(r#""\ud800\ud800\udc00""#).unwrap(), json!("𐀀"));
    assert_eq!(parse_js_json(r#""\\u0041""#).unwrap(), json!("\\u0041"));
    assert_eq!(parse_js_json("\"\\uD83D\\uDE00\"").unwrap(), json!("😀"));
}
