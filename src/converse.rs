//! `startConverseStream(...)` -> `JsConverseStream` with `nextBatch()` and `abort()`.
//!
//! Arguments cross once as `JSON.stringify` text (see src/request.rs for why: it drops
//! what JSON cannot carry and keeps lone surrogates visible). Ops come back as one
//! JSON-array string per batch: V8's `JSON.parse` builds the batch faster than napi
//! can create the same objects one property at a time, and one promise covers every op
//! that was ready. js/event-stream.js applies the ops to the partial message.
//!
//! `StreamHub` is the other way out, for many streams at once: a stream handed to it with
//! `deliverTo(hub)` is polled by the hub (no task or promise of its own), and one call of
//! the hub's callback tells JS to `drain()` the ops of every stream that has some (see
//! crates/core/src/stream/hub.rs for how wake-ups are bounded).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use bedrock_core::region::EnvSnapshot;
use bedrock_core::request::{parse_js_json, Context, Model, StreamOptions};
use bedrock_core::stream::hub::{min_interval_from_env, DeliveryHub};
use bedrock_core::stream::{write_batch_json, ConverseStream, PreparedBody, StreamAbort, StreamControl};
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;
use serde_json::Value;

use crate::error::{invalid_argument, to_napi};

/// Most ops handed out per `nextBatch()`: bounds one crossing's size (and the partial
/// message's lag behind the network) without costing a promise per event.
const MAX_BATCH: usize = 512;

#[napi]
pub struct JsConverseStream {
  /// `None` once handed to a hub.
  stream: Arc<tokio::sync::Mutex<Option<ConverseStream>>>,
  abort: StreamAbort,
  /// The hub it was handed to and its id there (an abort then wakes the hub).
  hub: Mutex<Option<(Weak<DeliveryHub>, u64)>>,
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
  Ok(JsConverseStream { stream: Arc::new(tokio::sync::Mutex::new(Some(stream))), abort, hub: Mutex::new(None) })
}

#[napi]
impl JsConverseStream {
  /// Resolves with a JSON array of every op ready (at least one); `"[]"` once ended.
  #[napi]
  pub async fn next_batch(&self) -> napi::Result<String> {
    let stream = self.stream.clone();
    let mut guard = stream.lock().await;
    let Some(stream) = guard.as_mut() else {
      return Err(invalid_argument("nextBatch: this stream is delivered through a StreamHub"));
    };
    let ops = stream.next_batch(MAX_BATCH).await;
    let mut out = String::with_capacity(64 * ops.len() + 2);
    write_batch_json(&ops, &mut out);
    Ok(out)
  }

  /// Closes the connection now; the pending/next `nextBatch()` yields the `aborted` error.
  #[napi(catch_unwind)]
  pub fn abort(&self) {
    self.abort.abort();
    let hub = self.hub.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some((hub, id)) = hub {
      if let Some(hub) = hub.upgrade() {
        hub.wake_now(id);
      }
    }
  }

  /// Hands the stream to `hub`: its ops now arrive through `hub.drain()` under the
  /// returned id, and `nextBatch()` is no longer available. Fails if a `nextBatch()` is
  /// pending or the stream was handed over already.
  #[napi(catch_unwind, js_name = "deliverTo")]
  pub fn deliver_to(&self, env: Env, hub: &JsStreamHub) -> napi::Result<i64> {
    let stream = self
      .stream
      .try_lock()
      .ok()
      .and_then(|mut guard| guard.take())
      .ok_or_else(|| invalid_argument("deliverTo: the stream is being read with nextBatch() or was handed over already"))?;
    let id = hub.hub.register(stream);
    *self.hub.lock().unwrap_or_else(|e| e.into_inner()) = Some((Arc::downgrade(&hub.hub), id));
    hub.keep_alive(&env, true)?;
    Ok(id as i64)
  }
}

/// Delivers many streams' ops to JS through one callback (see the module comment).
#[napi(js_name = "StreamHub")]
pub struct JsStreamHub {
  hub: Arc<DeliveryHub>,
  /// The callback, referenced (keeping Node running) only while a stream is open.
  on_ready: Arc<Mutex<(ThreadsafeFunction<(), (), (), Status, false, true>, bool)>>,
}

#[napi]
impl JsStreamHub {
  /// `onReady()` is called on the JS thread when streams have ops; it should call
  /// `drain()`. Calls are bounded in time (`BEDROCK_NATIVE_DELIVERY_INTERVAL_MS`,
  /// default 2) except for each stream's first ops.
  #[napi(constructor, catch_unwind)]
  pub fn new(on_ready: Function<(), ()>) -> napi::Result<Self> {
    let tsfn: ThreadsafeFunction<(), (), (), Status, false, true> =
      on_ready.build_threadsafe_function().weak::<true>().build()?;
    let on_ready = Arc::new(Mutex::new((tsfn, false)));
    let caller = on_ready.clone();
    let hub = DeliveryHub::new(min_interval_from_env(), move || {
      caller.lock().unwrap_or_else(|e| e.into_inner()).0.call((), ThreadsafeFunctionCallMode::NonBlocking);
    });
    Ok(JsStreamHub { hub, on_ready })
  }

  /// JSON `[id, [op, ...], id, [op, ...], ...]`: the ops of every stream that has some
  /// (op wire form as `nextBatch()`); a stream whose ops end with done/error is gone.
  #[napi(catch_unwind)]
  pub fn drain(&self, env: Env) -> napi::Result<String> {
    let mut out = String::new();
    let drained = self.hub.drain(MAX_BATCH, &mut out);
    if drained.ended > 0 && self.hub.open_streams() == 0 {
      self.keep_alive(&env, false)?;
    }
    Ok(out)
  }

  /// Streams handed to this hub that have not ended.
  #[napi(catch_unwind, getter)]
  pub fn open_streams(&self) -> u32 {
    self.hub.open_streams() as u32
  }
}

impl JsStreamHub {
  /// Refs the callback while streams are open (Node waits for them, as for a pending
  /// `nextBatch()`), unrefs it when none is (Node may exit).
  #[allow(deprecated)]
  fn keep_alive(&self, env: &Env, alive: bool) -> napi::Result<()> {
    let mut guard = self.on_ready.lock().unwrap_or_else(|e| e.into_inner());
    let (tsfn, referenced) = &mut *guard;
    if alive && !*referenced {
      tsfn.refer(env)?;
      *referenced = true;
    } else if !alive && *referenced {
      tsfn.unref(env)?;
      *referenced = false;
    }
    Ok(())
  }
}
