'use strict'
// The drop-in: makes pi-ai's API registry send `bedrock-converse-stream` models through
// this addon instead of pi-ai's own provider (AWS SDK for JS). A pi-ai based gateway
// calls `stream()` / `streamSimple()` / `complete()` from `@mariozechner/pi-ai` as before;
// the registry hands those calls to `converseStream` / `converseStreamSimple` here.
//
//   import { registerApiProvider } from '@mariozechner/pi-ai'
//   import { registerBedrockNative } from 'bedrock-native'
//   registerBedrockNative(registerApiProvider)
//
// pi-ai is not a dependency of this package: the caller passes its `registerApiProvider`
// (pi-ai is ESM-only, and the gateway's copy is the registry that matters).

const native = require('../index.js')
const { converseStream } = require('./converse.js')
const { toPiPayload } = require('./request.js')
const { decorateError, invalidArgument } = require('./errors.js')

const API = 'bedrock-converse-stream'

const SOURCE_ID = 'bedrock-native'

// What pi-ai's streamSimpleBedrock passes on to streamBedrock besides the request body
// (buildBaseOptions: signal, retry settings, onPayload), plus this addon's own transport
// options, which pi-ai does not have and so cannot drop. `region`, `profile` and
// `bearerToken` are NOT passed on: pi-ai's simple path drops them too (region and
// credentials then come from the environment, exactly as with pi-ai). pi-ai 1.6 passes
// `apiKey` (a bearer token unless it is an auth marker), `env` and `headers` on.
const SIMPLE_TRANSPORT_OPTIONS = [
  'signal',
  'apiKey',
  'env',
  'headers',
  'maxRetries',
  'maxRetryDelayMs',
  'connectTimeoutMs',
  'firstEventTimeoutMs',
  'idleTimeoutMs',
  'endpoint',
]

/**
 * pi-ai compatible `streamSimpleBedrock(model, context, options)`: the options are
 * derived as pi-ai's simple entry point does (default `maxTokens` = min(model.maxTokens,
 * 32000), the thinking budget folded into `maxTokens` for budget-thinking Claude models,
 * non-base options dropped), then the request is streamed like `converseStream`.
 * `onPayload` sees the derived request. Never throws: failures are the final `error` event.
 */
function converseStreamSimple(model, context, options) {
  options = options ?? {}
  const transport = {}
  for (const key of SIMPLE_TRANSPORT_OPTIONS) {
    if (options[key] !== undefined) transport[key] = options[key]
  }
  const userOnPayload = options.onPayload
  // converseStream sends whatever onPayload returns: hand it the simple-derived request.
  transport.onPayload = async (_fullOptionsPayload, payloadModel) => {
    let request
    try {
      request = native.buildSimpleConverseRequest(model, context, options)
    } catch (error) {
      throw decorateError(error)
    }
    const payload = toPiPayload(request)
    if (typeof userOnPayload !== 'function') return payload
    const replaced = await userOnPayload(payload, payloadModel)
    return replaced === undefined ? payload : replaced
  }
  return converseStream(model, context, transport)
}

/**
 * Registers this addon as pi-ai's provider for api `bedrock-converse-stream`.
 *
 * `registry` is pi-ai's `registerApiProvider` function, or an object that has one (the
 * pi-ai module namespace works: `registerBedrockNative(await import('@mariozechner/pi-ai'))`).
 * Registering replaces pi-ai's built-in Bedrock provider for that api in that registry;
 * `unregisterApiProviders(sourceId)` (default `"bedrock-native"`) followed by pi-ai's
 * `resetApiProviders()` restores it. Returns the `{ api, stream, streamSimple }` registered.
 */
function registerBedrockNative(registry, options) {
  const register = typeof registry === 'function' ? registry : registry?.registerApiProvider
  if (typeof register !== 'function') {
    throw invalidArgument(
      "registerBedrockNative needs pi-ai's registerApiProvider (or the pi-ai module): " +
        "import { registerApiProvider } from '@mariozechner/pi-ai'",
    )
  }
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidArgument(`registerBedrockNative: options must be an object like { sourceId }, got ${options === null ? 'null' : typeof options}`)
  }
  const sourceId = options?.sourceId ?? SOURCE_ID
  if (typeof sourceId !== 'string' || sourceId.trim() === '') {
    throw invalidArgument('registerBedrockNative: options.sourceId must be a non-empty string')
  }
  // The public entry's functions (with logging when DEBUG asks for it); loaded here, not
  // at the top, because js/index.js itself requires this file.
  const api = require('./index.js')
  const provider = { api: API, stream: api.converseStream, streamSimple: api.converseStreamSimple }
  register(provider, sourceId)
  return provider
}

module.exports = { registerBedrockNative, converseStreamSimple, BEDROCK_API: API }
