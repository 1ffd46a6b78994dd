//! Test hook for the panic guard (issue 8). `__panicProbe(mode)` / `__panicProbeAsync(mode)`
//! panic on purpose — only when `BEDROCK_NATIVE_PANIC_PROBE=1` is set in the environment,
//! otherwise they reject the call — so a test can prove what a Rust panic inside an
//! exported function looks like from JS: an `Error` with `code: 'InternalError'`, and the
//! process alive. `__test__/panic.test.mjs` drives them in a child process.

use napi_derive::napi;

use crate::error::invalid_argument;

const SWITCH: &str = "BEDROCK_NATIVE_PANIC_PROBE";

fn armed() -> bool {
  std::env::var(SWITCH).is_ok_and(|v| v == "1")
}

fn fire(mode: &str) -> napi::Result<()> {
  if !armed() {
    return Err(invalid_argument(format!("{SWITCH}=1 is not set")));
  }
  match mode {
    "str" => panic!("panic probe: static message"),
    "string" => panic!("panic probe: formatted message {}", 42),
    _ => Err(invalid_argument("mode: expected \"str\" or \"string\"")),
  }
}

/// Sync export guarded with napi's `catch_unwind` (what every sync export should have).
#[napi(js_name = "__panicProbe", catch_unwind)]
pub fn panic_probe(mode: String) -> napi::Result<()> {
  fire(&mode)
}

/// Sync export WITHOUT `catch_unwind`: shows what an unguarded export does on a panic.
#[napi(js_name = "__panicProbeUnguarded")]
pub fn panic_probe_unguarded(mode: String) -> napi::Result<()> {
  fire(&mode)
}

/// Async export: napi runs it on its tokio runtime; a panic there rejects the promise.
#[napi(js_name = "__panicProbeAsync")]
pub async fn panic_probe_async(mode: String) -> napi::Result<()> {
  fire(&mode)
}
