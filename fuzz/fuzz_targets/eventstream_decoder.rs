//! Event-stream decoder: arbitrary bytes, fed in chunk sizes taken from the input, give
//! frames or a `Protocol` error — never a panic, never an unbounded buffer.
#![no_main]

use bedrock_core::eventstream::{decode_frame, FrameDecoder};
use bedrock_core::ErrorCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First byte picks the chunk size so splits inside preludes/headers get explored.
    let (chunk, wire) = match data.split_first() {
        Some((c, rest)) => ((*c as usize % 32) + 1, rest),
        None => (1, data),
    };
    let mut decoder = FrameDecoder::new(1 << 20);
    'feed: for piece in wire.chunks(chunk) {
        decoder.push(piece);
        loop {
            match decoder.next_message() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::Protocol);
                    break 'feed;
                }
            }
        }
        assert!(decoder.buffered_len() <= (1 << 20) + 64);
    }
    let _ = decoder.finish();
    if let Err(e) = decode_frame(wire) {
        assert_eq!(e.code, ErrorCode::Protocol);
    }
});
