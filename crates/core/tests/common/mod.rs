//! Shared helpers for the core integration tests: temp dirs, env maps, and a tiny
//! loopback HTTP stand-in for IMDS / ECS credential endpoints.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const EMU_KEY: &str = "AKIDEMULATORTEST0001";
pub const EMU_SECRET: &str = "emulator/secret/key/0000000000000000000000";
pub const EMU_TOKEN: &str = "bedrock-emulator-api-key";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh empty directory under the system temp dir (removed on drop).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("bn-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p.to_string_lossy().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An env map isolated from the developer's machine: HOME in `home`, IMDS off unless
/// the test turns it on, plus `pairs`.
pub fn isolated_env(home: &TempDir, pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("HOME".into(), home.0.to_string_lossy().to_string());
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    for (k, v) in pairs {
        env.insert(k.to_string(), v.to_string());
    }
    env
}

pub fn emulator_key_env(home: &TempDir) -> HashMap<String, String> {
    isolated_env(home, &[("AWS_ACCESS_KEY_ID", EMU_KEY), ("AWS_SECRET_ACCESS_KEY", EMU_SECRET)])
}

/// `(method, path) -> (status, body)`; `None` = 404.
pub type Handler = Arc<dyn Fn(&str, &str) -> Option<(u16, String)> + Send + Sync>;

/// A loopback HTTP/1.1 server answering each request through `handler`, recording
/// `"METHOD path"` lines. Connection: close after every response.
pub struct FakeServer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    pub async fn start(handler: Handler) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { return };
                let handler = handler.clone();
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let first = head.lines().next().unwrap_or("").to_string();
                    let mut parts = first.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    seen.lock().expect("lock").push(format!("{method} {path}"));
                    let (status, body) = handler(&method, &path).unwrap_or((404, "not found".into()));
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\nx-aws-ec2-metadata-token-ttl-seconds: 21600\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(reply.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        FakeServer { url, seen, task }
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An ISO-8601 time one hour from now.
pub fn in_one_hour() -> String {
    let t = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    aws_smithy_types::DateTime::from(t)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .expect("formats")
}

/// A port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// (CA certificate PEM, server chain PEM, server key PEM); the server is `localhost` / 127.0.0.1.
pub fn throwaway_ca() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "bedrock-native throwaway test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).expect("CA cert");
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("server params");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// Stream settings for the emulator's default SigV4 identity (the emulator's defaults
/// otherwise: retries, timeouts, proxy from the environment).
pub fn emulator_sigv4_settings(emu: &bedrock_emulator::Emulator) -> bedrock_core::stream::StreamSettings {
    use aws_credential_types::provider::SharedCredentialsProvider;
    let creds = aws_credential_types::Credentials::new(
        bedrock_emulator::DEFAULT_ACCESS_KEY_ID,
        bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY,
        None,
        None,
        "test",
    );
    bedrock_core::stream::StreamSettings::new(
        emu.url(),
        "us-east-1",
        bedrock_core::auth::Auth::SigV4(SharedCredentialsProvider::new(creds)),
    )
}

/// A one-turn "hello" ConverseStream request for `model_id`, no cost table.
pub fn hello_request(model_id: &str) -> bedrock_core::stream::ConverseStreamRequest {
    let body = serde_json::json!({ "messages": [{ "role": "user", "content": [{ "text": "hello" }] }], "inferenceConfig": {} });
    bedrock_core::stream::ConverseStreamRequest {
        model_id: model_id.into(),
        body: serde_json::to_vec(&body).expect("json").into(),
        cost: bedrock_core::stream::ModelCost::default(),
    }
}
