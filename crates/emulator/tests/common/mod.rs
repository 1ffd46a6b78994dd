//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)]

use bedrock_emulator::{Emulator, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The real recordings: (name, body bytes, decoded frames as JSON lines).
pub fn recordings() -> Vec<(String, Vec<u8>, Vec<serde_json::Value>)> {
    let mut out = Vec::new();
    for dir in [
        "bedrock-runtime/extracted",
        "bedrock-runtime/otel-prompt-caching",
    ] {
        let dir = fixtures().join(dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eventstream"))
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let decoded = std::fs::read_to_string(f.with_extension("decoded.jsonl")).unwrap();
            let lines = decoded
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            out.push((
                f.file_stem().unwrap().to_string_lossy().to_string(),
                bytes,
                lines,
            ));
        }
    }
    assert!(
        out.len() >= 15,
        "expected the recordings in fixtures/, found {}",
        out.len()
    );
    out
}

pub fn creds(secret: &str) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        DEFAULT_ACCESS_KEY_ID,
        secret,
        None,
        None,
        "emulator-test",
    )
}

pub fn runtime_client_with(
    emu: &Emulator,
    secret: &str,
    retries: bool,
) -> aws_sdk_bedrockruntime::Client {
    use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
    let mut b = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(creds(secret))
        .endpoint_url(emu.url());
    b = if retries {
        b.retry_config(
            aws_smithy_types::retry::RetryConfig::standard()
                .with_initial_backoff(std::time::Duration::from_millis(1)),
        )
    } else {
        b.retry_config(aws_smithy_types::retry::RetryConfig::disabled())
    };
    aws_sdk_bedrockruntime::Client::from_conf(b.build())
}

pub fn runtime_client(emu: &Emulator) -> aws_sdk_bedrockruntime::Client {
    runtime_client_with(emu, DEFAULT_SECRET_ACCESS_KEY, false)
}

pub fn control_client_with(emu: &Emulator, secret: &str) -> aws_sdk_bedrock::Client {
    use aws_sdk_bedrock::config::{BehaviorVersion, Region};
    let conf = aws_sdk_bedrock::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(creds(secret))
        .endpoint_url(emu.url())
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
        .build();
    aws_sdk_bedrock::Client::from_conf(conf)
}

pub fn control_client(emu: &Emulator) -> aws_sdk_bedrock::Client {
    control_client_with(emu, DEFAULT_SECRET_ACCESS_KEY)
}

pub fn user_message(text: &str) -> aws_sdk_bedrockruntime::types::Message {
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

/// A raw HTTP/1.0 exchange (body read to EOF): (status, lowercase headers, body).
pub async fn raw_http(
    emu: &Emulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nhost: {}\r\ncontent-length: {}\r\n",
        emu.addr(),
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let hs = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, hs, buf[split + 4..].to_vec())
}

/// SigV4 headers for a raw request signed with the default identity.
pub fn sign_headers(
    emu: &Emulator,
    method: &str,
    path: &str,
    body: &[u8],
) -> Vec<(String, String)> {
    use bedrock_emulator::sigv4;
    let amz_date = sigv4::format_amz_date(std::time::SystemTime::now());
    let headers = vec![
        ("host".to_string(), emu.addr().to_string()),
        ("x-amz-date".to_string(), amz_date.clone()),
    ];
    let parts = sigv4::RequestParts {
        method,
        path,
        query: "",
        headers: headers.clone(),
        body,
    };
    let cred = &emu.config().credentials[0];
    let auth = sigv4::sign(
        &parts,
        cred,
        "us-east-1",
        "bedrock",
        &amz_date,
        &["host".into(), "x-amz-date".into()],
    );
    vec![
        ("x-amz-date".into(), amz_date),
        ("authorization".into(), auth),
    ]
}
