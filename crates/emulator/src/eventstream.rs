//! `application/vnd.amazon.eventstream` frame encoder (and a small strict decoder used by
//! the emulator's own tests and by fault injection).
//!
//! Frame layout (all integers big-endian):
//! ```text
//! [total length u32][headers length u32][prelude CRC32 u32][headers][payload][message CRC32 u32]
//! ```
//! The prelude CRC covers the first 8 bytes; the message CRC covers everything before it.
//! A header is `[name len u8][name][type u8][value]`; types: 0 true, 1 false, 2 byte,
//! 3 int16, 4 int32, 5 int64, 6 bytes (u16 len), 7 string (u16 len), 8 timestamp (i64 ms),
//! 9 uuid (16 bytes).

use serde_json::{Map, Value};

/// One header value, by its wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderValue {
    Bool(bool),
    Byte(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Bytes(Vec<u8>),
    String(String),
    /// Milliseconds since the epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
}

impl HeaderValue {
    /// The wire type byte.
    pub fn type_byte(&self) -> u8 {
        match self {
            HeaderValue::Bool(true) => 0,
            HeaderValue::Bool(false) => 1,
            HeaderValue::Byte(_) => 2,
            HeaderValue::Int16(_) => 3,
            HeaderValue::Int32(_) => 4,
            HeaderValue::Int64(_) => 5,
            HeaderValue::Bytes(_) => 6,
            HeaderValue::String(_) => 7,
            HeaderValue::Timestamp(_) => 8,
            HeaderValue::Uuid(_) => 9,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }
}

/// A decoded or to-be-encoded message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(HeaderValue::as_str)
    }
    pub fn encode(&self) -> Vec<u8> {
        encode_message(&self.headers, &self.payload)
    }
}

fn encode_headers(headers: &[(String, HeaderValue)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let name = name.as_bytes();
        assert!(
            name.len() <= 255,
            "event-stream header name longer than 255 bytes"
        );
        out.push(name.len() as u8);
        out.extend_from_slice(name);
        out.push(value.type_byte());
        match value {
            HeaderValue::Bool(_) => {}
            HeaderValue::Byte(b) => out.push(*b as u8),
            HeaderValue::Int16(v) => out.extend_from_slice(&v.to_be_bytes()),
            HeaderValue::Int32(v) => out.extend_from_slice(&v.to_be_bytes()),
            HeaderValue::Int64(v) | HeaderValue::Timestamp(v) => {
                out.extend_from_slice(&v.to_be_bytes())
            }
            HeaderValue::Bytes(b) => {
                out.extend_from_slice(&(b.len() as u16).to_be_bytes());
                out.extend_from_slice(b);
            }
            HeaderValue::String(s) => {
                out.extend_from_slice(&(s.len() as u16).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            HeaderValue::Uuid(u) => out.extend_from_slice(u),
        }
    }
    out
}

/// Encodes one message: prelude, prelude CRC, headers, payload, message CRC.
pub fn encode_message(headers: &[(String, HeaderValue)], payload: &[u8]) -> Vec<u8> {
    let hdr = encode_headers(headers);
    let total = 12 + hdr.len() + payload.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(hdr.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out[..8]);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&hdr);
    out.extend_from_slice(payload);
    let msg_crc = crc32fast::hash(&out);
    out.extend_from_slice(&msg_crc.to_be_bytes());
    out
}

fn str_header(name: &str, value: &str) -> (String, HeaderValue) {
    (name.to_string(), HeaderValue::String(value.to_string()))
}

/// An `event` frame in Bedrock's header order (`:event-type`, `:content-type`, `:message-type`).
pub fn event_frame(event_type: &str, payload: &[u8]) -> Vec<u8> {
    encode_message(
        &[
            str_header(":event-type", event_type),
            str_header(":content-type", "application/json"),
            str_header(":message-type", "event"),
        ],
        payload,
    )
}

/// An `exception` frame (`:exception-type`, `:content-type`, `:message-type`).
pub fn exception_frame(exception_type: &str, payload: &[u8]) -> Vec<u8> {
    encode_message(
        &[
            str_header(":exception-type", exception_type),
            str_header(":content-type", "application/json"),
            str_header(":message-type", "exception"),
        ],
        payload,
    )
}

const PAD_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// The padding string real Bedrock puts in the `p` field: a prefix of `abc…XYZ012…` of
/// random length.
pub fn padding(len: usize) -> String {
    let len = len.clamp(1, PAD_ALPHABET.len());
    // Invariant: PAD_ALPHABET is ASCII, so any prefix of it is UTF-8.
    String::from_utf8(PAD_ALPHABET[..len].to_vec()).unwrap()
}

/// Random padding length in Bedrock's range (1..=62).
pub fn random_padding() -> String {
    use rand::Rng;
    padding(rand::thread_rng().gen_range(1..=PAD_ALPHABET.len()))
}

/// Sorts object keys recursively, as Bedrock serialises its event payloads — except
/// inside document values (`json`, `input`: model- or tool-produced JSON), which keep
/// their own order.
pub fn sort_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                let child = if k == "json" || k == "input" {
                    m[k].clone()
                } else {
                    sort_keys(&m[k])
                };
                out.insert(k.clone(), child);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// Serialises an event payload the way Bedrock does: keys sorted, compact, with the
/// `p` padding field in its sorted place (when `pad` is given).
pub fn event_payload(data: &Value, pad: Option<&str>) -> Vec<u8> {
    let mut v = data.clone();
    if let (Some(p), Value::Object(m)) = (pad, &mut v) {
        m.insert("p".into(), Value::String(p.to_string()));
    }
    // Invariant: a serde_json::Value (string keys only) always serialises.
    serde_json::to_vec(&sort_keys(&v)).expect("JSON value serialises")
}

/// Why a buffer is not a valid message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the prelude or the declared length.
    Incomplete,
    PreludeChecksumMismatch {
        expected: u32,
        actual: u32,
    },
    MessageChecksumMismatch {
        expected: u32,
        actual: u32,
    },
    InvalidHeadersLength,
    InvalidHeaderNameLength,
    InvalidHeaderValueType(u8),
    InvalidHeaderValue,
    InvalidUtf8String,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Incomplete => write!(f, "incomplete message"),
            DecodeError::PreludeChecksumMismatch { expected, actual } => {
                write!(
                    f,
                    "Prelude checksum mismatch (expected {expected:#010x}, got {actual:#010x})"
                )
            }
            DecodeError::MessageChecksumMismatch { expected, actual } => {
                write!(
                    f,
                    "Message checksum mismatch (expected {expected:#010x}, got {actual:#010x})"
                )
            }
            DecodeError::InvalidHeadersLength => write!(f, "invalid headers length"),
            DecodeError::InvalidHeaderNameLength => write!(f, "invalid header name length"),
            DecodeError::InvalidHeaderValueType(t) => {
                write!(f, "invalid header value type {t:#04x}")
            }
            DecodeError::InvalidHeaderValue => write!(f, "invalid header value"),
            DecodeError::InvalidUtf8String => write!(f, "invalid UTF-8 string"),
        }
    }
}

impl std::error::Error for DecodeError {}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Decodes one message from the front of `buf`; returns it and the bytes consumed.
pub fn decode_message(buf: &[u8]) -> Result<(Message, usize), DecodeError> {
    if buf.len() < 12 {
        return Err(DecodeError::Incomplete);
    }
    let total = be_u32(&buf[0..4]) as usize;
    let hlen = be_u32(&buf[4..8]) as usize;
    let prelude_crc = be_u32(&buf[8..12]);
    let actual = crc32fast::hash(&buf[..8]);
    if prelude_crc != actual {
        return Err(DecodeError::PreludeChecksumMismatch {
            expected: prelude_crc,
            actual,
        });
    }
    if total < 16 || hlen > total - 16 {
        return Err(DecodeError::InvalidHeadersLength);
    }
    if buf.len() < total {
        return Err(DecodeError::Incomplete);
    }
    let hbuf = &buf[12..12 + hlen];
    let mut headers = Vec::new();
    let mut i = 0;
    while i < hbuf.len() {
        let nlen = hbuf[i] as usize;
        i += 1;
        if nlen == 0 || i + nlen > hbuf.len() {
            return Err(DecodeError::InvalidHeaderNameLength);
        }
        let name =
            std::str::from_utf8(&hbuf[i..i + nlen]).map_err(|_| DecodeError::InvalidUtf8String)?;
        i += nlen;
        let ty = *hbuf.get(i).ok_or(DecodeError::InvalidHeaderValue)?;
        i += 1;
        let need = |n: usize, i: usize| {
            if i + n > hbuf.len() {
                Err(DecodeError::InvalidHeaderValue)
            } else {
                Ok(())
            }
        };
        let value = match ty {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => {
                need(1, i)?;
                i += 1;
                HeaderValue::Byte(hbuf[i - 1] as i8)
            }
            3 => {
                need(2, i)?;
                i += 2;
                HeaderValue::Int16(i16::from_be_bytes([hbuf[i - 2], hbuf[i - 1]]))
            }
            4 => {
                need(4, i)?;
                i += 4;
                HeaderValue::Int32(be_u32(&hbuf[i - 4..i]) as i32)
            }
            5 | 8 => {
                need(8, i)?;
                let mut b = [0u8; 8];
                b.copy_from_slice(&hbuf[i..i + 8]);
                i += 8;
                let v = i64::from_be_bytes(b);
                if ty == 5 {
                    HeaderValue::Int64(v)
                } else {
                    HeaderValue::Timestamp(v)
                }
            }
            6 | 7 => {
                need(2, i)?;
                let len = u16::from_be_bytes([hbuf[i], hbuf[i + 1]]) as usize;
                i += 2;
                need(len, i)?;
                let bytes = hbuf[i..i + len].to_vec();
                i += len;
                if ty == 6 {
                    HeaderValue::Bytes(bytes)
                } else {
                    HeaderValue::String(
                        String::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8String)?,
                    )
                }
            }
            9 => {
                need(16, i)?;
                let mut u = [0u8; 16];
                u.copy_from_slice(&hbuf[i..i + 16]);
                i += 16;
                HeaderValue::Uuid(u)
            }
            t => return Err(DecodeError::InvalidHeaderValueType(t)),
        };
        headers.push((name.to_string(), value));
    }
    // Headers are parsed before the message CRC is checked (as smithy-rs does), so a bad
    // header is reported as such.
    let msg_crc = be_u32(&buf[total - 4..total]);
    let actual = crc32fast::hash(&buf[..total - 4]);
    if msg_crc != actual {
        return Err(DecodeError::MessageChecksumMismatch {
            expected: msg_crc,
            actual,
        });
    }
    let payload = buf[12 + hlen..total - 4].to_vec();
    Ok((Message { headers, payload }, total))
}

/// Decodes a whole body into messages.
pub fn decode_all(mut buf: &[u8]) -> Result<Vec<Message>, DecodeError> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let (m, n) = decode_message(buf)?;
        out.push(m);
        buf = &buf[n..];
    }
    Ok(out)
}

/// Splits a body into its frames' byte ranges by the declared lengths (no CRC checks).
pub fn split_frames(buf: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= buf.len() {
        let total = be_u32(&buf[i..i + 4]) as usize;
        if total < 16 || i + total > buf.len() {
            out.push(i..buf.len());
            return out;
        }
        out.push(i..i + total);
        i += total;
    }
    if i < buf.len() {
        out.push(i..buf.len());
    }
    out
}

/// Flips bits in the prelude CRC of an encoded frame.
pub fn corrupt_prelude_crc(frame: &mut [u8]) {
    if frame.len() >= 12 {
        frame[8] ^= 0xDE;
        frame[11] ^= 0xEF;
    }
}

/// Flips bits in the message CRC of an encoded frame.
pub fn corrupt_message_crc(frame: &mut [u8]) {
    let n = frame.len();
    if n >= 16 {
        frame[n - 4] ^= 0xDE;
        frame[n - 1] ^= 0xEF;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_event() {
        let f = event_frame(
            "messageStart",
            &event_payload(&serde_json::json!({"role":"assistant"}), Some("abc")),
        );
        let (m, n) = decode_message(&f).unwrap();
        assert_eq!(n, f.len());
        assert_eq!(m.header_str(":event-type"), Some("messageStart"));
        assert_eq!(m.payload, br#"{"p":"abc","role":"assistant"}"#);
    }

    #[test]
    fn corrupt_is_detected() {
        let mut f = event_frame("x", b"{}");
        corrupt_prelude_crc(&mut f);
        assert!(matches!(
            decode_message(&f),
            Err(DecodeError::PreludeChecksumMismatch { .. })
        ));
        let mut f = event_frame("x", b"{}");
        corrupt_message_crc(&mut f);
        assert!(matches!(
            decode_message(&f),
            Err(DecodeError::MessageChecksumMismatch { .. })
        ));
    }
}
