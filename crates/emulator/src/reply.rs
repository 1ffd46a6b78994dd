//! Default replies: what the emulated model "says" for a Converse / ConverseStream request,
//! and how that becomes stream events or a Converse JSON body.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Reasoning {
        text: String,
        signature: String,
    },
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Present (Some) only when the request carried cache points.
    pub cache_read: Option<u64>,
    pub cache_write: Option<u64>,
}

impl Usage {
    pub fn to_json(&self) -> Value {
        let total = self.input_tokens
            + self.output_tokens
            + self.cache_read.unwrap_or(0)
            + self.cache_write.unwrap_or(0);
        let mut u = json!({
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "totalTokens": total,
        });
        if let (Some(r), Some(w)) = (self.cache_read, self.cache_write) {
            u["cacheReadInputTokens"] = json!(r);
            u["cacheWriteInputTokens"] = json!(w);
        }
        u
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub blocks: Vec<Block>,
    pub stop_reason: String,
    pub usage: Usage,
    pub latency_ms: u64,
}

/// Rough token count (4 characters a token, at least 1 for non-empty text).
pub fn approx_tokens(chars: usize) -> u64 {
    (chars as u64).div_ceil(4)
}

fn content_text(content: &Value) -> String {
    let mut out = Vec::new();
    for block in content.as_array().into_iter().flatten() {
        if let Some(t) = block["text"].as_str() {
            out.push(t.to_string());
        }
    }
    out.join("\n")
}

/// The last user message's text and, when it carries tool results, their text.
fn last_user(body: &Value) -> (String, Vec<(String, String)>) {
    let msgs = body["messages"].as_array().cloned().unwrap_or_default();
    let Some(last) = msgs.iter().rev().find(|m| m["role"] == "user") else {
        return (String::new(), Vec::new());
    };
    let text = content_text(&last["content"]);
    let mut results = Vec::new();
    for block in last["content"].as_array().into_iter().flatten() {
        if let Some(tr) = block.get("toolResult") {
            let id = tr["toolUseId"].as_str().unwrap_or_default().to_string();
            let mut parts = Vec::new();
            for c in tr["content"].as_array().into_iter().flatten() {
                if let Some(t) = c["text"].as_str() {
                    parts.push(t.to_string());
                } else if let Some(j) = c.get("json") {
                    parts.push(j.to_string());
                }
            }
            results.push((id, parts.join(" ")));
        }
    }
    (text, results)
}

/// Whether the request asks a model for thinking (Anthropic `thinking`, Nova
/// `reasoningConfig`/`reasoning_config`, OpenAI-style `reasoning_effort`).
pub fn thinking_requested(body: &Value) -> bool {
    let f = &body["additionalModelRequestFields"];
    let thinking = &f["thinking"];
    let on = |v: &Value| v.is_object() && v["type"].as_str().is_none_or(|t| t != "disabled");
    on(thinking)
        || on(&f["reasoning_config"])
        || on(&f["reasoningConfig"])
        || f["reasoning_effort"].is_string()
}

fn random_alnum(n: usize) -> String {
    use rand::Rng;
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut r = rand::thread_rng();
    (0..n).map(|_| A[r.gen_range(0..A.len())] as char).collect()
}

/// A tool-use id in Bedrock's format (`tooluse_` + 22 characters).
pub fn tool_use_id() -> String {
    format!("tooluse_{}", random_alnum(22))
}

fn signature_for(text: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut bytes = Vec::new();
    for i in 0..8u8 {
        let mut h = Sha256::new();
        h.update([i]);
        h.update(text.as_bytes());
        bytes.extend_from_slice(&h.finalize());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Picks the tool the prompt asks for: one named in the prompt, else (when the prompt says
/// "tool"/"call"/"use the") the first one. None when no tool is asked for.
fn pick_tool(body: &Value, prompt: &str) -> Option<Value> {
    let tools: Vec<Value> = body["toolConfig"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("toolSpec").cloned())
        .collect();
    if tools.is_empty() {
        return None;
    }
    if body["toolConfig"]["toolChoice"].get("none").is_some() {
        return None;
    }
    let lower = prompt.to_ascii_lowercase();
    if let Some(t) = tools.iter().find(|t| {
        t["name"]
            .as_str()
            .is_some_and(|n| lower.contains(&n.to_ascii_lowercase()))
    }) {
        return Some(t.clone());
    }
    if let Some(name) = body["toolConfig"]["toolChoice"]["tool"]["name"].as_str() {
        return tools.iter().find(|t| t["name"] == name).cloned();
    }
    let forced = body["toolConfig"]["toolChoice"].get("any").is_some();
    let asks = ["tool", "call ", "use the", "function"]
        .iter()
        .any(|k| lower.contains(k));
    (forced || asks).then(|| tools[0].clone())
}

/// Example arguments for a JSON schema: strings from the prompt's quoted text (or
/// "example"), numbers 1, booleans true, arrays/objects filled recursively.
fn example_for(schema: &Value, prompt: &str, depth: usize) -> Value {
    let quoted = prompt
        .split('"')
        .nth(1)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    match schema["type"].as_str() {
        _ if schema["enum"].is_array() => schema["enum"][0].clone(),
        Some("string") => json!(quoted.unwrap_or_else(|| "example".into())),
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") if depth < 4 => json!([example_for(&schema["items"], prompt, depth + 1)]),
        Some("array") => json!([]),
        _ => {
            let mut m = Map::new();
            if depth < 4 {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                for (k, v) in schema["properties"].as_object().into_iter().flatten() {
                    if required.is_empty() || required.contains(&k.as_str()) {
                        m.insert(k.clone(), example_for(v, prompt, depth + 1));
                    }
                }
            }
            Value::Object(m)
        }
    }
}

fn request_chars(body: &Value) -> usize {
    let mut n = 0;
    for key in ["system", "messages", "toolConfig"] {
        if !body[key].is_null() {
            n += body[key].to_string().len();
        }
    }
    n
}

/// Text of everything up to (and including) the last cache point, when any: the
/// "cached prefix". Order as Bedrock caches it: tools, system, messages.
pub fn cache_prefix(body: &Value) -> Option<String> {
    let mut acc = String::new();
    let mut last = None;
    let mut walk = |items: Option<&Vec<Value>>, acc: &mut String| {
        for it in items.into_iter().flatten() {
            if it.get("cachePoint").is_some() {
                last = Some(acc.len());
            } else {
                acc.push_str(&it.to_string());
            }
        }
    };
    walk(body["toolConfig"]["tools"].as_array(), &mut acc);
    walk(body["system"].as_array(), &mut acc);
    for m in body["messages"].as_array().into_iter().flatten() {
        walk(m["content"].as_array(), &mut acc);
    }
    last.map(|n| acc[..n].to_string())
}

/// Builds the default reply for a request body. `cache_seen(prefix)` records a cached
/// prefix and returns whether it was already cached (read) or is new (write).
pub fn default_reply(
    model_id: &str,
    reasoning_model: bool,
    body: &Value,
    cache_seen: &mut dyn FnMut(&str) -> bool,
) -> Reply {
    let (prompt, tool_results) = last_user(body);
    let mut blocks = Vec::new();
    let mut stop = "end_turn".to_string();

    let thinking =
        reasoning_model && (thinking_requested(body) || model_id.contains("deepseek.r1"));
    if thinking {
        let short: String = prompt.chars().take(80).collect();
        let text = format!("The user wrote \"{short}\". I should answer briefly and helpfully.");
        let signature = signature_for(&text);
        blocks.push(Block::Reasoning { text, signature });
    }

    if !tool_results.is_empty() {
        let summary = tool_results
            .iter()
            .map(|(id, r)| format!("{id} returned {r}"))
            .collect::<Vec<_>>()
            .join("; ");
        blocks.push(Block::Text(format!("The tool result is in: {summary}.")));
    } else if let Some(tool) = pick_tool(body, &prompt) {
        let name = tool["name"].as_str().unwrap_or("tool").to_string();
        let schema = tool["inputSchema"]["json"].clone();
        blocks.push(Block::Text(format!("I'll use the {name} tool.")));
        blocks.push(Block::ToolUse {
            id: tool_use_id(),
            name,
            input: example_for(&schema, &prompt, 0),
        });
        stop = "tool_use".into();
    } else {
        let text = if prompt.trim().is_empty() {
            "Hello from the Bedrock emulator.".to_string()
        } else {
            let short: String = prompt.trim().chars().take(200).collect();
            format!("Emulated reply from {model_id}. You said: {short}")
        };
        blocks.push(Block::Text(text));
    }

    // maxTokens: each text/reasoning word counts as a token here.
    let mut output_tokens: u64 = 0;
    let max_tokens = body["inferenceConfig"]["maxTokens"].as_u64();
    let mut truncated = false;
    for b in blocks.iter_mut() {
        match b {
            Block::Reasoning { text, .. } | Block::Text(text) => {
                let words = split_words(text);
                let n = words.len() as u64;
                if let Some(max) = max_tokens {
                    if output_tokens + n > max {
                        let keep = max.saturating_sub(output_tokens) as usize;
                        *text = words[..keep].concat();
                        output_tokens = max;
                        truncated = true;
                        break;
                    }
                }
                output_tokens += n;
            }
            Block::ToolUse { input, .. } => output_tokens += approx_tokens(input.to_string().len()),
        }
    }
    if truncated {
        // Drop blocks past the cut (and empty ones).
        let mut budget_hit = false;
        blocks.retain(|b| {
            if budget_hit {
                return false;
            }
            match b {
                Block::Text(t) | Block::Reasoning { text: t, .. } if t.is_empty() => {
                    budget_hit = true;
                    false
                }
                _ => true,
            }
        });
        if let Some(pos) = blocks
            .iter()
            .position(|b| matches!(b, Block::ToolUse { .. }))
        {
            blocks.truncate(pos);
        }
        stop = "max_tokens".into();
    }

    let total_in = approx_tokens(request_chars(body)).max(1);
    let (cache_read, cache_write, input_tokens) = match cache_prefix(body) {
        Some(prefix) => {
            let cached = approx_tokens(prefix.len());
            let input = total_in.saturating_sub(cached).max(1);
            if cache_seen(&prefix) {
                (Some(cached), Some(0), input)
            } else {
                (Some(0), Some(cached), input)
            }
        }
        None => (None, None, total_in),
    };
    Reply {
        blocks,
        stop_reason: stop,
        usage: Usage {
            input_tokens,
            output_tokens: output_tokens.max(1),
            cache_read,
            cache_write,
        },
        latency_ms: 42,
    }
}

/// Splits text into word-sized deltas the way Bedrock streams them: each piece keeps its
/// leading space (`"The"`, `" capital"`, ...).
pub fn split_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if ch.is_whitespace() && !cur.trim().is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits into chunks of `n` characters.
pub fn split_chars(text: &str, n: usize) -> Vec<String> {
    let n = n.max(1);
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n).map(|c| c.iter().collect()).collect()
}

/// Stream events (event type, payload without padding) for a reply. Text blocks start
/// with a delta (no `contentBlockStart`), as Claude does; tool blocks have one.
pub fn stream_events(reply: &Reply, chunk_size: Option<usize>) -> Vec<(String, Value)> {
    let split = |t: &str| match chunk_size {
        Some(n) => split_chars(t, n),
        None => split_words(t),
    };
    let mut ev = vec![("messageStart".to_string(), json!({ "role": "assistant" }))];
    for (i, b) in reply.blocks.iter().enumerate() {
        match b {
            Block::Reasoning { text, signature } => {
                for piece in split(text) {
                    ev.push(("contentBlockDelta".into(), json!({ "contentBlockIndex": i, "delta": { "reasoningContent": { "text": piece } } })));
                }
                ev.push(("contentBlockDelta".into(), json!({ "contentBlockIndex": i, "delta": { "reasoningContent": { "signature": signature } } })));
            }
            Block::Text(text) => {
                for piece in split(text) {
                    ev.push((
                        "contentBlockDelta".into(),
                        json!({ "contentBlockIndex": i, "delta": { "text": piece } }),
                    ));
                }
            }
            Block::ToolUse { id, name, input } => {
                ev.push(("contentBlockStart".into(), json!({ "contentBlockIndex": i, "start": { "toolUse": { "toolUseId": id, "name": name } } })));
                let s = input.to_string();
                let n = (s.chars().count() / 4).max(1);
                for piece in split_chars(&s, n) {
                    ev.push(("contentBlockDelta".into(), json!({ "contentBlockIndex": i, "delta": { "toolUse": { "input": piece } } })));
                }
            }
        }
        ev.push(("contentBlockStop".into(), json!({ "contentBlockIndex": i })));
    }
    ev.push((
        "messageStop".into(),
        json!({ "stopReason": reply.stop_reason }),
    ));
    ev.push((
        "metadata".into(),
        json!({ "usage": reply.usage.to_json(), "metrics": { "latencyMs": reply.latency_ms } }),
    ));
    ev
}

/// The Converse (non-streaming) response body for a reply.
pub fn converse_json(reply: &Reply) -> Value {
    let content: Vec<Value> = reply
        .blocks
        .iter()
        .map(|b| match b {
            Block::Reasoning { text, signature } => json!({ "reasoningContent": { "reasoningText": { "text": text, "signature": signature } } }),
            Block::Text(t) => json!({ "text": t }),
            Block::ToolUse { id, name, input } => json!({ "toolUse": { "toolUseId": id, "name": name, "input": input } }),
        })
        .collect();
    json!({
        "metrics": { "latencyMs": reply.latency_ms },
        "output": { "message": { "content": content, "role": "assistant" } },
        "stopReason": reply.stop_reason,
        "usage": reply.usage.to_json()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_leading_space() {
        assert_eq!(
            split_words("The capital  of"),
            vec!["The", " capital", "  of"]
        );
    }

    #[test]
    fn tool_when_asked() {
        let body = json!({
            "messages": [{"role":"user","content":[{"text":"Please call get_weather for \"Paris\""}]}],
            "toolConfig": {"tools":[{"toolSpec":{"name":"get_weather","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}]}
        });
        let r = default_reply("m", false, &body, &mut |_| false);
        assert_eq!(r.stop_reason, "tool_use");
        assert!(
            matches!(&r.blocks[1], Block::ToolUse { name, input, .. } if name == "get_weather" && input["city"] == "Paris")
        );
    }
}
