//! Config file loading: where the file is looked for, what a missing file means, and
//! that big or hostile files fail cleanly.

mod common;

use std::path::PathBuf;

use bedrock_core::config::{load_config, LoadOptions, DEFAULT_REFRESH_INTERVAL_SECS};
use bedrock_core::region::RegionSource;
use bedrock_core::ErrorCode;
use common::*;

const PLUGIN_REGION: &str = r#"{ plugins: { entries: { "amazon-bedrock": { config: { discovery: { region: "eu-west-3" } } } } } }"#;

#[test]
fn openclaw_config_path_wins_and_a_missing_one_is_an_error() {
    let home = TempDir::new("cfg-path");
    let file = home.write("custom/oc.json5", PLUGIN_REGION);
    home.write(".openclaw/openclaw.json", r#"{ models: { bedrockDiscovery: { region: "us-west-1" } } }"#);
    let s = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[("OPENCLAW_CONFIG_PATH", &file)])) }).expect("loads");
    assert_eq!(s.file.as_deref(), Some(file.as_str()));
    assert_eq!((s.region.as_str(), s.region_source), ("eu-west-3", RegionSource::Config));

    let missing = home.path("nope.json").to_string_lossy().to_string();
    let e = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[("OPENCLAW_CONFIG_PATH", &missing)])) })
        .expect_err("missing explicit file");
    assert_eq!(e.code, ErrorCode::ConfigNotFound);
    assert!(e.message.contains("nope.json"));
    // An explicit `path` option is also required to exist.
    let e = load_config(LoadOptions { path: Some(PathBuf::from(&missing)), env: Some(isolated_env(&home, &[])) }).expect_err("missing");
    assert_eq!(e.code, ErrorCode::ConfigNotFound);
}

#[test]
fn state_dir_then_home_and_a_missing_default_file_means_defaults() {
    let home = TempDir::new("cfg-locations");
    let state = TempDir::new("cfg-state");
    state.write("openclaw.json", PLUGIN_REGION);
    let s = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[("OPENCLAW_STATE_DIR", &state.0.to_string_lossy())])) })
        .expect("state dir file");
    assert_eq!(s.region, "eu-west-3");

    let s = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[])) }).expect("no file is fine");
    assert_eq!(s.file, None);
    assert_eq!(s.discovery.refresh_interval_secs, DEFAULT_REFRESH_INTERVAL_SECS);
    assert_eq!((s.region.as_str(), s.region_source), ("us-east-1", RegionSource::Default));

    home.write(".openclaw/openclaw.json", r#"{ models: { bedrockDiscovery: { region: "us-west-1" } } }"#);
    let s = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[])) }).expect("home file");
    assert_eq!(s.region, "us-west-1");
}

#[test]
fn region_falls_back_to_env_then_profile() {
    let home = TempDir::new("cfg-region");
    let s = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[("AWS_DEFAULT_REGION", "ca-central-1")])) }).expect("ok");
    assert_eq!((s.region.as_str(), s.region_source), ("ca-central-1", RegionSource::AwsDefaultRegion));
    let cfg = home.write("aws-config", "[profile dev]\nregion = sa-east-1\n");
    let s = load_config(LoadOptions { path: None, env: Some(isolated_env(&home, &[("AWS_CONFIG_FILE", &cfg), ("AWS_PROFILE", "dev")])) })
        .expect("ok");
    assert_eq!((s.region.as_str(), s.region_source), ("sa-east-1", RegionSource::Profile));
}

#[test]
fn malformed_json5_names_file_line_and_column() {
    let home = TempDir::new("cfg-syntax");
    let file = home.write("bad.json", "{\n  models: {\n    bedrockDiscovery: { region: 'us-east-1' ,, }\n  }\n}\n");
    let e = load_config(LoadOptions { path: Some(PathBuf::from(&file)), env: Some(isolated_env(&home, &[])) }).expect_err("syntax");
    assert_eq!(e.code, ErrorCode::ConfigSyntax);
    let loc = e.location.expect("location");
    assert_eq!(loc.file.as_deref(), Some(file.as_str()));
    assert_eq!(loc.line, 3);
    assert!(loc.column > 1);
    assert!(e.message.starts_with(&format!("{file}:3:")), "{}", e.message);
}

#[test]
fn wrong_type_in_a_file_names_the_key_path() {
    let home = TempDir::new("cfg-type");
    let file = home.write(
        "t.json",
        r#"{ plugins: { entries: { "amazon-bedrock": { config: { discovery: { refreshInterval: "1h" } } } } } }"#,
    );
    let e = load_config(LoadOptions { path: Some(PathBuf::from(&file)), env: Some(isolated_env(&home, &[])) }).expect_err("type");
    assert_eq!(e.code, ErrorCode::ConfigType);
    assert_eq!(e.key_path.as_deref(), Some("plugins.entries.amazon-bedrock.config.discovery.refreshInterval"));
    assert_eq!(e.message, "plugins.entries.amazon-bedrock.config.discovery.refreshInterval: expected a number, got string");
}

#[test]
fn a_five_megabyte_config_loads() {
    let home = TempDir::new("cfg-big");
    let mut text = String::from("{\n  // lots of unrelated agent config\n  agents: { list: [\n");
    let entry = r#"    { id: "agent-0000", model: "amazon-bedrock/anthropic.claude-sonnet-4-6", notes: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },"#;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(entry);
        text.push('\n');
    }
    text.push_str("  ] },\n");
    text.push_str(r#"  plugins: { entries: { "amazon-bedrock": { config: { discovery: { region: "eu-central-1", providerFilter: ["anthropic"] } } } } },"#);
    text.push_str("\n}\n");
    let file = home.write("big.json", &text);
    let s = load_config(LoadOptions { path: Some(PathBuf::from(&file)), env: Some(isolated_env(&home, &[])) }).expect("big file loads");
    assert_eq!(s.region, "eu-central-1");
    assert_eq!(s.discovery.provider_filter, vec!["anthropic".to_string()]);
}

#[test]
fn a_deeply_nested_config_is_an_error_not_a_crash() {
    let home = TempDir::new("cfg-deep");
    let depth = 200_000;
    let text = format!("{{ a: {}{} }}", "[".repeat(depth), "]".repeat(depth));
    let file = home.write("deep.json", &text);
    let e = load_config(LoadOptions { path: Some(PathBuf::from(&file)), env: Some(isolated_env(&home, &[])) }).expect_err("too deep");
    assert_eq!(e.code, ErrorCode::ConfigSyntax);
    assert!(e.message.contains("nesting"), "{}", e.message);
    assert_eq!(e.location.and_then(|l| l.file), Some(file));
}

#[test]
fn unknown_keys_are_kept_in_the_raw_plugin_config() {
    let home = TempDir::new("cfg-unknown");
    let file = home.write(
        "u.json",
        r#"{ futureTopLevel: 1, plugins: { entries: { "amazon-bedrock": { config: { discovery: { newKnob: true }, anotherNew: [1, 2] } } } } }"#,
    );
    let s = load_config(LoadOptions { path: Some(PathBuf::from(&file)), env: Some(isolated_env(&home, &[])) }).expect("loads");
    assert_eq!(s.plugin_config["anotherNew"], serde_json::json!([1, 2]));
    assert_eq!(s.plugin_config["discovery"]["newKnob"], serde_json::json!(true));
}
