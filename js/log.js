'use strict'
// Debug logging, off unless asked for: `DEBUG=bedrock-native` (also `bedrock-native:*`
// or `*`, comma/space separated as the `debug` package reads it) or
// `BEDROCK_NATIVE_LOG=debug`. One line per event on stderr: which model and endpoint,
// time to first event, how a stream ended (stop reason, token counts, error code, HTTP
// status, AWS request id), discovery timings. Never message contents and never a
// credential: fields whose name looks like a secret are dropped, not masked.

const PREFIX = 'bedrock-native'

function debugEnabled(env = process.env) {
  const level = String(env.BEDROCK_NATIVE_LOG ?? '').trim().toLowerCase()
  if (level === 'debug' || level === 'trace') return true
  const names = String(env.DEBUG ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
  if (names.some((n) => n === `-${PREFIX}` || n === `-${PREFIX}:*`)) return false
  return names.some((n) => n === '*' || n === PREFIX || n === `${PREFIX}:*`)
}

const enabled = debugEnabled()

const SECRET_NAME = /secret|token|password|authorization|credential|accesskey|signature|apikey/i

/** `key=value` pairs; values JSON-quoted when they contain spaces; secret-named keys dropped. */
function formatFields(fields) {
  const parts = []
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined || value === null || SECRET_NAME.test(key)) continue
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    parts.push(`${key}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`)
  }
  return parts.join(' ')
}

function debug(message, fields) {
  if (!enabled) return
  const time = new Date().toISOString().slice(11, 23)
  const rest = formatFields(fields)
  process.stderr.write(`${PREFIX} ${time} ${message}${rest ? ` ${rest}` : ''}\n`)
}

/** The endpoint's origin only (never a path, query or userinfo). */
function endpointOf(model, options) {
  const raw = options?.endpoint ?? model?.baseUrl
  if (!raw) return undefined
  try {
    const url = new URL(raw)
    return `${url.protocol}//${url.host}`
  } catch {
    return undefined
  }
}

let streamCounter = 0

/** Logs one stream's life by watching what it pushes. Returns the stream. */
function traceStream(kind, model, options, stream) {
  if (!enabled || !stream || typeof stream.push !== 'function') return stream
  const id = ++streamCounter
  const started = Date.now()
  let firstAt
  debug(`${kind} #${id} start`, {
    model: model?.id,
    endpoint: endpointOf(model, options),
    region: options?.region,
    reasoning: options?.reasoning,
    maxRetries: options?.maxRetries,
  })
  const push = stream.push.bind(stream)
  stream.push = (event) => {
    if (firstAt === undefined && event && event.type !== 'error') {
      firstAt = Date.now()
      debug(`${kind} #${id} first event`, { type: event.type, ms: firstAt - started })
    }
    if (event?.type === 'done') {
      const usage = event.message?.usage ?? {}
      debug(`${kind} #${id} done`, {
        reason: event.reason,
        input: usage.input,
        output: usage.output,
        cacheRead: usage.cacheRead || undefined,
        cacheWrite: usage.cacheWrite || undefined,
        ms: Date.now() - started,
      })
    } else if (event?.type === 'error') {
      debug(`${kind} #${id} ${event.reason === 'aborted' ? 'aborted' : 'failed'}`, {
        code: event.code,
        httpStatus: event.httpStatus,
        requestId: event.requestId,
        retryable: event.retryable,
        ms: Date.now() - started,
      })
    }
    return push(event)
  }
  return stream
}

/** Wraps an async API function to log its duration and outcome (`describe(result)`). */
function traceCall(name, fn, describe) {
  const traced = async function (...args) {
    const started = Date.now()
    debug(`${name} start`, { region: args[0]?.region, endpoint: endpointOf(undefined, args[0]) })
    try {
      const result = await fn.apply(this, args)
      debug(`${name} done`, { ...describe(result), ms: Date.now() - started })
      return result
    } catch (error) {
      debug(`${name} failed`, {
        code: error?.code,
        httpStatus: error?.httpStatus,
        requestId: error?.requestId,
        ms: Date.now() - started,
      })
      throw error
    }
  }
  Object.defineProperty(traced, 'name', { value: fn.name })
  return traced
}

/** When logging is on, wraps the public API's entry points in `api` (in place). */
function instrument(api) {
  if (!enabled) return api
  for (const name of ['converseStream', 'converseStreamSimple']) {
    const fn = api[name]
    if (typeof fn !== 'function') continue
    api[name] = Object.defineProperty(
      (model, context, options) => traceStream(name, model, options, fn(model, context, options)),
      'name',
      { value: fn.name },
    )
  }
  if (typeof api.complete === 'function') {
    const stream = api.converseStream
    api.complete = async (model, context, options) => stream(model, context, options).result()
  }
  for (const name of ['discoverModels', 'discoverModelsDetailed']) {
    if (typeof api[name] !== 'function') continue
    api[name] = traceCall(name, api[name], (r) => ({
      models: Array.isArray(r) ? r.length : r?.models?.length,
      region: r?.region,
      fromCache: r?.fromCache,
      stale: r?.stale || undefined,
      warnings: r?.warnings?.length || undefined,
    }))
  }
  if (typeof api.resolveBedrockProvider === 'function') {
    api.resolveBedrockProvider = traceCall('resolveBedrockProvider', api.resolveBedrockProvider, (r) => ({
      enabledBy: r?.enabledBy ?? 'off',
      models: r?.models?.length,
      modelsSource: r?.modelsSource,
    }))
  }
  if (typeof api.probeCredentials === 'function') {
    api.probeCredentials = traceCall('probeCredentials', api.probeCredentials, (r) => ({
      available: r?.available,
      source: r?.source,
      region: r?.region,
    }))
  }
  return api
}

module.exports = { debugEnabled, debug, traceStream, instrument, formatFields }
