#![deny(clippy::all)]
//! napi binding for bedrock-core: JS-facing types and conversions only, no business logic.
//! JS-facing types carry a `Js` prefix so they never clash with core types.

mod config;
mod converse;
mod discovery;
mod emulator;
mod env;
mod error;
mod panic_probe;
mod request;

/// The addon's tokio runtime (`bedrock_core::stream::runtime_builder`): one worker thread
/// unless `BEDROCK_NATIVE_WORKER_THREADS` says otherwise (`runtime_worker_threads` has
/// why). Node runs
/// JavaScript on one thread, and the Rust half of a stream costs about what the JS half
/// does. Blocking work (files, credential processes) runs on tokio's separate blocking
/// pool either way.
#[napi_derive::module_init]
fn init_runtime() {
  // On failure (no threads available) napi falls back to its default runtime.
  if let Ok(runtime) = bedrock_core::stream::runtime_builder("bedrock-native").build() {
    napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
  }
}
