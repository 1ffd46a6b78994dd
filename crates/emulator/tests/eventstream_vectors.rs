//! The event-stream encoder against AWS's canonical vectors (fixtures/eventstream-vectors/):
//! encoding each positive vector's decoded form gives its exact bytes; the decoder
//! rejects each negative vector with the documented error.

mod common;

use base64::Engine;
use bedrock_emulator::eventstream::{self, DecodeError, HeaderValue};
use serde_json::Value;

fn header_value(h: &Value) -> HeaderValue {
    let b64 = base64::engine::general_purpose::STANDARD;
    let v = &h["value"];
    match h["type"].as_u64().unwrap() {
        0 | 1 => HeaderValue::Bool(v.as_bool().unwrap()),
        2 => HeaderValue::Byte(v.as_i64().unwrap() as i8),
        3 => HeaderValue::Int16(v.as_i64().unwrap() as i16),
        4 => HeaderValue::Int32(v.as_i64().unwrap() as i32),
        5 => HeaderValue::Int64(v.as_i64().unwrap()),
        6 => HeaderValue::Bytes(b64.decode(v.as_str().unwrap()).unwrap()),
        7 => HeaderValue::String(
            String::from_utf8(b64.decode(v.as_str().unwrap()).unwrap()).unwrap(),
        ),
        8 => HeaderValue::Timestamp(v.as_i64().unwrap()),
        9 => HeaderValue::Uuid(b64.decode(v.as_str().unwrap()).unwrap().try_into().unwrap()),
        t => panic!("header type {t}"),
    }
}

#[test]
fn aws_sdk_go_positive_vectors_encode_exactly() {
    let root = common::fixtures().join("eventstream-vectors/aws-sdk-go-testdata");
    let mut n = 0;
    for entry in std::fs::read_dir(root.join("decoded/positive")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let decoded: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let headers: Vec<(String, HeaderValue)> = decoded["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["name"].as_str().unwrap().to_string(), header_value(h)))
            .collect();
        let payload = base64::engine::general_purpose::STANDARD
            .decode(decoded["payload"].as_str().unwrap())
            .unwrap();
        let ours = eventstream::encode_message(&headers, &payload);
        let want = std::fs::read(root.join("encoded/positive").join(&name)).unwrap();
        assert_eq!(ours, want, "{name}");
        assert_eq!(
            ours.len() as u64,
            decoded["total_length"].as_u64().unwrap(),
            "{name}"
        );
        let prelude_crc = u32::from_be_bytes(ours[8..12].try_into().unwrap());
        assert_eq!(
            prelude_crc as i32 as i64,
            decoded["prelude_crc"].as_i64().unwrap() as i32 as i64,
            "{name}"
        );
        // And it decodes back to the same headers and payload.
        let (m, used) = eventstream::decode_message(&want).unwrap();
        assert_eq!(used, want.len());
        assert_eq!(m.headers, headers, "{name}");
        assert_eq!(m.payload, payload, "{name}");
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn aws_sdk_go_negative_vectors_are_rejected() {
    let root = common::fixtures().join("eventstream-vectors/aws-sdk-go-testdata");
    for entry in std::fs::read_dir(root.join("encoded/negative")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let want = std::fs::read_to_string(root.join("decoded/negative").join(&name)).unwrap();
        let err = eventstream::decode_message(&bytes).unwrap_err();
        let ok = match want.trim() {
            "Prelude checksum mismatch" => {
                matches!(err, DecodeError::PreludeChecksumMismatch { .. })
            }
            "Message checksum mismatch" => {
                matches!(err, DecodeError::MessageChecksumMismatch { .. })
            }
            other => panic!("{name}: unexpected expectation {other}"),
        };
        assert!(ok, "{name}: got {err:?}, want {want}");
    }
}

#[test]
fn smithy_rs_vectors() {
    let root = common::fixtures().join("eventstream-vectors/smithy-rs-test_data");
    let read = |n: &str| std::fs::read(root.join(n)).unwrap();
    for name in [
        "valid_empty_payload",
        "valid_no_headers",
        "valid_with_all_headers_and_payload",
    ] {
        let bytes = read(name);
        let (m, used) = eventstream::decode_message(&bytes).unwrap();
        assert_eq!(used, bytes.len(), "{name}");
        assert_eq!(m.encode(), bytes, "{name}: re-encodes to the same bytes");
    }
    let (m, _) = eventstream::decode_message(&read("valid_with_all_headers_and_payload")).unwrap();
    assert_eq!(m.payload, b"some payload");
    assert_eq!(
        m.header("str"),
        Some(&HeaderValue::String("some str".into()))
    );
    assert_eq!(m.header("long"), Some(&HeaderValue::Int64(50_000_000_000)));
    type Check = fn(&DecodeError) -> bool;
    let expect: &[(&str, Check)] = &[
        ("invalid_prelude_checksum", |e| {
            matches!(
                e,
                DecodeError::PreludeChecksumMismatch {
                    expected: 0xDEADBEEF,
                    actual: 0x8BB495FB
                }
            )
        }),
        ("invalid_message_checksum", |e| {
            matches!(
                e,
                DecodeError::MessageChecksumMismatch {
                    expected: 0xDEADBEEF,
                    actual: 0x01a05860
                }
            )
        }),
        ("invalid_header_value_type", |e| {
            matches!(e, DecodeError::InvalidHeaderValueType(0x60))
        }),
        ("invalid_headers_length", |e| {
            matches!(e, DecodeError::InvalidHeadersLength)
        }),
        ("invalid_header_string_value_length", |e| {
            matches!(e, DecodeError::InvalidHeaderValue)
        }),
        ("invalid_header_string_length_cut_off", |e| {
            matches!(e, DecodeError::InvalidHeaderValue)
        }),
        ("invalid_header_name_length", |e| {
            matches!(e, DecodeError::InvalidHeaderNameLength)
        }),
        // smithy-rs reports InvalidUtf8String; its name length byte (0x66) runs past the
        // headers section, which this decoder checks first. Either way the frame is refused.
        ("invalid_header_name_length_too_long", |e| {
            matches!(
                e,
                DecodeError::InvalidUtf8String | DecodeError::InvalidHeaderNameLength
            )
        }),
    ];
    for (name, check) in expect {
        let err = eventstream::decode_message(&read(name)).unwrap_err();
        assert!(check(&err), "{name}: got {err:?}");
    }
}
