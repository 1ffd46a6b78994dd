//! ConverseStream events -> pi-ai `AssistantMessageEvent`s, as compact [`Op`]s.
//!
//! A port of pi-ai 0.73.x `providers/amazon-bedrock.js` (`streamBedrock` and its
//! `handleContentBlock*`/`handleMetadata` helpers) with the AWS SDK's event
//! deserialisation folded in. Each op is either one pi-ai event or an in-place update of
//! the partial message that pi-ai makes without an event (signature, usage, stop
//! reason); the JS side applies ops to ONE message object, so every event costs O(1).
//! Intended differences from pi-ai are marked "DIFF:".

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use super::partial_json::parse_streaming_json;
use crate::error::{Error, ErrorCode};
use crate::eventstream::Message;

/// pi-ai `StopReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Stop,
    Length,
    ToolUse,
    Error,
    Aborted,
}

impl StopReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            StopReason::Stop => "stop",
            StopReason::Length => "length",
            StopReason::ToolUse => "toolUse",
            StopReason::Error => "error",
            StopReason::Aborted => "aborted",
        }
    }

    /// pi-ai `mapStopReason`: anything unknown (guardrail_intervened, content_filtered,
    /// malformed_*) is an error.
    pub fn from_bedrock(raw: Option<&str>) -> StopReason {
        match raw {
            Some("end_turn") | Some("stop_sequence") => StopReason::Stop,
            Some("max_tokens") | Some("model_context_window_exceeded") => StopReason::Length,
            Some("tool_use") => StopReason::ToolUse,
            _ => StopReason::Error,
        }
    }
}

/// Per-million-token prices (pi-ai `model.cost`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ModelCost {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
}

/// pi-ai `Usage` including its `cost` breakdown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    pub total_tokens: f64,
    pub cost_input: f64,
    pub cost_output: f64,
    pub cost_cache_read: f64,
    pub cost_cache_write: f64,
    pub cost_total: f64,
}

/// One step of the stream. `content_index` is the position in `message.content`;
/// `block_index` is Bedrock's `contentBlockIndex` (pi-ai keeps it on the block as
/// `index` until the block stops).
#[derive(Debug, Clone)]
pub enum Op {
    Start,
    TextStart { content_index: usize, block_index: Option<i64> },
    TextDelta { content_index: usize, delta: String },
    TextEnd { content_index: usize },
    ThinkingStart { content_index: usize, block_index: Option<i64> },
    ThinkingDelta { content_index: usize, delta: String },
    /// Appends to `thinkingSignature`; no event (as pi-ai).
    ThinkingSignature { content_index: usize, signature: String },
    /// DIFF: pi-ai drops `redactedContent`; we keep it as pi-ai's Anthropic provider
    /// does (`redacted: true`, placeholder text "[Reasoning redacted]", the opaque base64
    /// data appended to `thinkingSignature`) so it can be replayed. No event.
    ThinkingRedacted { content_index: usize, data: String },
    ThinkingEnd { content_index: usize },
    ToolCallStart { content_index: usize, block_index: Option<i64>, id: Box<str>, name: Box<str> },
    /// `arguments` is the whole partial-JSON parse of the arguments so far.
    ToolCallDelta { content_index: usize, delta: Box<str>, arguments: Value },
    ToolCallEnd { content_index: usize, arguments: Value },
    /// Sets `usage`; no event. (Boxed, as the rarer variants' large fields are: every
    /// op queued for a slow consumer is the size of the largest variant.)
    Usage(Box<Usage>),
    /// Sets `stopReason`; no event.
    StopReason(StopReason),
    /// Final success event.
    Done { reason: StopReason },
    /// Final failure event. `message` is pi-ai's `errorMessage` text.
    Error { reason: StopReason, message: String, error: Box<Error> },
    /// Bedrock answered 200 (pi-ai then calls `options.onResponse`); no event.
    Response { status: u16, request_id: Option<String> },
    /// Raw mode: one Bedrock event (`{ [event_type]: payload }`), payload verified JSON.
    Raw { event_type: Box<str>, payload: Bytes },
}

impl Op {
    pub fn is_terminal(&self) -> bool {
        matches!(self, Op::Done { .. } | Op::Error { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Text,
    Thinking,
    ToolCall,
}

#[derive(Debug)]
struct Block {
    kind: BlockKind,
    /// Bedrock's index; `None` once the block stopped (pi-ai deletes `block.index`).
    index: Option<i64>,
    partial_json: String,
}

/// Stateful mapper for one stream.
#[derive(Debug)]
pub struct Mapper {
    cost: ModelCost,
    blocks: Vec<Block>,
    stop_reason: StopReason,
    /// Bedrock's raw stop reason when it mapped to `error`, for the error's `awsType`.
    raw_stop_reason: Option<String>,
}

// ---- wire shapes (unknown fields, like the padding `p`, are ignored) ----

#[derive(Deserialize)]
struct MessageStartEvent {
    role: Option<String>,
}

#[derive(Deserialize)]
struct BlockStartEvent {
    #[serde(rename = "contentBlockIndex")]
    index: Option<i64>,
    start: Option<BlockStart>,
}

#[derive(Deserialize)]
struct BlockStart {
    #[serde(rename = "toolUse")]
    tool_use: Option<ToolUseStart>,
}

#[derive(Deserialize)]
struct ToolUseStart {
    #[serde(rename = "toolUseId")]
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct BlockDeltaEvent {
    #[serde(rename = "contentBlockIndex")]
    index: Option<i64>,
    delta: Option<BlockDelta>,
}

#[derive(Deserialize)]
struct BlockDelta {
    text: Option<String>,
    #[serde(rename = "toolUse")]
    tool_use: Option<ToolUseDelta>,
    #[serde(rename = "reasoningContent")]
    reasoning: Option<ReasoningDelta>,
}

#[derive(Deserialize)]
struct ToolUseDelta {
    input: Option<String>,
}

#[derive(Deserialize)]
struct ReasoningDelta {
    text: Option<String>,
    signature: Option<String>,
    #[serde(rename = "redactedContent")]
    redacted: Option<String>,
}

#[derive(Deserialize)]
struct BlockStopEvent {
    #[serde(rename = "contentBlockIndex")]
    index: Option<i64>,
}

#[derive(Deserialize)]
struct MessageStopEvent {
    #[serde(rename = "stopReason")]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct MetadataEvent {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(rename = "inputTokens")]
    input: Option<f64>,
    #[serde(rename = "outputTokens")]
    output: Option<f64>,
    #[serde(rename = "totalTokens")]
    total: Option<f64>,
    #[serde(rename = "cacheReadInputTokens")]
    cache_read: Option<f64>,
    #[serde(rename = "cacheWriteInputTokens")]
    cache_write: Option<f64>,
}

#[derive(Deserialize)]
struct ExceptionPayload {
    message: Option<String>,
    #[serde(rename = "Message")]
    message_upper: Option<String>,
}

/// JS `x || 0` on an optional number.
fn or_zero(v: Option<f64>) -> f64 {
    match v {
        Some(n) if n != 0.0 && !n.is_nan() => n,
        _ => 0.0,
    }
}

fn parse<'a, T: Deserialize<'a>>(event_type: &str, payload: &'a [u8]) -> Result<T, Error> {
    // One UTF-8 check of the whole payload, then parsing from text: from bytes,
    // serde_json checks every key and string on its own (five checks per text delta).
    let text = std::str::from_utf8(payload)
        .map_err(|e| Error::protocol(format!("malformed {event_type} event from Bedrock: {e}")))?;
    serde_json::from_str(text).map_err(|e| Error::protocol(format!("malformed {event_type} event from Bedrock: {e}")))
}

/// The human-readable prefixes pi-ai puts before the five exception names its
/// downstream retry logic matches on; other names are used as they are.
pub fn pi_ai_error_prefix(name: &str) -> &str {
    match name {
        "InternalServerException" => "Internal server error",
        "ModelStreamErrorException" => "Model stream error",
        "ValidationException" => "Validation error",
        "ThrottlingException" => "Throttling error",
        "ServiceUnavailableException" => "Service unavailable",
        other => other,
    }
}

/// pi-ai's `errorMessage` for an AWS service exception: `"<prefix>: <message>"`.
pub fn format_aws_error_message(name: &str, message: &str) -> String {
    format!("{}: {}", pi_ai_error_prefix(name), message)
}

/// An in-stream exception as the AWS SDK for JS deserialises it, then as pi-ai formats
/// it. Returns the error and pi-ai's `errorMessage`.
pub fn exception_frame_error(message: &Message) -> (Error, String) {
    let raw_type = message.header_str(":exception-type").unwrap_or("UnknownError");
    // The ConverseStream output union models exactly these five exceptions; the SDK
    // throws them as typed exceptions, anything else as a plain Error whose message is
    // the raw payload text.
    let modeled = matches!(
        raw_type,
        "internalServerException"
            | "modelStreamErrorException"
            | "validationException"
            | "throttlingException"
            | "serviceUnavailableException"
    );
    let body: Option<ExceptionPayload> = serde_json::from_slice(&message.payload).ok();
    let text = body
        .and_then(|b| b.message.or(b.message_upper))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "UnknownError".to_string());
    let mut name = raw_type.to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let mut error = Error::aws(&name, text.clone(), None);
    // In-stream errors follow the type's own retryability (no HTTP status to go by).
    error.retryable = error.code.is_retryable();
    let shown = if modeled {
        format_aws_error_message(&name, &text)
    } else {
        String::from_utf8_lossy(&message.payload).into_owned()
    };
    (error, shown)
}

/// `:message-type: error` frames: the SDK throws `Error(:error-message)` named by
/// `:error-code`; pi-ai shows the message alone.
pub fn error_frame_error(message: &Message) -> (Error, String) {
    let code = message.header_str(":error-code").unwrap_or("UnknownError");
    let text = message.header_str(":error-message").filter(|m| !m.is_empty()).unwrap_or("UnknownError");
    let mut error = Error::aws(code, text, None);
    error.retryable = error.code.is_retryable();
    (error, text.to_string())
}

impl Mapper {
    pub fn new(cost: ModelCost) -> Self {
        Mapper { cost, blocks: Vec::new(), stop_reason: StopReason::Stop, raw_stop_reason: None }
    }

    fn find(&self, index: Option<i64>) -> Option<usize> {
        self.blocks.iter().position(|b| b.index == index)
    }

    /// Maps one `:message-type: event` frame. `Err` ends the stream with that error
    /// (the error text is then the error's message, unprefixed, as pi-ai shows
    /// non-AWS errors).
    pub fn map_event(&mut self, event_type: &str, payload: &[u8], out: &mut Vec<Op>) -> Result<(), Error> {
        match event_type {
            "messageStart" => {
                let e: MessageStartEvent = parse(event_type, payload)?;
                if e.role.as_deref() != Some("assistant") {
                    return Err(Error::protocol(
                        "Unexpected assistant message start but got user message start instead",
                    ));
                }
                out.push(Op::Start);
            }
            "contentBlockStart" => {
                let e: BlockStartEvent = parse(event_type, payload)?;
                if let Some(tool) = e.start.and_then(|s| s.tool_use) {
                    self.blocks.push(Block { kind: BlockKind::ToolCall, index: e.index, partial_json: String::new() });
                    out.push(Op::ToolCallStart {
                        content_index: self.blocks.len() - 1,
                        block_index: e.index,
                        id: tool.id.unwrap_or_default().into(),
                        name: tool.name.unwrap_or_default().into(),
                    });
                }
            }
            "contentBlockDelta" => {
                let e: BlockDeltaEvent = parse(event_type, payload)?;
                self.map_delta(e, out);
            }
            "contentBlockStop" => {
                let e: BlockStopEvent = parse(event_type, payload)?;
                if let Some(i) = self.find(e.index) {
                    let block = &mut self.blocks[i];
                    block.index = None;
                    out.push(match block.kind {
                        BlockKind::Text => Op::TextEnd { content_index: i },
                        BlockKind::Thinking => Op::ThinkingEnd { content_index: i },
                        BlockKind::ToolCall => Op::ToolCallEnd {
                            content_index: i,
                            arguments: parse_streaming_json(&std::mem::take(&mut block.partial_json)),
                        },
                    });
                }
            }
            "messageStop" => {
                let e: MessageStopEvent = parse(event_type, payload)?;
                self.stop_reason = StopReason::from_bedrock(e.stop_reason.as_deref());
                self.raw_stop_reason =
                    if self.stop_reason == StopReason::Error { Some(e.stop_reason.unwrap_or_default()) } else { None };
                out.push(Op::StopReason(self.stop_reason));
            }
            "metadata" => {
                let e: MetadataEvent = parse(event_type, payload)?;
                if let Some(u) = e.usage {
                    out.push(Op::Usage(Box::new(self.usage(&u))));
                }
            }
            // Unknown event types are ignored, as the SDK's `$unknown` union member is.
            _ => {}
        }
        Ok(())
    }

    fn map_delta(&mut self, e: BlockDeltaEvent, out: &mut Vec<Op>) {
        let Some(delta) = e.delta else { return };
        let found = self.find(e.index);
        // The SDK keeps every member present in the delta; pi-ai looks at text first,
        // then toolUse, then reasoningContent.
        if let Some(text) = delta.text {
            let i = match found {
                Some(i) => i,
                None => {
                    self.blocks.push(Block { kind: BlockKind::Text, index: e.index, partial_json: String::new() });
                    let i = self.blocks.len() - 1;
                    out.push(Op::TextStart { content_index: i, block_index: e.index });
                    i
                }
            };
            if self.blocks[i].kind == BlockKind::Text {
                out.push(Op::TextDelta { content_index: i, delta: text });
            }
        } else if let Some(tool) = delta.tool_use.filter(|_| found.is_some_and(|i| self.blocks[i].kind == BlockKind::ToolCall)) {
            let i = found.unwrap_or_default();
            let input = tool.input.unwrap_or_default();
            let block = &mut self.blocks[i];
            block.partial_json.push_str(&input);
            let arguments = parse_streaming_json(&block.partial_json);
            out.push(Op::ToolCallDelta { content_index: i, delta: input.into(), arguments });
        } else if let Some(reasoning) = delta.reasoning {
            let i = match found {
                Some(i) => i,
                None => {
                    self.blocks.push(Block { kind: BlockKind::Thinking, index: e.index, partial_json: String::new() });
                    let i = self.blocks.len() - 1;
                    out.push(Op::ThinkingStart { content_index: i, block_index: e.index });
                    i
                }
            };
            if self.blocks[i].kind != BlockKind::Thinking {
                return;
            }
            if let Some(text) = reasoning.text.filter(|t| !t.is_empty()) {
                out.push(Op::ThinkingDelta { content_index: i, delta: text });
            }
            if let Some(signature) = reasoning.signature.filter(|s| !s.is_empty()) {
                out.push(Op::ThinkingSignature { content_index: i, signature });
            }
            if let Some(data) = reasoning.redacted.filter(|d| !d.is_empty()) {
                out.push(Op::ThinkingRedacted { content_index: i, data });
            }
        }
    }

    /// pi-ai `handleMetadata` + `calculateCost`, same arithmetic order so the doubles match.
    fn usage(&self, u: &WireUsage) -> Usage {
        let input = or_zero(u.input);
        let output = or_zero(u.output);
        let cache_read = or_zero(u.cache_read);
        let cache_write = or_zero(u.cache_write);
        let total_tokens = match or_zero(u.total) {
            0.0 => input + output,
            t => t,
        };
        let cost_input = (self.cost.input / 1000000.0) * input;
        let cost_output = (self.cost.output / 1000000.0) * output;
        let cost_cache_read = (self.cost.cache_read / 1000000.0) * cache_read;
        let cost_cache_write = (self.cost.cache_write / 1000000.0) * cache_write;
        Usage {
            input,
            output,
            cache_read,
            cache_write,
            total_tokens,
            cost_input,
            cost_output,
            cost_cache_read,
            cost_cache_write,
            cost_total: cost_input + cost_output + cost_cache_read + cost_cache_write,
        }
    }

    /// The final op once the body ended cleanly: `done`, or pi-ai's "An unknown error
    /// occurred" when the stop reason mapped to `error`.
    pub fn finish(&self) -> Op {
        if self.stop_reason == StopReason::Error {
            let raw = self.raw_stop_reason.clone().unwrap_or_default();
            let mut error =
                Error::new(ErrorCode::from_stop_reason(&raw), format!("Bedrock stopped the response with stopReason {raw:?}"));
            // Bedrock's own stop reason, for reasons newer than our codes.
            error.aws_type = Some(raw);
            error.retryable = false;
            Op::Error { reason: StopReason::Error, message: "An unknown error occurred".into(), error: Box::new(error) }
        } else {
            Op::Done { reason: self.stop_reason }
        }
    }
}

/// The final error op for a failure: `aborted` keeps pi-ai's reason for cancellation.
pub fn error_op(error: Error, shown: Option<String>) -> Op {
    let reason = if error.code == ErrorCode::Aborted { StopReason::Aborted } else { StopReason::Error };
    let message = shown.unwrap_or_else(|| error.message.clone());
    Op::Error { reason, message, error: Box::new(error) }
}
