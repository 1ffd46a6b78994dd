// Differential test of the event stream: for each scripted wire scenario the emulator
// serves the same bytes to pi-ai (1.6 from the dev dependencies, or the release named by
// BEDROCK_NATIVE_PI_AI_DIR: `npm run diff:pi-ai -- <version>`; its
// `api/bedrock-converse-stream` `stream`, AWS SDK for JS) and to the addon's
// `converseStream`; the event transcripts (each event snapshotted when it is emitted) and
// final messages must be equal, timestamps and durations aside, except the intended
// differences in INTENDED_DIFFERENCES (each checked to really differ; also in
// docs/converse-stream.md). Plus cancellation, early break, onPayload, onResponse,
// onProviderStreamEvent, raw mode and complete().

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startEmulatorProcess } from './emulator-process.mjs'
import { importPiAi, piAiVersion, useLoopbackAwsEnv } from './pi-ai.mjs'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

useLoopbackAwsEnv()

const { stream: streamBedrock } = await importPiAi('api/bedrock-converse-stream')

const MODEL_ID = 'amazon.nova-micro-v1:0'
let emu
let model

before(async () => {
  emu = await startEmulatorProcess()
  model = {
    id: MODEL_ID,
    name: 'Nova Micro',
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    baseUrl: emu.url,
    reasoning: false,
    input: ['text'],
    cost: { input: 0.035, output: 0.14, cacheRead: 0.00875, cacheWrite: 0.04375 },
    contextWindow: 128000,
    maxTokens: 4096,
  }
})

after(async () => {
  await emu?.close()
})

// A context both shapes read alike (pi-ai 1.6's transcript without a system message).
const context = { messages: [{ role: 'user', content: 'Say hello', timestamp: 1 }] }

/** Snapshots every event as it is pushed (the partial message is shared and mutated,
 *  so a snapshot at consumption time would depend on scheduling). */
async function transcript(stream) {
  const events = []
  const push = stream.push.bind(stream)
  stream.push = (event) => {
    events.push(JSON.parse(JSON.stringify(event)))
    push(event)
  }
  for await (const _ of stream) {
    // drain
  }
  const result = JSON.parse(JSON.stringify(await stream.result()))
  return { events, result }
}

/** Our error events carry these on top of pi-ai's fields. */
const EXTRA_ERROR_FIELDS = ['code', 'retryable', 'httpStatus', 'requestId', 'awsType']

/** Clock readings (message and diagnostic `timestamp`, `durationMs`) differ run to run. */
const CLOCK_FIELDS = new Set(['timestamp', 'durationMs'])

function withoutTimestamps(value) {
  if (Array.isArray(value)) return value.map(withoutTimestamps)
  if (value && typeof value === 'object') {
    const out = {}
    for (const [k, v] of Object.entries(value)) if (!CLOCK_FIELDS.has(k)) out[k] = withoutTimestamps(v)
    return out
  }
  return value
}

/** Request ids are per request: compared as present or absent. */
function withoutRequestIds(value) {
  if (Array.isArray(value)) return value.map(withoutRequestIds)
  if (value && typeof value === 'object') {
    const out = {}
    for (const [k, v] of Object.entries(value)) out[k] = k === 'requestId' && typeof v === 'string' ? '<request id>' : withoutRequestIds(v)
    return out
  }
  return value
}

function comparable(events) {
  return events.map((event) => {
    const e = withoutRequestIds(withoutTimestamps(event))
    if (e.type === 'error') for (const k of EXTRA_ERROR_FIELDS) delete e[k]
    return e
  })
}

/** Every tool call's `argumentsError` in a transcript (events and final message). */
function argumentsErrors(value, out = []) {
  if (Array.isArray(value)) for (const v of value) argumentsErrors(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'argumentsError') out.push(v)
      else argumentsErrors(v, out)
    }
  }
  return out
}

/** Intended differences: each predicts ours from pi-ai's transcript, and a case that uses
 *  one must show the difference really exists (`differs`) before it is applied. */
const INTENDED_DIFFERENCES = {
  // When the stream's first frame is an exception, the AWS SDK for JS reports it as the
  // response's error without the 200's request id, so pi-ai's diagnostic has none; ours
  // keeps the request id Bedrock sent (also on the error event's `requestId`).
  firstFrameExceptionRequestId: {
    differs: (pi, ours) => !pi.result.diagnostics?.[0]?.details?.requestId && typeof ours.result.diagnostics?.[0]?.details?.requestId === 'string',
    apply(transcript) {
      const strip = (message) => {
        for (const d of message?.diagnostics ?? []) delete d.details.requestId
      }
      const copy = structuredClone(transcript)
      for (const e of copy.events) strip(e.error ?? e.message ?? e.partial)
      strip(copy.result)
      return copy
    },
  },
  // The parse error in `argumentsError` is serde_json's wording, not V8's JSON.parse
  // message; the received text after it is the same.
  argumentsErrorWording: {
    differs: (pi, ours) => JSON.stringify(argumentsErrors(pi)) !== JSON.stringify(argumentsErrors(ours)),
    apply(value) {
      if (Array.isArray(value)) return value.map((v) => INTENDED_DIFFERENCES.argumentsErrorWording.apply(v))
      if (value && typeof value === 'object') {
        const out = {}
        for (const [k, v] of Object.entries(value)) {
          out[k] = k === 'argumentsError' ? v.slice(v.indexOf('\n\nReceived arguments:\n')) : INTENDED_DIFFERENCES.argumentsErrorWording.apply(v)
        }
        return out
      }
      return value
    },
  },
}

async function both(script, options = {}, m = model) {
  await emu.script(MODEL_ID, script)
  const pi = await transcript(streamBedrock(m, context, options))
  await emu.script(MODEL_ID, script)
  const ours = await transcript(addon.converseStream(m, context, options))
  return { pi, ours }
}

let comparedEvents = 0

function assertSameTranscript(pi, ours, name, differences = []) {
  let [piT, ourT] = [pi, ours]
  for (const d of differences) {
    assert.ok(INTENDED_DIFFERENCES[d].differs(piT, ourT), `${name}: intended difference ${d} no longer differs from ${piVersionLabel}`)
    piT = INTENDED_DIFFERENCES[d].apply(piT)
    ourT = INTENDED_DIFFERENCES[d].apply(ourT)
  }
  assert.deepEqual(comparable(ourT.events), comparable(piT.events), `${name}: events differ from ${piVersionLabel}`)
  assert.deepEqual(withoutRequestIds(withoutTimestamps(ourT.result)), withoutRequestIds(withoutTimestamps(piT.result)), `${name}: result differs from ${piVersionLabel}`)
  // Both time the response (pi-ai's `durationMs`).
  assert.equal(typeof ours.result.durationMs, 'number', `${name}: durationMs`)
  assert.equal(typeof pi.result.durationMs, typeof ours.result.durationMs, `${name}: durationMs`)
  comparedEvents += ours.events.length
}

const piVersionLabel = piAiVersion

const ev = (event, data) => ({ event, data })
const start = ev('messageStart', { role: 'assistant' })
const text = (i, t) => ev('contentBlockDelta', { contentBlockIndex: i, delta: { text: t } })
const stop = (i) => ev('contentBlockStop', { contentBlockIndex: i })
const messageStop = (reason) => ev('messageStop', { stopReason: reason })
const usage = (extra = {}) =>
  ev('metadata', {
    usage: { inputTokens: 25, outputTokens: 12, totalTokens: 37, ...extra },
    metrics: { latencyMs: 120 },
  })

function pieces(textValue, size) {
  const out = []
  const chars = [...textValue]
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''))
  return out
}

const toolInput = JSON.stringify({ path: 'src/main.rs', edits: [{ line: 3, text: 'fn main() { println!("hi") }' }], dryRun: false })

const SCENARIOS = {
  text: { text: 'Hello there, this is a plain text reply.', chunkSize: 5 },
  unicode: {
    frames: [start, ...pieces('Grüße, 世界! 👋🏽 naïve café — ok', 3).map((t) => text(0, t)), stop(0), messageStop('end_turn'), usage()],
  },
  'text without contentBlockStop, then usage': { frames: [start, text(0, 'no stop frame'), messageStop('end_turn'), usage()] },
  'several blocks': {
    frames: [
      start,
      text(0, 'First block. '),
      text(0, 'More.'),
      stop(0),
      ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_1', name: 'read' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"path":"a.txt"}' } } }),
      stop(1),
      text(2, 'Third block.'),
      stop(2),
      messageStop('tool_use'),
      usage(),
    ],
  },
  'tool arguments split across many deltas': {
    frames: [
      start,
      ev('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_abc', name: 'edit_file' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '' } } }),
      ...pieces(toolInput, 2).map((p) => ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: p } } })),
      stop(0),
      messageStop('tool_use'),
      usage(),
    ],
  },
  'reasoning with signature': {
    frames: [
      start,
      ...pieces('Let me think about this carefully.', 6).map((t) =>
        ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: t } } }),
      ),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'EqoBCkgIARABGAIiQL' } } }),
      stop(0),
      text(1, 'The answer is 42.'),
      stop(1),
      messageStop('end_turn'),
      usage(),
    ],
  },
  'cache usage': {
    frames: [start, text(0, 'cached'), stop(0), messageStop('end_turn'), usage({ cacheReadInputTokens: 2701, cacheWriteInputTokens: 13 })],
  },
  'unknown events and fields are ignored': {
    frames: [
      start,
      ev('somethingNew', { whatever: 1 }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'ok' }, brandNew: { x: 1 } }),
      stop(0),
      messageStop('end_turn'),
      usage(),
    ],
  },
  '1-byte writes': { text: 'Dripped one byte at a time.', chunkSize: 4, faults: { bytesPerWrite: 1 } },
  '1 MB delta': { frames: [start, text(0, 'x'.repeat(1024 * 1024)), stop(0), messageStop('max_tokens'), usage()] },
}

for (const reason of [
  'end_turn',
  'stop_sequence',
  'max_tokens',
  'model_context_window_exceeded',
  'tool_use',
  'guardrail_intervened',
  'content_filtered',
  'malformed_model_output',
  'malformed_tool_use',
]) {
  SCENARIOS[`stop reason ${reason}`] = { frames: [start, text(0, 'Some text'), stop(0), messageStop(reason), usage()] }
}

for (const exception of [
  'throttlingException',
  'modelStreamErrorException',
  'validationException',
  'internalServerException',
  'serviceUnavailableException',
]) {
  SCENARIOS[`in-stream ${exception}`] = {
    frames: [start, text(0, 'Partial '), { exception, data: { message: `boom from ${exception}` } }],
  }
}

/** An event-stream frame built by hand (for frame kinds the emulator's script has no
 *  shorthand for), sent as `rawBase64`. */
function rawFrame(headers, payload) {
  const zlib = require('node:zlib')
  const parts = []
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name)
    const v = Buffer.from(value)
    const len = Buffer.alloc(2)
    len.writeUInt16BE(v.length)
    parts.push(Buffer.from([n.length]), n, Buffer.from([7]), len, v)
  }
  const headerBytes = Buffer.concat(parts)
  const body = Buffer.from(payload)
  const total = 16 + headerBytes.length + body.length
  const prelude = Buffer.alloc(8)
  prelude.writeUInt32BE(total, 0)
  prelude.writeUInt32BE(headerBytes.length, 4)
  const preludeCrc = Buffer.alloc(4)
  preludeCrc.writeUInt32BE(zlib.crc32(prelude))
  const head = Buffer.concat([prelude, preludeCrc, headerBytes, body])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(head))
  return { rawBase64: Buffer.concat([head, crc]).toString('base64') }
}

SCENARIOS['edge: text delta on a tool block, tool delta without a start, stop of an unknown block'] = {
  frames: [
    start,
    ev('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't1', name: 'x' } } }),
    text(0, 'ignored: block 0 is a tool call'),
    ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"a":1}' } } }),
    ev('contentBlockDelta', { contentBlockIndex: 5, delta: { toolUse: { input: '{"b":2}' } } }),
    stop(9),
    stop(0),
    messageStop('tool_use'),
    usage(),
  ],
}
SCENARIOS['edge: reasoning text and signature in one delta'] = {
  frames: [
    start,
    ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'hmm', signature: 'sig' } } }),
    stop(0),
    messageStop('end_turn'),
    usage(),
  ],
}
SCENARIOS['in-stream error message-type frame'] = {
  frames: [
    start,
    text(0, 'Partial '),
    rawFrame({ ':message-type': 'error', ':error-code': 'InternalFailure', ':error-message': 'something broke' }, ''),
  ],
}
// Non-retryable, so neither side retries (a retryable exception before the first event
// is retried by us: intended difference 4).
SCENARIOS['in-stream validationException as the very first frame'] = {
  frames: [{ exception: 'validationException', data: { message: 'bad request' } }],
}

// Not in the ConverseStream union: the SDK throws a plain Error with the raw payload.
SCENARIOS['in-stream accessDeniedException (unmodeled)'] = {
  frames: [start, text(0, 'Partial '), { exception: 'accessDeniedException', data: { message: 'no access' } }],
}

const STOP_REASON_CODES = {
  guardrail_intervened: 'GuardrailIntervened',
  content_filtered: 'ContentFiltered',
  malformed_model_output: 'MalformedModelOutput',
  malformed_tool_use: 'MalformedModelOutput',
}

for (const scenarioName of Object.keys(SCENARIOS)) {
  test(`same events as pi-ai: ${scenarioName}`, async () => {
    const { pi, ours } = await both(SCENARIOS[scenarioName])
    // Guard against comparing two identical failures: pi-ai really streamed the scenario.
    if (!scenarioName.includes('very first frame')) {
      assert.equal(pi.events[0].type, 'start', `${scenarioName}: pi-ai did not stream: ${pi.result.errorMessage}`)
    }
    const failing = /Exception|guardrail|content_filtered|malformed|error message-type/.test(scenarioName)
    assert.equal(pi.events.at(-1).type, failing ? 'error' : 'done', scenarioName)
    assertSameTranscript(pi, ours, scenarioName, scenarioName.includes('very first frame') ? ['firstFrameExceptionRequestId'] : [])
    // Beyond pi-ai: an error stop reason carries a code a gateway can act on.
    const stopCode = STOP_REASON_CODES[scenarioName.replace('stop reason ', '')]
    if (stopCode) {
      assert.equal(ours.events.at(-1).code, stopCode, scenarioName)
      assert.equal(ours.events.at(-1).retryable, false, scenarioName)
    }
  })
}

test('same events as pi-ai: redacted reasoning (placeholder delta, bytes base64-encoded at stop)', async () => {
  // Two chunks whose base64 texts do not concatenate to the base64 of their bytes.
  const chunks = [Buffer.from('opaque encrypted'), Buffer.from(' reasoning!')]
  const script = {
    frames: [
      start,
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'dropped-by-redaction' } } }),
      ...chunks.map((c) => ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: c.toString('base64') } } })),
      stop(0),
      // A redacted block the stream settles without stopping.
      ev('contentBlockDelta', { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: chunks[1].toString('base64') } } }),
      text(2, 'Answer.'),
      stop(2),
      messageStop('end_turn'),
      usage(),
    ],
  }
  const { pi, ours } = await both(script)
  assertSameTranscript(pi, ours, 'redacted reasoning')
  assert.equal(ours.result.content[0].redacted, true)
  assert.equal(ours.result.content[0].thinking, '[Reasoning redacted]')
  assert.equal(ours.result.content[0].thinkingSignature, Buffer.concat(chunks).toString('base64'))
  assert.equal(ours.result.content[1].thinkingSignature, chunks[1].toString('base64'))
  assert.ok(ours.events.some((e) => e.type === 'thinking_delta' && e.delta === '[Reasoning redacted]'))
})

test('same events as pi-ai: malformed tool arguments get one strict parse and argumentsError', async () => {
  const tool = (i, input) => [
    ev('contentBlockStart', { contentBlockIndex: i, start: { toolUse: { toolUseId: `t${i}`, name: 'f' } } }),
    ...pieces(input, 3).map((p) => ev('contentBlockDelta', { contentBlockIndex: i, delta: { toolUse: { input: p } } })),
    stop(i),
  ]
  const script = {
    frames: [start, ...tool(0, '{"path": "a", "n": [1, 2'), ...tool(1, '[1, 2]'), ...tool(2, '{"ok": "tab\there"}'), messageStop('tool_use'), usage()],
  }
  const { pi, ours } = await both(script)
  assert.equal(argumentsErrors(pi.result).length, 2, 'pi-ai reports the truncated and the non-object arguments')
  assertSameTranscript(pi, ours, 'malformed tool arguments', ['argumentsErrorWording'])
  assert.equal(ours.result.content[1].argumentsError.split('\n')[0], 'Tool arguments must be a JSON object')
  assert.deepEqual(ours.result.content[2].arguments, { ok: 'tab\there' })
})

test('same events as pi-ai: usage with one-hour cache writes and price tiers', async () => {
  const tiered = {
    ...model,
    cost: {
      input: 3,
      output: 15,
      cacheRead: 0.3,
      cacheWrite: 3.75,
      tiers: [
        { inputTokensAbove: 200000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 },
        { inputTokensAbove: 100000, input: 4, output: 20, cacheRead: 0.4, cacheWrite: 5 },
      ],
    },
  }
  const cached = (inputTokens, details) =>
    usage({ inputTokens, cacheReadInputTokens: 1000, cacheWriteInputTokens: 3000, ...(details ? { cacheDetails: details } : {}) })
  for (const [name, meta] of [
    ['small prompt, 1h + 5m writes', cached(100, [{ ttl: '5m', inputTokens: 1000 }, { ttl: '1h', inputTokens: 2000 }])],
    ['middle tier', cached(150000, [{ ttl: '1h', inputTokens: 3000 }])],
    ['top tier, no cacheDetails', cached(250000)],
  ]) {
    const { pi, ours } = await both({ frames: [start, text(0, 'x'), stop(0), messageStop('end_turn'), meta] }, {}, tiered)
    assertSameTranscript(pi, ours, name)
    assert.equal(ours.result.usage.cost.totalFromProvider, false, name)
  }
})

for (const [name, frames, message] of [
  ['no messageStop', [start, text(0, 'cut short'), stop(0), usage()], 'Bedrock stream ended without a stop reason'],
  ['messageStop without a stopReason', [start, text(0, 'x'), stop(0), ev('messageStop', {}), usage()], 'An unknown error occurred'],
  ['a stop reason Bedrock adds later', [start, text(0, 'x'), stop(0), messageStop('brand_new_reason'), usage()], 'Provider stopped with: brand_new_reason'],
]) {
  test(`same events as pi-ai: ${name}`, async () => {
    const { pi, ours } = await both({ frames })
    assert.equal(pi.result.errorMessage, message)
    assertSameTranscript(pi, ours, name)
    assert.equal(ours.result.diagnostics[0].type, 'bedrock_response_failure')
  })
}

test('stopReason is "pending" on every partial until messageStop', async () => {
  const { ours } = await both({ frames: [start, text(0, 'a'), text(0, 'b'), stop(0), messageStop('end_turn'), usage()] })
  const partials = ours.events.filter((e) => e.partial).map((e) => e.partial.stopReason)
  assert.deepEqual([...new Set(partials)], ['pending'])
  assert.equal(ours.result.stopReason, 'stop')
  assert.equal(ours.result.rawStopReason, 'end_turn')
})

// HTTP errors: the emulator answers every attempt (times: 0) until reset, so both
// clients exhaust their retries on the same error.
for (const [errorType, status] of [
  ['ValidationException', 400],
  ['AccessDeniedException', 403],
  ['ResourceNotFoundException', 404],
  ['ModelTimeoutException', 408],
  ['ModelErrorException', 424],
  ['ThrottlingException', 429],
  ['InternalServerException', 500],
  ['ServiceUnavailableException', 503],
]) {
  test(`same events as pi-ai: HTTP ${status} ${errorType}, plus code/status/requestId`, async () => {
    const script = { times: 0, http: { errorType, status, message: `scripted ${errorType}` } }
    await emu.reset()
    await emu.script(MODEL_ID, script)
    const pi = await transcript(streamBedrock(model, context, {}))
    await emu.reset()
    await emu.script(MODEL_ID, script)
    const ours = await transcript(addon.converseStream(model, context, { maxRetries: 2 }))
    await emu.reset()
    assert.match(pi.result.errorMessage, new RegExp(`scripted ${errorType}$`))
    assertSameTranscript(pi, ours, errorType)
    const last = ours.events.at(-1)
    assert.equal(last.code, errorType)
    assert.equal(last.httpStatus, status)
    assert.equal(last.retryable, status >= 429)
    assert.match(last.requestId, /\S/)
  })
}

test('same as pi-ai: a throttling exception before the first event is retried', async () => {
  // The AWS SDK treats an exception that is the stream's first message as the response's
  // error and retries it; so do we (before the first event only).
  const script = { frames: [{ exception: 'throttlingException', data: { message: 'slow down' } }] }
  await emu.reset()
  await emu.script(MODEL_ID, script)
  const pi = await transcript(streamBedrock(model, context, {}))
  await emu.reset()
  await emu.script(MODEL_ID, script)
  const ours = await transcript(addon.converseStream(model, context, {}))
  assert.equal(pi.result.stopReason, 'stop')
  assertSameTranscript(pi, ours, 'retried first-frame throttling')
  assert.equal((await emu.requests()).filter((r) => r.operation === 'ConverseStream').length, 2)
})

test('in-stream exceptions carry a stable code besides pi-ai message text', async () => {
  await emu.script(MODEL_ID, { frames: [start, text(0, 'a'), { exception: 'modelStreamErrorException', data: { message: 'bad' } }] })
  const { events } = await transcript(addon.converseStream(model, context))
  const last = events.at(-1)
  assert.equal(last.type, 'error')
  assert.equal(last.code, 'ModelStreamErrorException')
  assert.equal(last.error.errorMessage, 'Model stream error: bad')
  assert.equal(last.retryable, false)
})

test('same events as pi-ai: messageStart with role user', async () => {
  const { pi, ours } = await both({ frames: [ev('messageStart', { role: 'user' }), text(0, 'x')] })
  assert.match(pi.result.errorMessage, /Unexpected assistant message start/)
  assertSameTranscript(pi, ours, 'user messageStart')
})

// ---- cancellation ----

for (const when of ['before the request', 'while waiting for headers', 'mid-stream']) {
  test(`abort ${when}: same final event as pi-ai`, async () => {
    const finals = []
    for (const impl of [streamBedrock, addon.converseStream]) {
      await emu.reset()
      await emu.script(MODEL_ID, {
        ...slowScript(),
        faults: { delayBetweenFramesMs: 20, ...(when.includes('headers') ? { delayBeforeHeadersMs: 5000 } : {}) },
      })
      const controller = new AbortController()
      if (when.includes('before')) controller.abort()
      const stream = impl(model, context, { signal: controller.signal })
      if (when.includes('headers')) setTimeout(() => controller.abort(), 200)
      let deltas = 0
      for await (const event of stream) {
        if (event.type === 'text_delta' && ++deltas === 3) controller.abort()
      }
      if (when.includes('headers')) assert.equal(deltas, 0)
      finals.push(await stream.result())
    }
    const [pi, ours] = finals
    assert.equal(ours.stopReason, 'aborted')
    assert.equal(ours.stopReason, pi.stopReason)
    assert.equal(ours.errorMessage, pi.errorMessage)
    await emu.reset()
  })
}

const slowScript = () => ({
  text: Array.from({ length: 300 }, (_, i) => `w${i}`).join(' '),
  faults: { delayBetweenFramesMs: 20 },
})

async function streamConnectionClosed(requestCountBefore) {
  // The stream's own connection (control calls use `connection: close`).
  const requests = await emu.requests()
  const streamRequest = requests.filter((r) => r.operation === 'ConverseStream').at(-1)
  assert.ok(requests.length > requestCountBefore, 'the stream request reached the emulator')
  const { connections } = await emu.connections()
  const connection = connections.find((c) => c.id === streamRequest.connectionId)
  return connection && (connection.peerClosedAtMs !== undefined || connection.closedAtMs !== undefined)
}

async function assertClosedWithin(ms, before) {
  const started = Date.now()
  while (!(await streamConnectionClosed(before))) {
    assert.ok(Date.now() - started < ms, `stream connection still open ${ms} ms after abort`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

test('abort before the request: aborted error, nothing sent', async () => {
  await emu.reset()
  const controller = new AbortController()
  controller.abort()
  const { events, result } = await transcript(addon.converseStream(model, context, { signal: controller.signal }))
  assert.deepEqual(
    events.map((e) => e.type),
    ['error'],
  )
  assert.equal(events[0].reason, 'aborted')
  assert.equal(events[0].code, 'Aborted')
  assert.equal(result.stopReason, 'aborted')
  assert.equal((await emu.requests()).length, 0)
})

test('abort while waiting for headers ends with aborted at once', async () => {
  await emu.reset()
  await emu.script(MODEL_ID, { text: 'late', faults: { delayBeforeHeadersMs: 20000 } })
  const controller = new AbortController()
  const stream = addon.converseStream(model, context, { signal: controller.signal })
  setTimeout(() => controller.abort(), 200)
  const started = Date.now()
  const { events } = await transcript(stream)
  assert.ok(Date.now() - started < 10000, 'did not wait for the delayed headers')
  assert.deepEqual(
    events.map((e) => e.type),
    ['error'],
  )
  assert.equal(events[0].reason, 'aborted')
  await emu.reset()
})

test('abort mid-stream: aborted error after some text, connection closed promptly', async () => {
  await emu.reset()
  await emu.script(MODEL_ID, slowScript())
  const controller = new AbortController()
  const stream = addon.converseStream(model, context, { signal: controller.signal })
  const seen = []
  for await (const event of stream) {
    seen.push(event.type)
    if (event.type === 'text_delta' && seen.filter((t) => t === 'text_delta').length === 3) controller.abort()
  }
  const result = await stream.result()
  assert.equal(seen.at(-1), 'error')
  assert.equal(result.stopReason, 'aborted')
  assert.equal(result.errorMessage, 'aborted') // pi-ai's text for a mid-stream abort
  assert.ok(result.content[0].text.length > 0)
  await assertClosedWithin(100, 0)
  const requests = await emu.requests()
  assert.equal(requests.filter((r) => r.operation === 'ConverseStream').at(-1).response.completed, false)
})

test('leaving for-await early closes the connection (pi-ai downloads on)', async () => {
  await emu.reset()
  await emu.script(MODEL_ID, slowScript())
  const stream = addon.converseStream(model, context)
  for await (const event of stream) {
    if (event.type === 'text_delta') break
  }
  const result = await stream.result()
  assert.equal(result.stopReason, 'aborted')
  await assertClosedWithin(100, 0)
})

// ---- onPayload, raw, complete ----

test('onPayload sees the pi-ai payload and its replacement is what gets sent', async () => {
  await emu.reset()
  let seen
  const stream = addon.converseStream(model, context, {
    onPayload: async (payload, m) => {
      seen = { payload, model: m }
      return { ...payload, inferenceConfig: { maxTokens: 77 } }
    },
  })
  const { result } = await transcript(stream)
  assert.equal(result.stopReason, 'stop')
  assert.equal(seen.payload.modelId, MODEL_ID)
  assert.equal(seen.model, model)
  const sent = (await emu.requests()).filter((r) => r.operation === 'ConverseStream').at(-1)
  assert.deepEqual(sent.body.inferenceConfig, { maxTokens: 77 })
})

test('onResponse is called as pi-ai calls it, before the first event', async () => {
  const calls = []
  for (const impl of [streamBedrock, addon.converseStream]) {
    await emu.reset()
    const seen = []
    let pushed = 0
    const stream = impl(model, context, {
      onResponse: async (response, m) => {
        seen.push({ pushedBefore: pushed, response, sameModel: m === model })
      },
    })
    const push = stream.push.bind(stream)
    stream.push = (event) => {
      pushed++
      push(event)
    }
    let events = 0
    for await (const _ of stream) events++
    assert.ok(events > 3)
    calls.push(seen)
  }
  const [pi, ours] = calls
  assert.equal(ours.length, 1)
  assert.equal(ours[0].response.status, pi[0].response.status)
  // Every response header, as the SDK's raw response has them (values that change per
  // request aside).
  const perRequest = new Set(['date', 'x-amzn-requestid'])
  const stable = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !perRequest.has(k)))
  assert.deepEqual(stable(ours[0].response.headers), stable(pi[0].response.headers))
  assert.deepEqual(Object.keys(ours[0].response.headers).sort(), Object.keys(pi[0].response.headers).sort())
  assert.ok(Object.keys(ours[0].response.headers).length > 2, JSON.stringify(ours[0].response.headers))
  assert.match(ours[0].response.headers['x-amzn-requestid'], /\S/)
  assert.equal(ours[0].sameModel, true)
  assert.equal(ours[0].pushedBefore, 0)
  assert.equal(pi[0].pushedBefore, 0)

  // A throwing onResponse ends the stream with its message, as in pi-ai.
  const failing = addon.converseStream(model, context, {
    onResponse: () => {
      throw new Error('rejected by hook')
    },
  })
  const message = await failing.result()
  assert.equal(message.stopReason, 'error')
  assert.equal(message.errorMessage, 'rejected by hook')
})

test('onProviderStreamEvent sees each Bedrock event as pi-ai shows it, before the events mapped from it', async () => {
  const redacted = Buffer.from('secret bytes').toString('base64')
  const script = {
    padding: true,
    frames: [
      start,
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: redacted } } }),
      stop(0),
      text(1, 'Hello'),
      stop(1),
      messageStop('end_turn'),
      usage(),
    ],
  }
  const seen = []
  for (const impl of [streamBedrock, addon.converseStream]) {
    await emu.reset()
    await emu.script(MODEL_ID, script)
    const log = []
    const stream = impl(model, context, {
      onProviderStreamEvent: async (item, m) => {
        assert.equal(m, model)
        log.push(['provider', item])
      },
    })
    // Recorded as pushed (consumption order depends on scheduling).
    const push = stream.push.bind(stream)
    stream.push = (event) => {
      log.push(['event', event.type])
      push(event)
    }
    for await (const _ of stream) {
      // drain
    }
    seen.push(log)
  }
  const [pi, ours] = seen
  assert.ok(pi.filter(([k]) => k === 'provider').length >= 7)
  assert.deepEqual(ours, pi)
  assert.ok(ours.find(([, item]) => item.contentBlockDelta?.delta?.reasoningContent).at(1).contentBlockDelta.delta.reasoningContent.redactedContent instanceof Uint8Array)
})

test('slow async onResponse / onProviderStreamEvent hold the later events, in order, as pi-ai awaits them', async () => {
  // Ops delivered while a callback's promise is pending wait behind it; with callbacks that
  // take a while (longer than the whole stream takes to arrive) the order must still be
  // pi-ai's: onResponse, then per Bedrock event the provider callback before its events.
  const logs = []
  for (const impl of [streamBedrock, addon.converseStream]) {
    await emu.reset()
    await emu.script(MODEL_ID, { text: 'one two three four five', chunkSize: 4 })
    const log = []
    let n = 0
    const stream = impl(model, context, {
      onResponse: async () => {
        await new Promise((r) => setTimeout(r, 30))
        log.push('response')
      },
      onProviderStreamEvent: async (item) => {
        const key = Object.keys(item)[0]
        if (n++ % 2 === 0) await new Promise((r) => setTimeout(r, 5))
        log.push(`provider ${key}`)
      },
    })
    const push = stream.push.bind(stream)
    stream.push = (event) => {
      log.push(`event ${event.type}`)
      push(event)
    }
    const types = []
    for await (const event of stream) types.push(event.type)
    assert.equal(types.at(-1), 'done', types.join(','))
    logs.push(log)
  }
  const [pi, ours] = logs
  assert.equal(ours[0], 'response')
  assert.ok(ours.filter((l) => l.startsWith('provider')).length >= 7, ours.join('\n'))
  assert.deepEqual(ours, pi)
})

test('abort while onPayload runs: nothing streams, aborted error', async () => {
  await emu.reset()
  const controller = new AbortController()
  const stream = addon.converseStream(model, context, {
    signal: controller.signal,
    onPayload: async () => {
      controller.abort()
      await new Promise((r) => setTimeout(r, 20))
      return undefined
    },
  })
  const { events } = await transcript(stream)
  assert.deepEqual(
    events.map((e) => e.type),
    ['error'],
  )
  assert.equal(events[0].reason, 'aborted')
  assert.equal((await emu.requests()).filter((r) => r.operation === 'ConverseStream').length, 0)
})

test('raw mode yields Bedrock events unmapped; complete() returns the final message', async () => {
  await emu.reset()
  const raw = []
  for await (const event of addon.converseStreamRaw(model, context)) raw.push(event)
  assert.deepEqual(Object.keys(raw[0]), ['messageStart'])
  assert.equal(raw[0].messageStart.role, 'assistant')
  assert.ok(raw.some((e) => e.contentBlockDelta?.delta?.text))
  assert.ok(raw.some((e) => e.metadata?.usage))

  await emu.script(MODEL_ID, { http: { errorType: 'ValidationException', message: 'nope' } })
  const failed = []
  for await (const event of addon.converseStreamRaw(model, context)) failed.push(event)
  assert.equal(failed.length, 1)
  assert.equal(failed[0].error.code, 'ValidationException')

  const message = await addon.complete(model, context)
  assert.equal(message.role, 'assistant')
  assert.equal(message.stopReason, 'stop')
  assert.match(message.content[0].text, /Say hello/)
})
