//! Incremental decoder for `application/vnd.amazon.eventstream`, the framing of
//! Bedrock's ConverseStream body.
//!
//! A frame is: total length (u32), headers length (u32), prelude CRC32 (over the 8
//! bytes before it), headers, payload, message CRC32 (over everything before it), all
//! big-endian. Bytes are fed in as they arrive ([`FrameDecoder::push_bytes`]) in chunks of
//! any size; complete frames come out as [`Message`]s whose payload is a zero-copy slice
//! of the received chunk.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Result};

const PRELUDE_LEN: usize = 12;
const CRC_LEN: usize = 4;
const MIN_FRAME_LEN: usize = PRELUDE_LEN + CRC_LEN;

/// Largest frame accepted by default. AWS caps event-stream messages at 16 MiB; a
/// larger length is a corrupt or hostile peer, and refusing it bounds our buffer.
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// A header value, one variant per wire type (type byte 0..=9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    Bool(bool),
    Byte(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Bytes(Bytes),
    String(String),
    /// Milliseconds since the Unix epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
}

impl HeaderValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: HeaderValue,
}

/// One decoded frame. Its headers stay in wire form (checked when the frame was
/// decoded) and are read on demand: a stream looks at two of three headers per frame,
/// and building owned names and values for all of them cost seven allocations a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    raw_headers: Bytes,
    pub payload: Bytes,
    /// Size of the whole frame on the wire, for accounting.
    pub frame_len: usize,
}

impl Message {
    /// Every header, in wire order.
    pub fn headers(&self) -> Vec<Header> {
        // Checked at decode time, so parsing again cannot fail.
        parse_headers(&self.raw_headers).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<HeaderValue> {
        self.headers().into_iter().find(|h| h.name == name).map(|h| h.value)
    }

    /// A string header's value, without copying it.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        let mut raw: &[u8] = &self.raw_headers;
        while !raw.is_empty() {
            let (header_name, value_type, value) = split_header(&mut raw).ok()?;
            if header_name == name.as_bytes() {
                if value_type != 7 {
                    return None;
                }
                return known_str(value).or_else(|| std::str::from_utf8(value).ok());
            }
        }
        None
    }

    /// `:message-type` (`event`, `exception`, `error`).
    pub fn message_type(&self) -> Option<&str> {
        self.header_str(":message-type")
    }
}

/// Incremental frame decoder. Feed bytes with [`push_bytes`](Self::push_bytes) (or
/// [`push`](Self::push)), pull frames with [`next_message`](Self::next_message); after the
/// body ends, [`finish`](Self::finish) reports a truncated trailing frame.
///
/// Frames that lie whole inside a received chunk are sliced out of it without a copy;
/// only a frame cut across chunks is assembled in a buffer of its own. So the decoder
/// holds no second copy of the body beside the HTTP layer's (a fast stream would
/// otherwise keep ~32 KiB per open stream here).
#[derive(Debug)]
pub struct FrameDecoder {
    /// The received chunk not yet decoded (frames are sliced out of it).
    chunk: Bytes,
    /// The start of a frame cut across chunks; empty otherwise.
    partial: BytesMut,
    max_frame_len: usize,
    /// Prelude of the frame being assembled in `partial`, once its CRC has been verified.
    pending: Option<(usize, usize)>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(DEFAULT_MAX_FRAME_LEN)
    }
}

impl FrameDecoder {
    pub fn new(max_frame_len: usize) -> Self {
        FrameDecoder {
            chunk: Bytes::new(),
            partial: BytesMut::new(),
            max_frame_len: max_frame_len.max(MIN_FRAME_LEN),
            pending: None,
        }
    }

    /// Feeds a chunk by copying it (see [`push_bytes`](Self::push_bytes)).
    pub fn push(&mut self, chunk: &[u8]) {
        self.push_bytes(Bytes::copy_from_slice(chunk));
    }

    /// Feeds a received chunk; frames inside it are later sliced out without copying.
    pub fn push_bytes(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        if self.chunk.is_empty() {
            self.chunk = chunk;
        } else {
            // The previous chunk was not drained: keep the bytes in order.
            let rest = std::mem::take(&mut self.chunk);
            self.partial.extend_from_slice(&rest);
            self.chunk = chunk;
        }
    }

    /// Bytes received but not yet part of a returned frame.
    pub fn buffered_len(&self) -> usize {
        self.partial.len() + self.chunk.len()
    }

    /// Moves up to `n` bytes from the front of the chunk to the partial frame.
    fn top_up(&mut self, n: usize) {
        let take = n.min(self.chunk.len());
        self.partial.extend_from_slice(&self.chunk[..take]);
        self.chunk.advance(take);
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed.
    pub fn next_message(&mut self) -> Result<Option<Message>> {
        if self.partial.is_empty() {
            // The common case: a whole frame inside the chunk, sliced out as it is.
            if self.chunk.len() < PRELUDE_LEN {
                let rest = std::mem::take(&mut self.chunk);
                self.partial.extend_from_slice(&rest);
                return Ok(None);
            }
            let (total_len, headers_len) = read_prelude(&self.chunk[..PRELUDE_LEN], self.max_frame_len)?;
            if self.chunk.len() >= total_len {
                let frame = self.chunk.split_to(total_len);
                return decode_checked_frame(frame, headers_len).map(Some);
            }
            // Cut across chunks: assemble it, reserving once for the whole frame.
            self.pending = Some((total_len, headers_len));
            self.partial.reserve(total_len);
            let rest = std::mem::take(&mut self.chunk);
            self.partial.extend_from_slice(&rest);
            return Ok(None);
        }
        let (total_len, headers_len) = match self.pending {
            Some(prelude) => prelude,
            None => {
                self.top_up(PRELUDE_LEN - self.partial.len());
                if self.partial.len() < PRELUDE_LEN {
                    return Ok(None);
                }
                let prelude = read_prelude(&self.partial[..PRELUDE_LEN], self.max_frame_len)?;
                self.partial.reserve(prelude.0 - self.partial.len());
                self.pending = Some(prelude);
                prelude
            }
        };
        self.top_up(total_len - self.partial.len());
        if self.partial.len() < total_len {
            return Ok(None);
        }
        self.pending = None;
        let frame = self.partial.split_to(total_len).freeze();
        decode_checked_frame(frame, headers_len).map(Some)
    }

    /// Called when the body ended: leftover bytes mean the last frame was cut off.
    pub fn finish(&self) -> Result<()> {
        let left = self.buffered_len();
        if left == 0 {
            Ok(())
        } else {
            Err(Error::protocol(format!("event stream ended in the middle of a frame ({left} bytes left over)")))
        }
    }
}

/// Decodes exactly one whole frame (tests, single-frame payloads).
pub fn decode_frame(frame: &[u8]) -> Result<Message> {
    if frame.len() < PRELUDE_LEN {
        return Err(Error::protocol(format!("event stream frame too short: {} bytes", frame.len())));
    }
    let (total_len, headers_len) = read_prelude(&frame[..PRELUDE_LEN], usize::MAX)?;
    if total_len != frame.len() {
        return Err(Error::protocol(format!(
            "event stream frame length {total_len} does not match the {} bytes given",
            frame.len()
        )));
    }
    decode_checked_frame(Bytes::copy_from_slice(frame), headers_len)
}

fn read_prelude(prelude: &[u8], max_frame_len: usize) -> Result<(usize, usize)> {
    let mut p = prelude;
    let total_len = p.get_u32() as usize;
    let headers_len = p.get_u32() as usize;
    let expected_crc = p.get_u32();
    let actual_crc = crc32fast::hash(&prelude[..8]);
    if expected_crc != actual_crc {
        return Err(Error::protocol(format!(
            "Prelude checksum mismatch (expected {expected_crc:#010x}, computed {actual_crc:#010x})"
        )));
    }
    if total_len < MIN_FRAME_LEN {
        return Err(Error::protocol(format!("event stream frame length {total_len} is below the 16-byte minimum")));
    }
    if total_len > max_frame_len {
        return Err(Error::protocol(format!(
            "event stream frame of {total_len} bytes exceeds the {max_frame_len}-byte limit"
        )));
    }
    if headers_len > total_len - MIN_FRAME_LEN {
        return Err(Error::protocol(format!(
            "event stream headers length {headers_len} does not fit in a {total_len}-byte frame"
        )));
    }
    Ok((total_len, headers_len))
}

fn decode_checked_frame(frame: Bytes, headers_len: usize) -> Result<Message> {
    let total_len = frame.len();
    let body_end = total_len - CRC_LEN;
    let expected_crc = (&frame[body_end..]).get_u32();
    let actual_crc = crc32fast::hash(&frame[..body_end]);
    if expected_crc != actual_crc {
        return Err(Error::protocol(format!(
            "Message checksum mismatch (expected {expected_crc:#010x}, computed {actual_crc:#010x})"
        )));
    }
    let headers_end = PRELUDE_LEN + headers_len;
    check_headers(&frame[PRELUDE_LEN..headers_end])?;
    Ok(Message {
        raw_headers: frame.slice(PRELUDE_LEN..headers_end),
        payload: frame.slice(headers_end..body_end),
        frame_len: total_len,
    })
}

fn header_label(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Splits the first header off `raw`: its name, value type and value bytes (a string's
/// or byte array's content without its length; a number's big-endian bytes).
fn split_header<'a>(raw: &mut &'a [u8]) -> Result<(&'a [u8], u8, &'a [u8])> {
    let name_len = raw[0] as usize;
    *raw = &raw[1..];
    if name_len == 0 {
        return Err(Error::protocol("event stream header name is empty"));
    }
    if raw.len() < name_len + 1 {
        return Err(Error::protocol("event stream header name length runs past the headers"));
    }
    let name = &raw[..name_len];
    let value_type = raw[name_len];
    *raw = &raw[name_len + 1..];
    let need = |raw: &[u8], n: usize| -> Result<()> {
        if raw.len() < n {
            Err(Error::protocol(format!("event stream header '{}' value runs past the headers", header_label(name))))
        } else {
            Ok(())
        }
    };
    let len = match value_type {
        0 | 1 => 0,
        2 => 1,
        3 => 2,
        4 => 4,
        5 | 8 => 8,
        9 => 16,
        6 | 7 => {
            need(raw, 2)?;
            let len = u16::from_be_bytes([raw[0], raw[1]]) as usize;
            *raw = &raw[2..];
            len
        }
        other => {
            return Err(Error::protocol(format!(
                "event stream header '{}' has unknown value type {other:#04x}",
                header_label(name)
            )))
        }
    };
    need(raw, len)?;
    let value = &raw[..len];
    *raw = &raw[len..];
    Ok((name, value_type, value))
}

/// Header names and values every ConverseStream frame carries. Recognising them by
/// their bytes spares a UTF-8 check per header per frame (frames are ~60 bytes, so the
/// checks were a noticeable share of decoding).
const KNOWN_STRS: [&str; 16] = [
    ":message-type",
    ":event-type",
    ":content-type",
    ":exception-type",
    "event",
    "exception",
    "error",
    "application/json",
    "contentBlockDelta",
    "messageStart",
    "contentBlockStart",
    "contentBlockStop",
    "messageStop",
    "metadata",
    ":error-code",
    ":error-message",
];

fn known_str(bytes: &[u8]) -> Option<&'static str> {
    KNOWN_STRS.iter().copied().find(|k| k.as_bytes() == bytes)
}

fn is_utf8(bytes: &[u8]) -> bool {
    known_str(bytes).is_some() || std::str::from_utf8(bytes).is_ok()
}

/// Checks a header block without building it: lengths, types, UTF-8 names and strings.
fn check_headers(mut raw: &[u8]) -> Result<()> {
    while !raw.is_empty() {
        let (name, value_type, value) = split_header(&mut raw)?;
        if !is_utf8(name) {
            return Err(Error::protocol("event stream header name is not valid UTF-8"));
        }
        if value_type == 7 && !is_utf8(value) {
            return Err(Error::protocol(format!("event stream header '{}' is not valid UTF-8", header_label(name))));
        }
    }
    Ok(())
}

fn parse_headers(mut raw: &[u8]) -> Result<Vec<Header>> {
    let mut headers = Vec::with_capacity(3);
    while !raw.is_empty() {
        let (name, value_type, mut value) = split_header(&mut raw)?;
        let name = std::str::from_utf8(name)
            .map_err(|_| Error::protocol("event stream header name is not valid UTF-8"))?
            .to_string();
        let value = match value_type {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(value.get_i8()),
            3 => HeaderValue::Int16(value.get_i16()),
            4 => HeaderValue::Int32(value.get_i32()),
            5 => HeaderValue::Int64(value.get_i64()),
            6 => HeaderValue::Bytes(Bytes::copy_from_slice(value)),
            7 => HeaderValue::String(
                std::str::from_utf8(value)
                    .map_err(|_| Error::protocol(format!("event stream header '{name}' is not valid UTF-8")))?
                    .to_string(),
            ),
            8 => HeaderValue::Timestamp(value.get_i64()),
            _ => {
                let mut uuid = [0u8; 16];
                uuid.copy_from_slice(value);
                HeaderValue::Uuid(uuid)
            }
        };
        headers.push(Header { name, value });
    }
    Ok(headers)
}

/// Encodes one frame. The runtime never sends frames; tests and benchmarks build
/// streams with it.
pub fn encode_frame(headers: &[Header], payload: &[u8]) -> Vec<u8> {
    let mut header_bytes = Vec::new();
    for header in headers {
        header_bytes.push(header.name.len() as u8);
        header_bytes.extend_from_slice(header.name.as_bytes());
        match &header.value {
            HeaderValue::Bool(true) => header_bytes.push(0),
            HeaderValue::Bool(false) => header_bytes.push(1),
            HeaderValue::Byte(v) => {
                header_bytes.push(2);
                header_bytes.push(*v as u8);
            }
            HeaderValue::Int16(v) => {
                header_bytes.push(3);
                header_bytes.extend_from_slice(&v.to_be_bytes());
            }
            HeaderValue::Int32(v) => {
                header_bytes.push(4);
                header_bytes.extend_from_slice(&v.to_be_bytes());
            }
            HeaderValue::Int64(v) => {
                header_bytes.push(5);
                header_bytes.extend_from_slice(&v.to_be_bytes());
            }
            HeaderValue::Bytes(v) => {
                header_bytes.push(6);
                header_bytes.extend_from_slice(&(v.len() as u16).to_be_bytes());
                header_bytes.extend_from_slice(v);
            }
            HeaderValue::String(v) => {
                header_bytes.push(7);
                header_bytes.extend_from_slice(&(v.len() as u16).to_be_bytes());
                header_bytes.extend_from_slice(v.as_bytes());
            }
            HeaderValue::Timestamp(v) => {
                header_bytes.push(8);
                header_bytes.extend_from_slice(&v.to_be_bytes());
            }
            HeaderValue::Uuid(v) => {
                header_bytes.push(9);
                header_bytes.extend_from_slice(v);
            }
        }
    }
    let total = MIN_FRAME_LEN + header_bytes.len() + payload.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(header_bytes.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// A Bedrock-style frame: `:message-type`, `:event-type`/`:exception-type`, JSON payload.
pub fn encode_event(message_type: &str, event_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_header = if message_type == "exception" { ":exception-type" } else { ":event-type" };
    encode_frame(
        &[
            Header { name: type_header.into(), value: HeaderValue::String(event_type.into()) },
            Header { name: ":content-type".into(), value: HeaderValue::String("application/json".into()) },
            Header { name: ":message-type".into(), value: HeaderValue::String(message_type.into()) },
        ],
        payload,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn round_trips_every_header_type_through_any_chunking() {
        let headers = vec![
            Header { name: "t".into(), value: HeaderValue::Bool(true) },
            Header { name: "f".into(), value: HeaderValue::Bool(false) },
            Header { name: "b".into(), value: HeaderValue::Byte(-5) },
            Header { name: "s".into(), value: HeaderValue::Int16(-300) },
            Header { name: "i".into(), value: HeaderValue::Int32(70000) },
            Header { name: "l".into(), value: HeaderValue::Int64(1 << 40) },
            Header { name: "y".into(), value: HeaderValue::Bytes(Bytes::from_static(b"\x00\x01")) },
            Header { name: "str".into(), value: HeaderValue::String("héllo".into()) },
            Header { name: "ts".into(), value: HeaderValue::Timestamp(8675309) },
            Header { name: "u".into(), value: HeaderValue::Uuid([7; 16]) },
        ];
        let mut wire = encode_frame(&headers, b"payload one");
        wire.extend(encode_event("event", "messageStart", b"{}"));
        for chunk in [1usize, 3, 17, wire.len()] {
            let mut decoder = FrameDecoder::default();
            let mut got = Vec::new();
            for piece in wire.chunks(chunk) {
                decoder.push(piece);
                while let Some(m) = decoder.next_message().expect("valid") {
                    got.push(m);
                }
            }
            decoder.finish().expect("nothing left over");
            assert_eq!(got.len(), 2, "chunk {chunk}");
            assert_eq!(got[0].headers(), headers);
            assert_eq!(&got[0].payload[..], b"payload one");
            assert_eq!(got[1].header_str(":event-type"), Some("messageStart"));
        }
    }

    #[test]
    fn oversized_and_truncated_frames_are_protocol_errors() {
        let frame = encode_event("event", "x", &[b'a'; 100]);
        let mut small = FrameDecoder::new(64);
        small.push(&frame);
        let err = small.next_message().unwrap_err();
        assert_eq!(err.code, ErrorCode::Protocol);
        assert!(err.message.contains("exceeds"), "{}", err.message);

        let mut cut = FrameDecoder::default();
        cut.push(&frame[..frame.len() - 1]);
        assert!(cut.next_message().expect("incomplete is fine").is_none());
        assert_eq!(cut.finish().unwrap_err().code, ErrorCode::Protocol);
    }
}
