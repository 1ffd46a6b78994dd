//! `buildConverseRequest(model, context, options?)`: pi-ai arguments -> the ConverseStream
//! request (`{ modelId, body, region? }`), built by `bedrock_core::request`.
//!
//! The arguments cross once, as `JSON.stringify` text: that drops what JSON cannot carry
//! (`signal`, `onPayload`, `undefined` members, TypeBox's symbol keys) exactly as the AWS
//! SDK's serialisation does, and keeps unpaired UTF-16 surrogates visible as `\udXXX`
//! escapes so they can be removed like pi-ai's `sanitizeSurrogates` does (napi's own string
//! conversion would turn them into U+FFFD).
//!
//! `body` is the wire JSON (images as base64 strings, no `modelId`). pi-ai hands `onPayload`
//! its SDK command input instead (`modelId` first, image bytes as `Uint8Array`);
//! `js/request.js` converts between the two.

use napi::bindgen_prelude::{Function, JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;
use serde_json::{json, Map, Value};

use bedrock_core::model_family;
use bedrock_core::request::{
  build_converse_request, parse_js_json, simple_stream_options, ConverseRequest, Context, Model, StreamOptions,
};

use crate::error::{invalid_argument, to_napi};

/// `JSON.stringify(value)` parsed into a Value; `None` for `undefined`/functions.
fn js_to_json(env: &Env, value: Unknown, what: &str) -> napi::Result<Option<Value>> {
  let global = env.get_global()?;
  let json: Object = global.get_named_property("JSON")?;
  let stringify: Function<Unknown, Unknown> = json.get_named_property("stringify")?;
  let text = stringify.apply(json, value).map_err(|e| {
    // JSON.stringify threw (cycle, BigInt, throwing toJSON): report it as a bad argument
    // with a code instead of letting the raw JS exception through.
    let reason = take_pending_exception_message(env).unwrap_or(e.reason);
    invalid_argument(format!("{what}: cannot be serialised as JSON: {reason}"))
  })?;
  if text.get_type()? != ValueType::String {
    return Ok(None);
  }
  // SAFETY: checked above to be a string. JSON.stringify output is well-formed UTF-16 (lone
  // surrogates come out escaped), so the UTF-8 conversion is lossless.
  let text: String = unsafe { text.cast()? };
  // serde_json stops at 128 levels of nesting; name the argument in that error.
  parse_js_json(&text)
    .map(Some)
    .map_err(|e| invalid_argument(format!("{what}: {}", e.message)))
}

/// Clears the pending JS exception, if any, and returns its `message`.
fn take_pending_exception_message(env: &Env) -> Option<String> {
  let mut raw = std::ptr::null_mut();
  // SAFETY: plain N-API call on the current env; `raw` is written by it.
  let status = unsafe { napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut raw) };
  if status != napi::sys::Status::napi_ok || raw.is_null() {
    return None;
  }
  // SAFETY: `raw` is a live value of this env, just returned by N-API.
  let exception = unsafe { Unknown::from_raw_unchecked(env.raw(), raw) };
  if exception.get_type().ok()? != ValueType::Object {
    return None;
  }
  // SAFETY: checked above to be an object.
  let object: Object = unsafe { exception.cast().ok()? };
  let message: String = object.get_named_property("message").ok()?;
  Some(message.lines().next().unwrap_or_default().to_string())
}

/// Builds the ConverseStream request pi-ai 1.6 would send for these arguments.
/// Returns `{ modelId, body, region? }`: `modelId` goes in the URL path
/// (`/model/{encodeURIComponent(modelId)}/converse-stream`), `body` is the JSON body, and
/// `region` is set when the model id is an ARN (which must be called in its own region).
/// Throws `InvalidArgument` (with the message/part index) for malformed input or an image
/// type Bedrock does not accept.
#[napi(
  catch_unwind,
  js_name = "buildConverseRequest",
  ts_args_type = "model: object, context: object, options?: object | undefined | null",
  ts_return_type = "{ modelId: string; body: Record<string, unknown>; region?: string }"
)]
pub fn build_converse_request_js(
  env: Env,
  model: Unknown,
  context: Unknown,
  options: Option<Unknown>,
) -> napi::Result<Value> {
  let (model, context, options) = parse_args(&env, model, context, options)?;
  let request = build_converse_request(&model, &context, &options).map_err(to_napi)?;
  Ok(request_to_js(request))
}

/// Same, for pi-ai's `streamSimple` entry point: the options go through pi-ai's
/// `streamSimpleBedrock` derivation first (default `maxTokens`, thinking budget folded into
/// `maxTokens` for budget-thinking Claude models, non-base options dropped).
#[napi(
  catch_unwind,
  js_name = "buildSimpleConverseRequest",
  ts_args_type = "model: object, context: object, options?: object | undefined | null",
  ts_return_type = "{ modelId: string; body: Record<string, unknown>; region?: string }"
)]
pub fn build_simple_converse_request_js(
  env: Env,
  model: Unknown,
  context: Unknown,
  options: Option<Unknown>,
) -> napi::Result<Value> {
  let (model, context, options) = parse_args(&env, model, context, options)?;
  let options = simple_stream_options(&model, &context, &options, &|_: &str| None).map_err(to_napi)?;
  let request = build_converse_request(&model, &context, &options).map_err(to_napi)?;
  Ok(request_to_js(request))
}

fn parse_args(
  env: &Env,
  model: Unknown,
  context: Unknown,
  options: Option<Unknown>,
) -> napi::Result<(Model, Context, StreamOptions)> {
  let model = js_to_json(env, model, "model")?.ok_or_else(|| invalid_argument("model: expected an object"))?;
  let context = js_to_json(env, context, "context")?.ok_or_else(|| invalid_argument("context: expected an object"))?;
  let options = match options {
    Some(o) => js_to_json(env, o, "options")?.unwrap_or(Value::Null),
    None => Value::Null,
  };
  Ok((
    Model::from_value(model).map_err(to_napi)?,
    Context::from_value(context).map_err(to_napi)?,
    StreamOptions::from_value(options).map_err(to_napi)?,
  ))
}

fn request_to_js(request: ConverseRequest) -> Value {
  let mut out = Map::new();
  out.insert("modelId".into(), Value::String(request.model_id));
  out.insert("body".into(), request.body);
  if let Some(region) = request.arn_region {
    out.insert("region".into(), Value::String(region));
  }
  Value::Object(out)
}

/// `describeModel(modelId, name?, baseModelId?)`: what the core's model table and family
/// rules say about a model, for host adapters (thinking profiles, limits, cost). Unknown
/// ids get the rules' answer with `known: false` and no limits or cost.
#[napi(
  catch_unwind,
  js_name = "describeModel",
  ts_args_type = "modelId: string, name?: string | undefined | null, baseModelId?: string | undefined | null",
  ts_return_type = "import('./js/models').ModelDescription"
)]
pub fn describe_model_js(model_id: String, name: Option<String>, base_model_id: Option<String>) -> napi::Result<Value> {
  if model_id.trim().is_empty() {
    return Err(invalid_argument("modelId: expected a non-empty string"));
  }
  let d = model_family::describe(&model_id, name.as_deref(), base_model_id.as_deref());
  let cost = |c: model_family::Cost| json!({ "input": c.input, "output": c.output, "cacheRead": c.cache_read, "cacheWrite": c.cache_write });
  let mut cost_json = d.cost.map(cost);
  if let (Some(Value::Object(obj)), Some(tier)) = (cost_json.as_mut(), d.cost_tier) {
    let mut t = cost(tier.rates);
    t["inputTokensAbove"] = json!(tier.input_tokens_above);
    obj.insert("tiers".into(), json!([t]));
  }
  Ok(json!({
    "id": d.id,
    "known": d.catalogue_id.is_some(),
    "catalogueId": d.catalogue_id,
    "reasoning": d.reasoning,
    "input": d.input,
    "contextWindow": d.context_window,
    "maxTokens": d.max_tokens,
    "cost": cost_json,
    "thinking": d.thinking.as_str(),
    "thinkingLevels": d.thinking_levels,
    "cachePoints": d.cache_points,
    "strictTools": d.strict_tools,
    "temperature": !d.rejects_temperature,
  }))
}
