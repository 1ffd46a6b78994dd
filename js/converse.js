'use strict'
// converseStream / complete / converseStreamRaw: pi-ai's `bedrock-converse-stream`
// StreamFunction contract on top of the native stream.

const native = require('../index.js')
const { decorateError, invalidArgument } = require('./errors.js')
const { AssistantMessageEventStream, OP } = require('./event-stream.js')
const { toPiPayload, fromPiPayload } = require('./request.js')

// pi-ai's text (the AWS SDK's) for an abort before the response arrived.
const ABORTED_MESSAGE = 'Request aborted'

function errorFields(error) {
  const e = decorateError(error)
  return {
    message: e?.message ?? String(e),
    info: { code: e?.code ?? 'InternalError', retryable: Boolean(e?.retryable), httpStatus: e?.httpStatus, requestId: e?.requestId },
  }
}


/** JSON text of one argument for the native side: the one crossing into Rust. A value
 *  JSON cannot hold (a cycle, a BigInt, nesting deeper than the JS stack) or a missing
 *  argument is the caller's mistake, named as such rather than an internal error. */
function argumentJson(name, value) {
  if (value === undefined || value === null) {
    throw invalidArgument(`${name}: expected an object, got ${value === null ? 'null' : 'undefined'}`)
  }
  try {
    return JSON.stringify(value)
  } catch (error) {
    throw invalidArgument(`${name}: cannot be passed to Bedrock as JSON: ${error.message}`)
  }
}

/** Starts the native stream: body built in Rust from `context`, or (with `onPayload`)
 *  built first, handed to `onPayload`, and the possibly replaced body sent verbatim. */
async function startNative(model, context, options, env) {
  const modelJson = argumentJson('model', model)
  const optionsJson = argumentJson('options', options)
  if (typeof options.onPayload !== 'function') {
    return native.startConverseStream(modelJson, argumentJson('context', context), optionsJson, null, env)
  }
  const request = native.buildConverseRequest(model, context, options)
  const replaced = await options.onPayload(toPiPayload(request), model)
  const prepared = replaced === undefined ? request : { ...fromPiPayload(replaced), region: request.region }
  if (options.signal?.aborted) return null
  return native.startConverseStream(modelJson, null, optionsJson, JSON.stringify(prepared), env)
}

/**
 * pi-ai compatible `streamBedrock(model, context, options)`: an async iterable of
 * `AssistantMessageEvent`s with `result()`. Never throws: failures are the final
 * `error` event (with `code`, `retryable`, `httpStatus`, `requestId` besides pi-ai's
 * fields). Extra options: `connectTimeoutMs`, `firstEventTimeoutMs`, `idleTimeoutMs`,
 * `maxRetries`, `maxRetryDelayMs`, `endpoint`.
 */
function converseStream(model, context, options = {}) {
  options = options ?? {}
  const stream = new AssistantMessageEventStream(model)
  // The environment as of this call (region, endpoints, credentials), whatever
  // process.env holds by the time the request is prepared.
  const env = native.__envSnapshot()
  const signal = options.signal
  const onAbort = () => {
    if (stream.native) stream.native.abort()
    else stream.fail('aborted', ABORTED_MESSAGE, { code: 'Aborted', retryable: false })
  }
  ;(async () => {
    // Like pi-ai, emit nothing before the caller has the stream in hand.
    await undefined
    if (signal?.aborted) {
      stream.fail('aborted', ABORTED_MESSAGE, { code: 'Aborted', retryable: false })
      return
    }
    signal?.addEventListener?.('abort', onAbort, { once: true })
    try {
      let handle
      try {
        const { raw, ...rest } = options
        if (typeof options.onProviderStreamEvent === 'function') rest.providerEvents = true
        handle = await startNative(model, context, rest, env)
      } catch (error) {
        const { message, info } = errorFields(error)
        stream.fail(signal?.aborted ? 'aborted' : 'error', message, info)
        return
      }
      if (handle === null || stream.done) {
        // Aborted (or left) while onPayload ran: never let the request go on unobserved.
        handle?.abort()
        stream.fail('aborted', ABORTED_MESSAGE, { code: 'Aborted', retryable: false })
        return
      }
      stream.native = handle
      if (signal?.aborted) handle.abort()
      const onResponse =
        typeof options.onResponse === 'function'
          ? (op) => options.onResponse({ status: op[1], headers: { ...op[2] } }, model)
          : undefined
      const onProviderEvent =
        typeof options.onProviderStreamEvent === 'function' ? (event) => options.onProviderStreamEvent(event, model) : undefined
      await stream.pump(handle, onResponse, onProviderEvent)
    } finally {
      signal?.removeEventListener?.('abort', onAbort)
    }
  })()
  return stream
}

/** pi-ai `complete()`: the final AssistantMessage (stopReason "error"/"aborted" on failure). */
async function complete(model, context, options) {
  return converseStream(model, context, options).result()
}

/**
 * Bedrock's own ConverseStream events, unmapped: yields `{ messageStart: {...} }`,
 * `{ contentBlockDelta: {...} }`, ... as the AWS SDK's `response.stream` does. A failure
 * ends the iteration with `{ error: { message, code, retryable, httpStatus, requestId } }`.
 * Same options as converseStream (`signal` included); leaving the loop early aborts.
 */
function converseStreamRaw(model, context, options = {}) {
  options = options ?? {}
  const signal = options.signal
  let handle = null
  let finished = false
  const env = native.__envSnapshot()
  async function* iterate() {
    if (signal?.aborted) {
      yield { error: { message: ABORTED_MESSAGE, code: 'Aborted', retryable: false } }
      return
    }
    const onAbort = () => handle?.abort()
    signal?.addEventListener?.('abort', onAbort, { once: true })
    try {
      try {
        handle = await startNative(model, context, { ...options, raw: true }, env)
      } catch (error) {
        const { message, info } = errorFields(error)
        yield { error: { message, ...info } }
        return
      }
      if (handle === null) {
        yield { error: { message: ABORTED_MESSAGE, code: 'Aborted', retryable: false } }
        return
      }
      if (signal?.aborted) handle.abort()
      while (true) {
        const ops = JSON.parse(await handle.nextBatch())
        if (ops.length === 0) return
        for (const op of ops) {
          if (op[0] === OP.RAW) {
            yield { [op[1]]: op[2] }
          } else if (op[0] === OP.ERROR) {
            finished = true
            yield { error: { message: op[2], ...op[3] } }
            return
          } else if (op[0] === OP.DONE) {
            finished = true
            return
          }
        }
      }
    } finally {
      signal?.removeEventListener?.('abort', onAbort)
      if (!finished) handle?.abort()
    }
  }
  return iterate()
}

module.exports = { converseStream, complete, converseStreamRaw, AssistantMessageEventStream }
