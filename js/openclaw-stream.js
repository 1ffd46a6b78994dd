'use strict'
// OpenClaw's stream options -> this package's `converseStreamSimple` (pi-ai's simple
// entry point semantics: default maxTokens, thinking budgets folded in per model family,
// all decided in the core). Only names and defaults are adapted here:
//
// - `reasoning`: OpenClaw's `/think` level. `off` = no thinking at all (nothing passed);
//   `adaptive` (OpenClaw's "let the model decide") = `high`, Anthropic's own default
//   effort; `ultra` = `max`; the rest pass through and the core maps them per family.
// - `apiKey`: OpenClaw hands the provider's auth marker here (`AWS_PROFILE`, `__aws_sdk_auth__`,
//   ...). It is never a Bedrock credential and is never sent: auth is the AWS chain or
//   AWS_BEARER_TOKEN_BEDROCK, resolved natively.
// - `headers` (traceparent), `requestId`, `sessionId`, `transport`, `onActiveResponse`:
//   not Bedrock request fields; dropped.
// - `guardrail` (plugin config) and `serviceTier` (model params) go into the request.
// - A failure's `errorMessage` starts with its stable code (`ThrottlingException: ...`)
//   so OpenClaw's failover classification sees it (see classifyFailover in
//   js/openclaw-plugin.js).

const { converseStreamSimple } = require('./register.js')

const REASONING = {
  off: undefined,
  none: undefined,
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'max',
  adaptive: 'high',
  ultra: 'max',
}

// Passed through unchanged (pi-ai simple-option names this package shares).
const PASS_THROUGH = [
  'maxTokens',
  'temperature',
  'cacheRetention',
  'thinkingBudgets',
  'signal',
  'maxRetries',
  'maxRetryDelayMs',
  'firstEventTimeoutMs',
  'connectTimeoutMs',
  'idleTimeoutMs',
  'onPayload',
  'onResponse',
]

/** The `reasoning` level to send for OpenClaw's level (undefined = no thinking). */
function reasoningLevel(level) {
  if (level === undefined || level === null || level === '') return undefined
  if (!Object.prototype.hasOwnProperty.call(REASONING, level)) {
    const error = new TypeError(`amazon-bedrock: unknown thinking level ${JSON.stringify(level)} (expected ${Object.keys(REASONING).join(', ')})`)
    error.code = 'InvalidArgument'
    throw error
  }
  return REASONING[level]
}

/** `serviceTier` for a model: stream option, then the model's params, then the agents'
 *  default params (`serviceTier` or `service_tier`, as the official plugin reads them). */
function serviceTierFor(options, config, provider, modelId) {
  const pick = (o) => o?.serviceTier ?? o?.service_tier
  const defaults = config?.agents?.defaults
  const tier = pick(options) ?? pick(defaults?.models?.[`${provider}/${modelId}`]?.params) ?? pick(defaults?.params)
  return typeof tier === 'string' && tier ? tier : undefined
}

/** pi-ai simple options for this package from what OpenClaw hands a stream function. */
function toSimpleOptions(options, { guardrail, serviceTier } = {}) {
  const out = {}
  for (const key of PASS_THROUGH) {
    if (options?.[key] !== undefined) out[key] = options[key]
  }
  const reasoning = reasoningLevel(options?.reasoning ?? options?.thinkingLevel)
  if (reasoning !== undefined) out.reasoning = reasoning
  if (guardrail?.guardrailIdentifier && guardrail?.guardrailVersion) out.guardrail = guardrail
  if (serviceTier) out.serviceTier = serviceTier
  return out
}

/** `ThrottlingException: Too many requests` — the code first unless the text has it. */
function messageWithCode(message, code) {
  const text = String(message ?? '')
  return code && !text.includes(code) ? `${code}: ${text}` : text
}

/**
 * An OpenClaw StreamFn for Bedrock: `(model, context, options) => stream` where the
 * stream satisfies `@openclaw/ai`'s AssistantMessageEventStreamContract (async iterable
 * of events, `push`, `end`, `result()`). `settings`: `{ guardrail, serviceTier,
 * onFirstEventTimeout }` resolved from the plugin config when the hook ran.
 */
function openClawStream(model, context, options, settings) {
  let simple
  try {
    simple = toSimpleOptions(options, settings)
  } catch (error) {
    // A StreamFn never throws: the failure is the stream's error event.
    simple = { onPayload: () => Promise.reject(error) }
  }
  const stream = converseStreamSimple(model, context, simple)
  const fail = stream.fail.bind(stream)
  const onTimeout = options?.onFirstEventTimeout
  stream.fail = (reason, message, info) => {
    if (typeof onTimeout === 'function' && info?.code === 'Timeout' && /first-event timeout/i.test(String(message))) {
      try {
        onTimeout()
      } catch {
        // The callback is OpenClaw's bookkeeping; the stream's own error still ends it.
      }
    }
    return fail(reason, messageWithCode(message, info?.code), info)
  }
  return stream
}

module.exports = { openClawStream, toSimpleOptions, reasoningLevel, serviceTierFor, messageWithCode }
