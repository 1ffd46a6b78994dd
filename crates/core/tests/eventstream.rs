//! The event-stream decoder against AWS's canonical vectors (aws-sdk-go testdata,
//! smithy-rs test_data) and real Bedrock recordings. Provenance: fixtures/*/PROVENANCE.md.

use std::path::PathBuf;

use base64::Engine;
use bedrock_core::eventstream::{decode_frame, FrameDecoder, HeaderValue, Message};
use bedrock_core::ErrorCode;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64 in vector")
}

#[test]
fn aws_sdk_go_positive_vectors_decode_to_their_expected_content() {
    let dir = fixtures().join("eventstream-vectors/aws-sdk-go-testdata");
    for name in ["all_headers", "empty_message", "int32_header", "payload_no_headers", "payload_one_str_header"] {
        let encoded = read(dir.join("encoded/positive").join(name));
        let expected: serde_json::Value =
            serde_json::from_slice(&read(dir.join("decoded/positive").join(name))).expect("json");
        let message = decode_frame(&encoded).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(message.frame_len as u64, expected["total_length"].as_u64().unwrap(), "{name}");
        assert_eq!(&message.payload[..], &b64(expected["payload"].as_str().unwrap())[..], "{name}");
        let want_headers = expected["headers"].as_array().unwrap();
        assert_eq!(message.headers().len(), want_headers.len(), "{name}");
        for (got, want) in message.headers().iter().zip(want_headers) {
            assert_eq!(got.name, want["name"].as_str().unwrap());
            let v = &want["value"];
            let ok = match (&got.value, want["type"].as_u64().unwrap()) {
                (HeaderValue::Bool(b), 0 | 1) => v.as_bool() == Some(*b),
                (HeaderValue::Byte(b), 2) => v.as_i64() == Some(*b as i64),
                (HeaderValue::Int16(b), 3) => v.as_i64() == Some(*b as i64),
                (HeaderValue::Int32(b), 4) => v.as_i64() == Some(*b as i64),
                (HeaderValue::Int64(b), 5) => v.as_i64() == Some(*b),
                (HeaderValue::Bytes(b), 6) => b64(v.as_str().unwrap()) == b[..],
                (HeaderValue::String(s), 7) => b64(v.as_str().unwrap()) == s.as_bytes(),
                (HeaderValue::Timestamp(t), 8) => v.as_i64() == Some(*t),
                (HeaderValue::Uuid(u), 9) => b64(v.as_str().unwrap()) == u[..],
                _ => false,
            };
            assert!(ok, "{name}: header {} = {:?}, want {want}", got.name, got.value);
        }
    }
}

#[test]
fn aws_sdk_go_negative_vectors_fail_with_the_documented_checksum_error() {
    let dir = fixtures().join("eventstream-vectors/aws-sdk-go-testdata");
    for name in ["corrupted_header_len", "corrupted_headers", "corrupted_length", "corrupted_payload"] {
        let encoded = read(dir.join("encoded/negative").join(name));
        let expected = String::from_utf8(read(dir.join("decoded/negative").join(name))).unwrap();
        // Streaming decode: the incremental decoder must reach the same verdict.
        let mut decoder = FrameDecoder::default();
        decoder.push(&encoded);
        let err = decoder.next_message().expect_err(name);
        assert_eq!(err.code, ErrorCode::Protocol, "{name}");
        assert!(err.message.starts_with(expected.trim()), "{name}: {} vs {}", err.message, expected.trim());
    }
}

#[test]
fn smithy_rs_vectors_accept_the_valid_and_reject_each_invalid_frame() {
    let dir = fixtures().join("eventstream-vectors/smithy-rs-test_data");
    let all = decode_frame(&read(dir.join("valid_with_all_headers_and_payload"))).expect("valid");
    assert_eq!(&all.payload[..], b"some payload");
    let all_headers = all.headers();
    let values: Vec<&HeaderValue> = all_headers.iter().map(|h| &h.value).collect();
    assert_eq!(values[0], &HeaderValue::Bool(true));
    assert_eq!(values[1], &HeaderValue::Bool(false));
    assert_eq!(values[2], &HeaderValue::Byte(50));
    assert_eq!(values[3], &HeaderValue::Int16(20000));
    assert_eq!(values[4], &HeaderValue::Int32(500000));
    assert_eq!(values[5], &HeaderValue::Int64(50000000000));
    assert_eq!(values[6], &HeaderValue::Bytes(bytes::Bytes::from_static(b"some bytes")));
    assert_eq!(values[7], &HeaderValue::String("some str".into()));
    assert_eq!(values[8], &HeaderValue::Timestamp(5_000_000_000));
    assert!(matches!(values[9], HeaderValue::Uuid(u) if u[0] == 0xb7 && u[15] == 0x0b));
    decode_frame(&read(dir.join("valid_empty_payload"))).expect("valid empty payload");
    decode_frame(&read(dir.join("valid_no_headers"))).expect("valid no headers");

    for (name, phrase) in [
        ("invalid_prelude_checksum", "Prelude checksum mismatch"),
        ("invalid_message_checksum", "Message checksum mismatch"),
        // smithy-rs parses headers before checking the message CRC; these vectors also
        // carry a stale message CRC, which we (like the AWS JS decoder) check first.
        ("invalid_header_value_type", "checksum mismatch"),
        ("invalid_header_string_value_length", ""),
        ("invalid_header_string_length_cut_off", ""),
        ("invalid_header_name_length", ""),
        ("invalid_header_name_length_too_long", ""),
        ("invalid_headers_length", ""),
    ] {
        let err = decode_frame(&read(dir.join(name))).expect_err(name);
        assert_eq!(err.code, ErrorCode::Protocol, "{name}");
        assert!(err.message.contains(phrase), "{name}: {}", err.message);
    }
}

fn decode_all(bytes: &[u8], chunk: usize) -> Vec<Message> {
    let mut decoder = FrameDecoder::default();
    let mut out = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        decoder.push(piece);
        while let Some(m) = decoder.next_message().expect("real recording decodes") {
            out.push(m);
        }
    }
    decoder.finish().expect("recording ends on a frame boundary");
    out
}

#[test]
fn real_bedrock_recordings_decode_to_their_documented_frames_at_any_chunking() {
    let dir = fixtures().join("bedrock-runtime/extracted");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("eventstream") {
            continue;
        }
        let body = read(path.clone());
        let jsonl = String::from_utf8(read(path.with_extension("decoded.jsonl"))).expect("utf8");
        let expected: Vec<serde_json::Value> =
            jsonl.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("jsonl")).collect();
        for chunk in [1, 7, body.len()] {
            let frames = decode_all(&body, chunk);
            assert_eq!(frames.len(), expected.len(), "{}", path.display());
            for (frame, want) in frames.iter().zip(&expected) {
                for (k, v) in want["headers"].as_object().expect("headers") {
                    assert_eq!(frame.header_str(k), v.as_str(), "{} header {k}", path.display());
                }
                let payload: serde_json::Value = serde_json::from_slice(&frame.payload).expect("json payload");
                assert_eq!(payload, want["payload"], "{}", path.display());
            }
        }
        seen += 1;
    }
    assert!(seen >= 10, "expected the extracted recordings, found {seen}");
}
