'use strict'
// The drop-in: makes pi-ai send `bedrock-converse-stream` models through this addon
// instead of its own provider (AWS SDK for JS). A pi-ai based gateway calls `stream()` /
// `streamSimple()` / `complete()` (or a createModels() provider) as before; pi-ai hands
// those calls to `converseStream` / `converseStreamSimple` here.
//
//   import * as piAi from '@earendil-works/pi-ai/compat'      // pi-ai 1.6
//   import { registerBedrockNative } from 'bedrock-native'
//   registerBedrockNative(piAi)
//   // pi-ai 0.73: registerBedrockNative((await import('@mariozechner/pi-ai')).registerApiProvider)
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
  // pi-ai 1.6's buildBaseOptions passes its response callbacks on.
  'onResponse',
  'onProviderStreamEvent',
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

// The hosts `registerBedrockNative` knows, most specific first: each entry says how to
// recognise what the caller passed and how to route that host's Bedrock provider to this
// package. Another host (or pi-ai release) is one more entry here.
const HOSTS = [
  {
    name: 'pi-ai >= 1.6 (@earendil-works/pi-ai/compat)',
    // The compat module (or pi-ai's main module, which has no registry): the built-in
    // `amazon-bedrock` provider loads its implementation through setBedrockProviderModule
    // (the createModels()/createProvider() path); the api registry serves compat's
    // stream()/complete() and custom providers with api "bedrock-converse-stream".
    // pi-ai 0.73's module has a setBedrockProviderModule too, for a module of another
    // shape ({ streamBedrock, streamSimpleBedrock }): 1.6 is told apart by its lazy api.
    matches: (host) =>
      typeof host === 'object' &&
      host !== null &&
      typeof host.setBedrockProviderModule === 'function' &&
      typeof host.bedrockConverseStreamApi === 'function',
    register(host, provider, sourceId) {
      host.setBedrockProviderModule(bedrockNativeStreams)
      if (typeof host.registerApiProvider === 'function') host.registerApiProvider(provider, sourceId)
    },
  },
  {
    name: 'pi-ai 0.73 (@mariozechner/pi-ai), or any registerApiProvider function',
    matches: (host) => typeof host === 'function' || typeof host?.registerApiProvider === 'function',
    register(host, provider, sourceId) {
      const register = typeof host === 'function' ? host : host.registerApiProvider
      register(provider, sourceId)
    },
  },
]

/**
 * pi-ai's `ProviderStreams` for Bedrock backed by this package: `{ stream, streamSimple }`
 * (the public entry's functions, with logging when DEBUG asks for it). Hand it to pi-ai
 * 1.6's `setBedrockProviderModule()` or use it as the `api` of `createProvider()`.
 */
const bedrockNativeStreams = Object.freeze({
  // js/index.js is required at call time: it requires this file itself.
  stream: (model, context, options) => require('./index.js').converseStream(model, context, options),
  streamSimple: (model, context, options) => require('./index.js').converseStreamSimple(model, context, options),
})

/**
 * Routes pi-ai's Bedrock provider (api `bedrock-converse-stream`) to this addon.
 *
 * `host` is one of (see HOSTS):
 * - pi-ai 1.6's compat module, `await import('@earendil-works/pi-ai/compat')`: the built-in
 *   Bedrock implementation is swapped with `setBedrockProviderModule`, and the api registry
 *   entry replaced with `registerApiProvider` (compat `stream()`/`complete()`, custom
 *   providers);
 * - pi-ai 0.73's `registerApiProvider` function or its module namespace
 *   (`@mariozechner/pi-ai`): the registry entry is replaced, as before.
 * `unregisterApiProviders(sourceId)` (default `"bedrock-native"`) followed by pi-ai's
 * `resetApiProviders()` restores the registry. Returns the `{ api, stream, streamSimple }`
 * registered.
 */
function registerBedrockNative(host, options) {
  const entry = HOSTS.find((h) => h.matches(host))
  if (entry === undefined) {
    throw invalidArgument(
      "registerBedrockNative needs pi-ai's compat module or its registerApiProvider: " +
        "registerBedrockNative(await import('@earendil-works/pi-ai/compat')) " +
        "(pi-ai 0.73: import { registerApiProvider } from '@mariozechner/pi-ai')",
    )
  }
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw invalidArgument(`registerBedrockNative: options must be an object like { sourceId }, got ${options === null ? 'null' : typeof options}`)
  }
  const sourceId = options?.sourceId ?? SOURCE_ID
  if (typeof sourceId !== 'string' || sourceId.trim() === '') {
    throw invalidArgument('registerBedrockNative: options.sourceId must be a non-empty string')
  }
  // The public entry's functions themselves (js/index.js requires this file, so it is
  // loaded here, at call time).
  const api = require('./index.js')
  const provider = { api: API, stream: api.converseStream, streamSimple: api.converseStreamSimple }
  entry.register(host, provider, sourceId)
  return provider
}

module.exports = { registerBedrockNative, bedrockNativeStreams, converseStreamSimple, BEDROCK_API: API }
