//! The credential probe against loopback stand-ins (IMDSv2, ECS, profile files,
//! credential_process), and auth reaching the wire (the emulator checks signatures).

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bedrock_core::credentials::{probe_credentials, resolve_auth, AuthOptions, ProbeOptions, ProbeResult};
use bedrock_core::discovery::{discover_models, DiscoveryOptions, Mode};
use bedrock_emulator::{Emulator, EmulatorConfig};
use common::*;

const SECRET: &str = "fakeSecretKeyValue/ShouldNeverAppear0000";
const SESSION: &str = "fakeSessionTokenValueShouldNeverAppear";

/// Runs the probe with a hang bound far above its own timeout.
async fn probe(env: HashMap<String, String>, timeout_ms: u64) -> ProbeResult {
    let opts = ProbeOptions { env: Some(env), timeout: Some(Duration::from_millis(timeout_ms)), ..Default::default() };
    tokio::time::timeout(Duration::from_secs(20), probe_credentials(opts)).await.expect("probe must return within its bound")
}

fn assert_no_secret(result: &ProbeResult) {
    let text = format!("{result:?}");
    assert!(!text.contains(SECRET) && !text.contains(SESSION), "secret leaked: {text}");
    assert!(!text.contains("AKIDFAKE"), "access key id leaked: {text}");
}

fn creds_json() -> String {
    format!(
        r#"{{"Code":"Success","LastUpdated":"2024-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":"AKIDFAKEIMDS","SecretAccessKey":"{SECRET}","Token":"{SESSION}","Expiration":"{}"}}"#,
        in_one_hour()
    )
}

fn imds_handler() -> Handler {
    let creds = creds_json();
    Arc::new(move |method: &str, path: &str| match (method, path) {
        ("PUT", "/latest/api/token") => Some((200, "imds-session-token".into())),
        ("GET", "/latest/meta-data/iam/security-credentials/") => Some((200, "test-role".into())),
        ("GET", "/latest/meta-data/iam/security-credentials/test-role") => Some((200, creds.clone())),
        _ => None,
    })
}

#[tokio::test]
async fn instance_role_via_imdsv2_is_found() {
    let home = TempDir::new("imds");
    let imds = FakeServer::start(imds_handler()).await;
    let mut env = isolated_env(&home, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)]);
    env.remove("AWS_EC2_METADATA_DISABLED");
    let result = probe(env, 3000).await;
    assert!(result.available, "{result:?}");
    assert_eq!(result.source.as_deref(), Some("imds"));
    assert!(result.expires_at_ms.is_some());
    assert_eq!(result.tried.last().map(String::as_str), Some("imds"));
    let seen = imds.seen();
    assert_eq!(seen.first().map(String::as_str), Some("PUT /latest/api/token"), "IMDSv2 token first: {seen:?}");
    assert_no_secret(&result);
}

#[tokio::test]
async fn imds_down_reports_unavailable_within_the_bound() {
    let home = TempDir::new("imds-down");
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let mut env = isolated_env(&home, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)]);
    env.remove("AWS_EC2_METADATA_DISABLED");
    let result = probe(env, 2000).await;
    assert!(!result.available);
    assert_eq!(result.source, None);
    assert_eq!(result.tried, vec!["env", "profile", "imds"]);
    assert!(result.detail.contains("no AWS credentials found"), "{}", result.detail);
}

#[tokio::test]
async fn imds_that_never_answers_is_bounded_by_the_probe_timeout() {
    let home = TempDir::new("imds-silent");
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let mut env = isolated_env(&home, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &url)]);
    env.remove("AWS_EC2_METADATA_DISABLED");
    let result = probe(env, 800).await;
    assert!(!result.available);
    assert!(result.detail.contains("IMDS"), "{}", result.detail);
    hold.abort();
}

#[tokio::test]
async fn imds_disabled_is_not_tried() {
    let home = TempDir::new("imds-off");
    let result = probe(isolated_env(&home, &[]), 2000).await;
    assert!(!result.available);
    assert!(!result.tried.iter().any(|t| t == "imds"), "{:?}", result.tried);
    assert!(result.detail.contains("AWS_EC2_METADATA_DISABLED"));
}

#[tokio::test]
async fn ecs_container_endpoint_is_found() {
    let home = TempDir::new("ecs");
    let body = format!(
        r#"{{"AccessKeyId":"AKIDFAKEECS","SecretAccessKey":"{SECRET}","Token":"{SESSION}","Expiration":"{}"}}"#,
        in_one_hour()
    );
    let ecs = FakeServer::start(Arc::new(move |_m: &str, p: &str| (p == "/creds").then(|| (200, body.clone())))).await;
    let uri = format!("{}/creds", ecs.url);
    let result = probe(isolated_env(&home, &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &uri)]), 3000).await;
    assert!(result.available, "{result:?}");
    assert_eq!(result.source.as_deref(), Some("ecs"));
    assert!(result.tried.contains(&"ecs".to_string()));
    assert_no_secret(&result);
}

#[tokio::test]
async fn profile_files_are_found_for_the_named_profile() {
    let home = TempDir::new("profile");
    let config = home.write("aws/config", "[profile work]\nregion = eu-west-2\n");
    let credentials = home.write("aws/credentials", &format!("[work]\naws_access_key_id = AKIDFAKEPROFILE\naws_secret_access_key = {SECRET}\n"));
    let env = isolated_env(
        &home,
        &[("AWS_CONFIG_FILE", &config), ("AWS_SHARED_CREDENTIALS_FILE", &credentials), ("AWS_PROFILE", "work")],
    );
    let result = probe(env, 3000).await;
    assert!(result.available, "{result:?}");
    assert_eq!(result.source.as_deref(), Some("profile"));
    assert_eq!(result.region, "eu-west-2");
    assert_eq!(result.expires_at_ms, None);
    assert_no_secret(&result);
}

#[tokio::test]
async fn credential_process_is_found() {
    let home = TempDir::new("process");
    let script = home.write(
        "creds.sh",
        &format!("#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"AKIDFAKEPROC\", \"SecretAccessKey\": \"{SECRET}\"}}'\n"),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = home.write("aws/config", &format!("[default]\ncredential_process = {script}\n"));
    let env = isolated_env(&home, &[("AWS_CONFIG_FILE", &config), ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds")]);
    let result = probe(env, 5000).await;
    assert!(result.available, "{result:?}");
    assert_eq!(result.source.as_deref(), Some("process"));
    assert_no_secret(&result);
}

#[tokio::test]
async fn env_keys_win_and_nothing_secret_is_reported() {
    let home = TempDir::new("env");
    let env = isolated_env(&home, &[("AWS_ACCESS_KEY_ID", "AKIDFAKEENV"), ("AWS_SECRET_ACCESS_KEY", SECRET), ("AWS_REGION", "ap-south-1")]);
    let result = probe(env, 2000).await;
    assert_eq!(result.source.as_deref(), Some("env"));
    assert_eq!(result.region, "ap-south-1");
    assert!(result.identity.as_deref().is_some_and(|i| i.starts_with("sigv4:")));
    assert_no_secret(&result);
}

#[tokio::test]
async fn probed_profile_credentials_sign_requests_the_emulator_accepts() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("wire-sigv4");
    let credentials = home.write("aws/credentials", &format!("[default]\naws_access_key_id = {EMU_KEY}\naws_secret_access_key = {EMU_SECRET}\n"));
    let env = isolated_env(&home, &[("AWS_SHARED_CREDENTIALS_FILE", &credentials), ("AWS_CONFIG_FILE", "/nonexistent/config")]);
    let probed = probe(env.clone(), 3000).await;
    assert_eq!(probed.source.as_deref(), Some("profile"));

    let result = discover_models(DiscoveryOptions {
        endpoint: Some(emu.url()),
        env: Some(env),
        refresh_interval_secs: Some(0.0),
        mode: Mode::Strict,
        ..Default::default()
    })
    .await
    .expect("discovery succeeds with probed credentials");
    assert!(!result.models.is_empty());
    let requests = emu.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.auth.scheme, "sigv4", "{r:?}");
        assert!(r.auth.ok && r.auth.verified, "emulator rejected the signature: {:?}", r.auth);
        assert_eq!(r.auth.access_key_id.as_deref(), Some(EMU_KEY));
    }
    emu.close().await;
}

#[tokio::test]
async fn bearer_token_reaches_the_wire_instead_of_sigv4() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("wire-bearer");
    // Keys present too: the bearer token still wins.
    let env = isolated_env(&home, &[("AWS_BEARER_TOKEN_BEDROCK", EMU_TOKEN), ("AWS_ACCESS_KEY_ID", "AKIDOTHER"), ("AWS_SECRET_ACCESS_KEY", "x")]);
    let auth = resolve_auth(&AuthOptions { env: Some(env.clone()), ..Default::default() }).await.expect("auth");
    assert_eq!(auth.kind(), "bearer");
    assert!(!format!("{auth:?}").contains(EMU_TOKEN));
    discover_models(DiscoveryOptions {
        endpoint: Some(emu.url()),
        env: Some(env),
        refresh_interval_secs: Some(0.0),
        mode: Mode::Strict,
        ..Default::default()
    })
    .await
    .expect("discovery with bearer");
    let requests = emu.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.auth.scheme == "bearer" && r.auth.ok), "{:?}", requests.iter().map(|r| &r.auth).collect::<Vec<_>>());
    emu.close().await;
}

#[tokio::test]
async fn a_wrong_bearer_token_is_rejected_and_not_echoed() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("wire-bad-bearer");
    let err = discover_models(DiscoveryOptions {
        endpoint: Some(emu.url()),
        env: Some(isolated_env(&home, &[])),
        bearer_token: Some("wrong-token-value-xyz".into()),
        refresh_interval_secs: Some(0.0),
        mode: Mode::Strict,
        ..Default::default()
    })
    .await
    .expect_err("rejected");
    assert!(!err.message.contains("wrong-token-value-xyz"), "{}", err.message);
    assert!(err.http_status.is_some_and(|s| s == 401 || s == 403), "{err:?}");
    emu.close().await;
}

#[tokio::test]
async fn an_instance_role_alone_enables_auto_discovery_and_signs_with_its_session() {
    // The seeds' known gap: no env marker at all, only an EC2 instance role.
    let emu = Emulator::start(EmulatorConfig {
        credentials: vec![bedrock_emulator::Credentials {
            access_key_id: "AKIDFAKEIMDS".into(),
            secret_access_key: SECRET.into(),
            session_token: Some(SESSION.into()),
        }],
        ..Default::default()
    })
    .await
    .expect("emulator");
    let imds = FakeServer::start(imds_handler()).await;
    let home = TempDir::new("imds-auto");
    let mut env = isolated_env(&home, &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.url)]);
    env.remove("AWS_EC2_METADATA_DISABLED");
    assert_eq!(bedrock_core::credentials::detect_auth_marker(&env).marker, None);

    let settings = bedrock_core::config::settings_from_value(&serde_json::json!({}), None, &env).expect("settings");
    let provider = bedrock_core::discovery::resolve_bedrock_provider(
        &settings,
        bedrock_core::discovery::ProviderOptions { env: Some(env), endpoint: Some(emu.url()), ..Default::default() },
    )
    .await
    .expect("resolves")
    .expect("enabled by the probe");
    assert_eq!(provider.enabled_by, "probe: imds");
    assert!(!provider.models.is_empty());
    let requests = emu.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.auth.scheme, "sigv4");
        assert!(r.auth.ok && r.auth.verified, "{:?}", r.auth);
        assert_eq!(r.auth.access_key_id.as_deref(), Some("AKIDFAKEIMDS"));
        assert!(r.headers.iter().any(|(n, _)| n == "x-amz-date"));
    }
    emu.close().await;
}

#[tokio::test]
async fn credential_process_runs_once_for_many_requests() {
    use aws_credential_types::provider::ProvideCredentials;
    let home = TempDir::new("process-once");
    let log = home.path("runs.log").to_string_lossy().to_string();
    let script = home.write(
        "creds.sh",
        &format!("#!/bin/sh\necho run >> '{log}'\necho '{{\"Version\": 1, \"AccessKeyId\": \"AKIDFAKEPROC\", \"SecretAccessKey\": \"{SECRET}\"}}'\n"),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = home.write("aws/config", &format!("[default]\ncredential_process = {script}\n"));
    let env = isolated_env(&home, &[("AWS_CONFIG_FILE", &config), ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds")]);
    for _ in 0..5 {
        // What the runtime does for every stream.
        let auth = resolve_auth(&AuthOptions { env: Some(env.clone()), ..Default::default() }).await.expect("auth");
        let bedrock_core::auth::Auth::SigV4(provider) = auth else { panic!("expected SigV4") };
        let creds = provider.provide_credentials().await.expect("credentials");
        assert_eq!(creds.access_key_id(), "AKIDFAKEPROC");
    }
    let runs = std::fs::read_to_string(&log).expect("script ran");
    assert_eq!(runs.lines().count(), 1, "credential_process must be run once, not per request");
}
