//! Property tests for the event-stream decoder: whatever bytes a peer sends, in whatever
//! chunks, the decoder returns frames or a `Protocol` error — it never panics, never
//! loops, and valid frames come back exactly as encoded.
//!
//! Case counts: `PROPTEST_CASES` (default below) scales every property; the long runs
//! reported in the issue used `PROPTEST_CASES=200000`.

use bedrock_core::eventstream::{decode_frame, encode_event, encode_frame, FrameDecoder, Header, HeaderValue};
use bedrock_core::ErrorCode;
use bytes::Bytes;
use proptest::prelude::*;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Feeds `wire` in the given chunk sizes (cycled) and drains every frame; returns the
/// frames decoded and the first error, if any. Asserts progress: once the decoder says
/// "need more bytes" it must not be holding a complete frame.
fn decode_all(wire: &[u8], chunks: &[usize], max_frame: usize) -> (Vec<bedrock_core::eventstream::Message>, Option<bedrock_core::Error>) {
    let mut decoder = FrameDecoder::new(max_frame);
    let mut frames = Vec::new();
    let mut at = 0;
    let mut n = 0;
    while at < wire.len() {
        let size = chunks.get(n % chunks.len().max(1)).copied().unwrap_or(wire.len()).max(1);
        n += 1;
        let end = (at + size).min(wire.len());
        decoder.push(&wire[at..end]);
        at = end;
        loop {
            match decoder.next_message() {
                Ok(Some(m)) => frames.push(m),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    match decoder.finish() {
        Ok(()) => (frames, None),
        Err(e) => (frames, Some(e)),
    }
}

fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        any::<bool>().prop_map(HeaderValue::Bool),
        any::<i8>().prop_map(HeaderValue::Byte),
        any::<i16>().prop_map(HeaderValue::Int16),
        any::<i32>().prop_map(HeaderValue::Int32),
        any::<i64>().prop_map(HeaderValue::Int64),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(|v| HeaderValue::Bytes(Bytes::from(v))),
        ".{0,40}".prop_map(HeaderValue::String),
        any::<i64>().prop_map(HeaderValue::Timestamp),
        any::<[u8; 16]>().prop_map(HeaderValue::Uuid),
    ]
}

fn header() -> impl Strategy<Value = Header> {
    // Names are 1..=255 bytes on the wire; keep them short and non-empty.
    ("[:a-zA-Z0-9_-]{1,24}", header_value()).prop_map(|(name, value)| Header { name, value })
}

fn valid_frame() -> impl Strategy<Value = (Vec<Header>, Vec<u8>)> {
    (proptest::collection::vec(header(), 0..6), proptest::collection::vec(any::<u8>(), 0..300))
}

/// A frame whose prelude and message CRCs are right but whose lengths and header bytes
/// are arbitrary: the part of the decoder the CRCs do not protect.
fn crc_valid_garbage() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(any::<u8>(), 0..200), any::<u32>(), 0usize..220).prop_map(|(body, headers_len_raw, pick)| {
        let total = 16 + body.len();
        // Half the time a headers length that fits, otherwise anything at all.
        let headers_len = if pick % 2 == 0 { (pick / 2).min(body.len()) as u32 } else { headers_len_raw };
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&headers_len.to_be_bytes());
        let prelude_crc = crc32fast::hash(&out);
        out.extend_from_slice(&prelude_crc.to_be_bytes());
        out.extend_from_slice(&body);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    })
}

fn chunking() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(1usize..64, 1..8)
}

proptest! {
    #![proptest_config(cases(2000))]

    #[test]
    fn arbitrary_bytes_in_arbitrary_chunks_never_panic(
        wire in proptest::collection::vec(any::<u8>(), 0..2048),
        chunks in chunking(),
    ) {
        let (_, error) = decode_all(&wire, &chunks, 1 << 20);
        if let Some(e) = error {
            prop_assert_eq!(e.code, ErrorCode::Protocol);
        }
        if let Err(e) = decode_frame(&wire) {
            prop_assert_eq!(e.code, ErrorCode::Protocol);
        }
    }

    #[test]
    fn frames_with_valid_crcs_and_arbitrary_headers_decode_or_fail_cleanly(
        frame in crc_valid_garbage(),
        chunks in chunking(),
    ) {
        let (frames, error) = decode_all(&frame, &chunks, 1 << 20);
        match error {
            Some(e) => prop_assert_eq!(e.code, ErrorCode::Protocol),
            None => prop_assert_eq!(frames.len(), 1),
        }
        let single = decode_frame(&frame);
        if let Err(e) = &single {
            prop_assert_eq!(e.code, ErrorCode::Protocol);
        }
    }

    #[test]
    fn valid_frames_round_trip_through_any_chunking(
        frames in proptest::collection::vec(valid_frame(), 1..5),
        chunks in chunking(),
    ) {
        let mut wire = Vec::new();
        for (headers, payload) in &frames {
            wire.extend(encode_frame(headers, payload));
        }
        let (decoded, error) = decode_all(&wire, &chunks, 1 << 20);
        prop_assert!(error.is_none(), "valid stream failed: {:?}", error.map(|e| e.message));
        prop_assert_eq!(decoded.len(), frames.len());
        for (message, (headers, payload)) in decoded.iter().zip(&frames) {
            prop_assert_eq!(&message.headers(), headers);
            prop_assert_eq!(&message.payload[..], &payload[..]);
        }
    }

    #[test]
    fn mutated_valid_streams_never_panic(
        frames in proptest::collection::vec(valid_frame(), 1..4),
        mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
        chunks in chunking(),
    ) {
        let mut wire = Vec::new();
        for (headers, payload) in &frames {
            wire.extend(encode_frame(headers, payload));
        }
        for (at, byte, kind) in mutations {
            if wire.is_empty() {
                break;
            }
            let i = at.index(wire.len());
            match kind {
                0 => wire[i] = byte,                 // overwrite
                1 => wire[i] ^= 1 << (byte % 8),     // bit flip
                2 => { wire.truncate(i); }           // cut short
                _ => wire.insert(i, byte),           // stray byte
            }
        }
        let (_, error) = decode_all(&wire, &chunks, 1 << 20);
        if let Some(e) = error {
            prop_assert_eq!(e.code, ErrorCode::Protocol);
        }
    }

    #[test]
    fn bedrock_style_events_round_trip(
        event_type in "[a-zA-Z]{1,30}",
        payload in proptest::collection::vec(any::<u8>(), 0..500),
        exception in any::<bool>(),
    ) {
        let message_type = if exception { "exception" } else { "event" };
        let wire = encode_event(message_type, &event_type, &payload);
        let message = decode_frame(&wire).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert_eq!(message.message_type(), Some(message_type));
        let type_header = if exception { ":exception-type" } else { ":event-type" };
        prop_assert_eq!(message.header_str(type_header), Some(event_type.as_str()));
        prop_assert_eq!(&message.payload[..], &payload[..]);
    }
}

/// Regression: a prelude announcing a frame bigger than the limit is refused at once
/// (not buffered up to 4 GiB waiting for bytes that never come).
#[test]
fn a_huge_announced_length_is_refused_before_buffering() {
    let mut prelude = Vec::new();
    prelude.extend_from_slice(&u32::MAX.to_be_bytes());
    prelude.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32fast::hash(&prelude);
    prelude.extend_from_slice(&crc.to_be_bytes());
    let mut decoder = FrameDecoder::default();
    decoder.push(&prelude);
    let error = decoder.next_message().expect_err("4 GiB frame must be refused");
    assert_eq!(error.code, ErrorCode::Protocol);
    assert!(decoder.buffered_len() < 64);
}
