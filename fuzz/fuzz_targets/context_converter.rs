//! pi-ai Context converter: any JSON text as `[model, context, options]` gives a request
//! or an `InvalidArgument` error — never a panic.
#![no_main]

use bedrock_core::request::{
    build_converse_request_with, parse_js_json, simple_stream_options, Context, Model, StreamOptions,
};
use bedrock_core::ErrorCode;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fn no_env(_: &str) -> Option<String> {
    None
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let value = match parse_js_json(text) {
        Ok(v) => v,
        Err(e) => {
            assert_eq!(e.code, ErrorCode::InvalidArgument);
            return;
        }
    };
    // `[model, context, options]`, or a bare context with a standard model.
    let (model, context, options) = match value {
        Value::Array(mut parts) if parts.len() == 3 => {
            let options = parts.pop().unwrap_or(Value::Null);
            let context = parts.pop().unwrap_or(Value::Null);
            let model = parts.pop().unwrap_or(Value::Null);
            (model, context, options)
        }
        context => (
            json!({"id": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "reasoning": true, "input": ["text", "image"]}),
            context,
            json!({"reasoning": "high"}),
        ),
    };
    let parsed = (Model::from_value(model), Context::from_value(context), StreamOptions::from_value(options));
    let (model, context, options) = match parsed {
        (Ok(m), Ok(c), Ok(o)) => (m, c, o),
        (m, c, o) => {
            for e in [m.err(), c.err(), o.err()].into_iter().flatten() {
                assert_eq!(e.code, ErrorCode::InvalidArgument);
            }
            return;
        }
    };
    if let Err(e) = build_converse_request_with(&model, &context, &options, &|_: &str| None, &no_env) {
        assert_eq!(e.code, ErrorCode::InvalidArgument);
    }
    let simple = simple_stream_options(&model, &options, &|_: &str| None);
    if let Err(e) = build_converse_request_with(&model, &context, &simple, &|_: &str| None, &no_env) {
        assert_eq!(e.code, ErrorCode::InvalidArgument);
    }
});
