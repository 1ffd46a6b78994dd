//! Tool-call arguments as pi-ai 1.6 reads them: while they stream (`StreamingJsonParser`
//! in utils/streaming-json.js, [`streaming_tool_arguments`]) and once complete
//! (`parseToolCallArguments` in utils/json-parse.js, [`parse_tool_call_arguments`]).
//! A port, not a redesign: the gateway sees the same `arguments` at every
//! `toolcall_delta` as with pi-ai.

use serde_json::{Map, Value};

/// pi-ai 1.6 `parseToolCallArguments`: the one strict parse of a tool call's complete
/// argument text (with `repairJson`'s repair pass). Blank text is `{}`; text that is not
/// a JSON object gives `{}` and the error, `<reason>\n\nReceived arguments:\n<text>`.
/// DIFF: `<reason>` is serde_json's wording, not V8's `JSON.parse` message.
pub fn parse_tool_call_arguments(json: &str) -> (Value, Option<String>) {
    if json.trim().is_empty() {
        return (Value::Object(Map::new()), None);
    }
    let parsed = serde_json::from_str::<Value>(json).or_else(|first| {
        let repaired = repair_json(json);
        if repaired == json {
            Err(first)
        } else {
            serde_json::from_str::<Value>(&repaired)
        }
    });
    let reason = match parsed {
        Ok(value @ Value::Object(_)) => return (value, None),
        Ok(_) => "Tool arguments must be a JSON object".to_string(),
        Err(e) => e.to_string(),
    };
    (Value::Object(Map::new()), Some(format!("{reason}\n\nReceived arguments:\n{json}")))
}

/// `repairJson`: escapes raw control characters inside strings and doubles backslashes
/// before characters that are not valid JSON escapes.
pub fn repair_json(json: &str) -> String {
    let chars: Vec<char> = json.chars().collect();
    let mut out = String::with_capacity(json.len() + 8);
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !in_string {
            out.push(c);
            if c == '"' {
                in_string = true;
            }
            i += 1;
            continue;
        }
        if c == '"' {
            out.push(c);
            in_string = false;
            i += 1;
            continue;
        }
        if c == '\\' {
            match chars.get(i + 1).copied() {
                None => {
                    out.push_str("\\\\");
                    i += 1;
                    continue;
                }
                Some('u') => {
                    let digits: Vec<char> = chars.iter().skip(i + 2).take(4).copied().collect();
                    if digits.len() == 4 && digits.iter().all(|d| d.is_ascii_hexdigit()) {
                        out.push_str("\\u");
                        out.extend(digits);
                        i += 6;
                        continue;
                    }
                    // `u` is itself a valid escape character in pi-ai's set.
                    out.push_str("\\u");
                    i += 2;
                    continue;
                }
                Some(next) if matches!(next, '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => {
                    out.push('\\');
                    out.push(next);
                    i += 2;
                    continue;
                }
                Some(_) => {
                    out.push_str("\\\\");
                    i += 1;
                    continue;
                }
            }
        }
        if (c as u32) <= 0x1f {
            match c {
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                other => out.push_str(&format!("\\u{:04x}", other as u32)),
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_arguments_read_like_pi_ai_1_6() {
        // Expected values produced by pi-ai 1.6.0's ToolCallArgumentsStream on the same inputs.
        let cases: Vec<(&str, &str)> = vec![
            ("", "{}"),
            ("{", "{}"),
            ("{\"a", "{}"),
            ("{\"a\":", "{}"),
            ("{\"a\": \"hel", "{\"a\": \"hel\"}"),
            ("{\"a\": \"hel ", "{\"a\": \"hel \"}"),
            ("{\"a\": 12", "{\"a\": 12}"),
            ("{\"a\": [1, 2", "{\"a\": [1, 2]}"),
            ("{\"a\": tr", "{\"a\": true}"),
            ("{\"a\": {\"b\": nu", "{\"a\": {\"b\": null}}"),
            ("{\"path\": \"C:\\dir", "{\"path\": \"C:\\\\dir\"}"),
            ("{\"a\": \"x\\", "{\"a\": \"x\"}"),
            ("{\"a\": 1}", "{\"a\": 1}"),
            ("null", "{}"),
            ("{\"a\": \"\\u12", "{\"a\": \"\"}"),
            ("{\"a\": \"\\u00e9\\ud83d\\ude00!", "{\"a\": \"é😀!\"}"),
            ("[1, {\"x\": -", "{}"),
            ("{\"a\":1e", "{\"a\": 1}"),
            ("{\"a\": \"line\nbreak\"}", "{\"a\": \"line\\nbreak\"}"),
            ("{\"a\" 1 \"b\": 2", "{\"a\": 1, \"b\": 2}"),
            ("{\"a\": 1, \"b\": xyz, \"c\": 3}", "{\"a\": 1, \"c\": 3}"),
            ("{\"a\": 1} trailing", "{\"a\": 1}"),
            ("{\"a\": [1, 2}", "{\"a\": [1, 2]}"),
            ("{\"a\":1.5e+", "{\"a\": 1.5}"),
            ("{\"a\": -0.5, \"b\": [true, false, null]}", "{\"a\": -0.5, \"b\": [true, false, null]}"),
            ("{\"k\": \"v\", \"k\": \"w\"}", "{\"k\": \"w\"}"),
            ("\"str", "{}"),
            ("[1,2", "{}"),
            ("{\"a\": [{\"b\": \"c\\td\\q\"}]", "{\"a\": [{\"b\": \"c\\td\\\\q\"}]}"),
        ];
        for (input, want) in cases {
            let want: Value = serde_json::from_str(want).expect("expected JSON");
            assert_eq!(streaming_tool_arguments(input), want, "input {input:?}");
        }
    }
}

/// The partial arguments pi-ai 1.6 shows at each `toolcall_delta`: the value of the text so
/// far read by its `StreamingJsonParser` (utils/streaming-json.js), as an object (`{}` while
/// the value is anything else). Rules for incomplete text: an open string shows what was
/// read (trailing whitespace kept, an unfinished escape held back); open containers show
/// their members and elements so far; a member whose key or value has not started is
/// omitted; an unfinished literal shows once it is a prefix of `true`/`false`/`null`, an
/// unfinished number once its digits form one. Malformed text is read leniently: raw
/// control characters kept, invalid escapes kept as text, missing commas and colons
/// tolerated, values in invalid positions and unknown words dropped, text after the root
/// value ignored. DIFF: pi-ai's snapshot of a very large open container (thousands of
/// elements) may lag a few deltas behind the text to bound its copying; this one never lags.
pub fn streaming_tool_arguments(text: &str) -> Value {
    match StreamingJson::read(text) {
        Some(value @ Value::Object(_)) => value,
        _ => Value::Object(Map::new()),
    }
}

#[derive(Clone)]
enum Slot {
    Root,
    Element,
    Member(String),
}

#[derive(PartialEq, Clone, Copy)]
enum Phase {
    Key,
    Colon,
    Value,
    Comma,
}

struct Frame {
    container: Value,
    slot: Option<Slot>,
    key: Option<String>,
    phase: Phase,
}

struct OpenString {
    is_key: bool,
    slot: Option<Slot>,
    units: Vec<u16>,
    escape: String,
}

#[derive(Default)]
struct StreamingJson {
    root: Option<Value>,
    root_started: bool,
    done: bool,
    stack: Vec<Frame>,
    string: Option<OpenString>,
    scalar: String,
    scalar_slot: Option<Slot>,
}

fn is_delimiter(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | ',' | ':' | '{' | '}' | '[' | ']' | '"')
}

fn is_json_number(token: &str) -> bool {
    let b = token.as_bytes();
    // Advances past a run of digits; false when there was none.
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        _ if digits(&mut i) => {}
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

fn number_value(token: &str) -> Option<Value> {
    let n: f64 = token.parse().ok()?;
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Some(Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Value::Number)
}

const LITERALS: [(&str, fn() -> Value); 3] =
    [("true", || Value::Bool(true)), ("false", || Value::Bool(false)), ("null", || Value::Null)];

/// A complete number or literal token's value; `None` (dropped) for anything else.
fn scalar_value(token: &str) -> Option<Value> {
    if let Some((_, v)) = LITERALS.iter().find(|(l, _)| *l == token) {
        return Some(v());
    }
    if is_json_number(token) {
        number_value(token)
    } else {
        None
    }
}

/// What an unfinished number or literal at the end of the text shows.
fn pending_scalar_value(token: &str) -> Option<Value> {
    if token.is_empty() || token.len() > 64 {
        return None;
    }
    if let Some((_, v)) = LITERALS.iter().find(|(l, _)| l.starts_with(token)) {
        return Some(v());
    }
    if is_json_number(token) {
        return number_value(token);
    }
    // An exponent without digits is ignored: `1.5e` shows 1.5.
    let cut = token.find(['e', 'E'])?;
    let rest = &token[cut + 1..];
    if (rest.is_empty() || rest == "+" || rest == "-") && is_json_number(&token[..cut]) {
        number_value(&token[..cut])
    } else {
        None
    }
}

impl StreamingJson {
    fn read(text: &str) -> Option<Value> {
        let mut p = StreamingJson::default();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if p.done {
                break;
            }
            if p.string.is_some() {
                p.string_char(c);
            } else if !p.scalar.is_empty() {
                if is_delimiter(c) {
                    p.end_scalar();
                    if !p.done {
                        p.structural(c);
                    }
                } else {
                    p.scalar.push(c);
                }
            } else {
                p.structural(c);
            }
        }
        p.snapshot()
    }

    fn value_slot(&self) -> Option<Slot> {
        match self.stack.last() {
            None => (!self.root_started).then_some(Slot::Root),
            Some(f) if f.container.is_array() => Some(Slot::Element),
            Some(f) if matches!(f.phase, Phase::Value | Phase::Colon) => f.key.clone().map(Slot::Member),
            Some(_) => None,
        }
    }

    fn place(&mut self, slot: Option<Slot>, value: Value) {
        match slot {
            None => {}
            Some(Slot::Root) => {
                self.root = Some(value);
                self.root_started = true;
            }
            Some(Slot::Element) => {
                if let Some(Value::Array(a)) = self.stack.last_mut().map(|f| &mut f.container) {
                    a.push(value);
                }
            }
            Some(Slot::Member(key)) => {
                if let Some(Value::Object(m)) = self.stack.last_mut().map(|f| &mut f.container) {
                    m.insert(key, value);
                }
            }
        }
    }

    fn value_ended(&mut self) {
        match self.stack.last_mut() {
            Some(f) => f.phase = Phase::Comma,
            None => {
                if self.root_started {
                    self.done = true;
                }
            }
        }
    }

    fn structural(&mut self, c: char) {
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => {
                let key = self.stack.last().is_some_and(|f| f.container.is_object() && matches!(f.phase, Phase::Key | Phase::Comma));
                let slot = if key { None } else { self.value_slot() };
                if matches!(slot, Some(Slot::Root)) {
                    self.root_started = true;
                }
                self.string = Some(OpenString { is_key: key, slot, units: Vec::new(), escape: String::new() });
            }
            '{' | '[' => {
                let slot = self.value_slot();
                if matches!(slot, Some(Slot::Root)) {
                    self.root_started = true;
                }
                let container = if c == '{' { Value::Object(Map::new()) } else { Value::Array(Vec::new()) };
                let phase = if c == '{' { Phase::Key } else { Phase::Value };
                self.stack.push(Frame { container, slot, key: None, phase });
            }
            '}' | ']' => {
                if let Some(frame) = self.stack.pop() {
                    self.place(frame.slot, frame.container);
                    self.value_ended();
                }
            }
            ':' => {
                if let Some(f) = self.stack.last_mut() {
                    if f.container.is_object() && f.phase == Phase::Colon {
                        f.phase = Phase::Value;
                    }
                }
            }
            ',' => {
                if let Some(f) = self.stack.last_mut() {
                    f.phase = if f.container.is_array() { Phase::Value } else { Phase::Key };
                }
            }
            other => {
                self.scalar.push(other);
                self.scalar_slot = self.value_slot();
            }
        }
    }

    fn end_scalar(&mut self) {
        let token = std::mem::take(&mut self.scalar);
        let slot = self.scalar_slot.take();
        if let Some(value) = scalar_value(&token) {
            self.place(slot, value);
        }
        self.value_ended();
    }

    fn string_char(&mut self, c: char) {
        let Some(s) = self.string.as_mut() else { return };
        if !s.escape.is_empty() {
            if s.escape == "\\" {
                let simple = match c {
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '/' => Some('/'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    _ => None,
                };
                if let Some(d) = simple {
                    s.escape.clear();
                    push_char(&mut s.units, d);
                    return;
                }
                if c == 'u' {
                    s.escape.push('u');
                    return;
                }
                // Invalid escape: the backslash stays as text, `c` is read normally.
                s.escape.clear();
                push_char(&mut s.units, '\\');
            } else if c.is_ascii_hexdigit() {
                s.escape.push(c);
                if s.escape.len() == 6 {
                    let unit = u16::from_str_radix(&s.escape[2..], 16).unwrap_or(0xfffd);
                    s.units.push(unit);
                    s.escape.clear();
                }
                return;
            } else {
                // `\u` without four hex digits: kept as text, `c` is read normally.
                let literal = std::mem::take(&mut s.escape);
                for ch in literal.chars() {
                    push_char(&mut s.units, ch);
                }
            }
        }
        match c {
            '"' => {
                let s = self.string.take().unwrap_or_else(|| unreachable!());
                let text = String::from_utf16_lossy(&s.units);
                if s.is_key {
                    if let Some(f) = self.stack.last_mut() {
                        f.key = Some(text);
                        f.phase = Phase::Colon;
                    }
                } else {
                    self.place(s.slot, Value::String(text));
                    self.value_ended();
                }
            }
            '\\' => s.escape.push('\\'),
            other => push_char(&mut s.units, other),
        }
    }

    /// The value of the text read: open strings, a pending scalar and open containers
    /// folded into their parents.
    fn snapshot(mut self) -> Option<Value> {
        if let Some(s) = self.string.take() {
            if !s.is_key {
                self.place(s.slot, Value::String(String::from_utf16_lossy(&s.units)));
            }
        } else if !self.scalar.is_empty() {
            let slot = self.scalar_slot.take();
            if let Some(v) = pending_scalar_value(&self.scalar) {
                self.place(slot, v);
            }
        }
        while let Some(frame) = self.stack.pop() {
            self.place(frame.slot, frame.container);
        }
        self.root
    }
}

fn push_char(units: &mut Vec<u16>, c: char) {
    let mut buf = [0u16; 2];
    units.extend_from_slice(c.encode_utf16(&mut buf));
}
