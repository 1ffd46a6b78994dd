//! Credentials over time (issue 15): `credential_process` scripts that count their runs
//! (one line appended to a file per run) or hang, against the loopback emulator.
//! - an identity without an expiry is resolved again after 15 minutes (the AWS SDK for
//!   Rust's lazy identity cache), one with an expiry is not resolved before it;
//! - a load that hangs fails the stream with `CredentialsTimeout` naming the source,
//!   while streams with other credentials complete meanwhile;
//! - `ExpiredTokenException` before the first event reloads the credentials and resends
//!   once (streams and discovery).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_async::time::{SharedTimeSource, TimeSource};
use bedrock_core::credentials::{resolve_auth_cached, AuthOptions, IdentityCacheSettings};
use bedrock_core::discovery::{discover_models, DiscoveryOptions, Mode};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, Op, StreamControl};
use bedrock_core::ErrorCode;
use bedrock_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::json;

const MODEL: &str = "amazon.nova-micro-v1:0";

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    fn new() -> Self {
        ManualClock(Arc::new(Mutex::new(SystemTime::now())))
    }
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// A `credential_process` script answering with the emulator's keys (and `expiration`, if
/// any), appending a line to `runs.log` per run; `hang` makes it sleep before answering.
/// Returns the env (profile `default` uses it) and the log path.
fn process_profile(home: &TempDir, expiration: Option<&str>, hang: bool) -> (HashMap<String, String>, std::path::PathBuf) {
    let log = home.path("runs.log");
    let expiration = expiration.map(|e| format!(", \"Expiration\": \"{e}\"")).unwrap_or_default();
    let sleep = if hang { "sleep 30\n" } else { "" };
    let script = home.write(
        "creds.sh",
        &format!(
            "#!/bin/sh\necho run >> '{}'\n{sleep}echo '{{\"Version\": 1, \"AccessKeyId\": \"{EMU_KEY}\", \"SecretAccessKey\": \"{EMU_SECRET}\"{expiration}}}'\n",
            log.display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = home.write("aws/config", &format!("[default]\nregion = us-east-1\ncredential_process = {script}\n"));
    let env = isolated_env(home, &[("AWS_CONFIG_FILE", &config), ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds")]);
    (env, log)
}

fn runs(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log).map(|t| t.lines().count()).unwrap_or(0)
}

/// What every stream does for its credentials: resolve auth, then load (from the cache).
async fn load_like_a_stream(env: &HashMap<String, String>, clock: &ManualClock) {
    let settings = IdentityCacheSettings { time_source: SharedTimeSource::new(clock.clone()), ..Default::default() };
    let options = AuthOptions { env: Some(env.clone()), identity_cache: Some(settings), ..Default::default() };
    let (auth, cache) = resolve_auth_cached(&options).await.expect("auth");
    assert!(cache.is_some(), "SigV4 from the default chain has a cache");
    let bedrock_core::auth::Auth::SigV4(provider) = auth else { panic!("expected SigV4") };
    let creds = provider.provide_credentials().await.expect("credentials");
    assert_eq!(creds.access_key_id(), EMU_KEY);
}

#[tokio::test]
async fn credentials_without_expiry_are_loaded_again_after_fifteen_minutes() {
    let home = TempDir::new("expiry-less");
    let (env, log) = process_profile(&home, None, false);
    let clock = ManualClock::new();
    // Three at once: they share one load.
    tokio::join!(load_like_a_stream(&env, &clock), load_like_a_stream(&env, &clock), load_like_a_stream(&env, &clock));
    load_like_a_stream(&env, &clock).await;
    assert_eq!(runs(&log), 1, "cached: one run for four loads, three of them concurrent");
    clock.advance(Duration::from_secs(14 * 60));
    load_like_a_stream(&env, &clock).await;
    assert_eq!(runs(&log), 1, "14 min later: still cached");
    clock.advance(Duration::from_secs(60));
    load_like_a_stream(&env, &clock).await;
    load_like_a_stream(&env, &clock).await;
    assert_eq!(runs(&log), 2, "15 min after loading, an identity without expiry is loaded again (once)");
}

#[tokio::test]
async fn credentials_with_an_expiry_are_kept_until_shortly_before_it() {
    let home = TempDir::new("with-expiry");
    let expires = SystemTime::now() + Duration::from_secs(3600);
    let expires = aws_smithy_types::DateTime::from(expires).fmt(aws_smithy_types::date_time::Format::DateTime).expect("iso");
    let (env, log) = process_profile(&home, Some(&expires), false);
    let clock = ManualClock::new();
    load_like_a_stream(&env, &clock).await;
    clock.advance(Duration::from_secs(30 * 60));
    load_like_a_stream(&env, &clock).await;
    clock.advance(Duration::from_secs(29 * 60));
    load_like_a_stream(&env, &clock).await;
    assert_eq!(runs(&log), 1, "59 min into a 60 min identity: not loaded again");
    clock.advance(Duration::from_secs(60));
    load_like_a_stream(&env, &clock).await;
    assert_eq!(runs(&log), 2, "at its expiry (less the buffer time) it is loaded again");
}

fn model(emu: &Emulator) -> Model {
    serde_json::from_value(json!({ "id": MODEL, "api": "bedrock-converse-stream", "baseUrl": emu.url() })).expect("model")
}

fn context() -> Context {
    serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context")
}

/// A stream as a gateway starts it, with `options` (pi-ai options JSON).
async fn stream(emu: &Emulator, options: serde_json::Value) -> Vec<Op> {
    let options: StreamOptions = serde_json::from_value(options).expect("options");
    let control = StreamControl { max_retries: Some(0), ..Default::default() };
    ConverseStream::start_with(model(emu), Some(context()), options, control, None).collect().await
}

fn assert_done(ops: &[Op], what: &str) {
    assert!(matches!(ops.last(), Some(Op::Done { .. })), "{what}: expected done, got {:?}", ops.last());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_credential_process_fails_its_stream_after_the_load_timeout_and_blocks_no_other() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("hung-process");
    let (mut env, log) = process_profile(&home, None, true);
    env.insert("BEDROCK_NATIVE_CREDENTIALS_TIMEOUT_MS".into(), "1500".into());
    let hung_options = json!({ "env": env });
    // Three streams of the hung identity at once: one load, each fails after the timeout.
    let hung: Vec<_> = (0..3)
        .map(|_| {
            let (emu_url, options) = (emu.url(), hung_options.clone());
            tokio::spawn(async move {
                let options: StreamOptions = serde_json::from_value(options).expect("options");
                let model: Model =
                    serde_json::from_value(json!({ "id": MODEL, "api": "bedrock-converse-stream", "baseUrl": emu_url })).expect("model");
                ConverseStream::start_with(model, Some(context()), options, StreamControl::default(), None).collect().await
            })
        })
        .collect();
    // Meanwhile, streams with other credentials: a bearer token, static keys.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bearer = stream(&emu, json!({ "bearerToken": EMU_TOKEN, "env": { "AWS_REGION": "us-east-1" } })).await;
    assert_done(&bearer, "bearer-token stream while the other identity hangs");
    let keys = stream(
        &emu,
        json!({ "env": { "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": EMU_KEY, "AWS_SECRET_ACCESS_KEY": EMU_SECRET } }),
    )
    .await;
    assert_done(&keys, "static-key stream while the other identity hangs");
    for task in hung {
        // The bound only keeps the old code (no load timeout: it waits forever) from hanging the suite.
        let ops = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("a stream whose credential_process hangs must end")
            .expect("stream task");
        match ops.last() {
            Some(Op::Error { error, .. }) => {
                assert_eq!(error.code, ErrorCode::CredentialsTimeout, "{error:?}");
                assert!(error.message.contains("credential_process of profile `default`"), "{}", error.message);
                assert!(error.message.contains("1500 ms"), "{}", error.message);
                assert!(!error.message.contains("creds.sh") && !error.message.contains(EMU_SECRET), "{}", error.message);
            }
            other => panic!("expected CredentialsTimeout, got {other:?}"),
        }
    }
    // Callers waiting on a load that fails then try their own, each bounded by its own
    // deadline from its call (aws-smithy-runtime's ExpiringCache/LazyCache rule).
    assert!((1..=3).contains(&runs(&log)), "{} runs", runs(&log));
    emu.close().await;
}

fn expired_token_once() -> serde_json::Value {
    json!({ "times": 1, "http": { "status": 403, "errorType": "ExpiredTokenException",
        "message": "The security token included in the request is expired" } })
}

#[tokio::test]
async fn expired_token_before_the_first_event_reloads_the_credentials_and_resends_once() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("expired-stream");
    let (env, log) = process_profile(&home, None, false);
    emu.script_json(MODEL, &expired_token_once()).expect("script");
    let ops = stream(&emu, json!({ "env": env })).await;
    assert_done(&ops, "stream after one ExpiredTokenException");
    assert_eq!(runs(&log), 2, "credential_process ran again after ExpiredTokenException");
    assert_eq!(emu.requests().len(), 2, "sent once more, with the new credentials");
    // A second ExpiredTokenException in a row is final (no loop).
    emu.clear_requests();
    emu.script_json(MODEL, &json!({ "times": 2, "http": expired_token_once()["http"] })).expect("script");
    let ops = stream(&emu, json!({ "env": env })).await;
    match ops.last() {
        Some(Op::Error { error, .. }) => assert_eq!(error.code, ErrorCode::ExpiredTokenException),
        other => panic!("expected ExpiredTokenException, got {other:?}"),
    }
    assert_eq!(emu.requests().len(), 2);
    assert_eq!(runs(&log), 3);
    emu.close().await;
}

#[tokio::test]
async fn discovery_reloads_credentials_after_expired_token() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("expired-discovery");
    let (env, log) = process_profile(&home, None, false);
    emu.script_json("op:ListFoundationModels", &expired_token_once()).expect("script");
    let result = discover_models(DiscoveryOptions {
        region: Some("us-east-1".into()),
        endpoint: Some(emu.url()),
        env: Some(env),
        mode: Mode::Strict,
        refresh_interval_secs: Some(0.0),
        ..Default::default()
    })
    .await
    .expect("discovery succeeds after reloading the credentials");
    assert!(!result.models.is_empty());
    assert_eq!(runs(&log), 2, "credential_process ran again after ExpiredTokenException");
    emu.close().await;
}
