//! Request validation for `Converse` / `ConverseStream`: what Bedrock refuses, answered as
//! Bedrock answers it (HTTP 400 `ValidationException` / `SerializationException`, 403 for
//! a cache point on a model without prompt caching).
//!
//! A test that passes on a request AWS would refuse proves nothing, so by default
//! (`EmulatorConfig::strict_validation`) every rule below runs. With it off only the
//! conversation-shape rules the emulator always had run (first message from the user,
//! alternating roles, no empty content, no blank text) — for fault-injection tests that
//! need a deliberately odd request to reach a scripted fault.
//!
//! Per-model facts come from [`crate::models`], the emulator's own table. Each rule cites
//! its evidence; where the exact wording could not be confirmed the comment says so.

use crate::catalogue::ApiError;
use crate::models::{self, ModelFacts, Thinking};
use serde_json::Value;

const VALIDATION: &str = "ValidationException";
const SERIALIZATION: &str = "SerializationException";

fn validation(msg: impl Into<String>) -> ApiError {
    (400, VALIDATION, msg.into())
}

/// Anthropic's own validation, as Bedrock relays it: "The model returned the following
/// errors: <Anthropic message>" (danny-avila/LibreChat#8346, vercel/ai#7927).
fn model_error(msg: impl AsRef<str>) -> ApiError {
    validation(format!(
        "The model returned the following errors: {}",
        msg.as_ref()
    ))
}

/// Coral's constraint message: "1 validation error detected: Value '<v>' at '<path>'
/// failed to satisfy constraint: <constraint>" (the same form as the control plane's
/// enum errors in `catalogue.rs`).
fn constraint(value: &Value, path: &str, what: &str) -> ApiError {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    validation(format!(
        "1 validation error detected: Value '{shown}' at '{path}' failed to satisfy constraint: {what}"
    ))
}

const START_WITH_USER: &str = "A conversation must start with a user message. Try again with a conversation that starts with a user message.";

/// The members of `ConverseRequest` / `ConverseStreamRequest` (`modelId` is in the path):
/// `@aws-sdk/client-bedrock-runtime` 3.1164 `ConverseStreamRequest$` schema.
const TOP_LEVEL: &[&str] = &[
    "messages",
    "system",
    "inferenceConfig",
    "toolConfig",
    "guardrailConfig",
    "additionalModelRequestFields",
    "promptVariables",
    "additionalModelResponseFieldPaths",
    "requestMetadata",
    "performanceConfig",
    "serviceTier",
    "outputConfig",
];

/// Checks a Converse request for the model `base_id` (catalogue item `model`).
pub fn check(
    body: Option<&Value>,
    raw: &[u8],
    base_id: &str,
    model: &Value,
    strict: bool,
) -> Result<(), ApiError> {
    let Some(body) = body else {
        if raw.is_empty() {
            return Err(validation(START_WITH_USER));
        }
        return Err(validation(
            "Malformed input request, please reformat your input and try again.",
        ));
    };
    if strict {
        check_shape(body)?;
    }
    check_conversation(body)?;
    if strict {
        let facts = models::facts(base_id);
        check_tools(body)?;
        check_content(body, model, &facts)?;
        check_inference(body, &facts)?;
        if facts.claude {
            check_claude_thinking(body, &facts)?;
        }
    }
    Ok(())
}

/// Serialization and schema constraints (Coral, before the request reaches the model).
fn check_shape(body: &Value) -> Result<(), ApiError> {
    let Some(obj) = body.as_object() else {
        return Err((
            400,
            SERIALIZATION,
            "Start of structure or map found where not expected.".into(),
        ));
    };
    // Unknown members. The SDKs never send one, so only hand-built bodies trip this; the
    // exact AWS wording for it could not be confirmed (not found in public reports) — the
    // rule is kept so that a misspelt member cannot pass silently.
    if let Some(k) = obj.keys().find(|k| !TOP_LEVEL.contains(&k.as_str())) {
        return Err((
            400,
            SERIALIZATION,
            format!("Unrecognized field \"{k}\" in the request body."),
        ));
    }
    let ic = &body["inferenceConfig"];
    // Strings where numbers are expected: Coral's deserializer refuses the type
    // ("STRING_VALUE can not be converted to an Integer").
    for (field, ty) in [
        ("maxTokens", "an Integer"),
        ("temperature", "a Float"),
        ("topP", "a Float"),
    ] {
        match &ic[field] {
            Value::Null | Value::Number(_) => {}
            Value::String(_) => {
                return Err((
                    400,
                    SERIALIZATION,
                    format!("STRING_VALUE can not be converted to {ty}"),
                ))
            }
            Value::Bool(_) => {
                return Err((
                    400,
                    SERIALIZATION,
                    format!("BOOLEAN_VALUE can not be converted to {ty}"),
                ))
            }
            _ => {
                return Err((
                    400,
                    SERIALIZATION,
                    format!("Start of structure or map found where {ty} was expected."),
                ))
            }
        }
    }
    // Ranges (API reference, InferenceConfiguration: maxTokens >= 1, temperature and
    // topP in [0, 1]).
    let v = &ic["maxTokens"];
    if !v.is_null() {
        if v.as_u64().is_none() && v.as_f64().is_some_and(|f| f.fract() != 0.0) {
            return Err((
                400,
                SERIALIZATION,
                "NUMBER_VALUE can not be converted to an Integer".into(),
            ));
        }
        if v.as_f64().is_some_and(|f| f < 1.0) {
            return Err(constraint(
                v,
                "inferenceConfig.maxTokens",
                "Member must have value greater than or equal to 1",
            ));
        }
    }
    for field in ["temperature", "topP"] {
        let v = &ic[field];
        if let Some(f) = v.as_f64() {
            let path = format!("inferenceConfig.{field}");
            if f < 0.0 {
                return Err(constraint(
                    v,
                    &path,
                    "Member must have value greater than or equal to 0",
                ));
            }
            if f > 1.0 {
                return Err(constraint(
                    v,
                    &path,
                    "Member must have value less than or equal to 1",
                ));
            }
        }
    }
    // toolConfig.tools is required with at least one member (API reference,
    // ToolConfiguration: "tools ... Array Members: Minimum number of 1 item. Required:
    // Yes"), so a toolChoice without tools is refused.
    let tc = &body["toolConfig"];
    if !tc.is_null() {
        match tc["tools"].as_array() {
            None => {
                return Err(validation(
                    "1 validation error detected: Value null at 'toolConfig.tools' failed to satisfy constraint: Member must not be null",
                ))
            }
            Some(t) if t.is_empty() => {
                return Err(constraint(
                    &Value::String("[]".into()),
                    "toolConfig.tools",
                    "Member must have length greater than or equal to 1",
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn messages(body: &Value) -> &[Value] {
    body["messages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn content(m: &Value) -> &[Value] {
    m["content"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The conversation rules clients trip on (always on).
fn check_conversation(body: &Value) -> Result<(), ApiError> {
    let msgs = messages(body);
    if msgs.first().is_none_or(|m| m["role"] != "user") {
        return Err(validation(START_WITH_USER));
    }
    for w in msgs.windows(2) {
        if w[0]["role"] == w[1]["role"] {
            return Err(validation("A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."));
        }
    }
    for (i, m) in msgs.iter().enumerate() {
        let c = content(m);
        if c.is_empty() {
            return Err(validation(format!("The content field in the Message object at messages.{i} is empty. Add a ContentBlock object to the content field and try again.")));
        }
        for (j, block) in c.iter().enumerate() {
            if let Some(t) = block.get("text") {
                if t.as_str().is_none_or(|s| s.trim().is_empty()) {
                    return Err(validation(format!("The text field in the ContentBlock object at messages.{i}.content.{j} is blank. Add text to the text field, and try again.")));
                }
            }
        }
    }
    Ok(())
}

fn tool_use_ids(m: &Value) -> Vec<&str> {
    content(m)
        .iter()
        .filter_map(|c| c["toolUse"]["toolUseId"].as_str())
        .collect()
}

/// Tool history needs a `toolConfig`, and every `toolUse` / `toolResult` its partner.
fn check_tools(body: &Value) -> Result<(), ApiError> {
    let msgs = messages(body);
    let has_tool_blocks = msgs.iter().any(|m| {
        content(m)
            .iter()
            .any(|c| c.get("toolUse").is_some() || c.get("toolResult").is_some())
    });
    // "The toolConfig field must be defined when using toolUse and toolResult content
    // blocks." (vxcontrol/pentagi#196, RooCodeInc/Roo-Code#10155; OpenClaw's Bedrock
    // plugin: "Converse rejects toolUse/toolResult blocks unless the request also sends a
    // toolConfig").
    if has_tool_blocks && body["toolConfig"].is_null() {
        return Err(validation(
            "The toolConfig field must be defined when using toolUse and toolResult content blocks.",
        ));
    }
    for (i, m) in msgs.iter().enumerate() {
        // A toolResult must answer a toolUse of the message right before it (Anthropic:
        // "unexpected `tool_use_id` found in `tool_result` blocks"; OpenClaw issue 13 asks
        // for it).
        let previous: Vec<&str> = if i > 0 {
            tool_use_ids(&msgs[i - 1])
        } else {
            Vec::new()
        };
        for (j, c) in content(m).iter().enumerate() {
            if let Some(id) = c["toolResult"]["toolUseId"].as_str() {
                if !previous.contains(&id) {
                    return Err(model_error(format!("messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: {id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.")));
                }
            }
        }
    }
    for (i, m) in msgs.iter().enumerate() {
        // A toolUse followed by a user message must get its toolResult there ("Expected
        // toolResult blocks at messages.N.content for the following Ids: ..."). A
        // trailing assistant message (prefill) has no next message to check.
        if let Some(next) = msgs.get(i + 1) {
            let answered: Vec<&str> = content(next)
                .iter()
                .filter_map(|c| c["toolResult"]["toolUseId"].as_str())
                .collect();
            let missing: Vec<&str> = tool_use_ids(m)
                .into_iter()
                .filter(|id| !answered.contains(id))
                .collect();
            if !missing.is_empty() {
                return Err(validation(format!(
                    "Expected toolResult blocks at messages.{}.content for the following Ids: {}",
                    i + 1,
                    missing.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// Whether a content block (or a toolResult's content) carries an image.
fn has_image(block: &Value) -> bool {
    block.get("image").is_some()
        || block["toolResult"]["content"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c.get("image").is_some()))
}

/// Images on text-only models; cache points on models without prompt caching.
fn check_content(body: &Value, model: &Value, facts: &ModelFacts) -> Result<(), ApiError> {
    let text_only = model["inputModalities"]
        .as_array()
        .is_some_and(|a| !a.iter().any(|m| m == "IMAGE"));
    if text_only {
        for (i, m) in messages(body).iter().enumerate() {
            if let Some(j) = content(m).iter().position(has_image) {
                // The rule is certain (the catalogue says the model takes no images); the
                // exact AWS wording could not be confirmed.
                return Err(validation(format!(
                    "This model doesn't support the image content block that you provided at messages.{i}.content.{j}. Try again with a supported model or remove the image."
                )));
            }
        }
    }
    if !facts.prompt_caching {
        let in_system = body["system"]
            .as_array()
            .is_some_and(|a| a.iter().any(|b| b.get("cachePoint").is_some()));
        let in_messages = messages(body)
            .iter()
            .any(|m| content(m).iter().any(|b| b.get("cachePoint").is_some()));
        let in_tools = body["toolConfig"]["tools"]
            .as_array()
            .is_some_and(|a| a.iter().any(|b| b.get("cachePoint").is_some()));
        if in_system || in_messages || in_tools {
            // Bedrock answers a cache point on a non-caching model with a 403 (BerriAI/
            // litellm#39210: "returns 403 `You invoked an unsupported model or your request
            // did not allow prompt caching`"; pensarai/apex#943 on DeepSeek R1).
            return Err((
                403,
                "AccessDeniedException",
                "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information."
                    .into(),
            ));
        }
    }
    Ok(())
}

/// `maxTokens` above the model's limit; sampling parameters the model refuses.
fn check_inference(body: &Value, facts: &ModelFacts) -> Result<(), ApiError> {
    let ic = &body["inferenceConfig"];
    if let (Some(n), Some(max)) = (ic["maxTokens"].as_u64(), facts.max_output_tokens) {
        if n > max {
            // vercel/ai#2772, langgenius/dify#10390 (Converse, Claude 3.5).
            return Err(validation(format!("The maximum tokens you requested exceeds the model limit of {max}. Try again with a maximum tokens value that is lower than {max}.")));
        }
    }
    if facts.sampling_refused {
        for (field, wire) in [("temperature", "temperature"), ("topP", "top_p")] {
            if !ic[field].is_null() {
                return Err(if facts.claude {
                    // "The model returned the following errors: `temperature` is deprecated
                    // for this model." (DayuanJiang/next-ai-draw-io#861, Opus 4.7 / 4.8 on
                    // Bedrock; any value, the default included: logancyang/obsidian-copilot#2600).
                    model_error(format!("`{wire}` is deprecated for this model."))
                } else {
                    // GPT-5.6 / GPT-6: OpenAI's wording for the refused parameter (the Bedrock
                    // relay of it could not be confirmed).
                    model_error(format!(
                        "Unsupported parameter: '{wire}' is not supported with this model."
                    ))
                });
            }
        }
    }
    Ok(())
}

/// Anthropic's extended-thinking rules (Claude models only; other vendors' reasoning
/// fields are not checked).
fn check_claude_thinking(body: &Value, facts: &ModelFacts) -> Result<(), ApiError> {
    let fields = &body["additionalModelRequestFields"];
    let thinking = &fields["thinking"];
    let Some(kind) = thinking["type"].as_str() else {
        return Ok(());
    };
    let ic = &body["inferenceConfig"];
    // `thinking.block_binding` exists only on Opus 4.7+ / Claude 5: pi-ai 1.6
    // `supportsThinkingBlockBinding` — "Opus 4.6 and Sonnet 4.6 reject it with
    // `thinking.adaptive.block_binding: Extra inputs are not permitted`".
    if thinking.get("block_binding").is_some()
        && matches!(
            facts.thinking,
            Thinking::Budget | Thinking::AdaptiveOrBudget
        )
    {
        return Err(model_error(format!(
            "thinking.{kind}.block_binding: Extra inputs are not permitted"
        )));
    }
    match (kind, facts.thinking) {
        // A model without extended thinking: its answer to a thinking field is not known
        // well enough to emulate, so nothing is refused.
        (_, Thinking::None) | ("disabled", _) => return Ok(()),
        ("enabled", Thinking::AdaptiveOnly) => {
            // theopenco/llmgateway#2778 (verified against Bedrock, Opus 4.6 – 4.8 family).
            return Err(model_error("\"thinking.type.enabled\" is not supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\" to control thinking behavior."));
        }
        ("adaptive", Thinking::Budget) => {
            // Anthropic's tagged-union error for a `type` the model's schema lacks.
            return Err(model_error("thinking: Input tag 'adaptive' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'"));
        }
        ("enabled", _) => {
            let budget = &thinking["budget_tokens"];
            if budget.is_null() {
                // OpenClaw issue 13: `{type: "enabled"}` without `budget_tokens` is refused.
                return Err(model_error(
                    "thinking.enabled.budget_tokens: Field required",
                ));
            }
            let Some(b) = budget.as_f64().filter(|f| f.fract() == 0.0) else {
                return Err(model_error(
                    "thinking.enabled.budget_tokens: Input should be a valid integer",
                ));
            };
            if b < 1024.0 {
                // danny-avila/LibreChat#8346.
                return Err(model_error(
                    "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
                ));
            }
            // Bedrock's default `maxTokens` is the model's maximum (API reference,
            // InferenceConfiguration: "The default value is the maximum allowed value for
            // the model that you are using"), so an absent maxTokens is compared as that.
            let max_tokens = ic["maxTokens"].as_u64().or(facts.max_output_tokens);
            // With interleaved thinking (Claude 4+, `anthropic_beta`
            // `interleaved-thinking-2025-05-14`) the budget spans the whole turn and may
            // exceed max_tokens (Anthropic, extended thinking: interleaved thinking).
            let interleaved = facts.interleaved_thinking
                && fields["anthropic_beta"].as_array().is_some_and(|a| {
                    a.iter()
                        .any(|v| v.as_str() == Some("interleaved-thinking-2025-05-14"))
                });
            if let Some(max) = max_tokens {
                if b >= max as f64 && !interleaved {
                    // vercel/ai#7927, BerriAI/litellm#39627.
                    return Err(model_error("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"));
                }
            }
        }
        ("adaptive", _) => {}
        // Another `type`: Anthropic's tagged union refuses it.
        (other, _) => {
            return Err(model_error(format!("thinking: Input tag '{other}' found using 'type' does not match any of the expected tags: 'disabled', 'enabled', 'adaptive'")));
        }
    }
    // Thinking is on. Anthropic, extended thinking, feature compatibility: "Thinking isn't
    // compatible with temperature or top_k modifications as well as forced tool use" and
    // "you can set top_p to values between 1 and 0.95".
    if let Some(t) = ic["temperature"].as_f64() {
        if t != 1.0 {
            return Err(model_error("`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#feature-compatibility"));
        }
    }
    if let Some(p) = ic["topP"].as_f64() {
        if p < 0.95 {
            // The rule is Anthropic's documented one; the exact wording is not confirmed.
            return Err(model_error("`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#feature-compatibility"));
        }
    }
    let choice = &body["toolConfig"]["toolChoice"];
    if choice.get("any").is_some() || choice.get("tool").is_some() {
        // Anthropic's message; OpenClaw's Bedrock plugin turns `any` / a named tool into
        // `auto` whenever it sends thinking (`normalizeAdaptiveClaudeToolChoice`).
        return Err(model_error(
            "Thinking may not be enabled when tool_choice forces tool use.",
        ));
    }
    Ok(())
}
