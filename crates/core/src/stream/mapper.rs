//! ConverseStream events -> pi-ai `AssistantMessageEvent`s, as compact [`Op`]s.
//!
//! A port of pi-ai 1.6's `api/bedrock-converse-stream.js` (`stream` and its
//! `handleContentBlock*`/`handleMetadata`/`mapStopReason` helpers, `calculateCost`) with
//! the AWS SDK's event deserialisation folded in. Each op is either one pi-ai event or an in-place update of
//! the partial message that pi-ai makes without an event (signature, usage, stop
//! reason); the JS side applies ops to ONE message object, so every event costs O(1).
//! Intended differences from pi-ai are marked "DIFF:".

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use base64::Engine as _;

use super::partial_json::{parse_tool_call_arguments, streaming_tool_arguments};
use crate::error::{Error, ErrorCode};
use crate::eventstream::Message;

/// pi-ai `StopReason`. `Pending` until Bedrock's `messageStop` arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Pending,
    Stop,
    Length,
    ToolUse,
    Error,
    Aborted,
}

impl StopReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            StopReason::Pending => "pending",
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

    /// pi-ai's `errorMessage` for a stop reason that maps to `error`:
    /// `Provider stopped with: <reason>`, none when Bedrock sent no (or an empty) reason.
    pub fn error_message(raw: Option<&str>) -> Option<String> {
        match (StopReason::from_bedrock(raw), raw) {
            (StopReason::Error, Some(r)) if !r.is_empty() => Some(format!("Provider stopped with: {r}")),
            _ => None,
        }
    }
}

/// Per-million-token prices (pi-ai `model.cost`), with its price tiers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelCost {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    /// pi-ai `cost.tiers`: rates that apply once the prompt (input + cache read + cache
    /// write tokens) exceeds `input_tokens_above`; the highest threshold passed wins.
    pub tiers: Vec<CostTier>,
}

/// One of pi-ai's `cost.tiers` entries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostTier {
    pub input_tokens_above: f64,
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
    /// pi-ai `cacheWrite1h`: cache writes with a one-hour TTL (from `cacheDetails`);
    /// `None` when Bedrock sent no `cacheDetails` (pi-ai then leaves it undefined).
    pub cache_write_1h: Option<f64>,
    pub total_tokens: f64,
    pub cost_input: f64,
    pub cost_output: f64,
    pub cost_cache_read: f64,
    pub cost_cache_write: f64,
    pub cost_total: f64,
}

/// One step of the stream. `content_index` is the position in `message.content`
/// (pi-ai 1.6 keeps Bedrock's `contentBlockIndex` in its stream state, never on the block).
#[derive(Debug, Clone)]
pub enum Op {
    Start,
    TextStart { content_index: usize },
    TextDelta { content_index: usize, delta: String },
    TextEnd { content_index: usize },
    ThinkingStart { content_index: usize },
    ThinkingDelta { content_index: usize, delta: String },
    /// Appends to `thinkingSignature`; no event (as pi-ai).
    ThinkingSignature { content_index: usize, signature: String },
    /// The block's first `redactedContent`: `redacted: true`, `thinkingSignature` emptied;
    /// no event (the "[Reasoning redacted]" `ThinkingDelta` that follows is the event).
    ThinkingRedacted { content_index: usize },
    /// Sets `thinkingSignature` to the base64 of all the block's redacted bytes (when the
    /// block stops, or the stream settles with it open); no event.
    ThinkingRedactedData { content_index: usize, data: String },
    ThinkingEnd { content_index: usize },
    ToolCallStart { content_index: usize, id: Box<str>, name: Box<str> },
    /// `arguments` is the whole partial-JSON parse of the arguments so far.
    ToolCallDelta { content_index: usize, delta: Box<str>, arguments: Value },
    /// The one strict parse of the whole argument text (pi-ai `parseToolCallArguments`):
    /// `{}` and `arguments_error` when it is not a JSON object.
    ToolCallEnd { content_index: usize, arguments: Value, arguments_error: Option<String> },
    /// Sets `usage`; no event. (Boxed, as the rarer variants' large fields are: every
    /// op queued for a slow consumer is the size of the largest variant.)
    Usage(Box<Usage>),
    /// Bedrock's `messageStop`: sets `rawStopReason`, `stopReason` and, for a reason that
    /// maps to `error`, `errorMessage`; no event.
    StopReason { reason: StopReason, raw: Option<String>, error_message: Option<String> },
    /// Final success event.
    Done { reason: StopReason },
    /// Final failure event. `message` is pi-ai's `errorMessage` text.
    Error { reason: StopReason, message: String, error: Box<Error> },
    /// Bedrock answered 200 (pi-ai then calls `options.onResponse` with the status and
    /// every response header, names lower-case, repeated ones joined with ", "); no event.
    Response { status: u16, request_id: Option<String>, headers: Vec<(String, String)> },
    /// Bedrock refused the strict "prefer" tools for Claude's strict-tool limits and the
    /// request was sent again without them: pi-ai's `bedrock_strict_tools_fallback`
    /// diagnostic, with Bedrock's message; no event.
    StrictToolsFallback { message: String },
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
    /// Bedrock's index while the block is open (pi-ai's `openBlocks`); `None` once stopped.
    index: Option<i64>,
    partial_json: String,
    redacted: bool,
    /// Redacted reasoning bytes so far (base64-encoded once, when the block settles).
    redacted_bytes: Vec<u8>,
}

impl Block {
    fn new(kind: BlockKind, index: Option<i64>) -> Block {
        Block { kind, index, partial_json: String::new(), redacted: false, redacted_bytes: Vec::new() }
    }
}

/// Stateful mapper for one stream.
#[derive(Debug)]
pub struct Mapper {
    cost: ModelCost,
    blocks: Vec<Block>,
    stop_reason: StopReason,
    /// Bedrock's raw stop reason, for the error's `awsType` when it mapped to `error`.
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
    #[serde(rename = "cacheDetails")]
    cache_details: Option<Vec<CacheDetail>>,
}

#[derive(Deserialize)]
struct CacheDetail {
    ttl: Option<String>,
    #[serde(rename = "inputTokens")]
    input: Option<f64>,
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
    if !modeled {
        // The SDK names an unmodeled exception by its header as sent (`accessDeniedException`).
        error.aws_type = Some(raw_type.to_string());
    }
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
        Mapper { cost, blocks: Vec::new(), stop_reason: StopReason::Pending, raw_stop_reason: None }
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
                    self.blocks.push(Block::new(BlockKind::ToolCall, e.index));
                    out.push(Op::ToolCallStart {
                        content_index: self.blocks.len() - 1,
                        id: tool.id.unwrap_or_default().into(),
                        name: tool.name.unwrap_or_default().into(),
                    });
                }
            }
            "contentBlockDelta" => {
                let e: BlockDeltaEvent = parse(event_type, payload)?;
                self.map_delta(e, out)?;
            }
            "contentBlockStop" => {
                let e: BlockStopEvent = parse(event_type, payload)?;
                if let Some(i) = self.find(e.index) {
                    self.settle(i, out);
                    let block = &mut self.blocks[i];
                    out.push(match block.kind {
                        BlockKind::Text => Op::TextEnd { content_index: i },
                        BlockKind::Thinking => Op::ThinkingEnd { content_index: i },
                        BlockKind::ToolCall => {
                            let (arguments, arguments_error) =
                                parse_tool_call_arguments(&std::mem::take(&mut block.partial_json));
                            Op::ToolCallEnd { content_index: i, arguments, arguments_error }
                        }
                    });
                }
            }
            "messageStop" => {
                let e: MessageStopEvent = parse(event_type, payload)?;
                self.stop_reason = StopReason::from_bedrock(e.stop_reason.as_deref());
                self.raw_stop_reason = e.stop_reason.clone();
                out.push(Op::StopReason {
                    reason: self.stop_reason,
                    error_message: StopReason::error_message(e.stop_reason.as_deref()),
                    raw: e.stop_reason,
                });
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

    fn map_delta(&mut self, e: BlockDeltaEvent, out: &mut Vec<Op>) -> Result<(), Error> {
        let Some(delta) = e.delta else { return Ok(()) };
        let found = self.find(e.index);
        // The SDK keeps every member present in the delta; pi-ai looks at text first,
        // then toolUse, then reasoningContent.
        if let Some(text) = delta.text {
            let i = match found {
                Some(i) => i,
                None => {
                    self.blocks.push(Block::new(BlockKind::Text, e.index));
                    let i = self.blocks.len() - 1;
                    out.push(Op::TextStart { content_index: i });
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
            let arguments = streaming_tool_arguments(&block.partial_json);
            out.push(Op::ToolCallDelta { content_index: i, delta: input.into(), arguments });
        } else if let Some(reasoning) = delta.reasoning {
            let i = match found {
                Some(i) => i,
                None => {
                    self.blocks.push(Block::new(BlockKind::Thinking, e.index));
                    let i = self.blocks.len() - 1;
                    out.push(Op::ThinkingStart { content_index: i });
                    i
                }
            };
            if self.blocks[i].kind != BlockKind::Thinking {
                return Ok(());
            }
            if let Some(text) = reasoning.text.filter(|t| !t.is_empty()) {
                out.push(Op::ThinkingDelta { content_index: i, delta: text });
            }
            // `thinkingSignature` holds a signature or the redacted payload, never both.
            if let Some(signature) = reasoning.signature.filter(|s| !s.is_empty() && !self.blocks[i].redacted) {
                out.push(Op::ThinkingSignature { content_index: i, signature });
            }
            if let Some(data) = reasoning.redacted.filter(|d| !d.is_empty()) {
                // A blob on the wire (base64 in JSON); the SDK hands pi-ai the bytes.
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data.as_bytes())
                    .map_err(|e| Error::protocol(format!("malformed contentBlockDelta event from Bedrock: redactedContent is not base64: {e}")))?;
                let block = &mut self.blocks[i];
                if !bytes.is_empty() {
                    if !block.redacted {
                        block.redacted = true;
                        out.push(Op::ThinkingRedacted { content_index: i });
                        out.push(Op::ThinkingDelta { content_index: i, delta: REDACTED_THINKING_PLACEHOLDER.to_string() });
                    }
                    self.blocks[i].redacted_bytes.extend_from_slice(&bytes);
                }
            }
        }
        Ok(())
    }

    /// Closes open block `i` in the stream state: a redacted thinking block gets its bytes
    /// as base64 in `thinkingSignature` (pi-ai `flushRedactedContent`).
    fn settle(&mut self, i: usize, out: &mut Vec<Op>) {
        let block = &mut self.blocks[i];
        block.index = None;
        if block.redacted && !block.redacted_bytes.is_empty() {
            let data = base64::engine::general_purpose::STANDARD.encode(std::mem::take(&mut block.redacted_bytes));
            out.push(Op::ThinkingRedactedData { content_index: i, data });
        }
    }

    /// pi-ai `flushOpenBlocks`: settles the blocks a stream ended without stopping (on
    /// `done` and on failure alike), without their end events.
    pub fn flush_open_blocks(&mut self, out: &mut Vec<Op>) {
        for i in 0..self.blocks.len() {
            if self.blocks[i].index.is_some() || !self.blocks[i].redacted_bytes.is_empty() {
                self.settle(i, out);
            }
        }
    }

    /// pi-ai `handleMetadata` + `calculateCost` (price tiers, one-hour cache writes at
    /// twice the input price), same arithmetic order so the doubles match.
    fn usage(&self, u: &WireUsage) -> Usage {
        let input = or_zero(u.input);
        let output = or_zero(u.output);
        let cache_read = or_zero(u.cache_read);
        let cache_write = or_zero(u.cache_write);
        let cache_write_1h = u.cache_details.as_ref().map(|details| {
            details
                .iter()
                .map(|d| if d.ttl.as_deref() == Some("1h") { d.input.unwrap_or(0.0) } else { 0.0 })
                .fold(0.0, |total, n| total + n)
        });
        let total_tokens = match or_zero(u.total) {
            0.0 => input + output,
            t => t,
        };
        let prompt_tokens = input + cache_read + cache_write;
        let (mut rates, mut matched) = ((self.cost.input, self.cost.output, self.cost.cache_read, self.cost.cache_write), -1.0);
        for tier in &self.cost.tiers {
            if prompt_tokens > tier.input_tokens_above && tier.input_tokens_above > matched {
                rates = (tier.input, tier.output, tier.cache_read, tier.cache_write);
                matched = tier.input_tokens_above;
            }
        }
        let (rate_input, rate_output, rate_cache_read, rate_cache_write) = rates;
        let long_write = cache_write_1h.unwrap_or(0.0);
        let short_write = cache_write - long_write;
        let cost_input = (rate_input / 1000000.0) * input;
        let cost_output = (rate_output / 1000000.0) * output;
        let cost_cache_read = (rate_cache_read / 1000000.0) * cache_read;
        let cost_cache_write = (rate_cache_write * short_write + rate_input * 2.0 * long_write) / 1000000.0;
        Usage {
            input,
            output,
            cache_read,
            cache_write,
            cache_write_1h,
            total_tokens,
            cost_input,
            cost_output,
            cost_cache_read,
            cost_cache_write,
            cost_total: cost_input + cost_output + cost_cache_read + cost_cache_write,
        }
    }

    /// The final ops once the body ended cleanly: open blocks settled, then `done`; or an
    /// error when Bedrock never said why it stopped (`Bedrock stream ended without a stop
    /// reason`) or its stop reason maps to `error` (`Provider stopped with: <reason>`).
    pub fn finish(&mut self, out: &mut Vec<Op>) {
        self.flush_open_blocks(out);
        out.push(match self.stop_reason {
            StopReason::Pending => {
                let mut error = Error::protocol("Bedrock stream ended without a stop reason");
                error.retryable = false;
                Op::Error { reason: StopReason::Error, message: error.message.clone(), error: Box::new(error) }
            }
            StopReason::Error => {
                let raw = self.raw_stop_reason.clone().unwrap_or_default();
                let mut error = Error::new(
                    ErrorCode::from_stop_reason(&raw),
                    format!("Bedrock stopped the response with stopReason {raw:?}"),
                );
                // Bedrock's own stop reason, for reasons newer than our codes.
                error.aws_type = Some(raw.clone());
                error.retryable = false;
                let message = StopReason::error_message(Some(&raw)).unwrap_or_else(|| "An unknown error occurred".into());
                Op::Error { reason: StopReason::Error, message, error: Box::new(error) }
            }
            reason => Op::Done { reason },
        });
    }
}

/// pi-ai's text for redacted reasoning (its Anthropic path's placeholder).
pub const REDACTED_THINKING_PLACEHOLDER: &str = "[Reasoning redacted]";

/// The final error op for a failure: `aborted` keeps pi-ai's reason for cancellation.
pub fn error_op(error: Error, shown: Option<String>) -> Op {
    let reason = if error.code == ErrorCode::Aborted { StopReason::Aborted } else { StopReason::Error };
    let message = shown.unwrap_or_else(|| error.message.clone());
    Op::Error { reason, message, error: Box::new(error) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(mapper: &mut Mapper, events: &[(&str, Value)]) -> Vec<Op> {
        let mut ops = Vec::new();
        for (event_type, payload) in events {
            mapper.map_event(event_type, payload.to_string().as_bytes(), &mut ops).expect("maps");
        }
        mapper.finish(&mut ops);
        ops
    }

    fn final_error(ops: &[Op]) -> (&str, &Error) {
        match ops.last() {
            Some(Op::Error { message, error, .. }) => (message, error),
            other => panic!("expected an error op, got {other:?}"),
        }
    }

    #[test]
    fn no_message_stop_is_an_error_not_a_success() {
        let mut mapper = Mapper::new(ModelCost::default());
        let ops = map(&mut mapper, &[("messageStart", json!({"role": "assistant"}))]);
        assert_eq!(final_error(&ops).0, "Bedrock stream ended without a stop reason");
    }

    #[test]
    fn unknown_stop_reasons_name_the_reason() {
        let mut mapper = Mapper::new(ModelCost::default());
        let ops = map(&mut mapper, &[("messageStop", json!({"stopReason": "guardrail_intervened"}))]);
        assert!(matches!(&ops[0], Op::StopReason { reason: StopReason::Error, raw: Some(r), error_message: Some(m) }
            if r == "guardrail_intervened" && m == "Provider stopped with: guardrail_intervened"));
        let (message, error) = final_error(&ops);
        assert_eq!(message, "Provider stopped with: guardrail_intervened");
        assert_eq!(error.aws_type.as_deref(), Some("guardrail_intervened"));
        let mut mapper = Mapper::new(ModelCost::default());
        let ops = map(&mut mapper, &[("messageStop", json!({}))]);
        assert_eq!(final_error(&ops).0, "An unknown error occurred");
        let mut mapper = Mapper::new(ModelCost::default());
        let ops = map(&mut mapper, &[("messageStop", json!({"stopReason": "end_turn"}))]);
        assert!(matches!(&ops[0], Op::StopReason { reason: StopReason::Stop, raw: Some(r), error_message: None } if r == "end_turn"));
        assert!(matches!(ops.last(), Some(Op::Done { reason: StopReason::Stop })));
    }

    #[test]
    fn redacted_reasoning_streams_the_placeholder_and_base64s_all_bytes_at_stop() {
        let mut mapper = Mapper::new(ModelCost::default());
        let delta = |d: Value| ("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"reasoningContent": d}}));
        // Two chunks whose base64 texts do not concatenate to the base64 of their bytes.
        let ops = map(
            &mut mapper,
            &[
                delta(json!({"signature": "sig"})),
                delta(json!({"redactedContent": "AQ=="})),
                delta(json!({"redactedContent": "AgM=", "signature": "ignored"})),
                ("contentBlockStop", json!({"contentBlockIndex": 0})),
                ("messageStop", json!({"stopReason": "end_turn"})),
            ],
        );
        let kinds: Vec<String> = ops.iter().map(|op| format!("{op:?}")).collect();
        assert!(matches!(&ops[2], Op::ThinkingRedacted { content_index: 0 }), "{kinds:?}");
        assert!(matches!(&ops[3], Op::ThinkingDelta { delta, .. } if delta == REDACTED_THINKING_PLACEHOLDER), "{kinds:?}");
        assert_eq!(ops.iter().filter(|op| matches!(op, Op::ThinkingSignature { .. })).count(), 1, "{kinds:?}");
        assert!(matches!(&ops[4], Op::ThinkingRedactedData { data, .. } if data == "AQID"), "{kinds:?}");
        assert!(matches!(&ops[5], Op::ThinkingEnd { content_index: 0 }), "{kinds:?}");
        // A stream that settles with the block open still gets the bytes.
        let mut mapper = Mapper::new(ModelCost::default());
        let ops = map(&mut mapper, &[delta(json!({"redactedContent": "AQ=="})), ("messageStop", json!({"stopReason": "end_turn"}))]);
        assert!(ops.iter().any(|op| matches!(op, Op::ThinkingRedactedData { data, .. } if data == "AQ==")), "{ops:?}");
        assert!(!ops.iter().any(|op| matches!(op, Op::ThinkingEnd { .. })), "{ops:?}");
    }

    #[test]
    fn tool_arguments_get_one_strict_parse_at_stop() {
        let mut mapper = Mapper::new(ModelCost::default());
        let ops = map(
            &mut mapper,
            &[
                ("contentBlockStart", json!({"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "t", "name": "f"}}})),
                ("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"a\": [1, 2"}}})),
                ("contentBlockStop", json!({"contentBlockIndex": 0})),
                ("messageStop", json!({"stopReason": "tool_use"})),
            ],
        );
        let end = ops.iter().find_map(|op| match op {
            Op::ToolCallEnd { arguments, arguments_error, .. } => Some((arguments, arguments_error)),
            _ => None,
        });
        let (arguments, error) = end.expect("tool call end");
        assert_eq!(arguments, &json!({}));
        let error = error.as_deref().expect("argumentsError");
        assert!(error.ends_with("\n\nReceived arguments:\n{\"a\": [1, 2"), "{error}");
    }

    #[test]
    fn cost_uses_price_tiers_and_charges_one_hour_writes_at_twice_input() {
        let cost = ModelCost {
            input: 3.0,
            output: 15.0,
            cache_read: 0.3,
            cache_write: 3.75,
            tiers: vec![CostTier { input_tokens_above: 200_000.0, input: 6.0, output: 22.5, cache_read: 0.6, cache_write: 7.5 }],
        };
        let mapper = Mapper::new(cost);
        let usage = |v: Value| mapper.usage(&serde_json::from_value(v).expect("usage"));
        let small = usage(json!({"inputTokens": 1000, "outputTokens": 10, "cacheWriteInputTokens": 300,
            "cacheDetails": [{"ttl": "5m", "inputTokens": 100}, {"ttl": "1h", "inputTokens": 200}]}));
        assert_eq!(small.cache_write_1h, Some(200.0));
        assert_eq!(small.cost_input, 3.0 / 1e6 * 1000.0);
        assert_eq!(small.cost_cache_write, (3.75 * 100.0 + 3.0 * 2.0 * 200.0) / 1e6);
        let large = usage(json!({"inputTokens": 150_000, "cacheReadInputTokens": 60_000, "outputTokens": 10}));
        assert_eq!(large.cache_write_1h, None);
        assert_eq!(large.cost_input, 6.0 / 1e6 * 150_000.0);
        assert_eq!(large.cost_output, 22.5 / 1e6 * 10.0);
    }
}
