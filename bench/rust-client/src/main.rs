//! Benchmark client (d): the core crate's ConverseStream (transport, event-stream decoding,
//! pi-ai event mapping) consumed directly in Rust, i.e. the addon without the JS crossing.
//!
//! Same command-line protocol as the JS clients in bench/clients/: `bench-rust-client
//! <workload> '<params JSON>'`; prints `FIRST_EVENT` (cold-start workload only) and one
//! result JSON line on stdout. See bench/README.md for the workloads. `make-ca
//! '{"dir": ...}'` writes the throwaway CA and server certificate of the TLS workloads.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_core::request::{Context, Model, StreamOptions};
use bedrock_core::stream::{ConverseStream, Op, StreamControl};
use serde_json::{json, Value};

/// Ops taken per `next_batch` call: the binding's batch size (src/converse.rs).
const MAX_BATCH: usize = 512;

fn fail(message: String) -> ! {
    eprintln!("bench-rust-client: {message}");
    std::process::exit(1)
}

/// User + system CPU time of the whole process (every thread), microseconds.
fn cpu_micros() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes into the struct we pass.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return 0.0;
    }
    // SAFETY: initialised by the successful call above.
    let u = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// (current RSS, peak RSS) in bytes, from /proc/self/status (VmRSS, VmHWM).
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb * 1024.0)
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn bench_model(url: &str, id: &str) -> Model {
    Model::from_value(json!({
        "id": id, "name": id, "api": "bedrock-converse-stream", "provider": "amazon-bedrock",
        "baseUrl": url, "reasoning": false, "input": ["text"],
        "cost": { "input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75 },
        "contextWindow": 200000, "maxTokens": 4096
    }))
    .unwrap_or_else(|e| fail(format!("model: {}", e.message)))
}

fn bench_context() -> Context {
    Context::from_value(json!({
        "systemPrompt": "You are a benchmark.",
        "messages": [{ "role": "user", "content": "Say many small things.", "timestamp": 0 }]
    }))
    .unwrap_or_else(|e| fail(format!("context: {}", e.message)))
}

fn start(model: &Model, context: &Context) -> ConverseStream {
    let options = StreamOptions::from_value(json!({ "maxTokens": 4096 }))
        .unwrap_or_else(|e| fail(format!("options: {}", e.message)));
    let control = StreamControl { max_retries: Some(0), ..StreamControl::default() };
    ConverseStream::start_with(model.clone(), Some(context.clone()), options, control, None)
}

/// What one stream produced.
struct Outcome {
    deltas: u64,
    /// From the call to the first op (pi-ai's `start` event).
    first_event: Option<Duration>,
}

/// Runs one stream to its end. `abort_after_first`: abort once the first op arrived and
/// drain to the `aborted` error (the memory check's aborted streams).
async fn run_stream(model: &Model, context: &Context, abort_after_first: bool) -> Outcome {
    let started = Instant::now();
    let mut stream = start(model, context);
    let mut outcome = Outcome { deltas: 0, first_event: None };
    loop {
        let batch = stream.next_batch(MAX_BATCH).await;
        if batch.is_empty() {
            return outcome;
        }
        if outcome.first_event.is_none() {
            outcome.first_event = Some(started.elapsed());
            if abort_after_first {
                stream.abort();
            }
        }
        for op in &batch {
            match op {
                Op::TextDelta { .. } => outcome.deltas += 1,
                Op::Error { message, .. } if !abort_after_first => fail(format!("stream failed: {message}")),
                _ => {}
            }
        }
    }
}

fn str_param<'a>(params: &'a Value, key: &str) -> &'a str {
    params[key].as_str().unwrap_or_else(|| fail(format!("params.{key} must be a string")))
}

fn num_param(params: &Value, key: &str, default: u64) -> u64 {
    params[key].as_u64().unwrap_or(default)
}

async fn one_stream(params: &Value) -> Value {
    let url = str_param(params, "url");
    let context = bench_context();
    if let Some(warm) = params["warmupModel"].as_str() {
        run_stream(&bench_model(url, warm), &context, false).await;
    }
    let model = bench_model(url, str_param(params, "model"));
    let cpu0 = cpu_micros();
    let t0 = Instant::now();
    let outcome = run_stream(&model, &context, false).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (cpu_micros() - cpu0) / 1e3;
    let (rss_now, rss_peak) = rss();
    json!({ "events": outcome.deltas, "wallMs": wall * 1e3, "cpuMs": cpu, "rssBytes": rss_now, "peakRssBytes": rss_peak })
}

async fn concurrent(params: &Value) -> Value {
    let url = str_param(params, "url").to_string();
    let streams = num_param(params, "streams", 500);
    let context = bench_context();
    if let Some(warm) = params["warmupModel"].as_str() {
        run_stream(&bench_model(&url, warm), &context, false).await;
    }
    let model = bench_model(&url, str_param(params, "model"));
    let cpu0 = cpu_micros();
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|_| {
            let (model, context) = (model.clone(), context.clone());
            tokio::spawn(async move { run_stream(&model, &context, false).await.deltas })
        })
        .collect();
    let mut deltas = 0;
    for task in tasks {
        deltas += task.await.unwrap_or_else(|e| fail(format!("stream task: {e}")));
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = (cpu_micros() - cpu0) / 1e3;
    let (rss_now, rss_peak) = rss();
    json!({ "streams": streams, "events": deltas, "wallMs": wall * 1e3, "cpuMs": cpu, "rssBytes": rss_now, "peakRssBytes": rss_peak })
}

async fn sequential(params: &Value) -> Value {
    let url = str_param(params, "url");
    let model = bench_model(url, str_param(params, "model"));
    let context = bench_context();
    for _ in 0..num_param(params, "warmup", 5) {
        run_stream(&model, &context, false).await;
    }
    let mut ttfe = Vec::new();
    let mut deltas = 0;
    let cpu0 = cpu_micros();
    let t0 = Instant::now();
    for _ in 0..num_param(params, "streams", 200) {
        let outcome = run_stream(&model, &context, false).await;
        deltas += outcome.deltas;
        ttfe.push(outcome.first_event.map(|d| d.as_secs_f64() * 1e3).unwrap_or(f64::NAN));
    }
    let wall = t0.elapsed().as_secs_f64();
    json!({ "events": deltas, "wallMs": wall * 1e3, "cpuMs": (cpu_micros() - cpu0) / 1e3, "firstEventMs": ttfe })
}

async fn cold(params: &Value) -> Value {
    let url = str_param(params, "url");
    let model = bench_model(url, str_param(params, "model"));
    let mut stream = start(&model, &bench_context());
    let mut first = true;
    let mut deltas = 0;
    loop {
        let batch = stream.next_batch(MAX_BATCH).await;
        if batch.is_empty() {
            break;
        }
        if first {
            // The parent timestamps this line: process start to first event.
            println!("FIRST_EVENT");
            first = false;
        }
        deltas += batch.iter().filter(|op| matches!(op, Op::TextDelta { .. })).count();
    }
    json!({ "events": deltas })
}

async fn memory(params: &Value) -> Value {
    let url = str_param(params, "url");
    let model = bench_model(url, str_param(params, "model"));
    let abort_model = bench_model(url, str_param(params, "abortModel"));
    let context = bench_context();
    for _ in 0..num_param(params, "warmup", 500) {
        run_stream(&model, &context, false).await;
    }
    for _ in 0..num_param(params, "warmupAborted", 50) {
        run_stream(&abort_model, &context, true).await;
    }
    let after_warmup = rss().0;
    let t0 = Instant::now();
    for _ in 0..num_param(params, "streams", 10_000) {
        run_stream(&model, &context, false).await;
    }
    let after_streams = rss().0;
    for _ in 0..num_param(params, "aborted", 1_000) {
        run_stream(&abort_model, &context, true).await;
    }
    // Aborted tasks finish closing their sockets on the runtime: give them a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_aborted = rss().0;
    json!({ "rssAfterWarmup": after_warmup, "rssAfterStreams": after_streams, "rssAfterAborted": after_aborted,
            "peakRssBytes": rss().1, "wallMs": t0.elapsed().as_secs_f64() * 1e3 })
}

async fn discovery(params: &Value) -> Value {
    let options = DiscoveryOptions {
        region: Some("us-east-1".into()),
        endpoint: Some(str_param(params, "url").to_string()),
        ..DiscoveryOptions::default()
    };
    let first = discover_models(options.clone()).await.unwrap_or_else(|e| fail(format!("discovery: {}", e.message)));
    let iterations = num_param(params, "iterations", 100_000);
    let cpu0 = cpu_micros();
    let t0 = Instant::now();
    for _ in 0..iterations {
        let hit = discover_models(options.clone()).await.unwrap_or_else(|e| fail(format!("discovery: {}", e.message)));
        if !hit.from_cache {
            fail("a repeated discovery call was not served from the cache".into());
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    json!({ "models": first.models.len(), "iterations": iterations, "wallMs": wall * 1e3,
            "cpuMs": (cpu_micros() - cpu0) / 1e3, "callsPerSecond": iterations as f64 / wall })
}

/// W6/W7: `streams` paced streams started at once, after one warm-up stream. Prints
/// `READY` and waits for a line on stdin (the parent takes its idle reading meanwhile),
/// then `MARK ALL_FIRST <deltas>` once every stream has had its first event and
/// `MARK FIRST_DONE <deltas>` when the first stream ends (the parent samples /proc at both).
async fn paced(params: &Value) -> Value {
    let url = str_param(params, "url").to_string();
    let streams = num_param(params, "streams", 200) as usize;
    let context = bench_context();
    if let Some(warm) = params["warmupModel"].as_str() {
        run_stream(&bench_model(&url, warm), &context, false).await;
    }
    let model = bench_model(&url, str_param(params, "model"));
    println!("READY");
    let go = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| ())
    });
    go.await.unwrap_or_else(|e| fail(format!("stdin: {e}"))).unwrap_or_else(|e| fail(format!("stdin: {e}")));
    let deltas = Arc::new(AtomicU64::new(0));
    let firsts = Arc::new(AtomicUsize::new(0));
    let dones = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|_| {
            let (model, context) = (model.clone(), context.clone());
            let (deltas, firsts, dones) = (deltas.clone(), firsts.clone(), dones.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let mut stream = start(&model, &context);
                let mut first = None;
                loop {
                    let batch = stream.next_batch(MAX_BATCH).await;
                    if batch.is_empty() {
                        break;
                    }
                    if first.is_none() {
                        first = Some(started.elapsed().as_secs_f64() * 1e3);
                        if firsts.fetch_add(1, Ordering::SeqCst) + 1 == streams {
                            println!("MARK ALL_FIRST {}", deltas.load(Ordering::SeqCst));
                        }
                    }
                    for op in &batch {
                        match op {
                            Op::TextDelta { .. } => {
                                deltas.fetch_add(1, Ordering::Relaxed);
                            }
                            Op::Error { message, .. } => fail(format!("stream failed: {message}")),
                            _ => {}
                        }
                    }
                }
                if dones.fetch_add(1, Ordering::SeqCst) == 0 {
                    println!("MARK FIRST_DONE {}", deltas.load(Ordering::SeqCst));
                }
                first.unwrap_or(f64::NAN)
            })
        })
        .collect();
    let mut first_event_ms = Vec::with_capacity(streams);
    for task in tasks {
        first_event_ms.push(task.await.unwrap_or_else(|e| fail(format!("stream task: {e}"))));
    }
    json!({ "streams": streams, "events": deltas.load(Ordering::SeqCst), "wallMs": t0.elapsed().as_secs_f64() * 1e3,
            "firstEventMs": first_event_ms })
}

/// `make-ca {"dir": ...}`: a throwaway CA and a server certificate for 127.0.0.1 and
/// localhost signed by it (ca.pem, server.pem, server-key.pem in `dir`), for the TLS
/// emulator of W6/W7; the clients trust ca.pem through AWS_CA_BUNDLE / NODE_EXTRA_CA_CERTS.
fn make_ca(params: &Value) -> Value {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let dir = std::path::PathBuf::from(str_param(params, "dir"));
    fn or_fail(what: &str, e: &dyn std::fmt::Display) -> ! {
        fail(format!("make-ca: {what}: {e}"))
    }
    let ca_key = KeyPair::generate().unwrap_or_else(|e| or_fail("CA key", &e));
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| or_fail("CA", &e));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "bedrock-native benchmark throwaway CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).unwrap_or_else(|e| or_fail("CA", &e));
    let key = KeyPair::generate().unwrap_or_else(|e| or_fail("server key", &e));
    let server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .and_then(|p| p.signed_by(&key, &ca, &ca_key))
        .unwrap_or_else(|e| or_fail("server certificate", &e));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| or_fail("dir", &e));
    let files = [("ca.pem", ca.pem()), ("server.pem", server.pem()), ("server-key.pem", key.serialize_pem())];
    for (name, pem) in &files {
        std::fs::write(dir.join(name), pem).unwrap_or_else(|e| or_fail(name, &e));
    }
    json!({ "ca": dir.join("ca.pem"), "cert": dir.join("server.pem"), "key": dir.join("server-key.pem") })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| fail("usage: bench-rust-client <workload> '<params JSON>'".into()));
    let params: Value = serde_json::from_str(&args.next().unwrap_or_else(|| "{}".into()))
        .unwrap_or_else(|e| fail(format!("params: {e}")));
    if workload == "make-ca" {
        println!("{}", make_ca(&params));
        return;
    }
    // The addon's runtime shape (src/lib.rs), so the ceiling runs as the addon runs.
    let runtime = bedrock_core::stream::runtime_builder("tokio-rt-worker")
        .build()
        .unwrap_or_else(|e| fail(format!("tokio runtime: {e}")));
    // On a worker thread, as a server's request handler would run: the consumer is then
    // woken on the runtime's own threads instead of parking the main thread per batch.
    let result = runtime
        .block_on(async { tokio::spawn(run_workload(workload, params)).await })
        .unwrap_or_else(|e| fail(format!("workload task: {e}")));
    println!("{result}");
}

async fn run_workload(workload: String, params: Value) -> Value {
    match workload.as_str() {
        "w1" => one_stream(&params).await,
        "w2" => concurrent(&params).await,
        "w3" => sequential(&params).await,
        "w4" => cold(&params).await,
        "w5" => discovery(&params).await,
        "mem" => memory(&params).await,
        "w6" => paced(&params).await,
        other => fail(format!("unknown workload {other:?}")),
    }
}
