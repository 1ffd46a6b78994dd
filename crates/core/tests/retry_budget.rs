//! The retry budget is shared by every stream of the process (standard retry mode token
//! bucket): 100 concurrent streams against a server that always throttles send at most
//! 200 requests (the AWS SDK for JS's bucket gives 200), not 100 × 3 = 300.
//!
//! Its own test binary: the budget is process-wide.

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use bedrock_core::auth::Auth;
use bedrock_core::stream::{retry_budget_available, ConverseStream, ConverseStreamRequest, ModelCost, Op, StreamSettings};
use bedrock_core::ErrorCode;
use bedrock_emulator::{Emulator, EmulatorConfig, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use serde_json::json;

const MODEL: &str = "amazon.nova-micro-v1:0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_streams_against_an_always_throttling_server_send_at_most_two_hundred_requests() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    emu.script_json(MODEL, &json!({ "times": 100000, "http": { "errorType": "ThrottlingException", "message": "slow down" } }))
        .expect("script");
    let streams: Vec<_> = (0..100)
        .map(|_| {
            let creds = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, None, None, "test");
            let mut s = StreamSettings::new(emu.url(), "us-east-1", Auth::SigV4(SharedCredentialsProvider::new(creds)));
            s.retry_base_delay = Duration::from_millis(2);
            assert_eq!(s.max_retries, 2);
            let body = json!({ "messages": [{ "role": "user", "content": [{ "text": "hi" }] }], "inferenceConfig": {} });
            let request = ConverseStreamRequest {
                model_id: MODEL.into(),
                body: serde_json::to_vec(&body).expect("json").into(),
                cost: ModelCost::default(),
            };
            tokio::spawn(ConverseStream::start(request, s).collect())
        })
        .collect();
    for stream in streams {
        let ops = stream.await.expect("stream task");
        match ops.last() {
            Some(Op::Error { error, .. }) => assert_eq!(error.code, ErrorCode::ThrottlingException),
            other => panic!("expected throttling, got {other:?}"),
        }
    }
    let sent = emu.requests().len();
    println!("100 streams, always throttled: {sent} requests, {} retry tokens left", retry_budget_available());
    assert!(sent <= 200, "{sent} requests: the retry budget is not shared");
    assert!(sent > 100, "{sent} requests: retries never happened");
    emu.close().await;
}

/// `AWS_MAX_ATTEMPTS` (from `options.env`, as pi-ai 1.6 reads env) sets the attempts when
/// `maxRetries` is not given; an explicit `maxRetries` wins; a bad value is refused.
#[tokio::test]
async fn aws_max_attempts_sets_the_attempts_unless_max_retries_is_given() {
    use bedrock_core::request::{Context, Model, StreamOptions};
    use bedrock_core::stream::StreamControl;
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    emu.script_json(MODEL, &json!({ "times": 100000, "http": { "errorType": "ServiceUnavailableException", "message": "busy" } }))
        .expect("script");
    let run = |attempts: &str, max_retries: Option<u32>| {
        let model: Model =
            serde_json::from_value(json!({ "id": MODEL, "api": "bedrock-converse-stream", "baseUrl": emu.url() })).expect("model");
        let context: Context =
            serde_json::from_value(json!({ "messages": [{ "role": "user", "content": "hi", "timestamp": 1 }] })).expect("context");
        let options: StreamOptions = serde_json::from_value(json!({
            "bearerToken": bedrock_emulator::DEFAULT_BEARER_TOKEN,
            "env": { "AWS_MAX_ATTEMPTS": attempts, "AWS_REGION": "us-east-1" }
        }))
        .expect("options");
        let control = StreamControl { max_retries, ..Default::default() };
        ConverseStream::start_with(model, Some(context), options, control, None).collect()
    };
    let before = emu.requests().len();
    let ops = run("1", None).await;
    assert!(matches!(ops.last(), Some(Op::Error { .. })));
    assert_eq!(emu.requests().len() - before, 1, "AWS_MAX_ATTEMPTS=1: one attempt");
    let before = emu.requests().len();
    let _ = run("1", Some(1)).await;
    assert_eq!(emu.requests().len() - before, 2, "maxRetries: 1 wins over AWS_MAX_ATTEMPTS");
    let ops = run("zero", None).await;
    match ops.last() {
        Some(Op::Error { error, .. }) => assert!(error.message.contains("AWS_MAX_ATTEMPTS"), "{error:?}"),
        other => panic!("expected an AWS_MAX_ATTEMPTS error, got {other:?}"),
    }
    emu.close().await;
}
