//! ConverseStream: our own transport (HTTP/2 over TLS when the server offers it, else
//! HTTP/1.1; so the body sent is byte-exact what the caller built, aborting ends the
//! stream at once, and timeouts are per event), the event-stream decoder, and the pi-ai
//! event mapping.
//!
//! [`ConverseStream::start`] spawns one task per stream on the current tokio runtime.
//! The task sends [`Op`]s through a bounded channel (back-pressure reaches the socket
//! when the consumer is slow); [`ConverseStream::next_batch`] hands out every op that
//! is ready at once, so a fast stream crosses into JS once per batch, not per event.

pub mod hub;
pub mod mapper;
pub mod partial_json;
mod http2;
mod transport;
pub use transport::retry_budget_available;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::auth::Auth;
use crate::credentials::{resolve_auth_cached, AuthOptions};
use crate::error::Error;
use crate::region::{resolve_region, validate_region, EndpointConfig, EnvSnapshot, Endpoints, RegionSource, SdkSettings};
use crate::discovery::{application_profile_base_model, ProfileLookupOptions};
use crate::request::{
    arn_region, build_converse_request_with, has_preferred_strict_tools, is_application_profile_arn, Context, Model,
    StreamOptions,
};

pub use mapper::{CostTier, ModelCost, Op, StopReason, Usage};

/// Default connect timeout. A TCP+TLS handshake to a regional endpoint takes well under
/// a second; 10 s leaves room for a congested proxy without hanging on a black hole.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default wait from sending the request to the first event. Bedrock answers with
/// `messageStart` once the model starts, which for a large prompt on a busy model can
/// take a minute or more; 3 minutes still ends a hung request.
pub const DEFAULT_FIRST_EVENT_TIMEOUT: Duration = Duration::from_secs(180);
/// Default longest silence between bytes once the stream has begun. Models that emit a
/// tool's whole input as one delta can be silent for a long while; 2 minutes keeps such
/// streams alive where a throughput-based stall detector (the AWS SDK's) would not.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// First backoff step; attempt n waits a random time in [0, base * 2^n] (full jitter).
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(500);
/// Longest backoff step without a server hint.
pub const MAX_BACKOFF: Duration = Duration::from_secs(20);
/// A server retry hint longer than this fails at once instead (pi-ai's `maxRetryDelayMs`).
pub const DEFAULT_MAX_RETRY_DELAY: Duration = Duration::from_secs(60);
/// Chunks (the ops mapped from one read of the body, ~75 deltas) buffered between the
/// network task and a slow consumer. A consumer that lags holds at most this many chunks
/// per stream (the socket's backpressure does the rest), yet a fast stream still crosses
/// into JS in batches of hundreds of events.
const CHANNEL_CAPACITY: usize = 4;

/// Ops from one read above which a stream counts as flowing faster than a model's pace
/// ([`ConverseStream::was_backlogged`]): a model's delta maps to one or two ops, a
/// 16 KiB read of a fast stream to dozens.
const FAST_READ_OPS: usize = 16;

/// Ops that all streams together may queue beyond each stream's first chunk, unless
/// `BEDROCK_NATIVE_READ_AHEAD_OPS` says otherwise. A stream may always queue one chunk
/// (so no stream waits on another's consumer); reading further ahead takes permits from
/// this budget, so with hundreds of open streams whose consumer lags (one JS thread
/// serving them all), memory stays bounded by the budget instead of growing with
/// CHANNEL_CAPACITY chunks per stream. ~16k ops is ~1.5 MiB.
pub const DEFAULT_READ_AHEAD_OPS: usize = 16 * 1024;

fn read_ahead_budget() -> &'static (usize, tokio::sync::Semaphore) {
    static BUDGET: std::sync::OnceLock<(usize, tokio::sync::Semaphore)> = std::sync::OnceLock::new();
    BUDGET.get_or_init(|| {
        let ops = env_count("BEDROCK_NATIVE_READ_AHEAD_OPS", tokio::sync::Semaphore::MAX_PERMITS)
            .unwrap_or(DEFAULT_READ_AHEAD_OPS);
        (ops, tokio::sync::Semaphore::new(ops))
    })
}

/// Worker threads for the tokio runtime that drives streams: `BEDROCK_NATIVE_WORKER_THREADS`
/// (1..=256), else 1. One worker keeps pace with the one JS thread consuming the events,
/// and keeps a stream's task hand-offs on that thread instead of waking a second one
/// through the kernel for every read (bench/README.md has the measurements).
pub fn runtime_worker_threads() -> usize {
    env_count("BEDROCK_NATIVE_WORKER_THREADS", 256).unwrap_or(1)
}

/// The runtime streams run on, the addon's and the Rust bench client's alike: multi-thread
/// with [`runtime_worker_threads`] workers named `thread_name`.
pub fn runtime_builder(thread_name: &str) -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(runtime_worker_threads()).thread_name(thread_name).enable_all();
    builder
}

/// A count from the environment variable `name`, if it is a whole number in 1..=max.
fn env_count(name: &str, max: usize) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|n| (1..=max).contains(n))
}

/// The read-ahead budget in ops (fixed at first use).
pub fn read_ahead_total() -> usize {
    read_ahead_budget().0
}

/// Ops of the read-ahead budget not in use right now.
pub fn read_ahead_available() -> usize {
    read_ahead_budget().1.available_permits()
}

/// The ops mapped from one read of the body, with the read-ahead permits they hold while
/// queued (released when the consumer takes them).
#[derive(Debug)]
pub(crate) struct Chunk {
    ops: Vec<Op>,
    _read_ahead: Option<tokio::sync::SemaphorePermit<'static>>,
}

impl Chunk {
    /// A chunk for `tx`: free when nothing is queued for the consumer, else it waits
    /// for its share of the read-ahead budget, or until its consumer has taken everything
    /// queued (re-checked every few ms: streams whose consumers never read may hold the
    /// whole budget, and this stream must not wait on them).
    pub(crate) async fn queued(ops: Vec<Op>, tx: &mpsc::Sender<Chunk>) -> Chunk {
        let (total, budget) = read_ahead_budget();
        let n = ops.len().clamp(1, (*total).min(u32::MAX as usize)) as u32;
        let read_ahead = loop {
            if tx.capacity() == tx.max_capacity() {
                break None;
            }
            if let Ok(permit) = budget.try_acquire_many(n) {
                break Some(permit);
            }
            match tokio::time::timeout(Duration::from_millis(5), budget.acquire_many(n)).await {
                Ok(permit) => break permit.ok(),
                Err(_) => continue,
            }
        };
        Chunk { ops, _read_ahead: read_ahead }
    }
}

impl From<Vec<Op>> for Chunk {
    fn from(ops: Vec<Op>) -> Chunk {
        Chunk { ops, _read_ahead: None }
    }
}

/// Where and how to send, and how patient to be.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// Runtime endpoint base URL, e.g. `https://bedrock-runtime.us-east-1.amazonaws.com`.
    pub endpoint: String,
    pub region: String,
    pub auth: Auth,
    pub connect_timeout: Duration,
    pub first_event_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_retries: u32,
    pub retry_base_delay: Duration,
    pub max_retry_delay: Duration,
    /// Yield Bedrock's own events ([`Op::Raw`]) instead of pi-ai events.
    pub raw: bool,
    /// Yield each Bedrock event ([`Op::Raw`]) before the pi-ai ops mapped from it (pi-ai's
    /// `onProviderStreamEvent`).
    pub provider_events: bool,
    pub proxy: ProxySetting,
    /// pi-ai 1.6 `options.headers`: extra headers on every attempt, signed with it.
    pub extra_headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// The body without `strict: "prefer"` tools, sent once if Bedrock rejects the first
    /// for Claude's strict-tool limits (pi-ai 1.6's retry; Bedrock checks the tool schemas
    /// before streaming, so nothing was shown yet).
    pub strict_fallback_body: Option<Bytes>,
    /// HTTP/1.1 only, no HTTP/2 over TLS (`AWS_BEDROCK_FORCE_HTTP1=1`, as pi-ai: some
    /// custom endpoints and inspecting proxies mishandle HTTP/2).
    pub http1_only: bool,
    /// The identity cache behind `auth` when it is SigV4 from the default chain: an
    /// `ExpiredToken` answer before the first event invalidates it and the request is
    /// sent once more with freshly loaded credentials.
    pub credentials_cache: Option<crate::credentials::CachedCredentials>,
}

/// Which HTTP proxy to use for Bedrock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (either case), as pi-ai.
    FromEnv,
    Disabled,
    /// This proxy for every destination (`http://[user:pass@]host:port`).
    Url(String),
}

impl StreamSettings {
    pub fn new(endpoint: impl Into<String>, region: impl Into<String>, auth: Auth) -> Self {
        StreamSettings {
            endpoint: endpoint.into(),
            region: region.into(),
            auth,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            first_event_timeout: DEFAULT_FIRST_EVENT_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_base_delay: DEFAULT_RETRY_BASE_DELAY,
            max_retry_delay: DEFAULT_MAX_RETRY_DELAY,
            raw: false,
            provider_events: false,
            proxy: ProxySetting::FromEnv,
            extra_headers: Vec::new(),
            strict_fallback_body: None,
            http1_only: false,
            credentials_cache: None,
        }
    }
}

/// pi-ai 1.6 `options.headers` (`{ name: value }`) as request headers. Like pi-ai, headers
/// that take part in signing or auth (`host`, `authorization`, `x-amz-*`) are skipped, and
/// so is `content-length` (the body's own); a name or value HTTP cannot carry is an
/// InvalidArgument naming it. Values are never echoed (they may be secrets).
pub fn extra_headers(headers: Option<&serde_json::Value>) -> Result<Vec<(http::HeaderName, http::HeaderValue)>, Error> {
    let Some(headers) = headers.filter(|h| !h.is_null()) else { return Ok(Vec::new()) };
    let Some(map) = headers.as_object() else {
        return Err(Error::invalid_argument("options.headers: expected an object of header names to string values"));
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        let lower = name.to_ascii_lowercase();
        if lower == "host" || lower == "authorization" || lower == "content-length" || lower.starts_with("x-amz-") {
            continue;
        }
        let Some(value) = value.as_str() else {
            if value.is_null() {
                continue;
            }
            return Err(Error::invalid_argument(format!("options.headers.{name}: expected a string")));
        };
        let header = http::HeaderName::from_bytes(lower.as_bytes())
            .map_err(|_| Error::invalid_argument(format!("options.headers: {name:?} is not a valid header name")))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_argument(format!("options.headers.{name}: value has characters not allowed in a header")))?;
        let mut value = value;
        value.set_sensitive(true);
        out.push((header, value));
    }
    Ok(out)
}

/// The standard runtime endpoint of a region.
pub fn default_runtime_endpoint(region: &str) -> String {
    format!("https://bedrock-runtime.{region}.amazonaws.com")
}

/// What to send: the model id (for the URL) and the exact JSON body.
#[derive(Debug, Clone)]
pub struct ConverseStreamRequest {
    pub model_id: String,
    pub body: Bytes,
    pub cost: ModelCost,
}

/// Options of ours that pi-ai does not have (all optional, from the JS options object).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StreamControl {
    pub connect_timeout_ms: Option<u64>,
    pub first_event_timeout_ms: Option<u64>,
    pub idle_timeout_ms: Option<u64>,
    /// pi-ai's `maxRetries` (retries before the first event; default 2).
    pub max_retries: Option<u32>,
    /// pi-ai's `maxRetryDelayMs`: a longer server retry hint fails at once; 0 = no cap.
    pub max_retry_delay_ms: Option<u64>,
    /// Runtime endpoint override (else the model's non-standard `baseUrl`, else AWS).
    pub endpoint: Option<String>,
    /// Yield Bedrock's own events instead of pi-ai events.
    pub raw: Option<bool>,
    /// Also yield Bedrock's own events, each before its pi-ai ops.
    pub provider_events: Option<bool>,
    /// HTTP proxy URL for Bedrock (default: the `HTTPS_PROXY`/`NO_PROXY` environment).
    pub proxy: Option<String>,
    /// The environment as it was when the caller started the stream (the binding takes it
    /// on the JS thread); region, endpoints, credentials, retries and pi-ai's env reads all
    /// come from it. `None` = the process environment, read when the stream prepares.
    #[serde(skip)]
    pub env: Option<EnvSnapshot>,
}

impl StreamControl {
    fn apply(&self, settings: &mut StreamSettings) {
        if let Some(ms) = self.connect_timeout_ms {
            settings.connect_timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(ms) = self.first_event_timeout_ms {
            settings.first_event_timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(ms) = self.idle_timeout_ms {
            settings.idle_timeout = Duration::from_millis(ms.max(1));
        }
        if let Some(n) = self.max_retries {
            settings.max_retries = n;
        }
        if let Some(ms) = self.max_retry_delay_ms {
            settings.max_retry_delay = Duration::from_millis(ms);
        }
        settings.raw = self.raw.unwrap_or(false);
        settings.provider_events = self.provider_events.unwrap_or(false);
        if let Some(url) = self.proxy.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            settings.proxy = ProxySetting::Url(url.to_string());
        }
    }
}

/// A body the caller already has (pi-ai's `onPayload` may replace the built one).
#[derive(Debug, Clone)]
pub struct PreparedBody {
    pub model_id: String,
    pub body: serde_json::Value,
    pub region: Option<String>,
}

/// Prices from a pi-ai model's `cost` (`{input, output, cacheRead, cacheWrite}` per
/// million tokens, and `tiers: [{inputTokensAbove, input, output, cacheRead,
/// cacheWrite}]`); missing or non-numeric prices count as 0.
pub fn model_cost(model: &Model) -> ModelCost {
    let price = |v: &serde_json::Value, key: &str| v.get(key).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let Some(cost) = model.cost.as_ref() else { return ModelCost::default() };
    let tiers = cost
        .get("tiers")
        .and_then(|t| t.as_array())
        .map(|tiers| {
            tiers
                .iter()
                .map(|t| CostTier {
                    input_tokens_above: price(t, "inputTokensAbove"),
                    input: price(t, "input"),
                    output: price(t, "output"),
                    cache_read: price(t, "cacheRead"),
                    cache_write: price(t, "cacheWrite"),
                })
                .collect()
        })
        .unwrap_or_default();
    ModelCost {
        input: price(cost, "input"),
        output: price(cost, "output"),
        cache_read: price(cost, "cacheRead"),
        cache_write: price(cost, "cacheWrite"),
        tiers,
    }
}

/// Everything the stream needs before its first byte: request body (built here unless
/// `prepared`), region, endpoint, auth. Async because credentials may need resolving.
pub async fn prepare(
    model: &Model,
    context: Option<&Context>,
    options: &StreamOptions,
    control: &StreamControl,
    prepared: Option<PreparedBody>,
) -> Result<(ConverseStreamRequest, StreamSettings), Error> {
    // Every variable comes from one environment: the caller's snapshot (else the process
    // environment now), with pi-ai 1.6's `options.env` over it.
    let snapshot = control.env.clone().unwrap_or_else(EnvSnapshot::of_process);
    let raw_env = |name: &str| snapshot.map().get(name).cloned();
    let mut env: HashMap<String, String> = (*snapshot.0).clone();
    for (name, value) in options.env.iter().flatten() {
        if let Some(value) = value.as_str().filter(|v| !v.is_empty()) {
            env.insert(name.clone(), value.to_string());
        }
    }
    let mut strict_fallback = None;
    let prepared = match prepared {
        Some(p) => p,
        None => {
            let context =
                context.ok_or_else(|| Error::invalid_argument("context: required to build the request"))?;
            let no_base = |_: &str| None;
            let built = if is_application_profile_arn(&model.id) {
                // The ARN names no model, so pi-ai's id-based family rules (thinking,
                // caching, temperature) need the profile's base model.
                let region = match arn_region(&model.id) {
                    Some(r) => validate_region(&r, RegionSource::Arn).map(|_| r)?,
                    None => resolve_region(options.region.as_deref(), model.base_url.as_deref(), options.profile.as_deref(), &env)?.0,
                };
                let endpoints = Endpoints::resolve_with(&region, model.base_url.as_deref(), control.endpoint.as_deref(), &EndpointConfig::load(&env, options.profile.as_deref())?)?;
                let lookup = ProfileLookupOptions {
                    endpoint: endpoints.custom.then(|| endpoints.control.clone()),
                    region,
                    bearer_token: options.bearer_token.clone(),
                    profile: options.profile.clone(),
                    timeout: None,
                    env: Some(env.clone()),
                };
                let base = application_profile_base_model(&model.id, lookup).await;
                build_converse_request_with(model, context, options, &|_: &str| base.clone(), &raw_env)?
            } else {
                build_converse_request_with(model, context, options, &no_base, &raw_env)?
            };
            if has_preferred_strict_tools(context, &built.body) {
                let relaxed = StreamOptions { disable_preferred_strict_tools: true, ..options.clone() };
                let fallback = if is_application_profile_arn(&model.id) {
                    None // rare; the base model lookup is not repeated for it
                } else {
                    build_converse_request_with(model, context, &relaxed, &no_base, &raw_env).ok()
                };
                strict_fallback = fallback.and_then(|r| serde_json::to_vec(&r.body).ok()).map(Bytes::from);
            }
            PreparedBody { model_id: built.model_id, body: built.body, region: built.arn_region }
        }
    };
    let region_env: &dyn crate::region::EnvLookup = &env;
    let sdk_settings = SdkSettings::load(region_env, options.profile.as_deref())?;
    let region = match prepared.region {
        Some(r) => validate_region(&r, RegionSource::Arn).map(|_| r)?,
        None => resolve_region(options.region.as_deref(), model.base_url.as_deref(), options.profile.as_deref(), region_env)?.0,
    };
    let endpoint = Endpoints::resolve_with(
        &region,
        model.base_url.as_deref(),
        control.endpoint.as_deref(),
        &sdk_settings.endpoint,
    )?
    .runtime;
    let http1_only = force_http1(region_env);
    let bearer_token = options
        .bearer_token
        .clone()
        .or_else(|| options.api_key.as_deref().and_then(crate::credentials::api_key_bearer_token).map(str::to_string));
    let (auth, credentials_cache) = resolve_auth_cached(&AuthOptions {
        bearer_token,
        profile: options.profile.clone(),
        region: Some(region.clone()),
        env: Some(env),
        identity_cache: None,
    })
    .await?;
    let body = serde_json::to_vec(&prepared.body)
        .map_err(|e| Error::invalid_argument(format!("request body cannot be serialised: {e}")))?;
    let mut settings = StreamSettings::new(endpoint, region, auth);
    settings.extra_headers = extra_headers(options.headers.as_ref())?;
    settings.strict_fallback_body = strict_fallback;
    settings.credentials_cache = credentials_cache;
    // AWS_MAX_ATTEMPTS / profile max_attempts count the first attempt; an explicit
    // `maxRetries` (control.apply below) still wins. The retry mode needs nothing here:
    // every mode runs the transport's one retry loop (see RetryModeSetting).
    if let Some(n) = sdk_settings.max_attempts {
        settings.max_retries = n - 1;
    }
    settings.http1_only = http1_only;
    control.apply(&mut settings);
    Ok((ConverseStreamRequest { model_id: prepared.model_id, body: Bytes::from(body), cost: model_cost(model) }, settings))
}

/// `AWS_BEDROCK_FORCE_HTTP1=1`: pi-ai 1.6 then gives the AWS SDK its HTTP/1.1 handler
/// instead of the default HTTP/2 one; here the transport stops offering `h2`.
fn force_http1(env: &dyn crate::region::EnvLookup) -> bool {
    env.get("AWS_BEDROCK_FORCE_HTTP1").is_some_and(|v| v.trim() == "1")
}

/// Cancels a running stream from anywhere (another thread, a JS `abort()`).
#[derive(Debug, Clone)]
pub struct StreamAbort {
    task: AbortHandle,
    aborted: Arc<AtomicBool>,
    response_started: Arc<AtomicBool>,
}

impl StreamAbort {
    /// Stops the network task now: the response body and its socket are dropped, no
    /// further byte is read. The stream then ends with an `aborted` error op.
    pub fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        self.task.abort();
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }
}

/// A running ConverseStream.
#[derive(Debug)]
pub struct ConverseStream {
    rx: mpsc::Receiver<Chunk>,
    /// The rest of a chunk that did not fit in the last batch.
    pending: std::vec::IntoIter<Op>,
    abort: StreamAbort,
    finished: bool,
    /// Chunks and ops the last [`poll_batch`](Self::poll_batch) took off the channel.
    chunks_in_last_poll: usize,
    ops_in_last_poll: usize,
}

impl ConverseStream {
    /// Starts the request on the current tokio runtime. Never fails here: every failure
    /// arrives as the final [`Op::Error`].
    pub fn start(request: ConverseStreamRequest, settings: StreamSettings) -> ConverseStream {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let response_started = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(transport::run(request, settings, tx, response_started.clone()));
        ConverseStream::new(rx, task.abort_handle(), response_started)
    }

    /// Prepares (see [`prepare`]) and streams, all inside the stream's task, so a bad
    /// argument or missing credentials arrive as the final error op like any failure.
    pub fn start_with(
        model: Model,
        context: Option<Context>,
        options: StreamOptions,
        control: StreamControl,
        prepared: Option<PreparedBody>,
    ) -> ConverseStream {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let response_started = Arc::new(AtomicBool::new(false));
        let started = response_started.clone();
        let task = tokio::spawn(async move {
            // Boxed: preparing (credentials, profile lookups) takes a ~12 KiB future, and
            // the task would keep that much for the whole stream if it were inline.
            match Box::pin(prepare(&model, context.as_ref(), &options, &control, prepared)).await {
                Ok((request, settings)) => transport::run(request, settings, tx, started).await,
                Err(error) => {
                    let _ = tx.send(vec![mapper::error_op(error, None)].into()).await;
                }
            }
        });
        ConverseStream::new(rx, task.abort_handle(), response_started)
    }

    fn new(rx: mpsc::Receiver<Chunk>, task: AbortHandle, response_started: Arc<AtomicBool>) -> ConverseStream {
        ConverseStream {
            rx,
            pending: Vec::new().into_iter(),
            abort: StreamAbort { task, aborted: Arc::new(AtomicBool::new(false)), response_started },
            finished: false,
            chunks_in_last_poll: 0,
            ops_in_last_poll: 0,
        }
    }

    pub fn abort_handle(&self) -> StreamAbort {
        self.abort.clone()
    }

    pub fn abort(&self) {
        self.abort.abort();
    }

    /// Waits for at least one op, then returns every op ready (at most `max`). Empty
    /// once the stream ended; the last non-empty batch ends with `Done` or `Error`.
    pub async fn next_batch(&mut self, max: usize) -> Vec<Op> {
        let max = max.max(1);
        let mut batch = Vec::new();
        if self.finished {
            return batch;
        }
        if !self.abort.is_aborted() {
            batch.extend(self.pending.by_ref().take(max));
            if batch.is_empty() {
                if let Some(chunk) = self.rx.recv().await {
                    self.take_chunk(chunk, &mut batch, max);
                    if batch.len() < max && !batch.last().is_some_and(Op::is_terminal) {
                        // Let the network task, woken by the same data, map what it has
                        // already read: one crossing into JS then carries it too.
                        tokio::task::yield_now().await;
                    }
                }
            }
            while batch.len() < max {
                match self.rx.try_recv() {
                    Ok(chunk) => self.take_chunk(chunk, &mut batch, max),
                    Err(_) => break,
                }
            }
        }
        self.finish_batch(batch)
    }

    /// [`next_batch`](Self::next_batch) without waiting: every op ready now (at most
    /// `max`), or `Pending` with `cx`'s waker registered to be called when more arrives
    /// (or the task ends). `Ready(empty)` once the stream ended. For callers that serve
    /// many streams from one place ([`hub::DeliveryHub`]) instead of a task per stream.
    pub fn poll_batch(&mut self, cx: &mut std::task::Context<'_>, max: usize) -> std::task::Poll<Vec<Op>> {
        use std::task::Poll;
        let max = max.max(1);
        let mut batch = Vec::new();
        if self.finished {
            return Poll::Ready(batch);
        }
        let mut closed = false;
        self.chunks_in_last_poll = 0;
        if !self.abort.is_aborted() {
            batch.extend(self.pending.by_ref().take(max));
            while batch.len() < max {
                match self.rx.poll_recv(cx) {
                    Poll::Ready(Some(chunk)) => {
                        self.chunks_in_last_poll += 1;
                        self.take_chunk(chunk, &mut batch, max)
                    }
                    Poll::Ready(None) => {
                        closed = true;
                        break;
                    }
                    Poll::Pending => break,
                }
            }
        }
        if batch.is_empty() && !closed && !self.abort.is_aborted() {
            return Poll::Pending;
        }
        self.ops_in_last_poll = batch.len();
        Poll::Ready(self.finish_batch(batch))
    }

    /// Whether the last batch handed out ended the stream.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the last [`poll_batch`](Self::poll_batch) found the stream flowing faster
    /// than a model's pace: the network task had mapped more than one read's worth, or
    /// one read carried many events, or the batch was cut at its cap. Such a stream's
    /// consumer should come back at once rather than on a timer: each wake-up carries
    /// many ops already, and waiting would only throttle it.
    pub fn was_backlogged(&self) -> bool {
        self.chunks_in_last_poll > 1 || self.ops_in_last_poll >= FAST_READ_OPS || self.pending.len() > 0
    }

    /// The end of a batch: an abort replaces what was queued with the `aborted` error; an
    /// empty batch (the task ended with no terminal op) becomes an internal error.
    fn finish_batch(&mut self, mut batch: Vec<Op>) -> Vec<Op> {
        if self.abort.is_aborted() {
            // Ops still queued were never seen by the caller; the stream ends here.
            batch.clear();
            self.rx.close();
            // Free what the task already queued now, not when JS finalises the wrapper.
            self.pending = Vec::new().into_iter();
            while self.rx.try_recv().is_ok() {}
            self.finished = true;
            // pi-ai's texts: the AWS SDK's "Request aborted" before the response, the
            // socket's "aborted" once the body was streaming.
            let message =
                if self.abort.response_started.load(Ordering::SeqCst) { "aborted" } else { "Request aborted" };
            batch.push(mapper::error_op(Error::new(crate::error::ErrorCode::Aborted, message), None));
            return batch;
        }
        if batch.is_empty() {
            // The task ended without a terminal op: only a panic inside it can do that.
            self.finished = true;
            batch.push(mapper::error_op(Error::internal("the stream task ended unexpectedly"), None));
        } else if batch.last().is_some_and(Op::is_terminal) {
            self.finished = true;
        }
        batch
    }

    /// Moves `chunk` into `batch` up to `max` ops; the rest waits in `pending`.
    fn take_chunk(&mut self, chunk: Chunk, batch: &mut Vec<Op>, max: usize) {
        let Chunk { ops: chunk, _read_ahead } = chunk;
        if batch.is_empty() && chunk.len() <= max {
            *batch = chunk;
            return;
        }
        let mut rest = chunk.into_iter();
        batch.extend(rest.by_ref().take(max - batch.len()));
        self.pending = rest;
    }

    /// Drains the whole stream (for `complete()`-style callers and tests).
    pub async fn collect(mut self) -> Vec<Op> {
        let mut all = Vec::new();
        loop {
            let batch = self.next_batch(usize::MAX).await;
            if batch.is_empty() {
                return all;
            }
            all.extend(batch);
        }
    }
}

impl Drop for ConverseStream {
    fn drop(&mut self) {
        // Nobody will read further: stop the network at once.
        if !self.finished {
            self.abort.task.abort();
        }
    }
}

/// Batch wire format for the JS side: a JSON array of ops, each an array whose first
/// element is the op code (see js/event-stream.js, which applies them). Consecutive text
/// (or thinking) deltas of one content block travel as ONE run, `[2,index,"a","b",...]`:
/// JSON.parse then builds one array per run instead of one per event.
pub fn write_batch_json(ops: &[Op], out: &mut String) {
    out.push('[');
    let mut n = 0;
    while n < ops.len() {
        if n > 0 {
            out.push(',');
        }
        n += match &ops[n] {
            Op::TextDelta { content_index, .. } => write_delta_run(&ops[n..], 2, *content_index, out),
            Op::ThinkingDelta { content_index, .. } => write_delta_run(&ops[n..], 5, *content_index, out),
            op => {
                write_op_json(op, out);
                1
            }
        };
    }
    out.push(']');
}

/// Writes the run of same-kind deltas of block `index` at the start of `ops`; returns
/// how many ops it took (at least one).
fn write_delta_run(ops: &[Op], code: u8, index: usize, out: &mut String) -> usize {
    use std::fmt::Write;
    let _ = write!(out, "[{code},{index}");
    let mut taken = 0;
    for op in ops {
        let delta = match (op, code) {
            (Op::TextDelta { content_index, delta }, 2) if *content_index == index => delta,
            (Op::ThinkingDelta { content_index, delta }, 5) if *content_index == index => delta,
            _ => break,
        };
        out.push(',');
        push_json_str(out, delta);
        taken += 1;
    }
    out.push(']');
    taken
}

/// A JSON string literal, escaped as serde_json escapes (quote, backslash, control
/// characters), written straight into `out`: no allocation per string.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut plain_from = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain_from..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 0xf) as usize] as char);
        } else {
            out.push_str(escape);
        }
        plain_from = i + 1;
    }
    out.push_str(&s[plain_from..]);
    out.push('"');
}

fn push_num(out: &mut String, n: f64) {
    if n.is_finite() {
        if n.fract() == 0.0 && n.abs() < 9.0e15 {
            out.push_str(&(n as i64).to_string());
        } else {
            out.push_str(&serde_json::to_string(&n).unwrap_or_else(|_| "0".into()));
        }
    } else {
        out.push_str("null");
    }
}

fn push_value(out: &mut String, value: &serde_json::Value) {
    out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "{}".into()));
}

pub fn write_op_json(op: &Op, out: &mut String) {
    use std::fmt::Write;
    match op {
        Op::Start => out.push_str("[0]"),
        Op::TextStart { content_index } => {
            let _ = write!(out, "[1,{content_index}]");
        }
        Op::TextDelta { content_index, delta } => {
            let _ = write!(out, "[2,{content_index},");
            push_json_str(out, delta);
            out.push(']');
        }
        Op::TextEnd { content_index } => {
            let _ = write!(out, "[3,{content_index}]");
        }
        Op::ThinkingStart { content_index } => {
            let _ = write!(out, "[4,{content_index}]");
        }
        Op::ThinkingDelta { content_index, delta } => {
            let _ = write!(out, "[5,{content_index},");
            push_json_str(out, delta);
            out.push(']');
        }
        Op::ThinkingSignature { content_index, signature } => {
            let _ = write!(out, "[6,{content_index},");
            push_json_str(out, signature);
            out.push(']');
        }
        Op::ThinkingRedacted { content_index } => {
            let _ = write!(out, "[7,{content_index}]");
        }
        Op::ThinkingRedactedData { content_index, data } => {
            let _ = write!(out, "[18,{content_index},");
            push_json_str(out, data);
            out.push(']');
        }
        Op::ThinkingEnd { content_index } => {
            let _ = write!(out, "[8,{content_index}]");
        }
        Op::ToolCallStart { content_index, id, name } => {
            let _ = write!(out, "[9,{content_index},");
            push_json_str(out, id);
            out.push(',');
            push_json_str(out, name);
            out.push(']');
        }
        Op::ToolCallDelta { content_index, delta, arguments } => {
            let _ = write!(out, "[10,{content_index},");
            push_json_str(out, delta);
            out.push(',');
            push_value(out, arguments);
            out.push(']');
        }
        Op::ToolCallEnd { content_index, arguments, arguments_error } => {
            let _ = write!(out, "[11,{content_index},");
            push_value(out, arguments);
            if let Some(e) = arguments_error {
                out.push(',');
                push_json_str(out, e);
            }
            out.push(']');
        }
        Op::Usage(u) => {
            out.push_str("[12");
            for n in [
                u.input,
                u.output,
                u.cache_read,
                u.cache_write,
                u.total_tokens,
                u.cost_input,
                u.cost_output,
                u.cost_cache_read,
                u.cost_cache_write,
                u.cost_total,
            ] {
                out.push(',');
                push_num(out, n);
            }
            if let Some(n) = u.cache_write_1h {
                out.push(',');
                push_num(out, n);
            }
            out.push(']');
        }
        Op::StopReason { reason, raw, error_message } => {
            let _ = write!(out, "[13,\"{}\",", reason.as_str());
            match raw {
                Some(raw) => push_json_str(out, raw),
                None => out.push_str("null"),
            }
            if let Some(message) = error_message {
                out.push(',');
                push_json_str(out, message);
            }
            out.push(']');
        }
        Op::Done { reason } => {
            let _ = write!(out, "[14,\"{}\"]", reason.as_str());
        }
        Op::Error { reason, message, error } => {
            let _ = write!(out, "[15,\"{}\",", reason.as_str());
            push_json_str(out, message);
            let info = serde_json::json!({
                "code": error.code.as_str(),
                "message": error.message,
                "retryable": error.retryable,
                "httpStatus": error.http_status,
                "requestId": error.request_id,
                "awsType": error.aws_type,
            });
            out.push(',');
            push_value(out, &info);
            out.push(']');
        }
        Op::Response { status, headers, .. } => {
            let _ = write!(out, "[17,{status},{{");
            for (i, (name, value)) in headers.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_str(out, name);
                out.push(':');
                push_json_str(out, value);
            }
            out.push_str("}]");
        }
        Op::StrictToolsFallback { message } => {
            out.push_str("[19,");
            push_json_str(out, message);
            out.push(']');
        }
        Op::Raw { event_type, payload } => {
            out.push_str("[16,");
            push_json_str(out, event_type);
            out.push(',');
            // Verified JSON when the op was made: spliced in without re-encoding.
            out.push_str(std::str::from_utf8(payload).unwrap_or("null"));
            out.push(']');
        }
    }
}
