//! The HTTP server: routing, auth, recording, scripted replies and faults.

use crate::catalogue::{self, ApiError};
use crate::eventstream;
use crate::reply;
use crate::script::{self, Script, ScriptFrame};
use crate::sigv4;
use crate::validate;
use crate::EmulatorConfig;

use base64::Engine;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

type BoxError = io::Error;

fn boxed(msg: &str) -> BoxError {
    io::Error::other(msg.to_string())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The emulator's own clock: the host's, moved by `clockOffsetSecs`.
fn server_now(config: &EmulatorConfig) -> SystemTime {
    let offset = Duration::from_secs(config.clock_offset_secs.unsigned_abs());
    let now = SystemTime::now();
    if config.clock_offset_secs >= 0 {
        now + offset
    } else {
        now - offset
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

// ---------------------------------------------------------------------------------------
// Records

/// What the emulator saw of one request. The `Authorization` and `X-Amz-Security-Token`
/// values are never recorded.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// Sequence number (0-based) since start or last reset.
    pub seq: u64,
    pub request_id: String,
    pub connection_id: u64,
    pub at_ms: u64,
    pub method: String,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub http_version: String,
    /// Path as received (percent-encoded).
    pub path: String,
    /// Raw query string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Decoded query parameters (JSON: an object; repeated names joined with `,`).
    #[serde(serialize_with = "pairs_as_map")]
    pub query_params: Vec<(String, String)>,
    /// `ListFoundationModels`, `ConverseStream`, ... (`Unknown` for anything else).
    pub operation: String,
    /// Decoded model id for runtime calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Headers (lowercase names) except `authorization` and `x-amz-security-token`
    /// (JSON: an object; repeated names joined with `,`).
    #[serde(serialize_with = "pairs_as_map")]
    pub headers: Vec<(String, String)>,
    pub auth: AuthOutcome,
    /// Parsed JSON body (None when empty or not JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    pub body_bytes: usize,
    pub response: ResponseRecord,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn pairs_as_map<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut m = serde_json::Map::new();
    for (k, v) in pairs {
        match m.get_mut(k) {
            Some(Value::String(prev)) => {
                prev.push(',');
                prev.push_str(v);
            }
            _ => {
                m.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    m.serialize(s)
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AuthOutcome {
    /// `sigv4`, `sigv4-query`, `bearer`, `none`.
    pub scheme: String,
    /// Accepted (always true when auth is off).
    pub ok: bool,
    /// Whether the credentials were checked (false when auth is off).
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signed_headers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What the emulator answered, updated while a stream is sent.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResponseRecord {
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The response came from a script.
    pub scripted: bool,
    /// Event-stream frames handed to the connection.
    pub frames_sent: usize,
    pub bytes_sent: usize,
    /// The whole response was handed over.
    pub completed: bool,
    /// The client went away before the response was complete.
    pub client_disconnected: bool,
    /// A scripted fault cut the response short (`drop`, `reset`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<u64>,
}

/// One TCP connection.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionRecord {
    pub id: u64,
    pub peer: String,
    pub opened_at_ms: u64,
    /// When the emulator's side of the socket was closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at_ms: Option<u64>,
    /// When the client's close (EOF or reset) was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_closed_at_ms: Option<u64>,
    pub requests: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStats {
    pub total: usize,
    pub open: usize,
    pub closed: usize,
    pub connections: Vec<ConnectionRecord>,
}

// ---------------------------------------------------------------------------------------
// Shared state

struct Shared {
    config: EmulatorConfig,
    models: Vec<Value>,
    profiles: Vec<Value>,
    scripts: Mutex<HashMap<String, VecDeque<(Script, u32)>>>,
    requests: Mutex<Vec<RecordedRequest>>,
    connections: Mutex<Vec<ConnectionRecord>>,
    cache_prefixes: Mutex<HashSet<String>>,
    next_conn: AtomicU64,
    next_seq: AtomicU64,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    /// Keeps `requests` in `seq` order (requests racing on other connections may arrive
    /// out of order by a few places), so [`Shared::update`] finds a record by binary
    /// search: a paced stream updates its record per frame, and with thousands of streams
    /// open a scan per update cost the emulator more CPU than the clients it serves.
    fn record(&self, r: RecordedRequest) -> u64 {
        let seq = r.seq;
        let mut reqs = lock(&self.requests);
        let at = reqs.partition_point(|x| x.seq < seq);
        reqs.insert(at, r);
        seq
    }

    fn update(&self, seq: u64, f: impl FnOnce(&mut ResponseRecord)) {
        let mut reqs = lock(&self.requests);
        if let Ok(i) = reqs.binary_search_by_key(&seq, |r| r.seq) {
            f(&mut reqs[i].response);
        }
    }

    fn conn_update(&self, id: u64, f: impl FnOnce(&mut ConnectionRecord)) {
        let mut conns = lock(&self.connections);
        if let Some(c) = conns.iter_mut().rev().find(|c| c.id == id) {
            f(c);
        }
    }

    /// Takes the next script for the first key that has one.
    fn take_script(&self, keys: &[String]) -> Option<Script> {
        let mut scripts = lock(&self.scripts);
        for key in keys {
            let Some(q) = scripts.get_mut(key) else {
                continue;
            };
            let Some((script, remaining)) = q.front_mut() else {
                continue;
            };
            let out = script.clone();
            if *remaining == 0 {
                // persistent
            } else if *remaining == 1 {
                q.pop_front();
            } else {
                *remaining -= 1;
            }
            return Some(out);
        }
        None
    }
}

// ---------------------------------------------------------------------------------------
// The public handle

/// A running emulator. Dropping it shuts the server down too.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Emulator {
    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> io::Result<Emulator> {
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let addr = listener.local_addr()?;
        let tls = config.tls.as_ref().map(|identity| tls_acceptor(identity, &config.tls_alpn)).transpose()?;
        let mut models = config
            .foundation_models
            .clone()
            .unwrap_or_else(|| catalogue::builtin_foundation_models(&config.region));
        models.extend(config.extra_foundation_models.iter().cloned());
        let mut profiles = config.inference_profiles.clone().unwrap_or_else(|| {
            catalogue::builtin_inference_profiles(&config.region, &config.account_id, &models)
        });
        profiles.extend(config.extra_inference_profiles.iter().cloned());
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            config,
            models,
            profiles,
            scripts: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            connections: Mutex::new(Vec::new()),
            cache_prefixes: Mutex::new(HashSet::new()),
            next_conn: AtomicU64::new(1),
            next_seq: AtomicU64::new(0),
            shutdown,
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone(), tls));
        Ok(Emulator {
            shared,
            addr,
            task: Mutex::new(Some(task)),
        })
    }

    /// `http://127.0.0.1:PORT` — the endpoint for both control plane and runtime.
    pub fn url(&self) -> String {
        let scheme = if self.shared.config.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// The foundation models served (after overrides).
    pub fn foundation_models(&self) -> &[Value] {
        &self.shared.models
    }

    /// The inference profiles served (after overrides).
    pub fn inference_profiles(&self) -> &[Value] {
        &self.shared.profiles
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// `requests()` as JSON (camelCase, as `/__emulator/requests` and JS see it).
    pub fn requests_json(&self) -> Value {
        serde_json::to_value(self.requests()).unwrap_or_default()
    }

    /// `connections()` as JSON.
    pub fn connections_json(&self) -> Value {
        serde_json::to_value(self.connections()).unwrap_or_default()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Queues a script for a model id (`"*"` = any model; `"op:ListInferenceProfiles"`
    /// etc. for control-plane operations, `"op:*"` for any of them).
    pub fn script(&self, key: &str, script: Script) {
        let times = script.times.unwrap_or(1);
        lock(&self.shared.scripts)
            .entry(key.to_string())
            .or_default()
            .push_back((script, times));
    }

    /// Queues a script given as JSON.
    pub fn script_json(&self, key: &str, script: &Value) -> Result<(), String> {
        let s: Script =
            serde_json::from_value(script.clone()).map_err(|e| format!("invalid script: {e}"))?;
        self.script(key, s);
        Ok(())
    }

    /// Clears scripts, recorded requests, connection records and the prompt cache.
    pub fn reset(&self) {
        reset_shared(&self.shared);
    }

    pub fn connections(&self) -> ConnectionStats {
        connection_stats(&self.shared)
    }

    /// Stops accepting and closes every connection (idempotent). Records stay readable.
    pub async fn close(&self) {
        self.shutdown_now();
        let task = lock(&self.task).take();
        if let Some(t) = task {
            let _ = t.await;
        }
        // Wait (bounded) until every connection task has dropped its socket.
        for _ in 0..200 {
            if connection_stats(&self.shared).open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Whether `close` was called (or the handle dropped).
    pub fn is_closed(&self) -> bool {
        *self.shared.shutdown.borrow()
    }

    fn shutdown_now(&self) {
        // send_replace, not send: `send` drops the value when no receiver exists yet (close
        // right after start, before the accept loop subscribed), which left close() waiting
        // on an accept loop that never saw the shutdown.
        self.shared.shutdown.send_replace(true);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

fn reset_shared(shared: &Shared) {
    lock(&shared.scripts).clear();
    lock(&shared.requests).clear();
    lock(&shared.connections).retain(|c| c.closed_at_ms.is_none());
    lock(&shared.cache_prefixes).clear();
}

fn connection_stats(shared: &Shared) -> ConnectionStats {
    let conns = lock(&shared.connections).clone();
    let open = conns.iter().filter(|c| c.closed_at_ms.is_none()).count();
    ConnectionStats {
        total: conns.len(),
        open,
        closed: conns.len() - open,
        connections: conns,
    }
}

// ---------------------------------------------------------------------------------------
// Connections

struct ConnCtl {
    id: u64,
    reset: AtomicBool,
}

/// The TCP stream, recording the peer's close and the socket's own close.
struct ConnIo {
    inner: TcpStream,
    ctl: Arc<ConnCtl>,
    shared: Arc<Shared>,
    peer_closed: bool,
}

impl ConnIo {
    fn mark_peer_closed(&mut self) {
        if !self.peer_closed {
            self.peer_closed = true;
            let t = now_ms();
            self.shared
                .conn_update(self.ctl.id, |c| c.peer_closed_at_ms = Some(t));
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &r {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                self.mark_peer_closed()
            }
            Poll::Ready(Err(_)) => self.mark_peer_closed(),
            _ => {}
        }
        r
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Err(_)) = &r {
            self.mark_peer_closed();
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.ctl.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
        let t = now_ms();
        self.shared
            .conn_update(self.ctl.id, |c| c.closed_at_ms = Some(t));
    }
}

/// The TLS server side for [`crate::TlsIdentity`].
fn tls_acceptor(identity: &crate::TlsIdentity, alpn: &[String]) -> io::Result<tokio_rustls::TlsAcceptor> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, format!("emulator tls: {what}: {e}"));
    let certs = CertificateDer::pem_slice_iter(identity.cert_chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("certChainPem", &e))?;
    let key = PrivateKeyDer::from_pem_slice(identity.private_key_pem.as_bytes()).map_err(|e| bad("privateKeyPem", &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("protocol versions", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad("certificate", &e))?;
    if let Some(other) = alpn.iter().find(|p| !matches!(p.as_str(), "h2" | "http/1.1")) {
        return Err(bad("tlsAlpn", &format!("{other:?} is neither \"h2\" nor \"http/1.1\"")));
    }
    // The connection then speaks what ALPN chose (hyper's auto builder reads the h2 preface).
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: Option<tokio_rustls::TlsAcceptor>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait_for(|v| *v) => break,
        };
        let Ok((stream, peer)) = accepted else {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        lock(&shared.connections).push(ConnectionRecord {
            id,
            peer: peer.to_string(),
            opened_at_ms: now_ms(),
            closed_at_ms: None,
            peer_closed_at_ms: None,
            requests: 0,
        });
        let ctl = Arc::new(ConnCtl {
            id,
            reset: AtomicBool::new(false),
        });
        let io = ConnIo {
            inner: stream,
            ctl: ctl.clone(),
            shared: shared.clone(),
            peer_closed: false,
        };
        let shared2 = shared.clone();
        let mut conn_shutdown = shared.shutdown.subscribe();
        let tls = tls.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let shared = shared2.clone();
                let ctl = ctl.clone();
                handle_boxed(shared, ctl, req)
            });
            // HTTP/1.1, or HTTP/2 with prior knowledge (h2c): the AWS SDK for JS talks
            // HTTP/2 to Bedrock runtime by default, also to an http:// endpoint.
            let builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            match tls {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(io), svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = conn_shutdown.wait_for(|v| *v) => {}
                    }
                }
                Some(acceptor) => {
                    // A failed handshake (a client that does not trust the CA) just closes.
                    let Ok(io) = acceptor.accept(io).await else { return };
                    let conn = builder.serve_connection(TokioIo::new(io), svc);
                    tokio::select! {
                        _ = conn => {}
                        _ = conn_shutdown.wait_for(|v| *v) => {}
                    }
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------
// Bodies

/// A response body: fixed bytes or a channel fed by a stream producer.
pub(crate) enum EmuBody {
    Full(Option<Bytes>),
    Chan(mpsc::Receiver<Result<Bytes, BoxError>>),
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            EmuBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            EmuBody::Chan(rx) => rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, EmuBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            EmuBody::Full(None) => SizeHint::with_exact(0),
            EmuBody::Chan(_) => SizeHint::default(),
        }
    }
}

fn request_id() -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    let b: [u8; 16] = r.gen();
    let h = hex::encode(b);
    format!(
        "{}-{}-4{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

fn json_response(status: u16, request_id: &str, body: &Value) -> Response<EmuBody> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(EmuBody::Full(Some(Bytes::from(bytes))));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    r
}

/// Namespace AWS puts after the error type in `x-amzn-ErrorType`.
fn error_namespace(error_type: &str) -> &'static str {
    match error_type {
        "InvalidSignatureException"
        | "UnrecognizedClientException"
        | "IncompleteSignatureException"
        | "MissingAuthenticationTokenException"
        | "SerializationException"
        | "UnknownOperationException" => {
            "http://internal.amazon.com/coral/com.amazon.coral.service/"
        }
        _ => "http://internal.amazon.com/coral/com.amazon.bedrock/",
    }
}

fn error_response(
    status: u16,
    error_type: &str,
    message: &str,
    request_id: &str,
) -> Response<EmuBody> {
    error_response_body(
        status,
        error_type,
        &json!({ "message": message }),
        request_id,
        None,
    )
}

fn error_response_body(
    status: u16,
    error_type: &str,
    body: &Value,
    request_id: &str,
    retry_after: Option<u64>,
) -> Response<EmuBody> {
    let mut r = json_response(status, request_id, body);
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("{error_type}:{}", error_namespace(error_type))) {
        h.insert("x-amzn-errortype", v);
    }
    if let Some(s) = retry_after {
        h.insert("retry-after", HeaderValue::from(s));
    }
    r
}

// ---------------------------------------------------------------------------------------
// Routing

#[derive(Debug, Clone, PartialEq)]
enum Route {
    ListFoundationModels,
    GetFoundationModel(String),
    ListInferenceProfiles,
    GetInferenceProfile(String),
    Converse(String),
    ConverseStream(String),
    Unknown,
}

impl Route {
    fn operation(&self) -> &'static str {
        match self {
            Route::ListFoundationModels => "ListFoundationModels",
            Route::GetFoundationModel(_) => "GetFoundationModel",
            Route::ListInferenceProfiles => "ListInferenceProfiles",
            Route::GetInferenceProfile(_) => "GetInferenceProfile",
            Route::Converse(_) => "Converse",
            Route::ConverseStream(_) => "ConverseStream",
            Route::Unknown => "Unknown",
        }
    }
    /// The IAM action AWS names in AccessDenied messages.
    fn iam_action(&self) -> &'static str {
        match self {
            Route::Converse(_) => "bedrock:InvokeModel",
            Route::ConverseStream(_) => "bedrock:InvokeModelWithResponseStream",
            other => match other.operation() {
                "ListFoundationModels" => "bedrock:ListFoundationModels",
                "GetFoundationModel" => "bedrock:GetFoundationModel",
                "ListInferenceProfiles" => "bedrock:ListInferenceProfiles",
                "GetInferenceProfile" => "bedrock:GetInferenceProfile",
                _ => "bedrock:Unknown",
            },
        }
    }
    fn model_id(&self) -> Option<&str> {
        match self {
            Route::Converse(m) | Route::ConverseStream(m) => Some(m),
            _ => None,
        }
    }
}

fn decode_segment(s: &str) -> String {
    String::from_utf8_lossy(&sigv4::percent_decode(s)).into_owned()
}

fn route(method: &Method, path: &str) -> Route {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segs.as_slice()) {
        (&Method::GET, ["foundation-models"]) | (&Method::GET, ["foundation-models", ""]) => {
            Route::ListFoundationModels
        }
        (&Method::GET, ["foundation-models", id]) => Route::GetFoundationModel(decode_segment(id)),
        (&Method::GET, ["inference-profiles"]) | (&Method::GET, ["inference-profiles", ""]) => {
            Route::ListInferenceProfiles
        }
        (&Method::GET, ["inference-profiles", id]) => {
            Route::GetInferenceProfile(decode_segment(id))
        }
        (&Method::POST, ["model", id, "converse"]) => Route::Converse(decode_segment(id)),
        (&Method::POST, ["model", id, "converse-stream"]) => {
            Route::ConverseStream(decode_segment(id))
        }
        _ => Route::Unknown,
    }
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |s: &str| {
                String::from_utf8_lossy(&sigv4::percent_decode(&s.replace('+', " "))).into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Auth

fn check_auth(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> (AuthOutcome, Option<sigv4::AuthError>) {
    let cfg = &shared.config;
    let authz = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let query = parts.uri.query().unwrap_or("");
    let mut out = AuthOutcome::default();
    if let Some(token) = authz
        .strip_prefix("Bearer ")
        .or_else(|| authz.strip_prefix("bearer "))
    {
        out.scheme = "bearer".into();
        if !cfg.auth {
            out.ok = true;
            return (out, None);
        }
        out.verified = true;
        if cfg.bearer_tokens.iter().any(|t| t == token.trim()) {
            out.ok = true;
            return (out, None);
        }
        let e = sigv4::AuthError {
            aws_type: "AccessDeniedException",
            message: "Authentication failed: Please make sure your API Key is valid.".into(),
            access_key_id: None,
        };
        out.error_type = Some(e.aws_type.into());
        out.message = Some(e.message.clone());
        return (out, Some(e));
    }
    out.scheme = if authz.starts_with(sigv4::ALGORITHM) {
        "sigv4".into()
    } else if query.contains("X-Amz-Signature=") {
        "sigv4-query".into()
    } else {
        "none".into()
    };
    if !cfg.auth {
        out.ok = true;
        return (out, None);
    }
    out.verified = true;
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // HTTP/2 carries the host as the `:authority` pseudo-header, which hyper puts in the
    // URI; HTTP/2 clients sign it under that name.
    if let Some(a) = parts.uri.authority() {
        headers.push((":authority".into(), a.as_str().to_string()));
        if !parts.headers.contains_key("host") {
            headers.push(("host".into(), a.as_str().to_string()));
        }
    }
    let req = sigv4::RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query,
        headers,
        body,
    };
    let mut opts = sigv4::VerifyOptions::bedrock(&cfg.region);
    opts.max_skew = Duration::from_secs(cfg.max_skew_secs);
    opts.now = server_now(cfg);
    match sigv4::verify(&req, &cfg.credentials, &opts) {
        Ok(v) => {
            out.ok = true;
            out.access_key_id = Some(v.access_key_id);
            out.signed_headers = v.signed_headers;
            out.region = Some(cfg.region.clone());
            (out, None)
        }
        Err(e) => {
            out.access_key_id = e.access_key_id.clone();
            out.error_type = Some(e.aws_type.into());
            out.message = Some(e.message.lines().next().unwrap_or_default().to_string());
            (out, Some(e))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The handler

type HandleFuture =
    Pin<Box<dyn std::future::Future<Output = Result<Response<EmuBody>, BoxError>> + Send>>;

fn handle_boxed(shared: Arc<Shared>, ctl: Arc<ConnCtl>, req: Request<Incoming>) -> HandleFuture {
    Box::pin(async move {
        let mut response = handle(shared.clone(), ctl, req).await?;
        // Every AWS response carries `Date` from the server's clock (HTTP/2 too, where
        // hyper adds none); the SDKs learn their clock skew from it.
        let date = sigv4::format_http_date(server_now(&shared.config));
        if let Ok(value) = HeaderValue::from_str(&date) {
            response.headers_mut().insert(http::header::DATE, value);
        }
        Ok(response)
    })
}

async fn handle(
    shared: Arc<Shared>,
    ctl: Arc<ConnCtl>,
    req: Request<Incoming>,
) -> Result<Response<EmuBody>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
    shared.conn_update(ctl.id, |c| c.requests += 1);
    let path = parts.uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/__emulator/") {
        return Ok(control(
            &shared,
            &parts.method,
            rest,
            parts.uri.query().unwrap_or(""),
            &body,
        ));
    }
    let rid = request_id();
    let route = route(&parts.method, &path);
    let (auth, auth_err) = check_auth(&shared, &parts, &body);
    let seq = shared.next_seq.fetch_add(1, Ordering::SeqCst);
    let json_body: Option<Value> = if body.is_empty() {
        None
    } else {
        serde_json::from_slice(&body).ok()
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(k, _)| *k != "authorization" && *k != "x-amz-security-token")
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    shared.record(RecordedRequest {
        seq,
        request_id: rid.clone(),
        connection_id: ctl.id,
        at_ms: now_ms(),
        method: parts.method.to_string(),
        http_version: format!("{:?}", parts.version),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        query_params: parse_query(parts.uri.query().unwrap_or("")),
        operation: route.operation().into(),
        model_id: route.model_id().map(str::to_string),
        headers,
        auth,
        body: json_body.clone(),
        body_bytes: body.len(),
        response: ResponseRecord::default(),
    });

    let finish = |resp: Response<EmuBody>, scripted: bool| -> Response<EmuBody> {
        let status = resp.status().as_u16();
        let et = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(':').next().unwrap_or_default().to_string());
        let full = matches!(resp.body(), EmuBody::Full(_));
        shared.update(seq, |r| {
            r.status = status;
            r.error_type = et;
            r.scripted = scripted;
            if full {
                r.completed = true;
                r.finished_at_ms = Some(now_ms());
            }
        });
        resp
    };

    if let Some(e) = auth_err {
        let status = script::default_status(e.aws_type);
        return Ok(finish(
            error_response(status, e.aws_type, &e.message, &rid),
            false,
        ));
    }
    if route == Route::Unknown {
        return Ok(finish(
            error_response(
                404,
                "UnknownOperationException",
                "UnknownOperationException",
                &rid,
            ),
            false,
        ));
    }
    let op = route.operation();
    if shared
        .config
        .deny_operations
        .iter()
        .any(|d| d == op || d == route.iam_action())
    {
        let resource = match route.model_id() {
            Some(m) => format!(
                " on resource: {}",
                catalogue::foundation_model_arn(&shared.config.region, m)
            ),
            None => String::new(),
        };
        let msg = format!(
            "User: arn:aws:iam::{}:user/bedrock-emulator is not authorized to perform: {}{resource} because no identity-based policy allows the {} action",
            shared.config.account_id,
            route.iam_action(),
            route.iam_action()
        );
        return Ok(finish(
            error_response(403, "AccessDeniedException", &msg, &rid),
            false,
        ));
    }

    // Scripts: model id then "*" for runtime; "op:<Name>" then "op:*" for the control plane.
    let keys: Vec<String> = match route.model_id() {
        Some(m) => vec![m.to_string(), "*".into()],
        None => vec![format!("op:{op}"), "op:*".into()],
    };
    let script = shared.take_script(&keys);
    let scripted = script.is_some();

    if let Some(s) = &script {
        if let Some(ms) = s.faults.delay_before_headers_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if s.faults.reset_before_headers {
            ctl.reset.store(true, Ordering::SeqCst);
            shared.update(seq, |r| {
                r.scripted = true;
                r.fault = Some("resetBeforeHeaders".into());
                r.finished_at_ms = Some(now_ms());
            });
            return Err(boxed("scripted connection reset before headers"));
        }
        if let Some(h) = &s.http {
            let et = h
                .error_type
                .clone()
                .unwrap_or_else(|| "InternalServerException".into());
            let status = h.status.unwrap_or_else(|| script::default_status(&et));
            let msg = h.message.clone().unwrap_or_else(|| match et.as_str() {
                "AccessDeniedException" => format!(
                    "User: arn:aws:iam::{}:user/bedrock-emulator is not authorized to perform: {} because no identity-based policy allows the {} action",
                    shared.config.account_id,
                    route.iam_action(),
                    route.iam_action()
                ),
                other => script::default_message(other).to_string(),
            });
            let body = h.body.clone().unwrap_or_else(|| json!({ "message": msg }));
            return Ok(finish(
                error_response_body(status, &et, &body, &rid, h.retry_after_seconds),
                true,
            ));
        }
    }

    let resp = match &route {
        Route::ListFoundationModels
        | Route::GetFoundationModel(_)
        | Route::ListInferenceProfiles
        | Route::GetInferenceProfile(_) => {
            if let Some(j) = script.as_ref().and_then(|s| s.json.clone()) {
                json_response(200, &rid, &j)
            } else {
                control_plane(&shared, &route, &parts, &rid)
            }
        }
        Route::Converse(model) => converse(
            &shared,
            model,
            json_body.as_ref(),
            &body,
            script.as_ref(),
            &rid,
        ),
        Route::ConverseStream(model) => converse_stream(
            shared.clone(),
            seq,
            model,
            json_body.as_ref(),
            &body,
            script.as_ref(),
            &rid,
        ),
        // Invariant: unknown routes were answered with a 404 before this match.
        Route::Unknown => unreachable!(),
    };
    Ok(finish(resp, scripted))
}

fn api_error(e: ApiError, rid: &str) -> Response<EmuBody> {
    error_response(e.0, e.1, &e.2, rid)
}

fn control_plane(
    shared: &Shared,
    route: &Route,
    parts: &http::request::Parts,
    rid: &str,
) -> Response<EmuBody> {
    let q = parse_query(parts.uri.query().unwrap_or(""));
    match route {
        Route::ListFoundationModels => {
            match catalogue::list_foundation_models(&shared.models, &q) {
                Ok(v) => json_response(200, rid, &v),
                Err(e) => api_error(e, rid),
            }
        }
        Route::ListInferenceProfiles => {
            match catalogue::list_inference_profiles(&shared.profiles, &q) {
                Ok(v) => json_response(200, rid, &v),
                Err(e) => api_error(e, rid),
            }
        }
        Route::GetInferenceProfile(id) => match catalogue::find_profile(&shared.profiles, id) {
            Some(p) => json_response(200, rid, p),
            None => error_response(
                404,
                "ResourceNotFoundException",
                "Inference profile not found.",
                rid,
            ),
        },
        Route::GetFoundationModel(id) => {
            let id = catalogue::model_id_from_arn(id).unwrap_or(id);
            match shared.models.iter().find(|m| m["modelId"] == id) {
                Some(m) => json_response(200, rid, &json!({ "modelDetails": m })),
                None => error_response(
                    404,
                    "ResourceNotFoundException",
                    "Could not resolve the foundation model from the provided model identifier.",
                    rid,
                ),
            }
        }
        _ => error_response(
            404,
            "UnknownOperationException",
            "UnknownOperationException",
            rid,
        ),
    }
}

/// A model id, profile id or ARN resolved to its foundation model.
struct Resolved {
    base_id: String,
    model: Value,
}

const INVALID_MODEL: &str = "The provided model identifier is invalid.";

/// The model a Converse or ConverseStream call names, once its body passed validation
/// (both operations refuse the same requests the same way).
fn resolve_and_validate(
    shared: &Shared,
    id: &str,
    streaming: bool,
    body: Option<&Value>,
    raw: &[u8],
) -> Result<Resolved, ApiError> {
    let resolved = resolve_model(shared, id, streaming)?;
    validate::check(
        body,
        raw,
        &resolved.base_id,
        &resolved.model,
        shared.config.strict_validation,
    )?;
    Ok(resolved)
}

fn resolve_model(shared: &Shared, id: &str, streaming: bool) -> Result<Resolved, ApiError> {
    let find_model = |mid: &str| shared.models.iter().find(|m| m["modelId"] == mid).cloned();
    let direct = catalogue::model_id_from_arn(id).unwrap_or(id);
    if let Some(m) = find_model(direct) {
        let on_demand = m["inferenceTypesSupported"]
            .as_array()
            .is_none_or(|a| a.is_empty() || a.iter().any(|t| t == "ON_DEMAND"));
        if shared.config.enforce_inference_types && !on_demand {
            return Err((
                400,
                "ValidationException",
                format!(
                    "Invocation of model ID {direct} with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
                ),
            ));
        }
        return check_capable(
            Resolved {
                base_id: direct.to_string(),
                model: m,
            },
            streaming,
        );
    }
    if let Some(p) = catalogue::find_profile(&shared.profiles, id) {
        if p["status"].as_str().is_some_and(|s| s != "ACTIVE") {
            return Err((400, "ValidationException", INVALID_MODEL.into()));
        }
        let base = p["models"][0]["modelArn"]
            .as_str()
            .and_then(catalogue::model_id_from_arn)
            .map(str::to_string)
            .or_else(|| {
                let pid = p["inferenceProfileId"].as_str()?;
                pid.split_once('.').map(|(_, rest)| rest.to_string())
            });
        if let Some(base) = base {
            let model = find_model(&base).unwrap_or_else(|| {
                json!({ "modelId": base, "outputModalities": ["TEXT"], "responseStreamingSupported": true })
            });
            return check_capable(
                Resolved {
                    base_id: base,
                    model,
                },
                streaming,
            );
        }
    }
    Err((400, "ValidationException", INVALID_MODEL.into()))
}

fn check_capable(r: Resolved, streaming: bool) -> Result<Resolved, ApiError> {
    let text_out = r.model["outputModalities"]
        .as_array()
        .is_none_or(|a| a.iter().any(|m| m == "TEXT"));
    if !text_out {
        return Err((
            400,
            "ValidationException",
            "This action doesn't support the model that you provided. Try again with a supported text or chat model.".into(),
        ));
    }
    if streaming && r.model["responseStreamingSupported"] == false {
        return Err((
            400,
            "ValidationException",
            "The model is unsupported for streaming.".into(),
        ));
    }
    Ok(r)
}

fn make_reply(shared: &Shared, base_id: &str, body: &Value) -> reply::Reply {
    let mut seen = |prefix: &str| !lock(&shared.cache_prefixes).insert(prefix.to_string());
    reply::default_reply(
        base_id,
        catalogue::is_reasoning_model(base_id),
        body,
        &mut seen,
    )
}

fn text_reply(text: &str, stop: Option<&str>, body: &Value) -> reply::Reply {
    let out = reply::split_words(text).len() as u64;
    reply::Reply {
        blocks: vec![reply::Block::Text(text.to_string())],
        stop_reason: stop.unwrap_or("end_turn").to_string(),
        usage: reply::Usage {
            input_tokens: reply::approx_tokens(body.to_string().len()).max(1),
            output_tokens: out.max(1),
            cache_read: None,
            cache_write: None,
        },
        latency_ms: 42,
    }
}

fn converse(
    shared: &Shared,
    model: &str,
    body: Option<&Value>,
    raw: &[u8],
    script: Option<&Script>,
    rid: &str,
) -> Response<EmuBody> {
    if let Some(c) = script.and_then(|s| s.converse.as_ref()) {
        return json_response(200, rid, c);
    }
    let resolved = match resolve_and_validate(shared, model, false, body, raw) {
        Ok(r) => r,
        Err(e) => return api_error(e, rid),
    };
    let body = body.cloned().unwrap_or(Value::Null);
    let r = match script.and_then(|s| s.text.as_deref()) {
        Some(t) => text_reply(t, script.and_then(|s| s.stop_reason.as_deref()), &body),
        None => make_reply(shared, &resolved.base_id, &body),
    };
    json_response(200, rid, &reply::converse_json(&r))
}

fn stream_headers(rid: &str, rx: mpsc::Receiver<Result<Bytes, BoxError>>) -> Response<EmuBody> {
    let mut r = Response::new(EmuBody::Chan(rx));
    let h = r.headers_mut();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.amazon.eventstream"),
    );
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert("x-amzn-requestid", v);
    }
    r
}

fn encode_script_frames(s: &Script) -> Result<Vec<Vec<u8>>, String> {
    let pad = s.padding.unwrap_or(true);
    let b64 = base64::engine::general_purpose::STANDARD;
    if let Some(raw) = &s.eventstream_base64 {
        let bytes = b64
            .decode(raw.trim())
            .map_err(|e| format!("eventstreamBase64 is not base64: {e}"))?;
        return Ok(eventstream::split_frames(&bytes)
            .into_iter()
            .map(|r| bytes[r].to_vec())
            .collect());
    }
    let mut out = Vec::new();
    for f in s.frames.iter().flatten() {
        out.push(match f {
            ScriptFrame::Event { event, data } => {
                let p = pad.then(eventstream::random_padding);
                eventstream::event_frame(event, &eventstream::event_payload(data, p.as_deref()))
            }
            ScriptFrame::Exception { exception, data } => {
                let mut d = if data.is_object() {
                    data.clone()
                } else {
                    json!({})
                };
                if d.get("message").is_none() {
                    d["message"] = json!(script::default_message(exception));
                }
                if exception == "modelStreamErrorException" {
                    if d.get("originalStatusCode").is_none() {
                        d["originalStatusCode"] = json!(500);
                    }
                    if d.get("originalMessage").is_none() {
                        d["originalMessage"] = json!("Internal model error");
                    }
                }
                eventstream::exception_frame(exception, &serde_json::to_vec(&d).unwrap_or_default())
            }
            ScriptFrame::Raw { raw_base64 } => b64
                .decode(raw_base64.trim())
                .map_err(|e| format!("rawBase64 is not base64: {e}"))?,
        });
    }
    Ok(out)
}

fn encode_events(events: &[(String, Value)]) -> Vec<Vec<u8>> {
    events
        .iter()
        .map(|(ev, data)| {
            eventstream::event_frame(
                ev,
                &eventstream::event_payload(data, Some(&eventstream::random_padding())),
            )
        })
        .collect()
}

fn converse_stream(
    shared: Arc<Shared>,
    seq: u64,
    model: &str,
    body: Option<&Value>,
    raw: &[u8],
    script: Option<&Script>,
    rid: &str,
) -> Response<EmuBody> {
    let exact = script.is_some_and(|s| s.frames.is_some() || s.eventstream_base64.is_some());
    let mut frames = if exact {
        // Invariant: `exact` is only true when `script` is Some.
        match encode_script_frames(script.unwrap()) {
            Ok(f) => f,
            Err(msg) => {
                return error_response(
                    500,
                    "InternalServerException",
                    &format!("bad emulator script: {msg}"),
                    rid,
                )
            }
        }
    } else {
        let resolved = match resolve_and_validate(&shared, model, true, body, raw) {
            Ok(r) => r,
            Err(e) => return api_error(e, rid),
        };
        let body = body.cloned().unwrap_or(Value::Null);
        let (r, chunk) = match script.and_then(|s| s.text.as_deref()) {
            Some(t) => (
                text_reply(t, script.and_then(|s| s.stop_reason.as_deref()), &body),
                script.and_then(|s| s.chunk_size),
            ),
            None => (make_reply(&shared, &resolved.base_id, &body), None),
        };
        encode_events(&reply::stream_events(&r, chunk))
    };
    let faults = script.map(|s| s.faults.clone()).unwrap_or_default();
    if let Some(i) = faults.corrupt_prelude_crc_at_frame {
        if let Some(f) = frames.get_mut(i) {
            eventstream::corrupt_prelude_crc(f);
        }
    }
    if let Some(i) = faults.corrupt_message_crc_at_frame {
        if let Some(f) = frames.get_mut(i) {
            eventstream::corrupt_message_crc(f);
        }
    }
    let (tx, rx) = mpsc::channel(1);
    let frame_delay = faults
        .delay_between_frames_ms
        .unwrap_or(shared.config.frame_delay_ms);
    tokio::spawn(produce(shared, seq, frames, faults, frame_delay, tx));
    stream_headers(rid, rx)
}

/// Sleeps `ms`; false when the client went away first.
async fn sleep_or_close(ms: u64, tx: &mpsc::Sender<Result<Bytes, BoxError>>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_millis(ms)) => true,
        _ = tx.closed() => false,
    }
}

async fn produce(
    shared: Arc<Shared>,
    seq: u64,
    frames: Vec<Vec<u8>>,
    faults: script::Faults,
    frame_delay: u64,
    tx: mpsc::Sender<Result<Bytes, BoxError>>,
) {
    let disconnected = |shared: &Shared| {
        shared.update(seq, |r| {
            r.client_disconnected = true;
            r.finished_at_ms = Some(now_ms());
        })
    };
    let n = frames.len();
    for (i, frame) in frames.into_iter().enumerate() {
        if faults.drop_after_frames == Some(i) {
            let _ = tx.send(Err(boxed("scripted connection drop"))).await;
            shared.update(seq, |r| {
                r.fault = Some("dropAfterFrames".into());
                r.finished_at_ms = Some(now_ms());
            });
            return;
        }
        if faults.stall_after_frames == Some(i)
            && !sleep_or_close(faults.stall_ms.unwrap_or(60_000), &tx).await
        {
            disconnected(&shared);
            return;
        }
        if i > 0 && frame_delay > 0 && !sleep_or_close(frame_delay, &tx).await {
            disconnected(&shared);
            return;
        }
        let pieces: Vec<Bytes> = match faults.bytes_per_write {
            Some(k) if k > 0 => frame.chunks(k).map(Bytes::copy_from_slice).collect(),
            _ => vec![Bytes::from(frame)],
        };
        for (j, piece) in pieces.into_iter().enumerate() {
            if j > 0 {
                match faults.delay_between_writes_ms {
                    Some(ms) if ms > 0 => {
                        if !sleep_or_close(ms, &tx).await {
                            disconnected(&shared);
                            return;
                        }
                    }
                    _ => tokio::task::yield_now().await,
                }
            }
            let len = piece.len();
            if tx.send(Ok(piece)).await.is_err() {
                disconnected(&shared);
                return;
            }
            shared.update(seq, |r| r.bytes_sent += len);
        }
        shared.update(seq, |r| r.frames_sent += 1);
    }
    if faults.drop_after_frames.is_some_and(|d| d >= n) {
        let _ = tx.send(Err(boxed("scripted connection drop"))).await;
        shared.update(seq, |r| {
            r.fault = Some("dropAfterFrames".into());
            r.finished_at_ms = Some(now_ms());
        });
        return;
    }
    shared.update(seq, |r| {
        r.completed = true;
        r.finished_at_ms = Some(now_ms());
    });
}

// ---------------------------------------------------------------------------------------
// Control endpoints (no auth): /__emulator/script, /__emulator/requests, /__emulator/reset,
// /__emulator/connections, /__emulator/health

fn control(
    shared: &Shared,
    method: &Method,
    rest: &str,
    _query: &str,
    body: &[u8],
) -> Response<EmuBody> {
    let rid = request_id();
    match (method, rest.trim_end_matches('/')) {
        (&Method::POST, "script") => {
            let v: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => {
                    return error_response(
                        400,
                        "ValidationException",
                        &format!("body is not JSON: {e}"),
                        &rid,
                    )
                }
            };
            let key = v["modelId"].as_str().unwrap_or("*").to_string();
            let script: Script =
                match serde_json::from_value(v.get("script").cloned().unwrap_or(json!({}))) {
                    Ok(s) => s,
                    Err(e) => {
                        return error_response(
                            400,
                            "ValidationException",
                            &format!("invalid script: {e}"),
                            &rid,
                        )
                    }
                };
            let times = script.times.unwrap_or(1);
            lock(&shared.scripts)
                .entry(key.clone())
                .or_default()
                .push_back((script, times));
            json_response(200, &rid, &json!({ "ok": true, "modelId": key }))
        }
        (&Method::GET, "requests") => {
            let reqs = lock(&shared.requests).clone();
            json_response(200, &rid, &json!({ "requests": reqs }))
        }
        (&Method::POST, "reset") | (&Method::DELETE, "requests") => {
            reset_shared(shared);
            json_response(200, &rid, &json!({ "ok": true }))
        }
        (&Method::GET, "connections") => json_response(
            200,
            &rid,
            &serde_json::to_value(connection_stats(shared)).unwrap_or_default(),
        ),
        (&Method::GET, "health") => json_response(
            200,
            &rid,
            &json!({ "ok": true, "region": shared.config.region }),
        ),
        _ => error_response(
            404,
            "UnknownOperationException",
            "unknown emulator control endpoint",
            &rid,
        ),
    }
}
