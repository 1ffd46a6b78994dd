//! pi-ai `Model` + `Context` + stream options -> the ConverseStream request body.
//!
//! The body is byte-for-byte what pi-ai 0.73.x (`bedrock-converse-stream`, i.e.
//! `streamBedrock` in `dist/providers/amazon-bedrock.js`) makes the AWS SDK for JS put on
//! the wire for the same arguments — same members, same member order (the SDK's schema
//! order), images as base64 — except the intended differences listed in
//! `docs/differences-from-pi-ai.md` (each marked `Intended difference` below).
//!
//! pi-ai decides model families by looking at the model id / name strings; those checks
//! are replicated exactly (see [`ModelFamily`]). Application inference profile ARNs carry
//! no model name, so the caller may pass a resolver returning the underlying base model id
//! and the same rules then apply to it.

use std::borrow::Cow;
use std::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{without_quoted_values, Error, Result};
pub use crate::model_family::ModelFamily;
use crate::model_family::{js_is_whitespace, LevelSupport, ReasoningField, THINKING_LEVELS};

// ---------------------------------------------------------------------------------------
// pi-ai types (the subset of `dist/types.d.ts` the request depends on; unknown fields are
// tolerated everywhere because the gateway stores richer objects than this).
// ---------------------------------------------------------------------------------------

/// pi-ai `Model<"bedrock-converse-stream">`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// JS truthiness: pi-ai tests `!model.reasoning`.
    #[serde(default, deserialize_with = "de_truthy")]
    pub reasoning: bool,
    /// `model.thinkingLevelMap?.[level]`: a string overrides the effort sent to adaptive models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_level_map: Option<Map<String, Value>>,
    #[serde(default)]
    pub input: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compat: Option<Value>,
}

/// pi-ai `Context`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// pi-ai 1.6 `estimateContextTokens` of the context as given (for `streamSimple`'s
    /// `maxTokens`); set by [`Context::from_value`].
    #[serde(skip)]
    pub estimated_input_tokens: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "role")]
pub enum Message {
    #[serde(rename = "user")]
    User(UserMessage),
    #[serde(rename = "assistant")]
    Assistant(AssistantMessage),
    #[serde(rename = "toolResult")]
    ToolResult(ToolResultMessage),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserMessage {
    pub content: UserContent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Value>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum UserContent {
    Text(String),
    Blocks(Vec<UserBlock>),
}

impl<'de> Deserialize<'de> for UserContent {
    // By hand so a bad block is named by its index (serde's untagged error names nothing).
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        match Value::deserialize(d)? {
            Value::String(s) => Ok(UserContent::Text(s)),
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, b)| serde_json::from_value::<UserBlock>(b).map_err(|e| D::Error::custom(format!("content[{i}]: {e}"))))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(UserContent::Blocks),
            _ => Err(D::Error::custom("content: expected a string or an array of text/image blocks")),
        }
    }
}

/// Text or image: the content of user messages and tool results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type")]
pub enum UserBlock {
    #[serde(rename = "text")]
    Text(TextContent),
    #[serde(rename = "image")]
    Image(ImageContent),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TextContent {
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_signature: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImageContent {
    /// Base64 image bytes.
    pub data: String,
    pub mime_type: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingContent {
    #[serde(default)]
    pub thinking: String,
    /// Claude's signature; for `redacted` blocks the opaque (base64) redacted payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought_signature: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type")]
pub enum AssistantBlock {
    #[serde(rename = "text")]
    Text(TextContent),
    #[serde(rename = "thinking")]
    Thinking(ThinkingContent),
    #[serde(rename = "toolCall")]
    ToolCall(ToolCall),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssistantMessage {
    pub content: Vec<AssistantBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ToolResultMessage {
    pub tool_call_id: String,
    #[serde(default)]
    pub tool_name: String,
    #[serde(default)]
    pub content: Vec<UserBlock>,
    /// JS truthiness: pi-ai tests `m.isError ? ERROR : SUCCESS`.
    #[serde(default, deserialize_with = "de_truthy")]
    pub is_error: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON schema (TypeBox in pi-ai); sent verbatim as `inputSchema.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// pi-ai 1.6 `{ type: "json_schema", strict: true | "prefer" | false }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constrained_sampling: Option<Value>,
}

/// pi-ai `BedrockOptions` (what `streamBedrock` reads) plus the plugin-config extras.
/// Unknown fields (`signal`, `onPayload`, `sessionId`, ...) are tolerated and ignored here.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamOptions {
    /// Kept as a JSON number so it is sent exactly as given.
    #[serde(default)]
    pub max_tokens: Option<serde_json::Number>,
    #[serde(default)]
    pub temperature: Option<serde_json::Number>,
    /// `"minimal" | "low" | "medium" | "high" | "xhigh"`; pi-ai tests truthiness only.
    #[serde(default)]
    pub reasoning: Option<String>,
    /// `{ minimal?, low?, medium?, high? }` token budgets.
    #[serde(default)]
    pub thinking_budgets: Option<Map<String, Value>>,
    #[serde(default)]
    pub interleaved_thinking: Option<bool>,
    /// `"summarized"` (default) or `"omitted"`.
    #[serde(default)]
    pub thinking_display: Option<String>,
    /// `"auto" | "any" | "none" | { type: "tool", name }`.
    #[serde(default)]
    pub tool_choice: Option<Value>,
    /// `"none" | "short" | "long"`; unset = `PI_CACHE_RETENTION=long` ? long : short.
    #[serde(default)]
    pub cache_retention: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub bearer_token: Option<String>,
    /// pi-ai 1.6 `apiKey`: a Bedrock API key (bearer token) — unless it is an auth marker
    /// (see [`crate::credentials::api_key_bearer_token`]).
    #[serde(default)]
    pub api_key: Option<String>,
    /// pi-ai 1.6 `env`: overrides the process environment for what the request reads.
    #[serde(default)]
    pub env: Option<Map<String, Value>>,
    /// pi-ai 1.6 `headers`: extra request headers, signed with the request.
    #[serde(default)]
    pub headers: Option<Value>,
    #[serde(default)]
    pub request_metadata: Option<Value>,
    /// Not read by pi-ai: Bedrock `serviceTier` (`"default" | "priority" | "flex" | ...` or
    /// `{ type }`), sent only when given.
    #[serde(default)]
    pub service_tier: Option<Value>,
    /// Not read by pi-ai: the plugin config's guardrail, applied to every request.
    #[serde(default)]
    pub guardrail: Option<GuardrailConfig>,
    /// Send `strict: "prefer"` tools non-strict (pi-ai 1.6's one retry after Claude's
    /// strict-tool-limit error). Set by the stream, never by the caller.
    #[serde(skip)]
    pub disable_preferred_strict_tools: bool,
}

impl fmt::Debug for StreamOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bearer token is a secret: never printed.
        f.debug_struct("StreamOptions")
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("reasoning", &self.reasoning)
            .field("thinking_budgets", &self.thinking_budgets)
            .field("interleaved_thinking", &self.interleaved_thinking)
            .field("thinking_display", &self.thinking_display)
            .field("tool_choice", &self.tool_choice)
            .field("cache_retention", &self.cache_retention)
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "<redacted>"))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("env", &self.env.as_ref().map(|e| e.keys().cloned().collect::<Vec<_>>()))
            .field("headers", &self.headers.as_ref().map(|_| "<redacted>"))
            .field("request_metadata", &self.request_metadata)
            .field("service_tier", &self.service_tier)
            .field("guardrail", &self.guardrail)
            .finish()
    }
}

/// `plugins.entries["amazon-bedrock"].config.guardrail`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GuardrailConfig {
    pub guardrail_identifier: String,
    pub guardrail_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_processing_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

fn de_truthy<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(js_truthy(&v))
}

fn js_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().map(|f| f != 0.0 && !f.is_nan()).unwrap_or(true),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

// ---------------------------------------------------------------------------------------
// Parsing from JS values, with errors naming where the input was wrong.
// ---------------------------------------------------------------------------------------

impl Model {
    pub fn from_value(v: Value) -> Result<Model> {
        serde_json::from_value(v).map_err(|e| Error::invalid_argument(format!("model: {}", without_quoted_values(&e.to_string()))))
    }
}

/// Block types each role's content may hold; pi-ai 1.6 skips any other block.
fn known_block_types(role: &str) -> &'static [&'static str] {
    match role {
        "assistant" => &["text", "thinking", "toolCall"],
        _ => &["text", "image"],
    }
}

/// One message as pi-ai 1.6 reads it: missing/null `content` is empty, blocks of unknown
/// types are dropped (a string user content stays a string).
fn parse_message(i: usize, role: &str, mut m: Map<String, Value>) -> Result<Message> {
    let content = m.remove("content").unwrap_or(Value::Null);
    let content = match content {
        Value::Null => Value::Array(Vec::new()),
        Value::Array(items) => {
            let known = known_block_types(role);
            Value::Array(
                items
                    .into_iter()
                    .filter(|b| b.get("type").and_then(Value::as_str).map_or(true, |t| known.contains(&t)))
                    .collect(),
            )
        }
        other => other,
    };
    m.insert("content".into(), content);
    serde_json::from_value::<Message>(Value::Object(m))
        .map_err(|e| Error::invalid_argument(format!("context.messages[{i}]: {}", without_quoted_values(&e.to_string()))))
}

fn parse_tools(items: Vec<Value>, at: &str) -> Result<Vec<Tool>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::from_value::<Tool>(t)
                .map_err(|e| Error::invalid_argument(format!("{at}[{i}]: {}", without_quoted_values(&e.to_string()))))
        })
        .collect()
}

/// pi-ai 1.6 `contentText`: a string, or the text blocks joined by a newline.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .map(|b| b.get("text").and_then(Value::as_str).unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The system messages of a transcript replayed into one (pi-ai 1.6
/// `collapseSystemMessages` / `getCurrentSystemMessage`): contents appended, `sections`
/// patched by name (`null` removes), `toolsRemoved` then `toolsAdded` applied in order.
#[derive(Default)]
struct SystemReplay {
    seen: bool,
    content: Vec<String>,
    sections: Vec<(String, String)>,
    tools: Vec<Tool>,
}

impl SystemReplay {
    fn add_tools(&mut self, tools: Vec<Tool>) {
        for tool in tools {
            match self.tools.iter_mut().find(|t| t.name == tool.name) {
                Some(existing) => *existing = tool,
                None => self.tools.push(tool),
            }
        }
    }

    fn apply(&mut self, i: usize, mut m: Map<String, Value>) -> Result<()> {
        self.seen = true;
        let at = |what: &str| format!("context.messages[{i}].{what}");
        let text = content_text(m.get("content").unwrap_or(&Value::Null));
        if !text.is_empty() {
            self.content.push(text);
        }
        match m.remove("sections") {
            None | Some(Value::Null) => {}
            Some(Value::Object(sections)) => {
                for (name, value) in sections {
                    match value {
                        Value::Null => self.sections.retain(|(n, _)| *n != name),
                        Value::String(text) => match self.sections.iter_mut().find(|(n, _)| *n == name) {
                            Some(slot) => slot.1 = text,
                            None => self.sections.push((name, text)),
                        },
                        _ => return Err(Error::invalid_argument(format!("{}: expected a string or null", at(&format!("sections.{name}"))))),
                    }
                }
            }
            Some(_) => return Err(Error::invalid_argument(format!("{}: expected an object", at("sections")))),
        }
        match m.remove("toolsRemoved") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    if let Some(name) = item.get("name").and_then(Value::as_str) {
                        self.tools.retain(|t| t.name != name);
                    }
                }
            }
            Some(_) => return Err(Error::invalid_argument(format!("{}: expected an array", at("toolsRemoved")))),
        }
        match m.remove("toolsAdded") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let tools = parse_tools(items, &at("toolsAdded"))?;
                self.add_tools(tools);
            }
            Some(_) => return Err(Error::invalid_argument(format!("{}: expected an array", at("toolsAdded")))),
        }
        Ok(())
    }

    /// pi-ai `getSystemMessageText` of the replayed message: content, then sections.
    fn prompt(&self) -> Option<String> {
        if !self.seen {
            return None;
        }
        let mut parts = vec![self.content.join("\n\n")];
        parts.extend(self.sections.iter().map(|(_, text)| text.clone()));
        Some(parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n"))
    }
}

impl Context {
    /// Accepts both shapes: pi-ai 1.6's transcript `{ messages }` (system messages, first
    /// and mid-history, carry the prompt, `sections` and tool changes) and the older
    /// `{ systemPrompt, messages, tools }` (folded in first, as pi-ai's `normalizeContext`
    /// does). Messages of unknown roles are skipped, like pi-ai 1.6; an error names the
    /// offending `messages[i]`.
    pub fn from_value(v: Value) -> Result<Context> {
        let Value::Object(mut obj) = v else {
            return Err(Error::invalid_argument("context: expected an object"));
        };
        // pi-ai 1.6 `normalizeContext`: the older shape's prompt and tools become a leading
        // system message (which also counts in the `streamSimple` token estimate).
        let mut initial = Map::new();
        if let Some(Value::String(prompt)) = obj.get("systemPrompt") {
            initial.insert("content".into(), json!(prompt));
        }
        if let Some(tools @ Value::Array(items)) = obj.get("tools") {
            if !items.is_empty() {
                initial.insert("toolsAdded".into(), tools.clone());
            }
        }
        let has_initial = initial.get("content").and_then(Value::as_str).is_some_and(|p| !p.is_empty()) || initial.contains_key("toolsAdded");
        let mut system = SystemReplay::default();
        match obj.remove("systemPrompt") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                system.seen = true;
                if !s.is_empty() {
                    system.content.push(s);
                }
            }
            Some(_) => return Err(Error::invalid_argument("context.systemPrompt: expected a string")),
        }
        match obj.remove("tools") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let tools = parse_tools(items, "context.tools")?;
                system.add_tools(tools);
            }
            Some(_) => return Err(Error::invalid_argument("context.tools: expected an array")),
        }
        let Some(Value::Array(items)) = obj.remove("messages") else {
            return Err(Error::invalid_argument("context.messages: expected an array"));
        };
        initial.insert("role".into(), json!("system"));
        initial.insert("timestamp".into(), json!(0));
        let initial = Value::Object(initial);
        let estimated_input_tokens = estimate_context_tokens(has_initial.then_some(&initial), &items);
        let mut messages = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let Value::Object(m) = item else {
                return Err(Error::invalid_argument(format!("context.messages[{i}]: expected an object")));
            };
            let role = m.get("role").and_then(Value::as_str).unwrap_or("").to_string();
            match role.as_str() {
                "system" => system.apply(i, m)?,
                "user" | "assistant" | "toolResult" => messages.push(parse_message(i, &role, m)?),
                _ => {}
            }
        }
        let system_prompt = system.prompt().filter(|p| !p.is_empty());
        let tools = (!system.tools.is_empty()).then_some(system.tools);
        Ok(Context { system_prompt, messages, tools, estimated_input_tokens })
    }
}

impl StreamOptions {
    pub fn from_value(v: Value) -> Result<StreamOptions> {
        match v {
            Value::Null => Ok(StreamOptions::default()),
            v => serde_json::from_value(v).map_err(|e| Error::invalid_argument(format!("options: {}", without_quoted_values(&e.to_string())))),
        }
    }
}

/// Parses JSON text produced by JS `JSON.stringify`, dropping unpaired UTF-16 surrogates.
///
/// JS strings may hold lone surrogates; `JSON.stringify` writes them as `\udXXX` escapes,
/// which Rust strings cannot hold. pi-ai's `sanitizeSurrogates` removes them from every text
/// it sends, so removing them while parsing gives the same text.
pub fn parse_js_json(text: &str) -> Result<Value> {
    let cleaned = strip_lone_surrogate_escapes(text);
    serde_json::from_str(&cleaned).map_err(|e| Error::invalid_argument(format!("invalid JSON argument: {e}")))
}

fn parse_hex4(bytes: &[u8]) -> Option<u16> {
    if bytes.len() < 4 {
        return None;
    }
    let s = std::str::from_utf8(&bytes[..4]).ok()?;
    u16::from_str_radix(s, 16).ok()
}

/// Removes `\uD800`–`\uDFFF` escapes that are not part of a high+low pair.
fn strip_lone_surrogate_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    if !text.contains("\\u") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied_to = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        // An escape: `\\`, `\"`, `\n`, ..., or `\uXXXX`.
        if bytes.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        let Some(unit) = parse_hex4(&bytes[i + 2..]) else {
            i += 2;
            continue;
        };
        if (0xD800..0xDC00).contains(&unit) {
            let next_is_low = bytes.get(i + 6) == Some(&b'\\')
                && bytes.get(i + 7) == Some(&b'u')
                && parse_hex4(&bytes[(i + 8).min(bytes.len())..]).is_some_and(|u| (0xDC00..0xE000).contains(&u));
            if next_is_low {
                i += 12;
                continue;
            }
        } else if !(0xDC00..0xE000).contains(&unit) {
            i += 6;
            continue;
        }
        // Lone high or lone low surrogate (a low one preceded by a high one was skipped above).
        out.push_str(&text[copied_to..i]);
        i += 6;
        copied_to = i;
    }
    out.push_str(&text[copied_to..]);
    std::borrow::Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------
// Model family rules (pi-ai decides these from id/name strings).
// ---------------------------------------------------------------------------------------

fn js_trim_is_empty(s: &str) -> bool {
    s.chars().all(js_is_whitespace)
}

/// Region of an ARN model id (`arn:aws:bedrock:<region>:<account>:...`), e.g. of an
/// application inference profile, which must be called in its own region.
pub fn arn_region(model_id: &str) -> Option<String> {
    if !model_id.starts_with("arn:") {
        return None;
    }
    let region = model_id.split(':').nth(3)?;
    (!region.is_empty()).then(|| region.to_string())
}

/// Whether the id is an application inference profile ARN (no model name inside it).
pub fn is_application_profile_arn(model_id: &str) -> bool {
    model_id.starts_with("arn:") && model_id.contains(":application-inference-profile/")
}

// ---------------------------------------------------------------------------------------
// The request.
// ---------------------------------------------------------------------------------------

/// The request to send: `POST /model/{url-encoded model_id}/converse-stream` with `body`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConverseRequest {
    /// pi-ai's `modelId` (= `model.id`); goes in the URL path, not the body.
    pub model_id: String,
    /// The JSON body as the AWS SDK for JS serialises pi-ai's command input.
    pub body: Value,
    /// Region carried by an ARN model id; an ARN must be called in its own region.
    pub arn_region: Option<String>,
}

/// What pi-ai reads from `process.env` while building the request. Values are raw (not
/// trimmed, unlike `region::EnvLookup`): pi-ai compares them as they are (`=== "1"`).
pub trait RawEnvLookup {
    fn get(&self, name: &str) -> Option<String>;
}

/// The real process environment, raw.
pub struct RawProcessEnv;

impl RawEnvLookup for RawProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// pi-ai 1.6 `getProviderEnvValue`: `options.env[name]`, else the process environment's;
/// an empty value counts as unset.
pub struct ProviderEnv<'a> {
    pub overrides: Option<&'a Map<String, Value>>,
    pub process: &'a dyn RawEnvLookup,
}

impl RawEnvLookup for ProviderEnv<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.overrides
            .and_then(|env| env.get(name))
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .or_else(|| self.process.get(name).filter(|v| !v.is_empty()))
    }
}

impl<F: Fn(&str) -> Option<String>> RawEnvLookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// pi-ai 1.6 `streamSimple`'s option derivation (`streamSimple` / `completeSimple`): what
/// `stream` receives when the caller used the simple entry point.
///
/// Like pi-ai, it keeps the base options (`temperature`, `cacheRetention`, `toolChoice`,
/// `apiKey`, `headers`, `env`) plus reasoning; `maxTokens` defaults to the model's maximum
/// and is fitted to the context window (no 32,000 cap); `requestMetadata`,
/// `interleavedThinking`, `thinkingDisplay`, `region`, `profile` and `bearerToken` are not
/// passed on. For budget-thinking Claude models `maxTokens` grows by the thinking budget
/// (capped at the model's limit) and the budget leaves at least 1024 answer tokens —
/// and, beyond pi-ai, is never below Bedrock's minimum of 1024. The plugin-config extras
/// (`guardrail`, `serviceTier`) are kept.
pub fn simple_stream_options(
    model: &Model,
    context: &Context,
    options: &StreamOptions,
    resolve_base_model: &dyn Fn(&str) -> Option<String>,
) -> Result<StreamOptions> {
    let base_model_id = if is_application_profile_arn(&model.id) { resolve_base_model(&model.id) } else { None };
    let family = ModelFamily::new(&model.id, model.name.as_deref(), base_model_id.as_deref());
    let model_max = model
        .max_tokens
        .as_ref()
        .and_then(Value::as_f64)
        .or_else(|| family.spec().map(|s| f64::from(s.max_tokens)))
        .unwrap_or(0.0);
    let context_window = model
        .context_window
        .as_ref()
        .and_then(Value::as_f64)
        .or_else(|| family.spec().map(|s| f64::from(s.context_window)));
    let clamp = |max_tokens: f64| clamp_max_tokens_to_context(context_window, context.estimated_input_tokens, max_tokens);
    let requested = options.max_tokens.as_ref().and_then(serde_json::Number::as_f64).unwrap_or(model_max);
    let base_max = clamp(requested);
    let mut out = StreamOptions {
        max_tokens: js_number(base_max),
        temperature: options.temperature.clone(),
        cache_retention: options.cache_retention.clone(),
        tool_choice: options.tool_choice.clone(),
        api_key: options.api_key.clone(),
        env: options.env.clone(),
        headers: options.headers.clone(),
        service_tier: options.service_tier.clone(),
        guardrail: options.guardrail.clone(),
        ..StreamOptions::default()
    };
    let Some(level) = thinking_level(options)?.map(str::to_string) else {
        return Ok(out);
    };
    out.reasoning = Some(level.clone());
    out.thinking_budgets = options.thinking_budgets.clone();
    if family.is_anthropic_claude() && !family.supports_adaptive_thinking() {
        // adjustMaxTokensForThinking(base.maxTokens, model.maxTokens, level, budgets)
        let clamped = clamp_reasoning(&level).to_string();
        let budget = options
            .thinking_budgets
            .as_ref()
            .and_then(|b| b.get(&clamped))
            .and_then(Value::as_f64)
            .unwrap_or_else(|| f64::from(default_thinking_budget(&level)));
        let adjusted_max = (base_max + budget).min(model_max);
        let adjusted_budget = if adjusted_max <= budget { budget.min((adjusted_max - 1024.0).max(0.0)) } else { budget };
        let mut max_tokens = clamp(adjusted_max);
        let mut thinking_budget = adjusted_budget.min((max_tokens - 1024.0).max(0.0));
        // Intended difference: Bedrock refuses budgets under 1024 and budgets not below
        // maxTokens; pi-ai can send either for a small maxTokens.
        if thinking_budget < 1024.0 {
            thinking_budget = 1024.0;
            max_tokens = max_tokens.max(2048.0);
        }
        out.max_tokens = js_number(max_tokens);
        let mut budgets = options.thinking_budgets.clone().unwrap_or_default();
        budgets.insert(clamped, js_number(thinking_budget).map(Value::Number).unwrap_or(Value::Null));
        out.thinking_budgets = Some(budgets);
    }
    Ok(out)
}

/// pi-ai 1.6 `clampMaxTokensToContext`: fit `max_tokens` into the context window, leaving
/// room for the input being counted higher than estimated.
fn clamp_max_tokens_to_context(context_window: Option<f64>, input: f64, max_tokens: f64) -> f64 {
    const SAFETY_TOKENS: f64 = 4096.0;
    const SAFETY_RATIO: f64 = 0.15;
    const MIN_OUTPUT_WITH_RATIO_MARGIN: f64 = 32768.0;
    let Some(window) = context_window else { return max_tokens };
    if window <= 0.0 {
        return max_tokens.max(1.0);
    }
    let margin = SAFETY_TOKENS.max((input * SAFETY_RATIO).ceil());
    let mut room = window - input - margin;
    if room < MIN_OUTPUT_WITH_RATIO_MARGIN {
        room = MIN_OUTPUT_WITH_RATIO_MARGIN.min(window - input - SAFETY_TOKENS);
    }
    max_tokens.min(room.max(1.0))
}

/// JS `string.length`: UTF-16 code units.
fn js_len(s: &str) -> f64 {
    s.encode_utf16().count() as f64
}

fn js_stringify_len(v: &Value) -> f64 {
    js_len(&serde_json::to_string(v).unwrap_or_default())
}

/// pi-ai 1.6 `estimateContextTokens` over the raw messages (system messages included):
/// the last usable assistant usage plus estimates of what follows it, else estimates of
/// everything (3.5 characters a token, an image 4800 characters).
fn estimate_context_tokens(lead: Option<&Value>, messages: &[Value]) -> f64 {
    let messages: Vec<&Value> = lead.into_iter().chain(messages).collect();
    const CHARS_PER_TOKEN: f64 = 3.5;
    const IMAGE_CHARS: f64 = 4800.0;
    let num = |v: Option<&Value>| v.and_then(Value::as_f64).unwrap_or(0.0);
    let content_chars = |content: Option<&Value>| match content {
        Some(Value::String(s)) => js_len(s),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .map(|b| match b.get("type").and_then(Value::as_str) {
                Some("text") => js_len(b.get("text").and_then(Value::as_str).unwrap_or("")),
                _ => IMAGE_CHARS,
            })
            .sum(),
        _ => 0.0,
    };
    let usage_tokens = |usage: Option<&Value>| {
        let total = num(usage.and_then(|u| u.get("totalTokens")));
        if total != 0.0 {
            total
        } else {
            ["input", "output", "cacheRead", "cacheWrite"].iter().map(|k| num(usage.and_then(|u| u.get(*k)))).sum()
        }
    };
    let message_tokens = |m: &Value| -> f64 {
        let chars = match m.get("role").and_then(Value::as_str) {
            Some("system") => {
                let mut text = vec![content_text(m.get("content").unwrap_or(&Value::Null))];
                if let Some(Value::Object(sections)) = m.get("sections") {
                    text.extend(sections.values().filter_map(Value::as_str).map(str::to_string));
                }
                let prompt = text.into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n\n");
                let tools = |key: &str| match m.get(key) {
                    Some(v @ Value::Array(items)) if !items.is_empty() => (js_stringify_len(v) / CHARS_PER_TOKEN).ceil(),
                    _ => 0.0,
                };
                return (js_len(&prompt) / CHARS_PER_TOKEN).ceil() + tools("toolsAdded") + tools("toolsRemoved");
            }
            Some("user") | Some("toolResult") => content_chars(m.get("content")),
            _ => match m.get("content") {
                Some(Value::Array(blocks)) => blocks
                    .iter()
                    .map(|b| match b.get("type").and_then(Value::as_str) {
                        Some("text") => js_len(b.get("text").and_then(Value::as_str).unwrap_or("")),
                        Some("thinking") => js_len(b.get("thinking").and_then(Value::as_str).unwrap_or("")),
                        _ => {
                            js_len(b.get("name").and_then(Value::as_str).unwrap_or(""))
                                + b.get("arguments").map_or(9.0, js_stringify_len)
                        }
                    })
                    .sum(),
                _ => 0.0,
            },
        };
        (chars / CHARS_PER_TOKEN).ceil()
    };
    // getLastAssistantUsageInfo, with JS's NaN comparisons for missing timestamps.
    let mut latest = f64::NEG_INFINITY;
    let mut usage_at = None;
    for (i, m) in messages.iter().enumerate() {
        let timestamp = m.get("timestamp").and_then(Value::as_f64).unwrap_or(f64::NAN);
        if m.get("role").and_then(Value::as_str) == Some("assistant") {
            let stop = m.get("stopReason").and_then(Value::as_str);
            let tokens = usage_tokens(m.get("usage"));
            if timestamp >= latest && stop != Some("aborted") && stop != Some("error") && tokens > 0.0 {
                usage_at = Some((i, tokens));
            }
        }
        latest = if latest.is_nan() || timestamp.is_nan() { f64::NAN } else { latest.max(timestamp) };
    }
    match usage_at {
        Some((index, tokens)) => tokens + messages[index + 1..].iter().map(|m| message_tokens(m)).sum::<f64>(),
        None => messages.iter().map(|m| message_tokens(m)).sum(),
    }
}

/// A JS number as JSON: integral values print without a fraction, like `JSON.stringify`.
fn js_number(n: f64) -> Option<serde_json::Number> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        Some(serde_json::Number::from(n as i64))
    } else {
        serde_json::Number::from_f64(n)
    }
}

/// Builds the request with no base-model resolver, reading the process environment.
pub fn build_converse_request(model: &Model, context: &Context, options: &StreamOptions) -> Result<ConverseRequest> {
    build_converse_request_with(model, context, options, &|_: &str| None, &RawProcessEnv)
}

/// Builds the request. `resolve_base_model` maps an application inference profile ARN to
/// its underlying base model id (discovery data / `GetInferenceProfile`), so pi-ai's
/// id-based family rules (thinking, caching, temperature) apply to it too.
pub fn build_converse_request_with(
    model: &Model,
    context: &Context,
    options: &StreamOptions,
    resolve_base_model: &dyn Fn(&str) -> Option<String>,
    env: &dyn RawEnvLookup,
) -> Result<ConverseRequest> {
    let env = &ProviderEnv { overrides: options.env.as_ref(), process: env };
    let base_model_id = if is_application_profile_arn(&model.id) { resolve_base_model(&model.id) } else { None };
    let family = ModelFamily::new(&model.id, model.name.as_deref(), base_model_id.as_deref());
    let supports_images = model.input.iter().any(|i| i == "image");
    // Intended difference: reject an unsupported image type naming where it is. (pi-ai
    // also fails before sending, but with only "Unknown image type: ...".)
    if supports_images {
        validate_images(&context.messages)?;
    }

    let cache_retention = resolve_cache_retention(options.cache_retention.as_deref(), env);
    let force_cache = env.get("AWS_BEDROCK_FORCE_CACHE").as_deref() == Some("1");
    let caching = cache_retention != "none" && family.supports_prompt_caching(force_cache);
    let cache_point = || {
        let mut cp = Map::new();
        cp.insert("type".into(), json!("default"));
        if cache_retention == "long" {
            cp.insert("ttl".into(), json!("1h"));
        }
        json!({ "cachePoint": Value::Object(cp) })
    };

    let transformed = transform_messages(&context.messages, model, supports_images);
    let mut messages = convert_messages(&transformed, &family)?;
    // Intended difference: Bedrock rejects two consecutive messages of the same role
    // (e.g. a user message right after tool results); pi-ai sends them as they are.
    merge_consecutive_same_role(&mut messages);
    if caching {
        if let Some(last) = messages.last_mut() {
            if last.get("role").and_then(Value::as_str) == Some("user") {
                if let Some(Value::Array(content)) = last.get_mut("content") {
                    content.push(cache_point());
                }
            }
        }
    }

    let mut body = Map::new();
    body.insert("messages".into(), Value::Array(messages));
    if let Some(system) = context.system_prompt.as_deref().filter(|s| !s.is_empty()) {
        let mut blocks = vec![json!({ "text": system })];
        if caching {
            blocks.push(cache_point());
        }
        body.insert("system".into(), Value::Array(blocks));
    }
    // pi-ai 1.6: `options.maxTokens ?? (isAnthropicClaudeModel(model) ? model.maxTokens : undefined)`.
    let claude_thinks = family.is_anthropic_claude() && model.reasoning && thinking_level(options)?.is_some();
    let mut inference = Map::new();
    let max_tokens = options.max_tokens.clone().or_else(|| {
        if family.is_anthropic_claude() {
            model.max_tokens.as_ref().and_then(Value::as_f64).and_then(js_number)
        } else {
            None
        }
    });
    if let Some(max_tokens) = max_tokens {
        inference.insert("maxTokens".into(), Value::Number(max_tokens));
    }
    if let Some(temperature) = &options.temperature {
        // Intended differences: Claude Opus 4.7+ / Claude 5 and OpenAI's GPT-5.x/6 reject
        // `temperature`; Claude with thinking accepts only 1.
        let refused = family.rejects_temperature()
            || family.gpt_rejects_temperature()
            || (claude_thinks && temperature.as_f64() != Some(1.0));
        if !refused {
            inference.insert("temperature".into(), Value::Number(temperature.clone()));
        }
    }
    body.insert("inferenceConfig".into(), Value::Object(inference));
    // Intended difference: Claude with thinking rejects a forced tool choice; it becomes auto.
    let forced_choice = matches!(options.tool_choice.as_ref(), Some(Value::String(s)) if s == "any")
        || options.tool_choice.as_ref().and_then(|c| c.get("type")).and_then(Value::as_str) == Some("tool");
    let auto = json!("auto");
    let tool_choice = if claude_thinks && forced_choice { Some(&auto) } else { options.tool_choice.as_ref() };
    // pi-ai 1.6: `model.compat?.supportsStrictMode ?? false`; beyond pi-ai, a model object
    // without `compat` gets the catalogue's answer.
    let supports_strict = match model.compat.as_ref() {
        Some(compat) => compat.get("supportsStrictMode").and_then(Value::as_bool).unwrap_or(false),
        None => family.spec().is_some_and(|s| s.strict_tools),
    };
    if let Some(tool_config) =
        convert_tool_config(context.tools.as_deref(), tool_choice, supports_strict, options.disable_preferred_strict_tools)?
    {
        body.insert("toolConfig".into(), tool_config);
    }
    if let Some(guardrail) = &options.guardrail {
        body.insert("guardrailConfig".into(), guardrail_config(guardrail));
    }
    if let Some(fields) = additional_model_request_fields(model, &family, options, env)? {
        body.insert("additionalModelRequestFields".into(), fields);
    }
    if let Some(metadata) = options.request_metadata.as_ref().filter(|m| !m.is_null()) {
        body.insert("requestMetadata".into(), metadata.clone());
    }
    if let Some(tier) = options.service_tier.as_ref().filter(|t| !t.is_null()) {
        let tier = match tier {
            Value::String(s) => json!({ "type": s }),
            other => other.clone(),
        };
        body.insert("serviceTier".into(), tier);
    }

    Ok(ConverseRequest { model_id: model.id.clone(), body: Value::Object(body), arn_region: arn_region(&model.id) })
}

/// pi-ai `resolveCacheRetention`.
fn resolve_cache_retention<'a>(given: Option<&'a str>, env: &dyn RawEnvLookup) -> std::borrow::Cow<'a, str> {
    match given.filter(|s| !s.is_empty()) {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None if env.get("PI_CACHE_RETENTION").as_deref() == Some("long") => "long".into(),
        None => "short".into(),
    }
}

const IMAGE_FORMATS: &[(&str, &str)] =
    &[("image/jpeg", "jpeg"), ("image/jpg", "jpeg"), ("image/png", "png"), ("image/gif", "gif"), ("image/webp", "webp")];

fn image_format(mime_type: &str) -> Option<&'static str> {
    IMAGE_FORMATS.iter().find(|(m, _)| *m == mime_type).map(|(_, f)| *f)
}

/// `atob` semantics: ASCII whitespace ignored, padding optional, trailing bits discarded.
const FORGIVING_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The wire form of image bytes: the SDK base64-encodes what `atob(data)` decoded.
fn canonical_base64(data: &str) -> Option<String> {
    let compact: String = data.chars().filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\x0C' | '\r')).collect();
    let bytes = FORGIVING_BASE64.decode(compact.as_bytes()).ok()?;
    Some(STANDARD.encode(bytes))
}

fn validate_images(messages: &[Message]) -> Result<()> {
    for (mi, message) in messages.iter().enumerate() {
        let blocks: &[UserBlock] = match message {
            Message::User(UserMessage { content: UserContent::Blocks(b), .. }) => b,
            Message::ToolResult(t) => &t.content,
            _ => continue,
        };
        for (bi, block) in blocks.iter().enumerate() {
            if let UserBlock::Image(img) = block {
                if image_format(&img.mime_type).is_none() {
                    return Err(Error::invalid_argument(format!(
                        "context.messages[{mi}].content[{bi}]: unsupported image type {:?}; Bedrock accepts image/jpeg, image/png, image/gif, image/webp",
                        img.mime_type
                    )));
                }
                if canonical_base64(&img.data).is_none() {
                    return Err(Error::invalid_argument(format!(
                        "context.messages[{mi}].content[{bi}]: image data is not valid base64"
                    )));
                }
            }
        }
    }
    Ok(())
}

fn image_block(img: &ImageContent) -> Result<Value> {
    // validate_images ran first for vision models; non-vision models never get here.
    let format = image_format(&img.mime_type)
        .ok_or_else(|| Error::invalid_argument(format!("Unknown image type: {}", img.mime_type)))?;
    let bytes = canonical_base64(&img.data).ok_or_else(|| Error::invalid_argument("image data is not valid base64"))?;
    Ok(json!({ "image": { "format": format, "source": { "bytes": bytes } } }))
}

const NON_VISION_USER_IMAGE_PLACEHOLDER: &str = "(image omitted: model does not support images)";
const NON_VISION_TOOL_IMAGE_PLACEHOLDER: &str = "(tool image omitted: model does not support images)";

/// pi-ai `replaceImagesWithPlaceholder`.
fn replace_images_with_placeholder(content: &[UserBlock], placeholder: &str) -> Vec<UserBlock> {
    let mut result = Vec::with_capacity(content.len());
    let mut previous_was_placeholder = false;
    for block in content {
        match block {
            UserBlock::Image(_) => {
                if !previous_was_placeholder {
                    result.push(UserBlock::Text(TextContent { text: placeholder.to_string(), text_signature: None }));
                }
                previous_was_placeholder = true;
            }
            UserBlock::Text(t) => {
                previous_was_placeholder = t.text == placeholder;
                result.push(block.clone());
            }
        }
    }
    result
}

/// pi-ai `normalizeToolCallId` (per UTF-16 code unit, like the JS regex).
pub fn normalize_tool_call_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else {
            for _ in 0..c.len_utf16() {
                out.push('_');
            }
        }
    }
    out.truncate(64); // all ASCII now, so bytes == UTF-16 units
    out
}

/// pi-ai `transformMessages` with `normalizeToolCallId`: image downgrade for non-vision
/// models, cross-model thinking/tool-id handling, errored/aborted turns dropped, orphaned
/// tool calls answered with a synthetic error result.
/// Unchanged user and tool-result messages (where big prompts and images live) are borrowed.
fn transform_messages<'a>(messages: &'a [Message], model: &Model, supports_images: bool) -> Vec<Cow<'a, Message>> {
    use std::collections::{HashMap, HashSet};
    let mut id_map: HashMap<String, String> = HashMap::new();
    let mut transformed = Vec::with_capacity(messages.len());
    for msg in messages {
        let msg = match msg {
            Message::User(u) => match (&u.content, supports_images) {
                (UserContent::Blocks(blocks), false) => Cow::Owned(Message::User(UserMessage {
                    content: UserContent::Blocks(replace_images_with_placeholder(blocks, NON_VISION_USER_IMAGE_PLACEHOLDER)),
                    timestamp: u.timestamp.clone(),
                })),
                _ => Cow::Borrowed(msg),
            },
            Message::ToolResult(t) => {
                let normalized = id_map.get(&t.tool_call_id);
                if supports_images && normalized.is_none() {
                    Cow::Borrowed(msg)
                } else {
                    let mut t = t.clone();
                    if !supports_images {
                        t.content = replace_images_with_placeholder(&t.content, NON_VISION_TOOL_IMAGE_PLACEHOLDER);
                    }
                    if let Some(normalized) = normalized {
                        t.tool_call_id = normalized.clone();
                    }
                    Cow::Owned(Message::ToolResult(t))
                }
            }
            Message::Assistant(a) => {
                let same_model = a.provider == model.provider && a.api == model.api && a.model.as_deref() == Some(&model.id);
                let mut content = Vec::with_capacity(a.content.len());
                for block in &a.content {
                    match block {
                        AssistantBlock::Thinking(th) => {
                            // pi-ai 1.6: thinking from another model is dropped, not
                            // turned into text.
                            if !same_model {
                                continue;
                            }
                            let signed = th.thinking_signature.as_deref().is_some_and(|s| !s.is_empty());
                            if th.redacted == Some(true) || signed || !js_trim_is_empty(&th.thinking) {
                                content.push(block.clone());
                            }
                        }
                        AssistantBlock::Text(t) => {
                            if same_model {
                                content.push(block.clone());
                            } else {
                                content.push(AssistantBlock::Text(TextContent { text: t.text.clone(), text_signature: None }));
                            }
                        }
                        AssistantBlock::ToolCall(tc) => {
                            let mut tc = tc.clone();
                            if !same_model {
                                tc.thought_signature = None;
                                let normalized = normalize_tool_call_id(&tc.id);
                                if normalized != tc.id {
                                    id_map.insert(tc.id.clone(), normalized.clone());
                                    tc.id = normalized;
                                }
                            }
                            content.push(AssistantBlock::ToolCall(tc));
                        }
                    }
                }
                Cow::Owned(Message::Assistant(AssistantMessage { content, ..a.clone() }))
            }
        };
        transformed.push(msg);
    }

    let mut result = Vec::with_capacity(transformed.len());
    let mut pending: Vec<(String, String)> = Vec::new();
    let mut existing: HashSet<String> = HashSet::new();
    let flush = |result: &mut Vec<Cow<'a, Message>>, pending: &mut Vec<(String, String)>, existing: &mut HashSet<String>| {
        for (id, name) in pending.drain(..) {
            if !existing.contains(&id) {
                result.push(Cow::Owned(Message::ToolResult(ToolResultMessage {
                    tool_call_id: id,
                    tool_name: name,
                    content: vec![UserBlock::Text(TextContent { text: "No result provided".into(), text_signature: None })],
                    is_error: true,
                    details: None,
                    timestamp: None,
                })));
            }
        }
        existing.clear();
    };
    for msg in transformed {
        match &*msg {
            Message::Assistant(a) => {
                flush(&mut result, &mut pending, &mut existing);
                if matches!(a.stop_reason.as_deref(), Some("error") | Some("aborted")) {
                    continue;
                }
                let calls: Vec<(String, String)> = a
                    .content
                    .iter()
                    .filter_map(|b| match b {
                        AssistantBlock::ToolCall(tc) => Some((tc.id.clone(), tc.name.clone())),
                        _ => None,
                    })
                    .collect();
                if !calls.is_empty() {
                    pending = calls;
                    existing.clear();
                }
                result.push(msg);
            }
            Message::ToolResult(t) => {
                existing.insert(t.tool_call_id.clone());
                result.push(msg);
            }
            Message::User(_) => {
                flush(&mut result, &mut pending, &mut existing);
                result.push(msg);
            }
        }
    }
    flush(&mut result, &mut pending, &mut existing);
    result
}

fn tool_result_block(t: &ToolResultMessage, content: &[UserBlock]) -> Result<Value> {
    let mut blocks = content
        .iter()
        .filter_map(|c| match c {
            UserBlock::Image(img) => Some(image_block(img)),
            UserBlock::Text(tx) => non_blank_text(&tx.text).map(Ok),
        })
        .collect::<Result<Vec<_>>>()?;
    if blocks.is_empty() {
        blocks.push(json!({ "text": EMPTY_TEXT_PLACEHOLDER }));
    }
    Ok(json!({ "toolResult": {
        "toolUseId": t.tool_call_id,
        "content": blocks,
        "status": if t.is_error { "error" } else { "success" },
    }}))
}

/// pi-ai `convertMessages` (minus the cache point, added by the caller after merging).
fn convert_messages(messages: &[Cow<'_, Message>], family: &ModelFamily) -> Result<Vec<Value>> {
    let mut result = Vec::with_capacity(messages.len());
    let mut i = 0;
    while i < messages.len() {
        match &*messages[i] {
            Message::User(u) => {
                // pi-ai 1.6: blank text is dropped; nothing left (or a blank string) is `<empty>`.
                let mut content = match &u.content {
                    UserContent::Text(s) => non_blank_text(s).into_iter().collect::<Vec<_>>(),
                    UserContent::Blocks(blocks) => blocks
                        .iter()
                        .filter_map(|b| match b {
                            UserBlock::Text(t) => non_blank_text(&t.text).map(Ok),
                            UserBlock::Image(img) => Some(image_block(img)),
                        })
                        .collect::<Result<Vec<_>>>()?,
                };
                if content.is_empty() {
                    content.push(json!({ "text": EMPTY_TEXT_PLACEHOLDER }));
                }
                result.push(json!({ "role": "user", "content": content }));
            }
            Message::Assistant(a) => {
                let mut blocks = Vec::new();
                for block in &a.content {
                    match block {
                        AssistantBlock::Text(t) => {
                            if !js_trim_is_empty(&t.text) {
                                blocks.push(json!({ "text": t.text }));
                            }
                        }
                        AssistantBlock::ToolCall(tc) => {
                            let mut tool_use = Map::new();
                            tool_use.insert("toolUseId".into(), json!(tc.id));
                            tool_use.insert("name".into(), json!(tc.name));
                            if let Some(args) = &tc.arguments {
                                tool_use.insert("input".into(), without_empty_keys(args));
                            }
                            blocks.push(json!({ "toolUse": Value::Object(tool_use) }));
                        }
                        AssistantBlock::Thinking(th) => {
                            let signature = th.thinking_signature.as_deref().filter(|s| !js_trim_is_empty(s));
                            // pi-ai 1.6: redacted reasoning goes back as the opaque
                            // `redactedContent` it came as; without a decodable payload it is dropped.
                            if th.redacted == Some(true) {
                                if let Some(data) = th.thinking_signature.as_deref().and_then(canonical_base64).filter(|d| !d.is_empty()) {
                                    blocks.push(json!({ "reasoningContent": { "redactedContent": data } }));
                                }
                                continue;
                            }
                            if js_trim_is_empty(&th.thinking) {
                                continue;
                            }
                            if family.is_anthropic_claude() {
                                match signature {
                                    None => blocks.push(json!({ "text": th.thinking })),
                                    Some(_) => blocks.push(json!({ "reasoningContent": { "reasoningText": {
                                        "text": th.thinking,
                                        "signature": th.thinking_signature,
                                    }}})),
                                }
                            } else {
                                blocks.push(json!({ "reasoningContent": { "reasoningText": { "text": th.thinking } } }));
                            }
                        }
                    }
                }
                if !blocks.is_empty() {
                    result.push(json!({ "role": "assistant", "content": blocks }));
                }
            }
            Message::ToolResult(_) => {
                // Consecutive tool results go into one user message, as Bedrock requires.
                // Claude rejects images in error results: they follow all the results of
                // the turn, each group after a caption (pi-ai 1.6 `splitErrorToolResultImages`).
                let mut results = Vec::new();
                let mut error_images = Vec::new();
                while let Some(Message::ToolResult(t)) = messages.get(i).map(|m| &**m) {
                    let has_images = t.content.iter().any(|c| matches!(c, UserBlock::Image(_)));
                    if family.is_anthropic_claude() && t.is_error && has_images {
                        let content = replace_images_with_placeholder(&t.content, ERROR_TOOL_IMAGE_PLACEHOLDER);
                        results.push(tool_result_block(t, &content)?);
                        error_images.push(json!({ "text": format!(
                            "Images from the error result of tool call {} ({}):", t.tool_call_id, t.tool_name
                        )}));
                        for c in &t.content {
                            if let UserBlock::Image(img) = c {
                                error_images.push(image_block(img)?);
                            }
                        }
                    } else {
                        results.push(tool_result_block(t, &t.content)?);
                    }
                    i += 1;
                }
                results.extend(error_images);
                result.push(json!({ "role": "user", "content": results }));
                continue;
            }
        }
        i += 1;
    }
    Ok(result)
}

const EMPTY_TEXT_PLACEHOLDER: &str = "<empty>";
const ERROR_TOOL_IMAGE_PLACEHOLDER: &str = "(image attached after the tool results)";

/// pi-ai 1.6 `createNonBlankTextBlock`.
fn non_blank_text(text: &str) -> Option<Value> {
    (!js_trim_is_empty(text)).then(|| json!({ "text": text }))
}

/// pi-ai 1.6 `sanitizeBedrockDocument`: object members with an empty key removed, at any
/// depth (Bedrock rejects them in a document).
fn without_empty_keys(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(without_empty_keys).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().filter(|(k, _)| !k.is_empty()).map(|(k, v)| (k.clone(), without_empty_keys(v))).collect())
        }
        other => other.clone(),
    }
}

fn merge_consecutive_same_role(messages: &mut Vec<Value>) {
    let mut merged: Vec<Value> = Vec::with_capacity(messages.len());
    for mut msg in messages.drain(..) {
        if let Some(prev) = merged.last_mut() {
            if prev.get("role").is_some() && prev.get("role") == msg.get("role") {
                if let (Some(Value::Array(into)), Some(Value::Array(more))) =
                    (prev.get_mut("content"), msg.get_mut("content").map(Value::take))
                {
                    into.extend(more);
                    continue;
                }
            }
        }
        merged.push(msg);
    }
    *messages = merged;
}

/// pi-ai 1.6 `convertToolConfig`: tools with `constrainedSampling: { type: "json_schema" }`
/// are sent strict (`toolSpec.strict`, schema rewritten by [`make_strict_json_schema`])
/// when the model supports strict mode.
fn convert_tool_config(
    tools: Option<&[Tool]>,
    tool_choice: Option<&Value>,
    supports_strict: bool,
    disable_preferred: bool,
) -> Result<Option<Value>> {
    let Some(tools) = tools.filter(|t| !t.is_empty()) else { return Ok(None) };
    if tool_choice.and_then(Value::as_str) == Some("none") {
        return Ok(None);
    }
    let specs: Vec<Value> = tools
        .iter()
        .map(|t| {
            let strict_schema =
                if disable_preferred && prefers_strict(t) { None } else { resolve_strict_schema(t, supports_strict)? };
            let mut schema = Map::new();
            if let Some(p) = strict_schema.as_ref().or(t.parameters.as_ref()) {
                schema.insert("json".into(), p.clone());
            }
            let mut spec = Map::new();
            spec.insert("name".into(), json!(t.name));
            spec.insert("inputSchema".into(), Value::Object(schema));
            if let Some(d) = &t.description {
                spec.insert("description".into(), json!(d));
            }
            if strict_schema.is_some() {
                spec.insert("strict".into(), json!(true));
            }
            Ok(json!({ "toolSpec": Value::Object(spec) }))
        })
        .collect::<Result<_>>()?;
    let choice = match tool_choice {
        Some(Value::String(s)) if s == "auto" => Some(json!({ "auto": {} })),
        Some(Value::String(s)) if s == "any" => Some(json!({ "any": {} })),
        Some(Value::Object(o)) if o.get("type").and_then(Value::as_str) == Some("tool") => {
            let mut tool = Map::new();
            if let Some(name) = o.get("name").filter(|n| !n.is_null()) {
                tool.insert("name".into(), name.clone());
            }
            Some(json!({ "tool": Value::Object(tool) }))
        }
        _ => None,
    };
    let mut config = Map::new();
    config.insert("tools".into(), Value::Array(specs));
    if let Some(choice) = choice {
        config.insert("toolChoice".into(), choice);
    }
    Ok(Some(Value::Object(config)))
}

/// pi-ai 1.6 `prefersJsonSchemaStrictSampling`: strict only where the model allows it.
fn prefers_strict(tool: &Tool) -> bool {
    tool.constrained_sampling.as_ref().is_some_and(|c| {
        c.get("type").and_then(Value::as_str) == Some("json_schema") && c.get("strict").and_then(Value::as_str) == Some("prefer")
    })
}

/// Whether the body sends a `strict: "prefer"` tool strict: then a strict-tool-limit
/// rejection is worth one retry without them (pi-ai 1.6 `hasPreferredStrictTools`).
pub fn has_preferred_strict_tools(context: &Context, body: &Value) -> bool {
    let strict_names: Vec<&str> = body
        .pointer("/toolConfig/tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.pointer("/toolSpec/strict") == Some(&Value::Bool(true)))
        .filter_map(|t| t.pointer("/toolSpec/name").and_then(Value::as_str))
        .collect();
    context.tools.iter().flatten().any(|t| prefers_strict(t) && strict_names.contains(&t.name.as_str()))
}

/// pi-ai 1.6 `isStrictToolLimitErrorMessage`: Claude's rejections of too many strict tools.
pub fn is_strict_tool_limit_error(message: &str) -> bool {
    ["The compiled grammar is too large", "Too many strict tools (", "Schemas contains too many parameters with union types ("]
        .iter()
        .any(|m| message.contains(m))
}

/// pi-ai 1.6 `resolveJsonSchemaStrictSampling`: the strict schema to send, if any.
fn resolve_strict_schema(tool: &Tool, supports_strict: bool) -> Result<Option<Value>> {
    let Some(config) = tool.constrained_sampling.as_ref() else { return Ok(None) };
    if config.get("type").and_then(Value::as_str) != Some("json_schema") {
        return Ok(None);
    }
    let required = config.get("strict").and_then(Value::as_str) == Some("require");
    let refuse = |why: &str| {
        Error::invalid_argument(format!("Tool {:?} requires JSON-schema constrained sampling, but {why}.", tool.name))
    };
    if !supports_strict {
        return if required { Err(refuse("strict tools are unsupported")) } else { Ok(None) };
    }
    match make_strict_json_schema(tool.parameters.as_ref().unwrap_or(&Value::Null)) {
        Ok(schema) => Ok(Some(schema)),
        Err(why) if required => Err(refuse(&why)),
        Err(_) => Ok(None),
    }
}

const UNSUPPORTED_STRICT_SCHEMA_KEYS: &[&str] = &[
    "$ref", "$defs", "definitions", "allOf", "oneOf", "patternProperties", "dependentSchemas", "dependencies",
    "unevaluatedProperties", "propertyNames", "contains", "prefixItems", "not", "if", "then", "else",
];

/// pi-ai 1.6 `makeStrictJsonSchema`: every property required (optional ones may be null),
/// `additionalProperties: false`; schemas strict mode cannot express are refused.
pub fn make_strict_json_schema(schema: &Value) -> std::result::Result<Value, String> {
    let mut cloned = schema.clone();
    if !cloned.is_object() {
        return Err("root schema must have type object".into());
    }
    make_strict_node(&mut cloned)?;
    if cloned.get("type").and_then(Value::as_str) != Some("object") {
        return Err("root schema must have type object".into());
    }
    Ok(cloned)
}

fn is_structured_schema(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else { return false };
    let types: Vec<&str> = match obj.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    types.contains(&"object") || types.contains(&"array") || obj.contains_key("properties") || obj.contains_key("items")
}

fn schema_allows_null(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else { return false };
    let ty = obj.get("type");
    if ty.and_then(Value::as_str) == Some("null") || ty.and_then(Value::as_array).is_some_and(|a| a.iter().any(|t| t == "null")) {
        return true;
    }
    if obj.get("const").is_some_and(Value::is_null) || obj.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().any(Value::is_null)) {
        return true;
    }
    obj.get("anyOf").and_then(Value::as_array).is_some_and(|v| v.iter().any(schema_allows_null))
}

fn make_strict_node(schema: &mut Value) -> std::result::Result<(), String> {
    let Some(obj) = schema.as_object_mut() else { return Err("boolean schemas are unsupported".into()) };
    for key in UNSUPPORTED_STRICT_SCHEMA_KEYS {
        if obj.get(*key).is_some_and(|v| !v.is_null()) {
            return Err(format!("{key} schemas are unsupported"));
        }
    }
    if !obj.contains_key("type") && !obj.contains_key("anyOf") && !obj.contains_key("enum") {
        return Err("schemas without a type are unsupported".into());
    }
    if let Some(any_of) = obj.get_mut("anyOf") {
        let Some(variants) = any_of.as_array_mut().filter(|v| !v.is_empty()) else {
            return Err("anyOf must contain at least one schema".into());
        };
        for variant in variants {
            if is_structured_schema(variant) {
                return Err("object and array unions are unsupported".into());
            }
            make_strict_node(variant)?;
        }
    }
    if let Some(items) = obj.get_mut("items") {
        if items.is_array() {
            return Err("tuple schemas are unsupported".into());
        }
        make_strict_node(items)?;
    }
    let is_object = obj.get("type").and_then(Value::as_str) == Some("object");
    if obj.contains_key("properties") && !is_object {
        return Err("properties require type object".into());
    }
    if !is_object {
        return Ok(());
    }
    if obj.get("additionalProperties").is_some_and(|v| *v != Value::Bool(false)) {
        return Err("schema-valued or true additionalProperties is unsupported".into());
    }
    if obj.get("properties").is_some_and(|p| !p.is_object()) {
        return Err("object properties must be a schema map".into());
    }
    let required: Vec<String> = match obj.get("required") {
        None => vec![],
        Some(Value::Array(keys)) if keys.iter().all(Value::is_string) => keys.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(_) => return Err("object required must be a string array".into()),
    };
    let mut names = Vec::new();
    if let Some(Value::Object(properties)) = obj.get_mut("properties") {
        names = properties.keys().cloned().collect();
        if required.iter().any(|k| !names.contains(k)) {
            return Err("required contains an unknown property".into());
        }
        for (key, property) in properties.iter_mut() {
            make_strict_node(property)?;
            if !required.contains(key) && !schema_allows_null(property) {
                let inner = property.take();
                *property = json!({ "anyOf": [inner, { "type": "null" }] });
            }
        }
    } else if !required.is_empty() {
        return Err("required contains an unknown property".into());
    }
    obj.insert("required".into(), json!(names));
    obj.insert("additionalProperties".into(), json!(false));
    Ok(())
}

/// Bedrock `GuardrailStreamConfiguration`, members in the SDK's order.
fn guardrail_config(g: &GuardrailConfig) -> Value {
    let mut out = Map::new();
    out.insert("guardrailIdentifier".into(), json!(g.guardrail_identifier));
    out.insert("guardrailVersion".into(), json!(g.guardrail_version));
    if let Some(trace) = &g.trace {
        out.insert("trace".into(), json!(trace));
    }
    if let Some(mode) = &g.stream_processing_mode {
        out.insert("streamProcessingMode".into(), json!(mode));
    }
    Value::Object(out)
}

/// pi-ai `isGovCloudBedrockTarget`.
fn is_gov_cloud_target(model: &Model, options: &StreamOptions, env: &dyn RawEnvLookup) -> bool {
    let region = options
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| env.get("AWS_REGION").filter(|r| !r.is_empty()))
        .or_else(|| env.get("AWS_DEFAULT_REGION").filter(|r| !r.is_empty()));
    if region.is_some_and(|r| r.to_lowercase().starts_with("us-gov-")) {
        return true;
    }
    let id = model.id.to_lowercase();
    id.starts_with("us-gov.") || id.starts_with("arn:aws-us-gov:")
}

/// The thinking level asked for: `None` for no thinking (unset, empty, or `"off"` —
/// intended difference: pi-ai sends `thinking: { type: "enabled" }` without a budget for
/// `"off"`, which Bedrock rejects). An unknown level is the caller's mistake.
pub fn thinking_level(options: &StreamOptions) -> Result<Option<&str>> {
    match options.reasoning.as_deref() {
        None | Some("") | Some("off") => Ok(None),
        Some(level) if THINKING_LEVELS.contains(&level) => Ok(Some(level)),
        Some(level) => Err(Error::invalid_argument(format!(
            "options.reasoning: unknown thinking level {level:?}; expected one of {}",
            THINKING_LEVELS.join(", ")
        ))),
    }
}

/// pi-ai `mapThinkingLevelToEffort`. Beyond pi-ai, a model object without a
/// `thinkingLevelMap` gets the catalogue's (so `max` reaches Opus 4.6 as `max`).
fn thinking_effort(model: &Model, family: &ModelFamily, level: &str) -> Value {
    if level == "xhigh" && family.supports_native_xhigh() {
        return json!("xhigh");
    }
    if let Some(mapped) = mapped_level(model, family, level) {
        return json!(mapped);
    }
    json!(match level {
        "minimal" | "low" => "low",
        "medium" => "medium",
        _ => "high",
    })
}

/// `model.thinkingLevelMap?.[level]` when it is a string; the catalogue's when the model
/// object carries no map.
fn mapped_level(model: &Model, family: &ModelFamily, level: &str) -> Option<String> {
    match &model.thinking_level_map {
        Some(map) => map.get(level).and_then(Value::as_str).map(str::to_string),
        None => match family.level_support(level) {
            LevelSupport::Native(effort) => Some(effort.to_string()),
            _ => None,
        },
    }
}

const THINKING_BINDING_CONTROLS_BETA: &str = "thinking-binding-controls-2026-08-01";

/// pi-ai 1.6 `buildAdditionalModelRequestFields`: Claude thinking config, OpenAI effort.
fn additional_model_request_fields(
    model: &Model,
    family: &ModelFamily,
    options: &StreamOptions,
    env: &dyn RawEnvLookup,
) -> Result<Option<Value>> {
    let Some(level) = thinking_level(options)? else { return Ok(None) };
    if !model.reasoning {
        return Ok(None);
    }
    if !family.is_anthropic_claude() {
        return Ok(match family.reasoning_field() {
            ReasoningField::GptOss => Some(json!({ "reasoning_effort": match level {
                "minimal" | "low" => "low",
                "medium" => "medium",
                _ => "high",
            }})),
            ReasoningField::Gpt => {
                let effort = match &model.thinking_level_map {
                    Some(map) => map.get(level).and_then(Value::as_str).map(str::to_string),
                    None => None,
                }
                .unwrap_or_else(|| if level == "minimal" { "low".into() } else { level.to_string() });
                Some(json!({ "reasoning": { "effort": effort } }))
            }
            ReasoningField::None => None,
        });
    }
    let gov_cloud = is_gov_cloud_target(model, options, env);
    let display = if gov_cloud { None } else { Some(options.thinking_display.clone().unwrap_or_else(|| "summarized".into())) };
    let block_binding = !gov_cloud && family.supports_block_binding();
    let adaptive = family.supports_adaptive_thinking();
    let mut thinking = Map::new();
    let mut result = Map::new();
    if adaptive {
        thinking.insert("type".into(), json!("adaptive"));
        if let Some(d) = display {
            thinking.insert("display".into(), json!(d));
        }
        if block_binding {
            thinking.insert("block_binding".into(), json!({ "prefix_mismatch_behavior": "drop_block" }));
        }
        result.insert("thinking".into(), Value::Object(thinking));
        result.insert("output_config".into(), json!({ "effort": thinking_effort(model, family, level) }));
        if block_binding {
            result.insert("anthropic_beta".into(), json!([THINKING_BINDING_CONTROLS_BETA]));
        }
    } else {
        // Budget-based Claude has no xhigh/max: their budget is high's.
        let budget_level = clamp_reasoning(level);
        let budget = options
            .thinking_budgets
            .as_ref()
            .and_then(|b| b.get(budget_level))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!(default_thinking_budget(level)));
        thinking.insert("type".into(), json!("enabled"));
        thinking.insert("budget_tokens".into(), budget);
        if let Some(d) = display {
            thinking.insert("display".into(), json!(d));
        }
        result.insert("thinking".into(), Value::Object(thinking));
        if options.interleaved_thinking.unwrap_or(true) {
            result.insert("anthropic_beta".into(), json!(["interleaved-thinking-2025-05-14"]));
        }
    }
    Ok(Some(Value::Object(result)))
}

/// pi-ai `clampReasoning`: budget levels stop at high.
fn clamp_reasoning(level: &str) -> &str {
    if level == "xhigh" || level == "max" { "high" } else { level }
}

/// pi-ai `DEFAULT_THINKING_BUDGETS` (xhigh and max take high's).
fn default_thinking_budget(level: &str) -> u32 {
    match clamp_reasoning(level) {
        "minimal" => 1024,
        "low" => 2048,
        "medium" => 8192,
        _ => 16384,
    }
}

#[cfg(test)]
mod tests;
