//! `startConverseStream(...)` -> `JsConverseStream` with `nextBatch()` and `abort()`.
//!
//! Arguments cross once as `JSON.stringify` text (see src/request.rs for why: it drops
//! what JSON cannot carry and keeps lone surrogates visible). Ops come back as one
//! JSON-array string per batch: V8's `JSON.parse` builds the batch faster than napi
//! can create the same objects one property at a time, and one promise covers every op
//! that was ready. js/event-stream.js applies the ops to the partial message.

use std::collections::HashMap;
use std::sync::Arc;

use bedrock_core::region::EnvSnapshot;
use bedrock_core::request::{parse_js_json, Context, Model, StreamOptions};
use bedrock_core::stream::{write_batch_json, ConverseStream, PreparedBody, StreamAbort, StreamControl};
use napi_derive::napi;
use serde_json::Value;

use crate::error::{invalid_argument, to_napi};

/// Most ops handed out per `nextBatch()`: bounds one crossing's size (and the partial
/// message's lag behind the network) without costing a promise per event.
const MAX_BATCH: usize = 512;

#[napi]
pub struct JsConverseStream {
  stream: Arc<tokio::sync::Mutex<ConverseStream>>,
  abort: StreamAbort,
}

fn parse_arg(text: Option<String>, what: &str) -> napi::Result<Value> {
  match text {
    None => Ok(Value::Null),
    Some(t) => parse_js_json(&t).map_err(|e| invalid_argument(format!("{what}: {}", e.message))),
  }
}

/// Starts a ConverseStream. `model`, `context`, `options` are `JSON.stringify`d pi-ai
/// arguments (`options` may also carry our `connectTimeoutMs`, `firstEventTimeoutMs`,
/// `idleTimeoutMs`, `maxRetries`, `maxRetryDelayMs`, `endpoint`, `raw`). `prepared`,
/// when given, is `JSON.stringify({ modelId, body, region? })` to send instead of
/// building the body from `context` (what `onPayload` returned). `env` is the caller's
/// environment snapshot (`__envSnapshot()` at call time); without it the process
/// environment is copied here, on the JS thread. Never throws for stream failures: those
/// arrive as the final error op.
#[napi(catch_unwind, js_name = "startConverseStream")]
pub fn start_converse_stream(
  model: String,
  context: Option<String>,
  options: Option<String>,
  prepared: Option<String>,
  env: Option<HashMap<String, String>>,
) -> napi::Result<JsConverseStream> {
  let model = Model::from_value(parse_arg(Some(model), "model")?).map_err(to_napi)?;
  let context = match context {
    Some(text) => Some(Context::from_value(parse_arg(Some(text), "context")?).map_err(to_napi)?),
    None => None,
  };
  let options_value = parse_arg(options, "options")?;
  let mut control: StreamControl = if options_value.is_null() {
    StreamControl::default()
  } else {
    serde_json::from_value(options_value.clone()).map_err(|e| invalid_argument(format!("options: {}", bedrock_core::error::without_quoted_values(&e.to_string()))))?
  };
  control.env = Some(env.map(EnvSnapshot::from).unwrap_or_else(EnvSnapshot::of_process));
  let options = StreamOptions::from_value(options_value).map_err(to_napi)?;
  let prepared = match prepared {
    None => None,
    Some(text) => {
      let v = parse_arg(Some(text), "prepared request")?;
      let model_id = v
        .get("modelId")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_argument("prepared request: modelId must be a string"))?
        .to_string();
      let body = v.get("body").cloned().unwrap_or(Value::Null);
      if !body.is_object() {
        return Err(invalid_argument("onPayload must return an object (the ConverseStream request body)"));
      }
      let region = v.get("region").and_then(Value::as_str).map(str::to_string);
      Some(PreparedBody { model_id, body, region })
    }
  };
  let stream = napi::bindgen_prelude::within_runtime_if_available(|| {
    ConverseStream::start_with(model, context, options, control, prepared)
  });
  let abort = stream.abort_handle();
  Ok(JsConverseStream { stream: Arc::new(tokio::sync::Mutex::new(stream)), abort })
}

#[napi]
impl JsConverseStream {
  /// Resolves with a JSON array of every op ready (at least one); `"[]"` once ended.
  #[napi]
  pub async fn next_batch(&self) -> napi::Result<String> {
    let stream = self.stream.clone();
    let mut guard = stream.lock().await;
    let ops = guard.next_batch(MAX_BATCH).await;
    let mut out = String::with_capacity(64 * ops.len() + 2);
    write_batch_json(&ops, &mut out);
    Ok(out)
  }

  /// Closes the connection now; the pending/next `nextBatch()` yields the `aborted` error.
  #[napi(catch_unwind)]
  pub fn abort(&self) {
    self.abort.abort();
  }
}
