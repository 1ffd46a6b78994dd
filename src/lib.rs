#![deny(clippy::all)]
//! napi binding for bedrock-core: JS-facing types and conversions only, no business logic.
//! JS-facing types carry a `Js` prefix so they never clash with core types.

mod config;
mod converse;
mod discovery;
mod emulator;
mod error;
mod panic_probe;
mod request;

/// The addon's tokio runtime: ONE worker thread by default. Node runs JavaScript on one
/// thread, and the Rust half of a stream (reading, decoding, mapping) costs about as much
/// per event as the JavaScript half, so one worker keeps pace with its JS thread; with one
/// worker, the hand-offs between a stream's tasks (hyper's connection task, the stream
/// task, `nextBatch`) stay on that thread instead of waking a second one through the
/// kernel for every read (measured in bench/README.md). `BEDROCK_NATIVE_WORKER_THREADS`
/// sets another count. Blocking work (files, credential processes) runs on tokio's
/// separate blocking pool either way.
#[napi_derive::module_init]
fn init_runtime() {
  let workers = std::env::var("BEDROCK_NATIVE_WORKER_THREADS")
    .ok()
    .and_then(|v| v.trim().parse::<usize>().ok())
    .filter(|n| (1..=256).contains(n))
    .unwrap_or(1);
  // On failure (no threads available) napi falls back to its default runtime.
  if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
    .worker_threads(workers)
    .thread_name("bedrock-native")
    .enable_all()
    .build()
  {
    napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
  }
}
