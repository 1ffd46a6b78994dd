//! `startEmulator(options?)`: the loopback Bedrock emulator (crates/emulator) for JS tests,
//! the demo and `npx bedrock-native emulator`. It runs on napi's tokio runtime.
//!
//! Options are the emulator's JSON config (camelCase: `port`, `host`, `region`, `auth`,
//! `credentials`, `bearerTokens`, `foundationModels`, `inferenceProfiles`,
//! `denyOperations`, ...) plus the shorthands `accessKeyId` / `secretAccessKey` /
//! `sessionToken` (one identity) and `bearerToken` (one token).

use bedrock_emulator::{Emulator, EmulatorConfig};
use napi_derive::napi;
use serde_json::{json, Value};
use std::sync::Arc;

use crate::error::invalid_argument;

/// A running emulator. The test identity it accepts is on the object (these are the
/// emulator's own test credentials, not AWS secrets).
#[napi(js_name = "Emulator")]
pub struct JsEmulator {
  inner: Arc<Emulator>,
  url: String,
  region: String,
  access_key_id: String,
  secret_access_key: String,
  bearer_token: String,
  port: u32,
}

#[napi]
impl JsEmulator {
  /// `http://127.0.0.1:PORT`: the endpoint for both the control plane and the runtime.
  #[napi(catch_unwind, getter)]
  pub fn url(&self) -> String {
    self.url.clone()
  }

  #[napi(catch_unwind, getter)]
  pub fn port(&self) -> u32 {
    self.port
  }

  #[napi(catch_unwind, getter)]
  pub fn region(&self) -> String {
    self.region.clone()
  }

  #[napi(catch_unwind, getter)]
  pub fn access_key_id(&self) -> String {
    self.access_key_id.clone()
  }

  #[napi(catch_unwind, getter)]
  pub fn secret_access_key(&self) -> String {
    self.secret_access_key.clone()
  }

  #[napi(catch_unwind, getter)]
  pub fn bearer_token(&self) -> String {
    self.bearer_token.clone()
  }

  /// Every request seen since start or the last `reset()`/`clearRequests()`: `{ seq,
  /// requestId, connectionId, atMs, method, httpVersion, path, query?, queryParams, operation,
  /// modelId?, headers, auth: { scheme, ok, verified, accessKeyId?, errorType?, message? },
  /// body?, bodyBytes, response: { status, errorType?, scripted, framesSent, bytesSent,
  /// completed, clientDisconnected, fault?, finishedAtMs? } }`. The Authorization value is
  /// never recorded.
  #[napi(catch_unwind, ts_return_type = "Array<Record<string, any>>")]
  pub fn requests(&self) -> Value {
    self.inner.requests_json()
  }

  #[napi(catch_unwind)]
  pub fn clear_requests(&self) {
    self.inner.clear_requests();
  }

  /// Queues a script (see docs/CONTRACTS.md) for a model id, `"*"` (any model) or
  /// `"op:ListInferenceProfiles"` (a control-plane operation).
  #[napi(catch_unwind, ts_args_type = "modelId: string, script: Record<string, any>")]
  pub fn script(&self, model_id: String, script: Value) -> napi::Result<()> {
    self.inner.script_json(&model_id, &script).map_err(invalid_argument)
  }

  /// Clears scripts, recorded requests, closed-connection records and the prompt cache.
  #[napi(catch_unwind)]
  pub fn reset(&self) {
    self.inner.reset();
  }

  /// `{ total, open, closed, connections: [{ id, peer, openedAtMs, closedAtMs?,
  /// peerClosedAtMs?, requests }] }` (times in ms since the epoch).
  #[napi(catch_unwind, ts_return_type = "{ total: number; open: number; closed: number; connections: Array<{ id: number; peer: string; openedAtMs: number; closedAtMs?: number; peerClosedAtMs?: number; requests: number }> }")]
  pub fn connections(&self) -> Value {
    self.inner.connections_json()
  }

  /// The foundation models and inference profiles it serves.
  #[napi(catch_unwind, ts_return_type = "{ foundationModels: Array<Record<string, any>>; inferenceProfiles: Array<Record<string, any>> }")]
  pub fn catalogue(&self) -> Value {
    json!({
      "foundationModels": self.inner.foundation_models(),
      "inferenceProfiles": self.inner.inference_profiles(),
    })
  }

  /// Stops the server and closes its connections (idempotent).
  #[napi]
  pub async fn close(&self) -> napi::Result<()> {
    self.inner.close().await;
    Ok(())
  }
}

/// Applies the JS shorthands (`accessKeyId`/`secretAccessKey`/`sessionToken`,
/// `bearerToken`) to the config JSON.
fn normalize_options(options: Option<Value>) -> napi::Result<Value> {
  let mut v = match options {
    None | Some(Value::Null) => return Ok(Value::Null),
    Some(Value::Object(m)) => m,
    Some(_) => return Err(invalid_argument("startEmulator: options must be an object")),
  };
  let akid = v.remove("accessKeyId");
  let secret = v.remove("secretAccessKey");
  let token = v.remove("sessionToken");
  match (akid, secret) {
    (Some(a), Some(s)) => {
      let mut cred = json!({ "accessKeyId": a, "secretAccessKey": s });
      if let Some(t) = token.filter(|t| !t.is_null()) {
        cred["sessionToken"] = t;
      }
      v.insert("credentials".into(), json!([cred]));
    }
    (None, None) => {}
    _ => {
      return Err(invalid_argument(
        "startEmulator: accessKeyId and secretAccessKey go together",
      ))
    }
  }
  if let Some(t) = v.remove("bearerToken") {
    v.insert("bearerTokens".into(), json!([t]));
  }
  Ok(Value::Object(v))
}

/// Starts the loopback Bedrock emulator on 127.0.0.1 (a free port unless `port` is given).
#[napi(ts_args_type = "options?: Record<string, any> | undefined | null")]
pub async fn start_emulator(options: Option<Value>) -> napi::Result<JsEmulator> {
  let cfg_json = normalize_options(options)?;
  let cfg = EmulatorConfig::from_json(&cfg_json).map_err(invalid_argument)?;
  let emu = Emulator::start(cfg)
    .await
    .map_err(|e| napi::Error::from_reason(format!("emulator: cannot listen: {e}")))?;
  let c = emu.config().clone();
  let cred = c.credentials.first().cloned();
  Ok(JsEmulator {
    url: emu.url(),
    port: emu.port() as u32,
    region: c.region.clone(),
    access_key_id: cred.as_ref().map(|c| c.access_key_id.clone()).unwrap_or_default(),
    secret_access_key: cred.map(|c| c.secret_access_key).unwrap_or_default(),
    bearer_token: c.bearer_tokens.first().cloned().unwrap_or_default(),
    inner: Arc::new(emu),
  })
}
