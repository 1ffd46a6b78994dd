//! Property tests for the OpenClaw config loader (JSON5): any text gives settings or a
//! located `ConfigSyntax`/`ConfigType` error, never a panic, and a syntax error never
//! quotes the source (which may hold an API key).

use std::collections::HashMap;
use std::path::Path;

use bedrock_core::config::{load_config, parse_json5, settings_from_value, LoadOptions};
use bedrock_core::ErrorCode;
use proptest::prelude::*;
use serde_json::Value;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

const SECRET: &str = "sk-PROPTEST-SECRET-7f3a9c";

/// JSON5-ish token soup: mostly well-formed pieces in random order, so the parser gets
/// deep into its grammar instead of failing on the first byte.
fn json5_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("// comment\n".to_string()),
        Just("/* block */".to_string()),
        Just("/*".to_string()),
        Just("'single'".to_string()),
        Just("\"double\"".to_string()),
        Just("\"unterminated".to_string()),
        Just("\\u12".to_string()),
        Just("0x1F".to_string()),
        Just("-Infinity".to_string()),
        Just("NaN".to_string()),
        Just(".5e-3".to_string()),
        Just("1e999".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("plugins".to_string()),
        Just("entries".to_string()),
        Just("\"amazon-bedrock\"".to_string()),
        Just("config".to_string()),
        Just("discovery".to_string()),
        Just("providerFilter".to_string()),
        Just("refreshInterval".to_string()),
        Just("region".to_string()),
        Just(format!("\"{SECRET}\"")),
        "[a-zA-Z_$][a-zA-Z0-9_$]{0,8}",
        "[ -~]{1,6}",
        "\\PC{1,3}",
    ];
    proptest::collection::vec(token, 0..60).prop_map(|tokens| tokens.join(" "))
}

/// A config-shaped object with random types at the places the loader reads.
fn config_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::from(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String(SECRET.into())),
    ];
    let any_value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("enabled".to_string()),
                    Just("region".to_string()),
                    Just("providerFilter".to_string()),
                    Just("refreshInterval".to_string()),
                    Just("defaultContextWindow".to_string()),
                    Just("defaultMaxTokens".to_string()),
                    Just("guardrailIdentifier".to_string()),
                    Just("guardrailVersion".to_string()),
                    Just("streamProcessingMode".to_string()),
                    Just("trace".to_string()),
                    Just("baseUrl".to_string()),
                    Just("models".to_string()),
                    Just("apiKey".to_string()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    (any_value.clone(), any_value.clone(), any_value, 0u8..8).prop_map(|(discovery, guardrail, provider, shape)| {
        let mut root = serde_json::json!({
            "plugins": { "entries": { "amazon-bedrock": { "config": { "discovery": discovery, "guardrail": guardrail } } } },
            "models": { "providers": { "amazon-bedrock": provider }, "bedrockDiscovery": {} }
        });
        // Sometimes break the shape higher up too.
        match shape {
            0 => root["plugins"] = Value::from(1),
            1 => root["plugins"]["entries"] = Value::Array(vec![]),
            2 => root["models"] = Value::String("x".into()),
            3 => root["plugins"]["entries"]["amazon-bedrock"]["config"] = Value::Bool(true),
            _ => {}
        }
        root
    })
}

fn check_error(e: &bedrock_core::Error) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(e.code, ErrorCode::ConfigSyntax | ErrorCode::ConfigType),
        "unexpected code {:?}: {}",
        e.code,
        e.message
    );
    prop_assert!(!e.message.contains(SECRET), "error quotes the secret: {}", e.message);
    Ok(())
}

proptest! {
    #![proptest_config(cases(1500))]

    #[test]
    fn arbitrary_text_parses_or_is_a_located_syntax_error(text in "\\PC{0,200}") {
        match parse_json5(&text, Path::new("/cfg/openclaw.json")) {
            Ok(_) => {}
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::ConfigSyntax, "{}", e.message);
                prop_assert!(e.location.is_some());
            }
        }
    }

    #[test]
    fn json5_token_soup_never_panics_nor_leaks(text in json5_soup()) {
        match parse_json5(&text, Path::new("/cfg/openclaw.json")) {
            Ok(value) => {
                let env: HashMap<String, String> = HashMap::new();
                if let Err(e) = settings_from_value(&value, None, &env) {
                    check_error(&e)?;
                }
            }
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::ConfigSyntax);
                check_error(&e)?;
            }
        }
    }

    #[test]
    fn arbitrary_config_values_resolve_or_name_the_key(root in config_value()) {
        let env: HashMap<String, String> = HashMap::new();
        if let Err(e) = settings_from_value(&root, None, &env) {
            check_error(&e)?;
            if e.code == ErrorCode::ConfigType {
                prop_assert!(e.key_path.is_some(), "type error without key path: {}", e.message);
            }
        }
    }
}

proptest! {
    // Each case writes a file; fewer cases, same property end to end.
    #![proptest_config(cases(200))]

    #[test]
    fn load_config_from_a_file_of_anything(text in json5_soup(), bytes in proptest::collection::vec(any::<u8>(), 0..64), raw in any::<bool>()) {
        let dir = std::env::temp_dir().join(format!("bedrock-proptest-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.join("openclaw.json");
        // Raw bytes exercise non-UTF-8 files.
        let contents = if raw { bytes } else { text.into_bytes() };
        std::fs::write(&path, &contents).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let env: HashMap<String, String> = [("HOME".to_string(), dir.display().to_string())].into_iter().collect();
        let result = load_config(LoadOptions { path: Some(path), env: Some(env) });
        if let Err(e) = result {
            check_error(&e)?;
        }
    }
}

/// Regression corpus: inputs that once were interesting to the loader.
#[test]
fn regression_corpus() {
    let env: HashMap<String, String> = HashMap::new();
    for text in [
        "",
        "{",
        "}",
        "[[[[[[[[[[",
        &"[".repeat(100_000),
        &"{a:".repeat(50_000),
        "{a: 1e999}",
        "{a: 0x}",
        "{'a': \"\\u12\"}",
        "/* unterminated",
        "\u{feff}{}",
        "{plugins: {entries: {'amazon-bedrock': {config: {discovery: {refreshInterval: -1, providerFilter: [1, null]}}}}}}",
    ] {
        match parse_json5(text, Path::new("x.json")) {
            Ok(v) => {
                if let Err(e) = settings_from_value(&v, None, &env) {
                    assert!(matches!(e.code, ErrorCode::ConfigType | ErrorCode::ConfigSyntax), "{text:.40}: {e}");
                }
            }
            Err(e) => assert_eq!(e.code, ErrorCode::ConfigSyntax, "{text:.40}: {e}"),
        }
    }
}

/// Regression (found by `arbitrary_config_values_resolve_or_name_the_key` at 200k cases): a
/// value outside an enum (`guardrail.trace`, `streamProcessingMode`) was quoted back in the
/// error, so a secret pasted into the wrong key ended up in error messages and logs.
#[test]
fn enum_type_errors_do_not_quote_the_value() {
    let env: HashMap<String, String> = HashMap::new();
    for key in ["trace", "streamProcessingMode"] {
        let root = serde_json::json!({"plugins": {"entries": {"amazon-bedrock": {"config": {
            "guardrail": {"guardrailIdentifier": "g", "guardrailVersion": "1", key: SECRET}
        }}}}});
        let e = settings_from_value(&root, None, &env).expect_err("not an allowed value");
        assert_eq!(e.code, ErrorCode::ConfigType);
        assert!(e.key_path.as_deref().is_some_and(|p| p.ends_with(key)), "{e:?}");
        assert!(!e.message.contains(SECRET), "{}", e.message);
    }
}
