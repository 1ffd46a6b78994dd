//! The network half of a stream: request, retries before the first event, timeouts,
//! HTTP error parsing, frame decoding, and handing mapped ops to the channel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rand::Rng;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::mapper::{self, error_frame_error, exception_frame_error, format_aws_error_message, Mapper, Op};
use super::{Chunk, ConverseStreamRequest, ProxySetting, StreamSettings, MAX_BACKOFF};
use crate::auth::Auth;
use crate::clock_skew;
use crate::error::{Error, ErrorCode};
use crate::eventstream::FrameDecoder;

type HttpsClient = Client<hyper_rustls::HttpsConnector<ProxyAwareConnector>, Full<Bytes>>;
type Http2Pool = super::http2::Http2Pool<ProxyAwareConnector>;

/// The clients of one transport configuration: HTTP/2 over TLS when the server offers it,
/// HTTP/1.1 for `http://`, servers without `h2`, and `http1_only`.
#[derive(Clone)]
struct Clients {
    http1: HttpsClient,
    http2: Arc<Http2Pool>,
}

/// Largest HTTP error body read; AWS error bodies are a few hundred bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The AWS SDK's label encoding (`extendedEncodeURIComponent`): everything but
/// unreserved characters, so `:` -> `%3A` and `/` in ARNs -> `%2F`.
const PATH_LABEL: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

pub(super) fn converse_stream_url(endpoint: &str, model_id: &str) -> String {
    format!(
        "{}/model/{}/converse-stream",
        endpoint.trim_end_matches('/'),
        utf8_percent_encode(model_id, PATH_LABEL)
    )
}

/// Connects directly, or through an HTTP CONNECT tunnel when the proxy rules (the
/// standard `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` variables, or an explicit proxy)
/// say so; TLS to Bedrock then runs inside the tunnel.
#[derive(Clone)]
struct ProxyAwareConnector {
    http: HttpConnector,
    proxies: Arc<Matcher>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<http::Uri> for ProxyAwareConnector {
    type Response = TokioIo<tokio::net::TcpStream>;
    type Error = BoxError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let mut http = self.http.clone();
        let intercept = self.proxies.intercept(&dst);
        Box::pin(async move {
            match intercept {
                None => http.call(dst).await.map_err(Into::into),
                Some(proxy) => {
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tunnel.call(dst).await.map_err(|e| format!("proxy {}: {e}", redact_userinfo(proxy.uri())).into())
                }
            }
        })
    }
}

/// A proxy URL may carry `user:password@`; never show it.
fn redact_userinfo(uri: &http::Uri) -> String {
    let host = uri.host().unwrap_or("");
    match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

fn proxy_rules(proxy: &ProxySetting) -> Matcher {
    match proxy {
        ProxySetting::FromEnv => Matcher::from_env(),
        ProxySetting::Disabled => Matcher::builder().build(),
        ProxySetting::Url(url) => Matcher::builder().all(url.clone()).build(),
    }
}

/// One pooled client per (connect timeout, proxy setting, trusted roots), shared by every
/// stream in the process.
fn client(connect_timeout: Duration, proxy: &ProxySetting) -> Result<Clients, Error> {
    type Key = (Duration, ProxySetting, usize);
    static CLIENTS: OnceLock<Mutex<HashMap<Key, Clients>>> = OnceLock::new();
    let roots = crate::tls::trust_roots(&crate::region::ProcessEnv)?;
    let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = (connect_timeout, proxy.clone(), Arc::as_ptr(&roots) as usize);
    if let Some(client) = map.get(&key) {
        return Ok(client.clone());
    }
    let client = build_client(connect_timeout, proxy, &roots)?;
    map.insert(key, client.clone());
    Ok(client)
}

fn build_client(connect_timeout: Duration, proxy: &ProxySetting, roots: &crate::tls::TrustRoots) -> Result<Clients, Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(connect_timeout));
    http.set_nodelay(true);
    let connector = ProxyAwareConnector { http, proxies: Arc::new(proxy_rules(proxy)) };
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // System roots (else Mozilla's) + NODE_EXTRA_CA_CERTS + AWS_CA_BUNDLE: see crate::tls.
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS setup: {e}")))?
        .with_root_certificates(roots.root_store())
        .with_no_client_auth();
    // Through a CONNECT tunnel too: ALPN runs in the TLS session inside it.
    let http2 = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config.clone())
        .https_or_http()
        .enable_all_versions()
        .wrap_connector(connector.clone());
    let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config);
    let connector = builder.https_or_http().enable_http1().wrap_connector(connector);
    let http1 = Client::builder(TokioExecutor::new())
        // Without a timer hyper's pool never enforces the idle timeout: an idle connection
        // (one a checkout race left unused included) would stay open until the server
        // closes it, and a server that waits for its clients to leave would wait forever.
        .pool_timer(hyper_util::rt::TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(60))
        // After a burst of thousands of concurrent streams, keep a working set of idle
        // connections, not one socket per stream for the idle timeout.
        .pool_max_idle_per_host(32)
        // hyper's adaptive read buffer grows to ~400 KiB per connection on a fast stream;
        // frames are small and the decoder reassembles big ones, so hyper's smallest
        // allowed maximum, 8 KiB (~75 deltas per read), keeps memory per open stream low.
        .http1_max_buf_size(8 * 1024)
        .build(connector);
    Ok(Clients { http1, http2: Arc::new(Http2Pool::new(http2)) })
}

/// Why a request got no response.
#[derive(Debug)]
enum SendError {
    Http1(hyper_util::client::legacy::Error),
    Http2(super::http2::Http2Error),
}

impl SendError {
    fn is_connect(&self) -> bool {
        match self {
            SendError::Http1(e) => e.is_connect(),
            SendError::Http2(e) => matches!(e, super::http2::Http2Error::Connect(_)),
        }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Http1(e) => e.fmt(f),
            SendError::Http2(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SendError::Http1(e) => e.source(),
            SendError::Http2(e) => e.source(),
        }
    }
}

/// Sends over HTTP/2 when the endpoint is `https://`, HTTP/2 is not switched off and the
/// server offers it; else over HTTP/1.1. The slot (HTTP/2) must live as long as the body.
async fn send(
    clients: &Clients,
    request: http::Request<Full<Bytes>>,
    http1_only: bool,
) -> Result<(http::Response<Incoming>, Option<super::http2::StreamSlot>), SendError> {
    let request = if !http1_only && request.uri().scheme() == Some(&http::uri::Scheme::HTTPS) {
        match clients.http2.send(request).await.map_err(SendError::Http2)? {
            super::http2::Sent::Http2(response, slot) => return Ok((response, Some(slot))),
            super::http2::Sent::Http1(request) => request,
        }
    } else {
        request
    };
    clients.http1.request(request).await.map(|r| (r, None)).map_err(SendError::Http1)
}

/// How one attempt ended.
enum Attempt {
    /// The stream completed or failed after output began; nothing more to do.
    Finished,
    /// Failed before any op reached the consumer.
    FailedEarly(Error, Option<String>),
    /// The consumer is gone.
    ConsumerGone,
}

/// `response_started` is set once Bedrock answered 200: an abort after that is
/// reported as pi-ai reports a mid-stream abort.
pub(super) async fn run(
    request: ConverseStreamRequest,
    settings: StreamSettings,
    tx: mpsc::Sender<Chunk>,
    response_started: Arc<AtomicBool>,
) {
    let url = converse_stream_url(&settings.endpoint, &request.model_id);
    let mut request = request;
    let mut strict_fallback = settings.strict_fallback_body.clone();
    let mut attempt: u32 = 0;
    let mut spent: u32 = 0;
    // One id for every attempt of this call, as the AWS SDKs send it.
    let invocation_id = invocation_id();
    let mut credentials_renewed = false;
    loop {
        match attempt_once(&request, &settings, &url, &invocation_id, attempt, &tx, &response_started).await {
            Attempt::Finished => return retry_budget::succeeded(spent),
            Attempt::ConsumerGone => return,
            Attempt::FailedEarly(error, _)
                if !credentials_renewed && crate::credentials::is_expired_token(&error) && settings.credentials_cache.is_some() =>
            {
                // The cached identity lapsed early (or had no expiry): load it again and
                // resend once; a second ExpiredToken is final.
                credentials_renewed = true;
                if let Some(cache) = &settings.credentials_cache {
                    crate::debug_log!("stream {}: {} from AWS, reloading credentials from {}", request.model_id, error.code, cache.source());
                    cache.invalidate();
                }
                attempt += 1;
            }
            Attempt::FailedEarly(error, _)
                if strict_fallback.is_some()
                    && error.aws_type.as_deref() == Some("ValidationException")
                    && crate::request::is_strict_tool_limit_error(&error.message) =>
            {
                // pi-ai 1.6: once, without the strict "prefer" tools.
                crate::debug_log!("stream {}: strict tools over Claude's limits, retrying without them", request.model_id);
                request.body = strict_fallback.take().unwrap_or_default();
                let fallback = Op::StrictToolsFallback { message: error.message.clone() };
                if tx.send(vec![fallback].into()).await.is_err() {
                    return;
                }
            }
            Attempt::FailedEarly(error, shown) => {
                let delay = if error.retryable && attempt < settings.max_retries {
                    retry_delay(&error, attempt, &settings)
                        .filter(|_| retry_budget::take(&error).map(|cost| spent += cost).is_some())
                } else {
                    None
                };
                match delay {
                    Some(delay) => {
                        crate::debug_log!(
                            "stream {}: attempt {} failed ({}{}), retrying in {} ms",
                            request.model_id,
                            attempt + 1,
                            error.code,
                            error.request_id.as_deref().map(|id| format!(", request id {id}")).unwrap_or_default(),
                            delay.as_millis()
                        );
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    None => {
                        let _ = tx.send(vec![mapper::error_op(error, shown)].into()).await;
                        return;
                    }
                }
            }
        }
    }
}

/// Full-jitter exponential backoff, or the server's hint when that is longer (as the AWS
/// SDK for JS: `Retry-After: 0` never shortens the backoff); `None` when the hint is
/// longer than the caller is willing to wait.
fn retry_delay(error: &Error, attempt: u32, settings: &StreamSettings) -> Option<Duration> {
    let ceiling = settings.retry_base_delay.saturating_mul(1u32 << attempt.min(16)).min(MAX_BACKOFF);
    let millis = ceiling.as_millis() as u64;
    let backoff = Duration::from_millis(if millis == 0 { 0 } else { rand::thread_rng().gen_range(0..=millis) });
    match error.retry_after_ms.map(Duration::from_millis) {
        Some(hint) if !settings.max_retry_delay.is_zero() && hint > settings.max_retry_delay => None,
        Some(hint) => Some(hint.max(backoff)),
        None => Some(backoff),
    }
}

/// The retry budget every stream of the process shares: the AWS SDKs' standard retry
/// mode token bucket, with the AWS SDK for JS's numbers (500 tokens; a retry costs 5, 10
/// after a timeout; a stream that gets through returns what its retries cost, or 1).
/// Against a server that always throttles, 100 streams send at most 200 requests, not 300.
/// (aws-smithy-runtime's TokenBucket keeps acquire/release crate-private, so it is here.)
mod retry_budget {
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::error::{Error, ErrorCode};

    const CAPACITY: u32 = 500;
    const RETRY_COST: u32 = 5;
    const TIMEOUT_RETRY_COST: u32 = 10;
    const NO_RETRY_INCREMENT: u32 = 1;
    static TOKENS: AtomicU32 = AtomicU32::new(CAPACITY);

    /// Takes the cost of retrying after `error`; `None` (no retry) when the budget is spent.
    pub(super) fn take(error: &Error) -> Option<u32> {
        let cost = if error.code == ErrorCode::Timeout { TIMEOUT_RETRY_COST } else { RETRY_COST };
        TOKENS.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| t.checked_sub(cost)).ok().map(|_| cost)
    }

    /// A stream got its response after retries that cost `spent` (0: none).
    pub(super) fn succeeded(spent: u32) {
        let back = if spent == 0 { NO_RETRY_INCREMENT } else { spent };
        let _ = TOKENS.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| Some(t.saturating_add(back).min(CAPACITY)));
    }

    pub fn available() -> u32 {
        TOKENS.load(Ordering::SeqCst)
    }
}

/// Tokens left in the process-wide retry budget (tests, diagnostics).
pub fn retry_budget_available() -> u32 {
    retry_budget::available()
}

/// A random (version 4) UUID for `amz-sdk-invocation-id`.
fn invocation_id() -> String {
    let mut b: [u8; 16] = rand::thread_rng().gen();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn host_of(url: &str) -> String {
    url.parse::<http::Uri>().ok().and_then(|u| u.authority().map(|a| a.to_string())).unwrap_or_default()
}

async fn attempt_once(
    request: &ConverseStreamRequest,
    settings: &StreamSettings,
    url: &str,
    invocation_id: &str,
    attempt: u32,
    tx: &mpsc::Sender<Chunk>,
    response_started: &AtomicBool,
) -> Attempt {
    let started = Instant::now();
    let first_event_deadline = started + settings.first_event_timeout;

    let mut http_request = match http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/vnd.amazon.eventstream")
        .header(http::header::USER_AGENT, concat!("bedrock-native/", env!("CARGO_PKG_VERSION")))
        .header("amz-sdk-invocation-id", invocation_id)
        .header("amz-sdk-request", format!("attempt={}; max={}", attempt + 1, settings.max_retries + 1))
        .body(Full::new(request.body.clone()))
    {
        Ok(r) => r,
        Err(e) => return Attempt::FailedEarly(Error::invalid_argument(format!("bad request URL {url}: {e}")), None),
    };
    for (name, value) in &settings.extra_headers {
        http_request.headers_mut().insert(name.clone(), value.clone());
    }
    let endpoint = clock_skew::endpoint_key(url);
    let signing_time = clock_skew::signing_time(&endpoint, SystemTime::now());
    if let Err(e) = settings.auth.authorize(&mut http_request, &request.body, &settings.region, signing_time).await {
        return Attempt::FailedEarly(e.with_retryable(false), None);
    }

    let client = match client(settings.connect_timeout, &settings.proxy) {
        Ok(c) => c,
        Err(e) => return Attempt::FailedEarly(e, None),
    };
    let sent_at = SystemTime::now();
    let (response, _http2_stream) =
        match tokio::time::timeout_at(first_event_deadline, send(&client, http_request, settings.http1_only)).await {
            Err(_) => {
                return Attempt::FailedEarly(
                    Error::timeout(format!(
                        "no response from {} within {} ms (first-event timeout)",
                        host_of(url),
                        settings.first_event_timeout.as_millis()
                    )),
                    None,
                )
            }
            Ok(Err(e)) => {
                let text = describe(&e);
                let error = if e.is_connect() && text.to_ascii_lowercase().contains("timed out") {
                    let mut t = Error::timeout(format!(
                        "could not connect to {} within {} ms: {text}",
                        host_of(url),
                        settings.connect_timeout.as_millis()
                    ));
                    // A connect timeout is a connection failure: safe to retry.
                    t.retryable = true;
                    t
                } else if e.is_connect() {
                    Error::network(format!("could not connect to {}: {text}", host_of(url)))
                } else {
                    Error::network(format!("request to {} failed: {text}", host_of(url)))
                };
                return Attempt::FailedEarly(error, None);
            }
            Ok(Ok(response)) => response,
        };

    let status = response.status();
    let request_id = response
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let skew = clock_skew::record(&endpoint, response.headers(), sent_at, SystemTime::now());
    if !status.is_success() {
        let (mut error, shown) = http_error(response, first_event_deadline, settings).await;
        if let (Some(skew), Auth::SigV4(_)) = (skew, &settings.auth) {
            if clock_skew::explains(error.aws_type.as_deref(), skew) {
                // Signed with a clock the server disagrees with: the next attempt signs
                // with the corrected time (aws-runtime's ServiceClockSkewClassifier).
                crate::debug_log!("stream {}: server clock is {} s off ours; retrying with it", request.model_id, skew / 1000);
                error.retryable = true;
            }
        }
        return Attempt::FailedEarly(error.with_request_id(request_id), Some(shown));
    }
    if let Some(error) = not_an_event_stream(response.headers()) {
        let error = error_with_body_excerpt(error, response, first_event_deadline, settings).await;
        return Attempt::FailedEarly(error.with_request_id(request_id), None);
    }
    response_started.store(true, Ordering::SeqCst);
    crate::debug_log!(
        "stream {}: HTTP {} request id {} (attempt {})",
        request.model_id,
        status.as_u16(),
        request_id.as_deref().unwrap_or("-"),
        attempt + 1
    );
    let headers = response_headers(response.headers());
    if tx.send(vec![Op::Response { status: status.as_u16(), request_id: request_id.clone(), headers }].into()).await.is_err() {
        return Attempt::ConsumerGone;
    }
    let body = response.into_body();
    stream_body(body, request, settings, first_event_deadline, request_id, tx).await
}

/// Every response header as Node reports it to the AWS SDK (names lower-case, a repeated
/// header's values joined with ", "); values that are not visible ASCII are read as Latin-1.
fn response_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(headers.keys_len());
    for name in headers.keys() {
        let value = headers
            .get_all(name)
            .iter()
            .map(|v| v.as_bytes().iter().map(|&b| b as char).collect::<String>())
            .collect::<Vec<_>>()
            .join(", ");
        out.push((name.as_str().to_string(), value));
    }
    out
}

/// A 200 whose content type is not an event stream (a captive portal's or proxy's HTML
/// page) is reported as what it is, not as a frame CRC error. A missing content type is
/// left to the decoder.
fn not_an_event_stream(headers: &http::HeaderMap) -> Option<Error> {
    let content_type = headers.get(http::header::CONTENT_TYPE)?;
    let text = String::from_utf8_lossy(content_type.as_bytes()).into_owned();
    let media_type = text.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("application/vnd.amazon.eventstream") {
        return None;
    }
    let shown: String = text.chars().filter(|c| !c.is_control()).take(100).collect();
    Some(Error::new(ErrorCode::UnexpectedResponse, format!("HTTP 200 with content-type {shown:?}, not an event stream")))
}

/// Adds the start of the body (whitespace collapsed, control characters and the bearer
/// token removed, at most 200 characters) to `error`'s message.
async fn error_with_body_excerpt(
    mut error: Error,
    response: http::Response<Incoming>,
    deadline: Instant,
    settings: &StreamSettings,
) -> Error {
    const EXCERPT_BYTES: usize = 4096;
    const EXCERPT_CHARS: usize = 200;
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    let read = async {
        while bytes.len() < EXCERPT_BYTES {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        bytes.extend_from_slice(&data[..data.len().min(EXCERPT_BYTES - bytes.len())]);
                    }
                }
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout_at(deadline.min(Instant::now() + settings.idle_timeout), read).await;
    let mut text = String::from_utf8_lossy(&bytes).split_whitespace().collect::<Vec<_>>().join(" ");
    if let Auth::Bearer(token) = &settings.auth {
        text = text.replace(token.expose(), "** redacted **");
    }
    let mut excerpt: String = text.chars().filter(|c| !c.is_control()).take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    error.message = if excerpt.is_empty() {
        format!("{} (empty body)", error.message)
    } else {
        format!("{}: {excerpt}", error.message)
    };
    error
}

/// Parses an HTTP error response the way the AWS SDK for JS does (restJson1): type from
/// `x-amzn-ErrorType`, else `__type`/`code` in the body; message from `message`/`Message`.
async fn http_error(
    response: http::Response<Incoming>,
    deadline: Instant,
    settings: &StreamSettings,
) -> (Error, String) {
    let status = response.status().as_u16();
    let header_type = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let retry_after_ms = response
        .headers()
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * 1000.0) as u64);
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    let read_all = async {
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        let room = MAX_ERROR_BODY.saturating_sub(bytes.len());
                        bytes.extend_from_slice(&data[..data.len().min(room)]);
                        if bytes.len() >= MAX_ERROR_BODY {
                            break;
                        }
                    }
                }
                Err(_) => break,
            }
        }
    };
    // A body that never finishes must not outlast the caller's patience.
    let _ = tokio::time::timeout_at(deadline.min(Instant::now() + settings.idle_timeout), read_all).await;
    let json: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    let field = |name: &str| json.as_ref().and_then(|j| j.get(name)).and_then(|v| v.as_str()).map(str::to_string);
    let aws_type = header_type
        .or_else(|| field("__type"))
        .or_else(|| field("code"))
        .map(|t| {
            let t = t.split(':').next().unwrap_or(&t).to_string();
            t.rsplit('#').next().unwrap_or(&t).to_string()
        })
        .filter(|t| !t.is_empty());
    let message = field("message").or_else(|| field("Message")).filter(|m| !m.is_empty());
    let (name, text) = match (aws_type, message) {
        (Some(t), Some(m)) => (t, m),
        (Some(t), None) => (t, "UnknownError".to_string()),
        (None, m) => {
            let text = m.unwrap_or_else(|| {
                let raw = String::from_utf8_lossy(&bytes).trim().chars().take(300).collect::<String>();
                if raw.is_empty() {
                    format!("HTTP {status}")
                } else {
                    raw
                }
            });
            (format!("HTTP {status}"), text)
        }
    };
    let mut error = Error::aws(&name, text.clone(), Some(status));
    if error.code == ErrorCode::AwsError && name.starts_with("HTTP ") {
        error.aws_type = None;
    }
    error.retry_after_ms = retry_after_ms;
    let shown = format_aws_error_message(&name, &crate::error::service_message(&text));
    (error, shown)
}

async fn stream_body(
    mut body: Incoming,
    request: &ConverseStreamRequest,
    settings: &StreamSettings,
    first_event_deadline: Instant,
    request_id: Option<String>,
    tx: &mpsc::Sender<Chunk>,
) -> Attempt {
    let mut decoder = FrameDecoder::default();
    let mut mapper = Mapper::new(request.cost.clone());
    // The ops mapped from one read of the body, sent as one chunk: one channel hand-off
    // (and at most one wake-up of the consumer) per read instead of per event.
    let mut ops: Vec<Op> = Vec::new();
    let mut output_began = false;
    // When bytes last arrived, once the stream began (the idle timeout counts from it).
    let mut last_bytes_at: Option<Instant> = None;
    let timer = tokio::time::sleep_until(first_event_deadline);
    tokio::pin!(timer);

    // Failures before any op was produced may be retried; after, they end the stream
    // (after the ops already mapped, in order).
    macro_rules! fail {
        ($error:expr, $shown:expr) => {{
            let error: Error = $error;
            let error = error.with_request_id(request_id.clone());
            if output_began {
                mapper.flush_open_blocks(&mut ops);
                ops.push(mapper::error_op(error, $shown));
                let _ = tx.send(std::mem::take(&mut ops).into()).await;
                return Attempt::Finished;
            }
            return Attempt::FailedEarly(error, $shown);
        }};
    }

    loop {
        loop {
            let message = match decoder.next_message() {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => fail!(e, None),
            };
            match message.message_type() {
                Some("event") => {
                    let event_type = message.header_str(":event-type").unwrap_or("");
                    if settings.raw {
                        if serde_json::from_slice::<serde::de::IgnoredAny>(&message.payload).is_err() {
                            fail!(Error::protocol(format!("{event_type} event payload is not JSON")), None);
                        }
                        ops.push(Op::Raw { event_type: event_type.into(), payload: message.payload.clone() });
                    } else {
                        let at = ops.len();
                        if let Err(e) = mapper.map_event(event_type, &message.payload, &mut ops) {
                            fail!(e, None);
                        }
                        if settings.provider_events {
                            // After the mapping, so the payload is known to be JSON.
                            ops.insert(at, Op::Raw { event_type: event_type.into(), payload: message.payload.clone() });
                        }
                    }
                }
                Some("exception") => {
                    let (error, shown) = exception_frame_error(&message);
                    fail!(error, Some(shown));
                }
                Some("error") => {
                    let (error, shown) = error_frame_error(&message);
                    fail!(error, Some(shown));
                }
                other => {
                    fail!(Error::protocol(format!("unknown event stream message type {:?}", other.unwrap_or(""))), None)
                }
            }
            if !ops.is_empty() {
                output_began = true;
            }
        }
        // The next chunk is likely as long as this one: size it once instead of regrowing.
        let len = ops.len();
        if len > 0 {
            let chunk = Chunk::queued(std::mem::replace(&mut ops, Vec::with_capacity(len)), tx).await;
            if tx.send(chunk).await.is_err() {
                return Attempt::ConsumerGone;
            }
        }

        if output_began && last_bytes_at.is_none() {
            // From the first event on, the idle timeout replaces the first-event one.
            let now = Instant::now();
            last_bytes_at = Some(now);
            timer.as_mut().reset(now + settings.idle_timeout);
        }
        // One timer per stream, moved only when it fires: re-arming it for every read
        // costs a timer-wheel update (and often a wake-up of the runtime's driver).
        let frame = tokio::select! {
            biased;
            frame = body.frame() => frame,
            () = &mut timer => {
                if let Some(last) = last_bytes_at {
                    let due = last + settings.idle_timeout;
                    if due > Instant::now() {
                        timer.as_mut().reset(due);
                        continue;
                    }
                }
                let error = if last_bytes_at.is_some() {
                    Error::timeout(format!(
                        "Bedrock sent nothing for {} ms in the middle of the stream (idle timeout)",
                        settings.idle_timeout.as_millis()
                    ))
                } else {
                    Error::timeout(format!(
                        "no event from Bedrock within {} ms of sending the request (first-event timeout)",
                        settings.first_event_timeout.as_millis()
                    ))
                };
                fail!(error.with_retryable(false), None);
            }
        };
        match frame {
            None => break,
            Some(Err(e)) => {
                fail!(Error::network(format!("connection lost while streaming: {}", describe(&e))), None)
            }
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if !data.is_empty() {
                        decoder.push_bytes(data);
                        // Bytes are flowing: the stream is alive even if slow.
                        if last_bytes_at.is_some() {
                            last_bytes_at = Some(Instant::now());
                        }
                    }
                }
            }
        }
    }

    // The body ended: hyper hands an HTTP/1.1 connection back to its pool from a task of
    // its own once the connection has seen that end. Let that task run before the last op
    // goes out, so a caller who starts the next request as soon as this one is done finds
    // the connection idle in the pool instead of opening a second one.
    for _ in 0..2 {
        tokio::task::yield_now().await;
    }
    if let Err(e) = decoder.finish() {
        fail!(e, None);
    }
    let mut last = Vec::new();
    if settings.raw {
        last.push(Op::Done { reason: mapper::StopReason::Stop });
    } else {
        mapper.finish(&mut last);
    }
    if let Some(Op::Error { error, .. }) = last.last_mut() {
        **error = std::mem::replace(&mut **error, Error::internal("")).with_request_id(request_id.clone());
    }
    let _ = tx.send(last.into()).await;
    Attempt::Finished
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_zero_never_shortens_the_backoff() {
        let auth = crate::auth::Auth::Bearer(crate::auth::BearerToken::new("t").expect("token"));
        let mut settings = StreamSettings::new("http://127.0.0.1:1", "us-east-1", auth);
        settings.retry_base_delay = Duration::from_millis(500);
        let mut error = Error::new(ErrorCode::ThrottlingException, "slow down");
        error.retry_after_ms = Some(0);
        // Full jitter over 0..=1000 ms: 64 draws all 0 would be a 1-in-10^192 event.
        let delays: Vec<Duration> = (0..64).filter_map(|_| retry_delay(&error, 1, &settings)).collect();
        assert_eq!(delays.len(), 64);
        assert!(delays.iter().any(|d| !d.is_zero()), "Retry-After: 0 replaced the backoff");
        // A longer hint still wins.
        error.retry_after_ms = Some(5_000);
        assert_eq!(retry_delay(&error, 0, &settings), Some(Duration::from_secs(5)));
    }

    #[test]
    fn model_ids_are_encoded_like_the_aws_sdk() {
        assert_eq!(
            converse_stream_url("https://h/", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
            "https://h/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream"
        );
        assert_eq!(
            converse_stream_url("https://h", "arn:aws:bedrock:us-east-1:123:application-inference-profile/abc"),
            "https://h/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Aapplication-inference-profile%2Fabc/converse-stream"
        );
    }
}
