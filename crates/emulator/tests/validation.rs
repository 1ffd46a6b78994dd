//! Strict validation: every rule refuses its request with Bedrock's status, error type
//! and wording, and the valid twin of that request (one change away) is accepted — so a
//! rule cannot pass by refusing everything, nor by refusing nothing.

mod common;

use bedrock_emulator::{Emulator, EmulatorConfig};
use common::raw_http;
use serde_json::{json, Value};

const SONNET45: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const SONNET37: &str = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const OPUS46: &str = "global.anthropic.claude-opus-4-6-v1";
const OPUS47: &str = "us.anthropic.claude-opus-4-7";
const OPUS48: &str = "us.anthropic.claude-opus-4-8";
const SONNET5: &str = "global.anthropic.claude-sonnet-5";
const HAIKU55: &str = "eu.anthropic.claude-haiku-5-5";
const HAIKU45: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

async fn emulator(strict: bool) -> Emulator {
    Emulator::start(EmulatorConfig {
        auth: false,
        strict_validation: strict,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn path(model: &str, op: &str) -> String {
    let enc: String = model
        .chars()
        .map(|c| {
            if c == ':' {
                "%3A".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("/model/{enc}/{op}")
}

struct Answer {
    status: u16,
    error_type: Option<String>,
    message: String,
    headers: Vec<(String, String)>,
}

async fn send(emu: &Emulator, model: &str, op: &str, body: &[u8]) -> Answer {
    let (status, headers, bytes) = raw_http(
        emu,
        "POST",
        &path(model, op),
        &[("content-type", "application/json")],
        body,
    )
    .await;
    let error_type = headers
        .iter()
        .find(|(k, _)| k == "x-amzn-errortype")
        .map(|(_, v)| v.split(':').next().unwrap_or_default().to_string());
    let message = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    Answer {
        status,
        error_type,
        message,
        headers,
    }
}

async fn converse(emu: &Emulator, model: &str, body: &Value) -> Answer {
    send(emu, model, "converse", body.to_string().as_bytes()).await
}

fn user(text: &str) -> Value {
    json!({ "role": "user", "content": [{ "text": text }] })
}

fn hello() -> Value {
    json!({ "messages": [user("hello there")] })
}

/// `hello()` with `patch` merged in at the top level.
fn with(patch: Value) -> Value {
    let mut b = hello();
    for (k, v) in patch.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

fn thinking(budget: Option<u64>) -> Value {
    match budget {
        Some(b) => json!({ "thinking": { "type": "enabled", "budget_tokens": b } }),
        None => json!({ "thinking": { "type": "enabled" } }),
    }
}

fn adaptive() -> Value {
    json!({ "thinking": { "type": "adaptive" }, "output_config": { "effort": "high" } })
}

fn tool() -> Value {
    json!({ "toolSpec": { "name": "get_weather", "description": "Weather",
        "inputSchema": { "json": { "type": "object", "properties": { "city": { "type": "string" } } } } } })
}

fn tool_history(with_result: bool, result_id: &str) -> Vec<Value> {
    let mut msgs = vec![
        user("weather in Paris?"),
        json!({ "role": "assistant", "content": [{ "toolUse": { "toolUseId": "tooluse_1", "name": "get_weather", "input": { "city": "Paris" } } }] }),
    ];
    if with_result {
        msgs.push(json!({ "role": "user", "content": [{ "toolResult": { "toolUseId": result_id, "content": [{ "text": "sunny" }], "status": "success" } }] }));
    } else {
        msgs.push(user("never mind"));
    }
    msgs
}

struct Case {
    name: &'static str,
    model: &'static str,
    refused: Value,
    /// Same model unless `twin_model` says otherwise.
    twin: Value,
    twin_model: Option<&'static str>,
    status: u16,
    error_type: &'static str,
    message: &'static str,
}

fn cases() -> Vec<Case> {
    let png = json!({ "image": { "format": "png", "source": { "bytes": "iVBORw0KGgo=" } } });
    let v = |name, model, refused, twin, message| Case {
        name,
        model,
        refused,
        twin,
        twin_model: None,
        status: 400,
        error_type: "ValidationException",
        message,
    };
    vec![
        v(
            "thinking enabled without budget_tokens",
            SONNET45,
            with(json!({ "additionalModelRequestFields": thinking(None), "inferenceConfig": {} })),
            with(json!({ "additionalModelRequestFields": thinking(Some(2048)), "inferenceConfig": { "maxTokens": 4096 } })),
            "The model returned the following errors: thinking.enabled.budget_tokens: Field required",
        ),
        v(
            "budget below 1024",
            SONNET45,
            with(json!({ "additionalModelRequestFields": thinking(Some(1023)), "inferenceConfig": { "maxTokens": 4096 } })),
            with(json!({ "additionalModelRequestFields": thinking(Some(1024)), "inferenceConfig": { "maxTokens": 4096 } })),
            "budget_tokens: Input should be greater than or equal to 1024",
        ),
        v(
            "budget not below maxTokens",
            SONNET45,
            with(json!({ "additionalModelRequestFields": thinking(Some(4096)), "inferenceConfig": { "maxTokens": 4096 } })),
            with(json!({ "additionalModelRequestFields": thinking(Some(4095)), "inferenceConfig": { "maxTokens": 4096 } })),
            "`max_tokens` must be greater than `thinking.budget_tokens`",
        ),
        v(
            "budget not below the default maxTokens (the model's 64,000)",
            SONNET45,
            with(json!({ "additionalModelRequestFields": thinking(Some(64000)) })),
            with(json!({ "additionalModelRequestFields": thinking(Some(63999)) })),
            "`max_tokens` must be greater than `thinking.budget_tokens`",
        ),
        Case {
            twin_model: Some(SONNET45),
            ..v(
                "budget over maxTokens with the interleaved beta: Claude 4 only",
                SONNET37,
                with(json!({ "additionalModelRequestFields": { "thinking": { "type": "enabled", "budget_tokens": 8192 }, "anthropic_beta": ["interleaved-thinking-2025-05-14"] }, "inferenceConfig": { "maxTokens": 4096 } })),
                with(json!({ "additionalModelRequestFields": { "thinking": { "type": "enabled", "budget_tokens": 8192 }, "anthropic_beta": ["interleaved-thinking-2025-05-14"] }, "inferenceConfig": { "maxTokens": 4096 } })),
                "`max_tokens` must be greater than `thinking.budget_tokens`",
            )
        },
        Case {
            twin_model: Some(OPUS46),
            ..v(
                "adaptive thinking on a budget-only model",
                SONNET45,
                with(json!({ "additionalModelRequestFields": adaptive() })),
                with(json!({ "additionalModelRequestFields": adaptive() })),
                "Input tag 'adaptive' found using 'type' does not match",
            )
        },
        Case {
            twin_model: Some(OPUS46),
            ..v(
                "budget thinking on Opus 4.8 (adaptive only)",
                OPUS48,
                with(json!({ "additionalModelRequestFields": thinking(Some(2048)), "inferenceConfig": { "maxTokens": 8192 } })),
                with(json!({ "additionalModelRequestFields": thinking(Some(2048)), "inferenceConfig": { "maxTokens": 8192 } })),
                "\"thinking.type.enabled\" is not supported for this model",
            )
        },
        v(
            "budget thinking on Sonnet 5 (adaptive only)",
            SONNET5,
            with(json!({ "additionalModelRequestFields": thinking(Some(2048)), "inferenceConfig": { "maxTokens": 8192 } })),
            with(json!({ "additionalModelRequestFields": adaptive(), "inferenceConfig": { "maxTokens": 8192 } })),
            "\"thinking.type.enabled\" is not supported for this model",
        ),
        v(
            "budget thinking on Haiku 5.5 (adaptive only)",
            HAIKU55,
            with(json!({ "additionalModelRequestFields": thinking(Some(2048)) })),
            with(json!({ "additionalModelRequestFields": adaptive() })),
            "\"thinking.type.enabled\" is not supported for this model",
        ),
        Case {
            twin_model: Some(OPUS47),
            ..v(
                "thinking.block_binding on Opus 4.6",
                OPUS46,
                with(json!({ "additionalModelRequestFields": { "thinking": { "type": "adaptive", "block_binding": { "prefix_mismatch_behavior": "drop_block" } }, "anthropic_beta": ["thinking-binding-controls-2026-08-01"] } })),
                with(json!({ "additionalModelRequestFields": { "thinking": { "type": "adaptive", "block_binding": { "prefix_mismatch_behavior": "drop_block" } }, "anthropic_beta": ["thinking-binding-controls-2026-08-01"] } })),
                "thinking.adaptive.block_binding: Extra inputs are not permitted",
            )
        },
        v(
            "temperature other than 1 with thinking",
            SONNET45,
            with(json!({ "additionalModelRequestFields": thinking(Some(2048)), "inferenceConfig": { "maxTokens": 4096, "temperature": 0.7 } })),
            with(json!({ "additionalModelRequestFields": thinking(Some(2048)), "inferenceConfig": { "maxTokens": 4096, "temperature": 1 } })),
            "`temperature` may only be set to 1 when thinking is enabled",
        ),
        v(
            "top_p below 0.95 with thinking",
            OPUS46,
            with(json!({ "additionalModelRequestFields": adaptive(), "inferenceConfig": { "topP": 0.5 } })),
            with(json!({ "additionalModelRequestFields": adaptive(), "inferenceConfig": { "topP": 0.95 } })),
            "`top_p` must be greater than or equal to 0.95",
        ),
        Case {
            twin_model: Some(OPUS46),
            ..v(
                "temperature on Opus 4.7 (any value)",
                OPUS47,
                with(json!({ "inferenceConfig": { "temperature": 1 } })),
                with(json!({ "inferenceConfig": { "temperature": 1 } })),
                "The model returned the following errors: `temperature` is deprecated for this model.",
            )
        },
        v(
            "top_p on Sonnet 5",
            SONNET5,
            with(json!({ "inferenceConfig": { "topP": 0.9, "maxTokens": 100 } })),
            with(json!({ "inferenceConfig": { "maxTokens": 100 } })),
            "`top_p` is deprecated for this model.",
        ),
        Case {
            twin_model: Some("openai.gpt-5.5"),
            ..v(
                "temperature on GPT-6",
                "openai.gpt-6-sol",
                with(json!({ "inferenceConfig": { "temperature": 0.2 } })),
                with(json!({ "inferenceConfig": { "temperature": 0.2 } })),
                "'temperature' is not supported with this model",
            )
        },
        v(
            "maxTokens above the model's output limit",
            SONNET45,
            with(json!({ "inferenceConfig": { "maxTokens": 64001 } })),
            with(json!({ "inferenceConfig": { "maxTokens": 64000 } })),
            "The maximum tokens you requested exceeds the model limit of 64000. Try again with a maximum tokens value that is lower than 64000.",
        ),
        v(
            "maxTokens below 1",
            SONNET45,
            with(json!({ "inferenceConfig": { "maxTokens": 0 } })),
            with(json!({ "inferenceConfig": { "maxTokens": 1 } })),
            "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        v(
            "temperature above 1",
            SONNET45,
            with(json!({ "inferenceConfig": { "temperature": 1.5 } })),
            with(json!({ "inferenceConfig": { "temperature": 1.0 } })),
            "at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1",
        ),
        v(
            "toolChoice without tools",
            SONNET45,
            with(json!({ "toolConfig": { "toolChoice": { "auto": {} } } })),
            with(json!({ "toolConfig": { "tools": [tool()], "toolChoice": { "auto": {} } } })),
            "Value null at 'toolConfig.tools' failed to satisfy constraint: Member must not be null",
        ),
        v(
            "empty tools",
            SONNET45,
            with(json!({ "toolConfig": { "tools": [] } })),
            with(json!({ "toolConfig": { "tools": [tool()] } })),
            "at 'toolConfig.tools' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
        v(
            "forced toolChoice with thinking",
            OPUS46,
            with(json!({ "additionalModelRequestFields": adaptive(), "toolConfig": { "tools": [tool()], "toolChoice": { "any": {} } } })),
            with(json!({ "additionalModelRequestFields": adaptive(), "toolConfig": { "tools": [tool()], "toolChoice": { "auto": {} } } })),
            "Thinking may not be enabled when tool_choice forces tool use.",
        ),
        v(
            "tool history without toolConfig",
            SONNET45,
            json!({ "messages": tool_history(true, "tooluse_1") }),
            json!({ "messages": tool_history(true, "tooluse_1"), "toolConfig": { "tools": [tool()] } }),
            "The toolConfig field must be defined when using toolUse and toolResult content blocks.",
        ),
        v(
            "toolResult without its toolUse",
            SONNET45,
            json!({ "messages": tool_history(true, "tooluse_other"), "toolConfig": { "tools": [tool()] } }),
            json!({ "messages": tool_history(true, "tooluse_1"), "toolConfig": { "tools": [tool()] } }),
            "unexpected `tool_use_id` found in `tool_result` blocks: tooluse_other",
        ),
        v(
            "toolUse without its toolResult",
            SONNET45,
            json!({ "messages": tool_history(false, ""), "toolConfig": { "tools": [tool()] } }),
            json!({ "messages": tool_history(true, "tooluse_1"), "toolConfig": { "tools": [tool()] } }),
            "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_1",
        ),
        v(
            "consecutive same-role messages",
            SONNET45,
            json!({ "messages": [user("a"), user("b")] }),
            json!({ "messages": [user("a"), { "role": "assistant", "content": [{ "text": "ok" }] }, user("b")] }),
            "A conversation must alternate between user and assistant roles",
        ),
        v(
            "first message not from the user",
            SONNET45,
            json!({ "messages": [{ "role": "assistant", "content": [{ "text": "hi" }] }, user("b")] }),
            json!({ "messages": [user("a")] }),
            "A conversation must start with a user message.",
        ),
        v(
            "empty content",
            SONNET45,
            json!({ "messages": [{ "role": "user", "content": [] }] }),
            json!({ "messages": [user("a")] }),
            "The content field in the Message object at messages.0 is empty.",
        ),
        v(
            "blank text",
            SONNET45,
            json!({ "messages": [user("  \n")] }),
            json!({ "messages": [user("a")] }),
            "The text field in the ContentBlock object at messages.0.content.0 is blank.",
        ),
        Case {
            twin_model: Some(HAIKU45),
            ..v(
                "image on a text-only model",
                "meta.llama3-1-8b-instruct-v1:0",
                json!({ "messages": [{ "role": "user", "content": [{ "text": "what is this" }, png.clone()] }] }),
                json!({ "messages": [{ "role": "user", "content": [{ "text": "what is this" }, png] }] }),
                "doesn't support the image content block",
            )
        },
        Case {
            twin_model: Some(SONNET45),
            status: 403,
            error_type: "AccessDeniedException",
            ..v(
                "cachePoint on a model without prompt caching",
                "us.deepseek.r1-v1:0",
                with(json!({ "system": [{ "text": "be brief" }, { "cachePoint": { "type": "default" } }] })),
                with(json!({ "system": [{ "text": "be brief" }, { "cachePoint": { "type": "default" } }] })),
                "You invoked an unsupported model or your request did not allow prompt caching.",
            )
        },
        Case {
            error_type: "SerializationException",
            ..v(
                "a string where a number is expected",
                SONNET45,
                with(json!({ "inferenceConfig": { "maxTokens": "100" } })),
                with(json!({ "inferenceConfig": { "maxTokens": 100 } })),
                "STRING_VALUE can not be converted to an Integer",
            )
        },
        Case {
            error_type: "SerializationException",
            ..v(
                "an unknown top-level field",
                SONNET45,
                with(json!({ "temperature": 0.5 })),
                with(json!({ "requestMetadata": { "team": "a" } })),
                "Unrecognized field \"temperature\"",
            )
        },
    ]
}

#[tokio::test]
async fn each_rule_refuses_and_its_valid_twin_is_accepted() {
    let emu = emulator(true).await;
    let cases = cases();
    assert!(cases.len() >= 25);
    for c in &cases {
        let no = converse(&emu, c.model, &c.refused).await;
        assert_eq!(no.status, c.status, "{}: {}", c.name, no.message);
        assert_eq!(no.error_type.as_deref(), Some(c.error_type), "{}", c.name);
        assert!(
            no.message.contains(c.message),
            "{}: got {:?}, wanted {:?}",
            c.name,
            no.message,
            c.message
        );
        let twin_model = c.twin_model.unwrap_or(c.model);
        let yes = converse(&emu, twin_model, &c.twin).await;
        assert_eq!(
            yes.status, 200,
            "{} (valid twin on {twin_model}): {}",
            c.name, yes.message
        );
    }
    emu.close().await;
}

#[tokio::test]
async fn refusals_have_bedrocks_error_shape_and_streaming_is_checked_too() {
    let emu = emulator(true).await;
    let body = with(json!({ "additionalModelRequestFields": thinking(None) }));
    let a = send(
        &emu,
        SONNET45,
        "converse-stream",
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(a.status, 400);
    let header = |n: &str| {
        a.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("x-amzn-errortype").as_deref(),
        Some("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/")
    );
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert!(header("x-amzn-requestid").is_some_and(|r| r.len() == 36));
    assert!(a.message.contains("budget_tokens: Field required"));
    let rec = emu.requests();
    let last = rec.last().unwrap();
    assert_eq!(last.response.status, 400);
    assert_eq!(
        last.response.error_type.as_deref(),
        Some("ValidationException")
    );
    let ok = send(
        &emu,
        SONNET45,
        "converse-stream",
        hello().to_string().as_bytes(),
    )
    .await;
    assert_eq!(ok.status, 200);
    emu.close().await;
}

#[tokio::test]
async fn strict_validation_off_keeps_only_the_conversation_rules() {
    let emu = emulator(false).await;
    for c in cases() {
        let a = converse(&emu, c.model, &c.refused).await;
        let conversation_rule = c.message.starts_with("A conversation")
            || c.message.starts_with("The content field")
            || c.message.starts_with("The text field");
        if conversation_rule {
            assert_eq!(a.status, 400, "{}", c.name);
        } else {
            assert_eq!(
                a.status, 200,
                "{} with strictValidation off: {}",
                c.name, a.message
            );
        }
    }
    emu.close().await;
}

#[test]
fn strict_validation_is_on_by_default_and_settable_from_json() {
    assert!(EmulatorConfig::default().strict_validation);
    let off = EmulatorConfig::from_json(&json!({ "strictValidation": false })).unwrap();
    assert!(!off.strict_validation);
}

#[tokio::test]
async fn catalogue_serves_todays_models_with_system_profiles() {
    let emu = emulator(true).await;
    let ids: Vec<&str> = emu
        .foundation_models()
        .iter()
        .filter_map(|m| m["modelId"].as_str())
        .collect();
    for id in [
        "anthropic.claude-opus-5",
        "anthropic.claude-sonnet-5",
        "anthropic.claude-haiku-5-5",
        "anthropic.claude-fable-5",
        "anthropic.claude-opus-4-8",
        "anthropic.claude-opus-4-7",
        "anthropic.claude-opus-4-6-v1",
        "openai.gpt-6-sol",
        "openai.gpt-5.6-luna",
        "openai.gpt-oss-120b-1:0",
        "moonshotai.kimi-k3",
        "xai.grok-4.7",
        "zai.glm-5.3",
        "google.gemma-4-31b",
        "writer.palmyra-x5-v1:0",
        "amazon.nova-2-lite-v1:0",
        "deepseek.v3.2",
        "meta.llama4-maverick-17b-instruct-v1:0",
        "mistral.mistral-large-3-675b-instruct",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    let profiles: Vec<&str> = emu
        .inference_profiles()
        .iter()
        .filter_map(|p| p["inferenceProfileId"].as_str())
        .collect();
    for id in [
        "us.anthropic.claude-opus-4-8",
        "eu.anthropic.claude-opus-5",
        "global.anthropic.claude-sonnet-5",
        "jp.anthropic.claude-haiku-5-5",
        "au.anthropic.claude-opus-4-7",
        "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        "global.openai.gpt-6.2-sol",
        "us.moonshotai.kimi-k3",
    ] {
        assert!(profiles.contains(&id), "{id} missing");
    }
    // Profile-only models refuse on-demand calls, as AWS does, and work through a profile.
    let direct = converse(&emu, "anthropic.claude-opus-5", &hello()).await;
    assert_eq!(direct.status, 400);
    assert!(direct.message.contains("on-demand throughput"));
    let via = converse(&emu, "global.anthropic.claude-opus-5", &hello()).await;
    assert_eq!(via.status, 200, "{}", via.message);
    emu.close().await;
}
