//! `__envSnapshot()`: the variables the core reads, copied on the JS thread at call time.
//! js/index.js passes it as `env` to every async entry point (and js/converse.js to
//! `startConverseStream`), so Rust never reads the process environment on a worker thread
//! while Node may be writing `process.env`, and each call uses its own call time's values.

use std::collections::HashMap;

use bedrock_core::region::EnvSnapshot;
use napi_derive::napi;

/// Internal: `{ name: value }` of the variables the core reads (AWS_*, OPENCLAW_*, HOME,
/// proxies, CA bundles, ...). Values stay in this process, as in `process.env` itself.
#[napi(catch_unwind, js_name = "__envSnapshot")]
pub fn env_snapshot() -> HashMap<String, String> {
  EnvSnapshot::of_process().map().clone()
}
