//! OpenClaw config loader: any bytes as the JSON5 file give settings or a
//! `ConfigSyntax`/`ConfigType` error — never a panic, never the source quoted back.
#![no_main]

use std::collections::HashMap;
use std::path::Path;

use bedrock_core::config::{parse_json5, settings_from_value};
use bedrock_core::ErrorCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env: HashMap<String, String> = HashMap::new();
    match parse_json5(text, Path::new("openclaw.json")) {
        Ok(value) => {
            if let Err(e) = settings_from_value(&value, None, &env) {
                assert!(matches!(e.code, ErrorCode::ConfigType | ErrorCode::ConfigSyntax), "{:?}", e.code);
            }
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::ConfigSyntax);
            // A syntax error must not echo the file (it may hold an API key).
            if text.len() > 24 && !text.contains('\n') {
                assert!(!e.message.contains(text), "error quotes the source");
            }
        }
    }
});
