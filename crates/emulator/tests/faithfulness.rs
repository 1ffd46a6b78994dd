//! Faithfulness: the AWS SDK for Rust against the emulator — real recordings replayed
//! byte for byte, default replies, the control plane with paging, SigV4 accepted and
//! rejected as AWS does, and every scripted fault surfacing as the SDK's typed error.

mod common;

use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::types::{ContentBlockDelta, ContentBlockStart, ConverseStreamOutput};
use base64::Engine;
use bedrock_emulator::{eventstream, Emulator, EmulatorConfig, Script};
use common::*;
use serde_json::{json, Value};

const HAIKU_PROFILE: &str = "us.anthropic.claude-3-haiku-20240307-v1:0";

async fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default()).await.unwrap()
}

/// An SDK event reduced to (event type, the fields the recording carries).
fn summarize(ev: &ConverseStreamOutput) -> (String, Value) {
    match ev {
        ConverseStreamOutput::MessageStart(m) => {
            ("messageStart".into(), json!({ "role": m.role().as_str() }))
        }
        ConverseStreamOutput::ContentBlockStart(s) => {
            let start = match s.start() {
                Some(ContentBlockStart::ToolUse(t)) => {
                    json!({ "toolUse": { "toolUseId": t.tool_use_id(), "name": t.name() } })
                }
                other => json!(format!("{other:?}")),
            };
            (
                "contentBlockStart".into(),
                json!({ "contentBlockIndex": s.content_block_index(), "start": start }),
            )
        }
        ConverseStreamOutput::ContentBlockDelta(d) => {
            let delta = match d.delta() {
                Some(ContentBlockDelta::Text(t)) => json!({ "text": t }),
                Some(ContentBlockDelta::ToolUse(t)) => json!({ "toolUse": { "input": t.input() } }),
                Some(ContentBlockDelta::ReasoningContent(r)) => {
                    use aws_sdk_bedrockruntime::types::ReasoningContentBlockDelta as R;
                    match r {
                        R::Text(t) => json!({ "reasoningContent": { "text": t } }),
                        R::Signature(s) => json!({ "reasoningContent": { "signature": s } }),
                        R::RedactedContent(b) => json!({ "reasoningContent": { "redactedContent":
                            base64::engine::general_purpose::STANDARD.encode(b.as_ref()) } }),
                        other => json!({ "reasoningContent": format!("{other:?}") }),
                    }
                }
                other => json!({ "other": format!("{other:?}") }),
            };
            (
                "contentBlockDelta".into(),
                json!({ "contentBlockIndex": d.content_block_index(), "delta": delta }),
            )
        }
        ConverseStreamOutput::ContentBlockStop(s) => (
            "contentBlockStop".into(),
            json!({ "contentBlockIndex": s.content_block_index() }),
        ),
        ConverseStreamOutput::MessageStop(s) => (
            "messageStop".into(),
            json!({ "stopReason": s.stop_reason().as_str() }),
        ),
        ConverseStreamOutput::Metadata(m) => {
            let u = m.usage().unwrap();
            (
                "metadata".into(),
                json!({ "usage": { "inputTokens": u.input_tokens(), "outputTokens": u.output_tokens(), "totalTokens": u.total_tokens() } }),
            )
        }
        other => ("unknown".into(), json!(format!("{other:?}"))),
    }
}

/// Keeps only the fields `summarize` keeps, so recorded payloads compare to SDK events.
fn project(event: &str, payload: &Value) -> Value {
    let mut p = payload.clone();
    if let Some(o) = p.as_object_mut() {
        o.remove("p");
    }
    match event {
        "metadata" => json!({ "usage": {
            "inputTokens": p["usage"]["inputTokens"], "outputTokens": p["usage"]["outputTokens"], "totalTokens": p["usage"]["totalTokens"] } }),
        "messageStop" => json!({ "stopReason": p["stopReason"] }),
        "contentBlockStart" if p["start"]["toolUse"].is_object() => {
            let t = &p["start"]["toolUse"];
            json!({ "contentBlockIndex": p["contentBlockIndex"], "start": { "toolUse": { "toolUseId": t["toolUseId"], "name": t["name"] } } })
        }
        _ => p,
    }
}

async fn converse_stream_events(
    client: &aws_sdk_bedrockruntime::Client,
    model: &str,
    prompt: &str,
) -> Result<Vec<ConverseStreamOutput>, String> {
    let out = client
        .converse_stream()
        .model_id(model)
        .messages(user_message(prompt))
        .send()
        .await
        .map_err(|e| {
            format!(
                "{}: {}",
                e.code().unwrap_or("?"),
                e.message().unwrap_or("?")
            )
        })?;
    let mut stream = out.stream;
    let mut events = Vec::new();
    loop {
        match stream.recv().await {
            Ok(Some(ev)) => events.push(ev),
            Ok(None) => return Ok(events),
            Err(e) => {
                return Err(format!(
                    "{}|{}",
                    e.code().unwrap_or("?"),
                    e.message().unwrap_or("?")
                ))
            }
        }
    }
}

#[tokio::test]
async fn recordings_replay_byte_for_byte_and_decode_with_the_sdk() {
    let emu = emulator().await;
    let client = runtime_client(&emu);
    let b64 = base64::engine::general_purpose::STANDARD;
    for (name, bytes, decoded) in recordings() {
        // 1. Byte for byte on the wire.
        let script = Script {
            eventstream_base64: Some(b64.encode(&bytes)),
            ..Default::default()
        };
        emu.script("amazon.nova-micro-v1:0", script.clone());
        let body = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#;
        let path = "/model/amazon.nova-micro-v1%3A0/converse-stream";
        let hs = sign_headers(&emu, "POST", path, body);
        let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, headers, got) = raw_http(&emu, "POST", path, &hs, body).await;
        assert_eq!(status, 200, "{name}");
        assert!(headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/vnd.amazon.eventstream"));
        assert!(headers.iter().any(|(k, _)| k == "x-amzn-requestid"));
        assert_eq!(got, bytes, "{name}: body differs from the recording");

        // 2. Through the SDK: same events, same fields.
        emu.script("us.amazon.nova-micro-v1:0", script);
        let events = converse_stream_events(&client, "us.amazon.nova-micro-v1:0", "hi")
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(events.len(), decoded.len(), "{name}: event count");
        for (i, (ev, rec)) in events.iter().zip(&decoded).enumerate() {
            let et = rec["headers"][":event-type"].as_str().unwrap();
            let (kind, fields) = summarize(ev);
            assert_eq!(kind, et, "{name} frame {i}");
            if let Some(other) = fields["delta"]["other"].as_str() {
                // A delta kind this summary does not map (e.g. toolResult): the SDK decoded
                // it as the recorded kind.
                let key = rec["payload"]["delta"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .unwrap()
                    .to_ascii_lowercase();
                assert!(
                    other.to_ascii_lowercase().contains(&key),
                    "{name} frame {i}: {other}"
                );
            } else if kind != "unknown"
                && !(kind == "contentBlockStart" && fields["start"].is_string())
            {
                assert_eq!(fields, project(et, &rec["payload"]), "{name} frame {i}");
            }
        }
    }
    emu.close().await;
}

#[tokio::test]
async fn default_reply_streams_text_deltas_with_usage() {
    let emu = emulator().await;
    let client = runtime_client(&emu);
    let events = converse_stream_events(&client, HAIKU_PROFILE, "What is the capital of France?")
        .await
        .unwrap();
    let kinds: Vec<String> = events.iter().map(|e| summarize(e).0).collect();
    assert_eq!(kinds.first().unwrap(), "messageStart");
    assert_eq!(kinds[kinds.len() - 2], "messageStop");
    assert_eq!(kinds.last().unwrap(), "metadata");
    assert!(
        !kinds.contains(&"contentBlockStart".to_string()),
        "Claude-style text blocks have no contentBlockStart"
    );
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            ConverseStreamOutput::ContentBlockDelta(d) => {
                d.delta().and_then(|d| d.as_text().ok()).cloned()
            }
            _ => None,
        })
        .collect();
    assert!(text.contains("What is the capital of France?"), "{text}");
    assert!(
        kinds.iter().filter(|k| *k == "contentBlockDelta").count() > 3,
        "small deltas"
    );

    // The request was recorded, signed with SigV4, model id decoded.
    let reqs = emu.requests();
    let r = reqs.last().unwrap();
    assert_eq!(r.operation, "ConverseStream");
    assert_eq!(r.model_id.as_deref(), Some(HAIKU_PROFILE));
    assert_eq!(
        r.path,
        "/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream"
    );
    assert!(r.auth.ok && r.auth.verified && r.auth.scheme == "sigv4");
    assert!(
        r.header("authorization").is_none(),
        "authorization value is not recorded"
    );
    assert_eq!(
        r.body.as_ref().unwrap()["messages"][0]["content"][0]["text"],
        "What is the capital of France?"
    );
    assert!(r.response.completed);
    emu.close().await;
}

#[tokio::test]
async fn converse_json_reply() {
    let emu = emulator().await;
    let client = runtime_client(&emu);
    let out = client
        .converse()
        .model_id("amazon.nova-lite-v1:0")
        .messages(user_message("hello"))
        .send()
        .await
        .unwrap();
    let msg = out.output().unwrap().as_message().unwrap();
    assert!(msg.content()[0].as_text().unwrap().contains("hello"));
    assert_eq!(out.stop_reason().as_str(), "end_turn");
    assert!(out.usage().unwrap().total_tokens() > 0);
    emu.close().await;
}

#[tokio::test]
async fn tool_use_and_reasoning_replies() {
    use aws_sdk_bedrockruntime::types::{
        Tool, ToolConfiguration, ToolInputSchema, ToolSpecification,
    };
    let emu = emulator().await;
    let client = runtime_client(&emu);
    let schema = aws_smithy_types::Document::Object(
        [
            (
                "type".to_string(),
                aws_smithy_types::Document::String("object".into()),
            ),
            (
                "properties".to_string(),
                aws_smithy_types::Document::Object(
                    [(
                        "city".to_string(),
                        aws_smithy_types::Document::Object(
                            [("type".to_string(), "string".into())].into(),
                        ),
                    )]
                    .into(),
                ),
            ),
        ]
        .into(),
    );
    let tool = Tool::ToolSpec(
        ToolSpecification::builder()
            .name("get_weather")
            .input_schema(ToolInputSchema::Json(schema))
            .build()
            .unwrap(),
    );
    let out = client
        .converse_stream()
        .model_id("us.anthropic.claude-sonnet-4-20250514-v1:0")
        .messages(user_message("Call get_weather for \"Paris\" please"))
        .tool_config(ToolConfiguration::builder().tools(tool).build().unwrap())
        .additional_model_request_fields(aws_smithy_types::Document::Object(
            [(
                "thinking".to_string(),
                aws_smithy_types::Document::Object(
                    [
                        ("type".to_string(), "enabled".into()),
                        (
                            "budget_tokens".to_string(),
                            aws_smithy_types::Document::Number(aws_smithy_types::Number::PosInt(
                                1024,
                            )),
                        ),
                    ]
                    .into(),
                ),
            )]
            .into(),
        ))
        .send()
        .await
        .unwrap();
    let mut stream = out.stream;
    let mut reasoning = String::new();
    let mut signature = None;
    let mut tool_input = String::new();
    let mut tool_name = None;
    let mut stop = None;
    while let Some(ev) = stream.recv().await.unwrap() {
        match ev {
            ConverseStreamOutput::ContentBlockStart(s) => {
                if let Some(ContentBlockStart::ToolUse(t)) = s.start() {
                    tool_name = Some(t.name().to_string());
                    assert!(t.tool_use_id().starts_with("tooluse_"));
                }
            }
            ConverseStreamOutput::ContentBlockDelta(d) => match d.delta() {
                Some(ContentBlockDelta::ReasoningContent(r)) => {
                    if let Ok(t) = r.as_text() {
                        reasoning.push_str(t);
                    }
                    if let Ok(s) = r.as_signature() {
                        signature = Some(s.clone());
                    }
                }
                Some(ContentBlockDelta::ToolUse(t)) => tool_input.push_str(t.input()),
                _ => {}
            },
            ConverseStreamOutput::MessageStop(s) => {
                stop = Some(s.stop_reason().as_str().to_string())
            }
            _ => {}
        }
    }
    assert!(!reasoning.is_empty());
    assert!(signature.is_some_and(|s| s.len() > 100));
    assert_eq!(tool_name.as_deref(), Some("get_weather"));
    let args: Value = serde_json::from_str(&tool_input).unwrap();
    assert_eq!(args, json!({ "city": "Paris" }));
    assert_eq!(stop.as_deref(), Some("tool_use"));
    emu.close().await;
}

#[tokio::test]
async fn control_plane_lists_and_pages_with_the_sdk() {
    let emu = emulator().await;
    let client = control_client(&emu);
    let all = client.list_foundation_models().send().await.unwrap();
    let models = all.model_summaries();
    assert!(models.len() >= 30);
    for provider in [
        "anthropic",
        "amazon",
        "meta",
        "mistral",
        "deepseek",
        "openai",
        "cohere",
        "qwen",
    ] {
        assert!(
            models.iter().any(|m| m.model_id().starts_with(provider)),
            "{provider}"
        );
    }
    assert!(models
        .iter()
        .any(|m| m.model_lifecycle().unwrap().status().as_str() == "LEGACY"));
    assert!(models
        .iter()
        .any(|m| !m.response_streaming_supported().unwrap()
            && m.output_modalities().iter().any(|o| o.as_str() == "TEXT")));
    let mistral = client
        .list_foundation_models()
        .by_provider("Mistral AI")
        .send()
        .await
        .unwrap();
    assert!(
        !mistral.model_summaries().is_empty()
            && mistral
                .model_summaries()
                .iter()
                .all(|m| m.provider_name() == Some("Mistral AI"))
    );
    let images = client
        .list_foundation_models()
        .by_output_modality(aws_sdk_bedrock::types::ModelModality::Image)
        .send()
        .await
        .unwrap();
    assert!(images
        .model_summaries()
        .iter()
        .all(|m| m.output_modalities().iter().any(|o| o.as_str() == "IMAGE")));
    assert!(images.model_summaries().len() >= 2);

    // Paging: 5 per page, every page followed.
    let mut pages = client
        .list_inference_profiles()
        .max_results(5)
        .into_paginator()
        .send();
    let mut n_pages = 0;
    let mut profiles = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        n_pages += 1;
        profiles.extend(page.inference_profile_summaries().to_vec());
    }
    assert!(n_pages >= 3, "{n_pages} pages");
    for prefix in ["us.", "eu.", "apac.", "global."] {
        assert!(
            profiles
                .iter()
                .any(|p| p.inference_profile_id().starts_with(prefix)),
            "{prefix}"
        );
    }
    assert!(profiles.iter().any(|p| p.status().as_str() != "ACTIVE"));
    assert!(
        profiles
            .iter()
            .all(|p| p.r#type().as_str() == "SYSTEM_DEFINED"),
        "no type filter: system profiles only, as AWS"
    );
    let app = client
        .list_inference_profiles()
        .type_equals(aws_sdk_bedrock::types::InferenceProfileType::Application)
        .send()
        .await
        .unwrap();
    let app_id = app.inference_profile_summaries()[0]
        .inference_profile_id()
        .to_string();
    assert!(app_id.starts_with("arn:aws:bedrock:"));
    let got = client
        .get_inference_profile()
        .inference_profile_identifier(&app_id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.inference_profile_arn(), app_id);

    // The runtime takes the application profile's ARN as a model id.
    let events = converse_stream_events(&runtime_client(&emu), &app_id, "hello")
        .await
        .unwrap();
    assert!(events.len() > 4);
    emu.close().await;
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature_403() {
    let emu = emulator().await;
    let client = runtime_client_with(&emu, "not-the-secret", false);
    let err = client
        .converse_stream()
        .model_id(HAIKU_PROFILE)
        .messages(user_message("hi"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    assert!(err
        .message()
        .unwrap()
        .starts_with("The request signature we calculated does not match"));
    let cerr = control_client_with(&emu, "nope")
        .list_foundation_models()
        .send()
        .await
        .unwrap_err();
    assert_eq!(cerr.code(), Some("InvalidSignatureException"));
    let reqs = emu.requests();
    assert!(reqs
        .iter()
        .all(|r| !r.auth.ok && r.auth.error_type.as_deref() == Some("InvalidSignatureException")));
    emu.close().await;
}

#[tokio::test]
async fn unknown_model_is_validation_exception() {
    let emu = emulator().await;
    let client = runtime_client(&emu);
    let err = client
        .converse_stream()
        .model_id("does-not-exist")
        .messages(user_message("hi"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationException"));
    assert_eq!(
        err.message(),
        Some("The provided model identifier is invalid.")
    );
    // On-demand call to a profile-only model, as AWS answers it.
    let err = client
        .converse_stream()
        .model_id("anthropic.claude-sonnet-4-20250514-v1:0")
        .messages(user_message("hi"))
        .send()
        .await
        .unwrap_err();
    assert!(err.message().unwrap().contains("on-demand throughput"));
    emu.close().await;
}

#[tokio::test]
async fn scripted_in_stream_exceptions_are_typed_sdk_errors() {
    use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError as E;
    let emu = emulator().await;
    let client = runtime_client(&emu);
    for exc in [
        "throttlingException",
        "modelStreamErrorException",
        "validationException",
        "internalServerException",
        "serviceUnavailableException",
    ] {
        let script: Script = serde_json::from_value(json!({ "frames": [
            { "event": "messageStart", "data": { "role": "assistant" } },
            { "event": "contentBlockDelta", "data": { "contentBlockIndex": 0, "delta": { "text": "Hi" } } },
            { "exception": exc, "data": { "message": format!("scripted {exc}"), "originalStatusCode": 503, "originalMessage": "upstream" } }
        ]}))
        .unwrap();
        emu.script(HAIKU_PROFILE, script);
        let out = client
            .converse_stream()
            .model_id(HAIKU_PROFILE)
            .messages(user_message("hi"))
            .send()
            .await
            .unwrap();
        let mut stream = out.stream;
        assert!(matches!(
            stream.recv().await.unwrap(),
            Some(ConverseStreamOutput::MessageStart(_))
        ));
        assert!(matches!(
            stream.recv().await.unwrap(),
            Some(ConverseStreamOutput::ContentBlockDelta(_))
        ));
        let err = stream.recv().await.unwrap_err();
        let service = err
            .as_service_error()
            .unwrap_or_else(|| panic!("{exc}: {err:?}"));
        let ok = match (exc, service) {
            ("throttlingException", E::ThrottlingException(_)) => true,
            ("modelStreamErrorException", E::ModelStreamErrorException(m)) => {
                assert_eq!(m.original_status_code(), Some(503));
                assert_eq!(m.original_message(), Some("upstream"));
                true
            }
            ("validationException", E::ValidationException(_)) => true,
            ("internalServerException", E::InternalServerException(_)) => true,
            ("serviceUnavailableException", E::ServiceUnavailableException(_)) => true,
            _ => false,
        };
        assert!(ok, "{exc}: got {service:?}");
        assert_eq!(service.message(), Some(format!("scripted {exc}").as_str()));
    }
    emu.close().await;
}

#[tokio::test]
async fn scripted_http_errors_and_throttle_then_succeed() {
    let emu = emulator().await;
    let client = runtime_client(&emu);
    emu.script_json("*", &json!({ "http": { "errorType": "ThrottlingException", "message": "Too many requests", "retryAfterSeconds": 2 } })).unwrap();
    let err = client
        .converse_stream()
        .model_id(HAIKU_PROFILE)
        .messages(user_message("hi"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ThrottlingException"));
    let raw = err.raw_response().unwrap();
    assert_eq!(raw.status().as_u16(), 429);
    assert_eq!(raw.headers().get("retry-after"), Some("2"));
    assert!(err.into_service_error().is_throttling_exception());

    // Throttled twice, then the SDK's own retries succeed on the third attempt.
    emu.clear_requests();
    emu.script_json(
        HAIKU_PROFILE,
        &json!({ "times": 2, "http": { "status": 429, "errorType": "ThrottlingException" } }),
    )
    .unwrap();
    let retrying = runtime_client_with(&emu, bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY, true);
    let events = converse_stream_events(&retrying, HAIKU_PROFILE, "hi")
        .await
        .unwrap();
    assert!(events.len() > 4);
    let statuses: Vec<u16> = emu.requests().iter().map(|r| r.response.status).collect();
    assert_eq!(statuses, vec![429, 429, 200]);

    // Control-plane denial (advisory-mode discovery tests).
    emu.script_json(
        "op:ListInferenceProfiles",
        &json!({ "http": { "errorType": "AccessDeniedException" } }),
    )
    .unwrap();
    let err = control_client(&emu)
        .list_inference_profiles()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(err
        .message()
        .unwrap()
        .contains("bedrock:ListInferenceProfiles"));
    emu.close().await;
}

#[tokio::test]
async fn configured_denial_names_the_permission() {
    let cfg = EmulatorConfig {
        deny_operations: vec!["ListInferenceProfiles".into()],
        ..Default::default()
    };
    let emu = Emulator::start(cfg).await.unwrap();
    let client = control_client(&emu);
    let err = client.list_inference_profiles().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(err
        .message()
        .unwrap()
        .contains("bedrock:ListInferenceProfiles"));
    assert!(client.list_foundation_models().send().await.is_ok());
    emu.close().await;
}

#[tokio::test]
async fn transport_faults_surface_as_errors_and_slow_drip_still_decodes() {
    let emu = emulator().await;
    let client = runtime_client(&emu);

    // Tiny writes: one byte per write, still decodes to the same reply.
    emu.script_json(
        HAIKU_PROFILE,
        &json!({ "text": "drip drip drip", "faults": { "bytesPerWrite": 1 } }),
    )
    .unwrap();
    let events = converse_stream_events(&client, HAIKU_PROFILE, "hi")
        .await
        .unwrap();
    let text: String = events
        .iter()
        .filter_map(|e| {
            e.as_content_block_delta()
                .ok()
                .and_then(|d| d.delta())
                .and_then(|d| d.as_text().ok())
                .cloned()
        })
        .collect();
    assert_eq!(text, "drip drip drip");

    // Corrupted prelude CRC at frame 1 → the SDK reports a decode error after messageStart.
    for fault in ["corruptPreludeCrcAtFrame", "corruptMessageCrcAtFrame"] {
        emu.script_json(HAIKU_PROFILE, &json!({ "faults": { fault: 1 } }))
            .unwrap();
        let err = converse_stream_events(&client, HAIKU_PROFILE, "hi")
            .await
            .unwrap_err();
        assert!(!err.is_empty(), "{fault}");
    }

    // Connection dropped after 3 frames.
    emu.script_json(
        HAIKU_PROFILE,
        &json!({ "faults": { "dropAfterFrames": 3 } }),
    )
    .unwrap();
    assert!(converse_stream_events(&client, HAIKU_PROFILE, "hi")
        .await
        .is_err());

    // Reset before headers: the send itself fails.
    emu.script_json(
        HAIKU_PROFILE,
        &json!({ "faults": { "resetBeforeHeaders": true } }),
    )
    .unwrap();
    assert!(client
        .converse_stream()
        .model_id(HAIKU_PROFILE)
        .messages(user_message("hi"))
        .send()
        .await
        .is_err());
    emu.close().await;
}

#[tokio::test]
async fn client_abort_during_stall_closes_the_connection() {
    let emu = emulator().await;
    let client = runtime_client(&emu);
    emu.script_json(
        HAIKU_PROFILE,
        &json!({ "faults": { "stallAfterFrames": 2, "stallMs": 60000 } }),
    )
    .unwrap();
    let out = client
        .converse_stream()
        .model_id(HAIKU_PROFILE)
        .messages(user_message("hi"))
        .send()
        .await
        .unwrap();
    let mut stream = out.stream;
    stream.recv().await.unwrap().unwrap();
    stream.recv().await.unwrap().unwrap();
    let before = emu.connections();
    assert_eq!(before.open, 1);
    drop(stream);
    drop(client);
    // Wait (bounded) for the emulator to see the close.
    let mut closed = None;
    for _ in 0..200 {
        let c = emu.connections();
        if let Some(conn) = c
            .connections
            .iter()
            .find(|c| c.peer_closed_at_ms.is_some() || c.closed_at_ms.is_some())
        {
            closed = Some(conn.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let conn = closed.expect("the client's close was seen");
    assert!(conn.peer_closed_at_ms.is_some() || conn.closed_at_ms.is_some());
    let r = emu.requests().last().unwrap().clone();
    assert!(!r.response.completed);
    emu.close().await;
}

#[tokio::test]
async fn bearer_token_accepted_and_rejected() {
    let emu = emulator().await;
    let body = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#;
    let path = "/model/amazon.nova-micro-v1%3A0/converse";
    let (status, _, out) = raw_http(
        &emu,
        "POST",
        path,
        &[("authorization", "Bearer bedrock-emulator-api-key")],
        body,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
    let (status, headers, out) = raw_http(
        &emu,
        "POST",
        path,
        &[("authorization", "Bearer wrong")],
        body,
    )
    .await;
    assert_eq!(status, 403);
    assert!(headers
        .iter()
        .any(|(k, v)| k == "x-amzn-errortype" && v.starts_with("AccessDeniedException")));
    assert!(String::from_utf8_lossy(&out).contains("API Key"));
    let (status, headers, _) = raw_http(&emu, "POST", path, &[], body).await;
    assert_eq!(status, 403);
    assert!(headers
        .iter()
        .any(|(k, v)| k == "x-amzn-errortype"
            && v.starts_with("MissingAuthenticationTokenException")));
    let recorded = emu.requests();
    assert_eq!(recorded[0].auth.scheme, "bearer");
    assert!(recorded[0].auth.ok);
    assert!(!recorded[1].auth.ok);
    emu.close().await;
}

#[tokio::test]
async fn control_endpoints_script_and_reset() {
    let emu = emulator().await;
    let script =
        json!({ "modelId": "*", "script": { "text": "scripted over HTTP", "chunkSize": 3 } });
    let (status, _, _) = raw_http(
        &emu,
        "POST",
        "/__emulator/script",
        &[("content-type", "application/json")],
        script.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 200);
    let events = converse_stream_events(&runtime_client(&emu), HAIKU_PROFILE, "hi")
        .await
        .unwrap();
    let deltas: Vec<String> = events
        .iter()
        .filter_map(|e| {
            e.as_content_block_delta()
                .ok()
                .and_then(|d| d.delta())
                .and_then(|d| d.as_text().ok())
                .cloned()
        })
        .collect();
    assert_eq!(deltas.concat(), "scripted over HTTP");
    assert_eq!(deltas[0], "scr");
    let (_, _, body) = raw_http(&emu, "GET", "/__emulator/requests", &[], b"").await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["requests"][0]["operation"], "ConverseStream");
    assert_eq!(v["requests"][0]["auth"]["ok"], true);
    raw_http(&emu, "POST", "/__emulator/reset", &[], b"").await;
    assert!(emu.requests().is_empty());
    emu.close().await;
}

#[tokio::test]
async fn catalogue_overrides_serve_the_real_brag_bot_items() {
    let fm: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures()
                .join("bedrock-control-plane/list_foundation_models.partial.brag-bot.derived.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let ip: Value = serde_json::from_str(
        &std::fs::read_to_string(
            fixtures().join("bedrock-control-plane/list_inference_profiles.brag-bot.derived.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let cfg = EmulatorConfig::from_json(&json!({
        "foundationModels": fm["modelSummaries"],
        "inferenceProfiles": ip["inferenceProfileSummaries"],
    }))
    .unwrap();
    let emu = Emulator::start(cfg).await.unwrap();
    let client = control_client(&emu);
    let models = client.list_foundation_models().send().await.unwrap();
    assert_eq!(models.model_summaries().len(), 6);
    let mut pages = client
        .list_inference_profiles()
        .max_results(10)
        .into_paginator()
        .send();
    let mut n = 0;
    while let Some(p) = pages.next().await {
        n += p.unwrap().inference_profile_summaries().len();
    }
    assert_eq!(n, 23);
    emu.close().await;
}

#[test]
fn frames_encode_like_the_recordings() {
    // Encoding each recorded frame's headers and payload (compact JSON, the recorded key
    // order, padding included) reproduces the recorded bytes exactly.
    for (name, bytes, decoded) in recordings() {
        let mut out = Vec::new();
        for rec in &decoded {
            let payload = serde_json::to_vec(&rec["payload"]).unwrap();
            let h = rec["headers"].as_object().unwrap();
            let headers: Vec<(String, eventstream::HeaderValue)> = h
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        eventstream::HeaderValue::String(v.as_str().unwrap().into()),
                    )
                })
                .collect();
            out.extend(eventstream::encode_message(&headers, &payload));
        }
        assert_eq!(out, bytes, "{name}");
        // And the sorted-keys serialisation the emulator uses for its own frames gives the
        // same payload bytes as Bedrock's.
        for (m, rec) in eventstream::decode_all(&bytes)
            .unwrap()
            .iter()
            .zip(&decoded)
        {
            let mut p = rec["payload"].clone();
            let pad = p.as_object_mut().unwrap().remove("p");
            let ours = eventstream::event_payload(&p, pad.as_ref().and_then(Value::as_str));
            assert_eq!(ours, m.payload, "{name}: sorted-key payload");
        }
    }
}

/// Regression: close() right after start, before any connection (and before the accept
/// loop first ran), used to wait forever because the shutdown signal was dropped.
#[tokio::test]
async fn close_right_after_start_returns() {
    for _ in 0..20 {
        let emu = bedrock_emulator::Emulator::start(bedrock_emulator::EmulatorConfig::default())
            .await
            .expect("emulator starts");
        tokio::time::timeout(std::time::Duration::from_secs(5), emu.close())
            .await
            .expect("close() returns without any connection having been made");
        assert!(emu.is_closed());
    }
}

/// A server whose clock runs 10 minutes ahead (`clockOffsetSecs: 600`): a request signed
/// with the local clock gets AWS's 403 "Signature expired", every response carries the
/// server's `Date`, and the AWS SDK for Rust — which learns the skew from that `Date` —
/// heals with one retry, then signs the next call right the first time.
#[tokio::test]
async fn a_server_clock_ten_minutes_ahead_refuses_local_time_and_the_rust_sdk_heals() {
    use bedrock_emulator::sigv4;
    let emu = Emulator::start(EmulatorConfig { clock_offset_secs: 600, ..Default::default() })
        .await
        .unwrap();
    let body = br#"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#;
    let path = "/model/amazon.nova-micro-v1%3A0/converse";
    let hs = sign_headers(&emu, "POST", path, body);
    let amz_date = hs[0].1.clone();
    let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, headers, got) = raw_http(&emu, "POST", path, &hs, body).await;
    assert_eq!(status, 403);
    let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert!(header("x-amzn-errortype").unwrap().starts_with("InvalidSignatureException:"));
    let message = serde_json::from_slice::<Value>(&got).unwrap()["message"].as_str().unwrap().to_string();
    // "Signature expired: <x-amz-date> is now earlier than <server - 5 min> (<server> - 5 min.)"
    let server_now = message.split('(').nth(1).unwrap().split(' ').next().unwrap().to_string();
    let server = sigv4::parse_amz_date(&server_now).unwrap();
    let local = sigv4::parse_amz_date(&amz_date).unwrap();
    let ahead = server.duration_since(local).unwrap().as_secs();
    assert!((595..=605).contains(&ahead), "server clock {ahead} s ahead: {message}");
    assert_eq!(
        message,
        format!(
            "Signature expired: {amz_date} is now earlier than {} ({server_now} - 5 min.)",
            sigv4::format_amz_date(server - std::time::Duration::from_secs(300))
        )
    );
    let date = header("date").expect("a Date header");
    assert_eq!(date, sigv4::format_http_date(server), "Date tells the server's clock");

    // The AWS SDK for Rust, standard retries: 2 requests for the first call, 1 for the next.
    let client = runtime_client_with(&emu, bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY, true);
    let before = emu.requests().len();
    for (call, expected) in [(1, 2), (2, 1)] {
        let seen = emu.requests().len();
        converse_stream_events(&client, "us.amazon.nova-micro-v1:0", "hi")
            .await
            .unwrap_or_else(|e| panic!("call {call}: {e}"));
        assert_eq!(emu.requests().len() - seen, expected, "call {call}");
    }
    assert_eq!(emu.requests().len() - before, 3);
}
