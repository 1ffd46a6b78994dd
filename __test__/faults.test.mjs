// Fault matrix: for each failure real networks and real AWS produce, served by the
// emulator, a converseStream ends with exactly ONE terminal event carrying the right
// `code`, within a bound derived from its timeouts, and the process stays healthy
// (a normal stream afterwards works, no unhandled rejection, no connection left open).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import {
  b64,
  closedPort,
  CONTEXT,
  drain,
  encodeFrame,
  eventFrame,
  frameFromParts,
  modelFor,
  preludeOnly,
  settle,
  useEmulatorCredentials,
  within,
} from './reliability-helpers.mjs'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

useEmulatorCredentials()

const MODEL_ID = 'amazon.nova-micro-v1:0'
// Short timeouts so faults end fast; a hang is anything beyond these plus a margin.
const TIMEOUTS = { connectTimeoutMs: 2000, firstEventTimeoutMs: 1500, idleTimeoutMs: 700, maxRetries: 0 }
const MARGIN_MS = 10000

const unhandled = []
const onUnhandled = (reason) => unhandled.push(reason)
process.on('unhandledRejection', onUnhandled)

let emu
let model

before(async () => {
  emu = await addon.startEmulator()
  model = modelFor(emu.url, MODEL_ID)
})

after(async () => {
  process.off('unhandledRejection', onUnhandled)
  await emu?.close()
})

async function run(script, options = {}) {
  if (script) emu.script(MODEL_ID, script)
  const opts = { ...TIMEOUTS, ...options }
  const bound = Math.max(opts.connectTimeoutMs, opts.firstEventTimeoutMs, opts.idleTimeoutMs) * (opts.maxRetries + 1) + MARGIN_MS
  return within(bound, drain(addon.converseStream(model, CONTEXT, opts)), JSON.stringify(script)?.slice(0, 80))
}

async function assertHealthy(label) {
  const ok = await run({ text: 'still alive', chunkSize: 3 })
  assert.equal(ok.terminal.length, 1, `${label}: follow-up stream`)
  assert.equal(ok.last.type, 'done', `${label}: follow-up stream failed: ${ok.last.error?.errorMessage}`)
  assert.equal(ok.result.content[0].text, 'still alive')
  assert.deepEqual(unhandled, [], `${label}: unhandled rejections`)
  // The transport keeps one idle keep-alive connection per endpoint for reuse (closed
  // after 60 s idle); every faulted connection must be gone, not pooled.
  const closed = await settle(() => emu.connections().open <= 1, 10000)
  assert.ok(closed, `${label}: ${emu.connections().open} connections left open`)
}

function assertOneError(outcome, code, label) {
  assert.equal(outcome.terminal.length, 1, `${label}: terminal events ${outcome.terminal.map((e) => e.type)}`)
  assert.equal(outcome.last, outcome.terminal[0], `${label}: events after the terminal one`)
  assert.equal(outcome.last.type, 'error', `${label}: expected an error, got ${outcome.last.type}`)
  assert.equal(outcome.last.code, code, `${label}: ${outcome.last.error.errorMessage}`)
  assert.equal(outcome.result.stopReason, outcome.last.reason)
  assert.equal(typeof outcome.result.errorMessage, 'string')
  assert.ok(outcome.result.errorMessage.length > 0)
}

const HTTP_CASES = [
  [400, 'ValidationException', 'ValidationException', false],
  [403, 'AccessDeniedException', 'AccessDeniedException', false],
  [404, 'ResourceNotFoundException', 'ResourceNotFoundException', false],
  [408, 'ModelTimeoutException', 'ModelTimeoutException', false],
  [429, 'ThrottlingException', 'ThrottlingException', true],
  [500, 'InternalServerException', 'InternalServerException', true],
  [503, 'ServiceUnavailableException', 'ServiceUnavailableException', true],
]

for (const [status, errorType, code, retryable] of HTTP_CASES) {
  test(`HTTP ${status} ${errorType} with an AWS error body ends with one error event, code ${code}`, async () => {
    const message = `scripted ${errorType}`
    const outcome = await run({ http: { status, errorType, message } })
    assertOneError(outcome, code, `HTTP ${status}`)
    assert.equal(outcome.last.httpStatus, status)
    assert.equal(outcome.last.retryable, retryable)
    assert.match(outcome.last.requestId ?? '', /\S/, 'request id from x-amzn-RequestId')
    assert.ok(outcome.result.errorMessage.includes(message), outcome.result.errorMessage)
    await assertHealthy(`HTTP ${status}`)
  })
}

test('HTTP error with only a __type in the body (no x-amzn-ErrorType semantics needed)', async () => {
  const outcome = await run({ http: { status: 400, errorType: 'ValidationException', body: { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad body' } } })
  assertOneError(outcome, 'ValidationException', '__type body')
  await assertHealthy('__type body')
})

test('HTTP 500 with a non-JSON body still ends with one error event', async () => {
  const outcome = await run({ http: { status: 500, errorType: 'InternalServerException', body: '<html>oops</html>' } })
  assertOneError(outcome, 'InternalServerException', 'html body')
  await assertHealthy('html body')
})

test('retryable HTTP errors are retried, then end with one error event', async () => {
  emu.clearRequests()
  const outcome = await run({ times: 3, http: { status: 503, errorType: 'ServiceUnavailableException' } }, { maxRetries: 2, maxRetryDelayMs: 100 })
  assertOneError(outcome, 'ServiceUnavailableException', 'retried 503')
  const streams = emu.requests().filter((r) => r.operation === 'ConverseStream')
  assert.equal(streams.length, 3, 'one try plus two retries')
  await assertHealthy('retried 503')
})

test('connection refused ends with one Network error', async () => {
  const port = await closedPort()
  const outcome = await run(null, { endpoint: `http://127.0.0.1:${port}` })
  assertOneError(outcome, 'Network', 'refused')
  await assertHealthy('refused')
})

test('connection reset before the response headers ends with one Network error', async () => {
  const outcome = await run({ faults: { resetBeforeHeaders: true } })
  assertOneError(outcome, 'Network', 'reset before headers')
  await assertHealthy('reset before headers')
})

test('connection dropped after N frames ends with one Network error, partial output kept', async () => {
  const outcome = await run({ text: 'one two three four five six seven', chunkSize: 3, faults: { dropAfterFrames: 4 } })
  assertOneError(outcome, 'Network', 'drop after frames')
  assert.ok(outcome.events.some((e) => e.type === 'text_delta'), 'some output arrived before the drop')
  await assertHealthy('drop after frames')
})

test('a truncated final frame ends with one Protocol error', async () => {
  const whole = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'cut' } })
  const outcome = await run({
    frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { rawBase64: b64(whole.subarray(0, whole.length - 7)) }],
  })
  assertOneError(outcome, 'Protocol', 'truncated frame')
  await assertHealthy('truncated frame')
})

test('a corrupted prelude CRC ends with one Protocol error', async () => {
  const outcome = await run({ text: 'hello there friend', chunkSize: 2, faults: { corruptPreludeCrcAtFrame: 2 } })
  assertOneError(outcome, 'Protocol', 'prelude crc')
  assert.match(outcome.result.errorMessage, /checksum|CRC/i)
  await assertHealthy('prelude crc')
})

test('a corrupted message CRC ends with one Protocol error', async () => {
  const outcome = await run({ text: 'hello there friend', chunkSize: 2, faults: { corruptMessageCrcAtFrame: 0 } })
  assertOneError(outcome, 'Protocol', 'message crc')
  await assertHealthy('message crc')
})

test('an event-stream header length beyond its frame ends with one Protocol error', async () => {
  const headers = Buffer.from([5, ...Buffer.from(':type'), 7, 0, 3, ...Buffer.from('abc')])
  const bad = frameFromParts(headers, Buffer.from('{}'), 4096)
  const outcome = await run({ frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { rawBase64: b64(bad) }] })
  assertOneError(outcome, 'Protocol', 'headers length')
  await assertHealthy('headers length')
})

test('a header value running past the header block ends with one Protocol error', async () => {
  // String header claiming 60000 bytes inside a 20-byte header block.
  const headers = Buffer.from([5, ...Buffer.from(':type'), 7, 0xea, 0x60, ...Buffer.from('abcdefghijk')])
  const bad = frameFromParts(headers, Buffer.from('{}'))
  const outcome = await run({ frames: [{ rawBase64: b64(bad) }] })
  assertOneError(outcome, 'Protocol', 'header value')
  await assertHealthy('header value')
})

test('a frame announcing more than 16 MiB is refused at once with one Protocol error', async () => {
  const outcome = await run({ frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { rawBase64: b64(preludeOnly(64 * 1024 * 1024)) }] })
  assertOneError(outcome, 'Protocol', 'oversized frame')
  assert.match(outcome.result.errorMessage, /limit/)
  await assertHealthy('oversized frame')
})

test('an event whose payload is not JSON ends with one Protocol error', async () => {
  const outcome = await run({
    frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { rawBase64: b64(eventFrame('contentBlockDelta', '{"contentBlockIndex":0,"delta":{"text":')) }],
  })
  assertOneError(outcome, 'Protocol', 'invalid json')
  await assertHealthy('invalid json')
})

test('an unknown message type ends with one Protocol error', async () => {
  const frame = encodeFrame([[':message-type', 'surprise'], [':event-type', 'x']], '{}')
  const outcome = await run({ frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { rawBase64: b64(frame) }] })
  assertOneError(outcome, 'Protocol', 'unknown message type')
  await assertHealthy('unknown message type')
})

test('an unknown event type is skipped (as pi-ai does) and the stream completes once', async () => {
  const outcome = await run({
    frames: [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'someFutureEvent', data: { anything: [1, 2, 3] } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'ok' } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 0 } },
      { event: 'messageStop', data: { stopReason: 'end_turn' } },
      { event: 'metadata', data: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } } },
    ],
  })
  assert.equal(outcome.terminal.length, 1)
  assert.equal(outcome.last.type, 'done')
  assert.equal(outcome.result.content[0].text, 'ok')
  await assertHealthy('unknown event')
})

test('an in-stream exception frame ends with one error event of its type', async () => {
  const outcome = await run({
    frames: [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'par' } } },
      { exception: 'throttlingException', data: { message: 'slow down' } },
    ],
  })
  assertOneError(outcome, 'ThrottlingException', 'exception frame')
  await assertHealthy('exception frame')
})

test('a stall mid-stream ends with one Timeout error after the idle timeout', async () => {
  const outcome = await run({ text: 'a b c d e f g', chunkSize: 1, faults: { stallAfterFrames: 3, stallMs: 60000 } })
  assertOneError(outcome, 'Timeout', 'stall')
  assert.match(outcome.result.errorMessage, /idle/)
  await assertHealthy('stall')
})

test('no response head at all ends with one Timeout error after the first-event timeout', async () => {
  const outcome = await run({ text: 'late', faults: { delayBeforeHeadersMs: 60000 } })
  assertOneError(outcome, 'Timeout', 'no headers')
  await assertHealthy('no headers')
})

test('headers then silence ends with one Timeout error (first-event timeout)', async () => {
  const outcome = await run({ text: 'late', faults: { stallAfterFrames: 0, stallMs: 60000 } })
  assertOneError(outcome, 'Timeout', 'silent body')
  await assertHealthy('silent body')
})

test('a 1-byte drip still delivers the whole reply, once', async () => {
  const text = 'drip drip drip, one byte at a time'
  const outcome = await run({ text, chunkSize: 5, faults: { bytesPerWrite: 1 } })
  assert.equal(outcome.terminal.length, 1)
  assert.equal(outcome.last.type, 'done', outcome.last.error?.errorMessage)
  assert.equal(outcome.result.content[0].text, text)
  await assertHealthy('drip')
})

test('an abort during a stall ends with one Aborted error, at once', async () => {
  emu.script(MODEL_ID, { text: 'a b c d', chunkSize: 1, faults: { stallAfterFrames: 2, stallMs: 60000 } })
  const controller = new AbortController()
  const stream = addon.converseStream(model, CONTEXT, { ...TIMEOUTS, idleTimeoutMs: 60000, signal: controller.signal })
  const outcome = await within(
    MARGIN_MS,
    drain(stream, { abortAfterEvents: 2, abort: () => controller.abort() }),
    'abort during stall',
  )
  assertOneError(outcome, 'Aborted', 'abort during stall')
  await assertHealthy('abort during stall')
})

test('raw mode: faults end the iteration with one { error } item with the right code', async () => {
  const cases = [
    [{ http: { status: 429, errorType: 'ThrottlingException' } }, 'ThrottlingException'],
    [{ faults: { resetBeforeHeaders: true } }, 'Network'],
    [{ text: 'x y z', chunkSize: 1, faults: { corruptMessageCrcAtFrame: 1 } }, 'Protocol'],
    [{ text: 'x y z', chunkSize: 1, faults: { stallAfterFrames: 2, stallMs: 60000 } }, 'Timeout'],
  ]
  for (const [script, code] of cases) {
    emu.script(MODEL_ID, script)
    const items = await within(
      MARGIN_MS,
      (async () => {
        const out = []
        for await (const item of addon.converseStreamRaw(model, CONTEXT, TIMEOUTS)) out.push(item)
        return out
      })(),
      `raw ${code}`,
    )
    const errors = items.filter((i) => i.error)
    assert.equal(errors.length, 1, `raw ${code}`)
    assert.equal(items[items.length - 1], errors[0])
    assert.equal(errors[0].error.code, code)
  }
  await assertHealthy('raw')
})

// --- Discovery (control plane): same faults on ListFoundationModels / ListInferenceProfiles.
// strict mode rejects once with the code; advisory mode resolves with the failure as a
// warning (partial: true). Each call is bounded by its timeoutMs (with the SDK's retries).

const DISCOVERY_TIMEOUT_MS = 1500
const DISCOVERY_BOUND_MS = 30000

function discoveryOptions(mode, extra = {}) {
  return {
    region: 'us-east-1',
    endpoint: emu.url,
    env: { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' },
    timeoutMs: DISCOVERY_TIMEOUT_MS,
    refreshInterval: 0,
    mode,
    ...extra,
  }
}

async function assertDiscoveryHealthy(label) {
  addon.clearDiscoveryCache()
  emu.reset()
  const result = await within(DISCOVERY_BOUND_MS, addon.discoverModelsDetailed(discoveryOptions('strict')), `${label}: follow-up discovery`)
  assert.ok(result.models.length > 0, `${label}: follow-up discovery found nothing`)
  assert.equal(result.partial, false)
  assert.deepEqual(unhandled, [], `${label}: unhandled rejections`)
}

const DISCOVERY_FAULTS = [
  ['HTTP 400 ValidationException', 'op:ListFoundationModels', { http: { status: 400, errorType: 'ValidationException', message: 'bad' } }, 'ValidationException'],
  ['HTTP 403 AccessDeniedException', 'op:ListFoundationModels', { http: { status: 403, errorType: 'AccessDeniedException' } }, 'AccessDenied'],
  ['HTTP 404 ResourceNotFoundException', 'op:ListFoundationModels', { http: { status: 404, errorType: 'ResourceNotFoundException' } }, 'ResourceNotFoundException'],
  ['HTTP 429 ThrottlingException', 'op:ListFoundationModels', { times: 0, http: { status: 429, errorType: 'ThrottlingException' } }, 'ThrottlingException'],
  ['HTTP 500 on ListInferenceProfiles', 'op:ListInferenceProfiles', { times: 0, http: { status: 500, errorType: 'InternalServerException' } }, 'InternalServerException'],
  ['HTTP 503 ServiceUnavailableException', 'op:ListFoundationModels', { times: 0, http: { status: 503, errorType: 'ServiceUnavailableException' } }, 'ServiceUnavailableException'],
  ['reset before headers', 'op:ListFoundationModels', { times: 0, faults: { resetBeforeHeaders: true } }, 'Network'],
  ['no response (stall)', 'op:ListFoundationModels', { times: 0, faults: { delayBeforeHeadersMs: 60000 } }, 'Timeout'],
  ['a 200 whose body is not the expected JSON', 'op:ListFoundationModels', { json: 'not an object' }, 'Protocol'],
]

for (const [label, op, script, code] of DISCOVERY_FAULTS) {
  test(`discovery: ${label} rejects once in strict mode and is a warning in advisory mode`, { skip: typeof addon.discoverModelsDetailed !== 'function' && 'discovery not in this build' }, async () => {
    for (const mode of ['strict', 'advisory']) {
      addon.clearDiscoveryCache()
      emu.reset()
      emu.script(op, script)
      const call = addon.discoverModelsDetailed(discoveryOptions(mode))
      if (mode === 'strict') {
        const error = await within(DISCOVERY_BOUND_MS, call.then(() => null, (e) => e), `discovery ${label}`)
        assert.ok(error instanceof Error, `${label}: strict discovery did not reject`)
        if (code) assert.equal(error.code, code, `${label}: ${error.message}`)
        else assert.ok(['Protocol', 'AwsError'].includes(error.code), `${label}: ${error.code}: ${error.message}`)
      } else {
        const result = await within(DISCOVERY_BOUND_MS, call, `discovery ${label}`)
        assert.equal(result.partial, true, label)
        assert.ok(result.warnings.length >= 1, label)
        if (code) assert.ok(result.warnings.some((w) => w.code === code), `${label}: ${JSON.stringify(result.warnings)}`)
      }
    }
    await assertDiscoveryHealthy(label)
  })
}

test('discovery: connection refused rejects with Network (strict) / warns (advisory)', { skip: typeof addon.discoverModelsDetailed !== 'function' && 'discovery not in this build' }, async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`
  addon.clearDiscoveryCache()
  const error = await within(DISCOVERY_BOUND_MS, addon.discoverModelsDetailed(discoveryOptions('strict', { endpoint })).then(() => null, (e) => e), 'refused strict')
  assert.equal(error?.code, 'Network', error?.message)
  addon.clearDiscoveryCache()
  const result = await within(DISCOVERY_BOUND_MS, addon.discoverModelsDetailed(discoveryOptions('advisory', { endpoint })), 'refused advisory')
  assert.equal(result.partial, true)
  assert.ok(result.warnings.some((w) => w.code === 'Network'))
  await assertDiscoveryHealthy('refused')
})
