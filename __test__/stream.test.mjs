// Differential test of the event stream: for each scripted wire scenario the emulator
// serves the same bytes to pi-ai 0.73 (`streamBedrock`, AWS SDK for JS) and to the
// addon's `converseStream`; the event transcripts (each event snapshotted when it is
// emitted) must be equal, timestamps aside, except the intended differences listed in
// INTENDED_DIFFERENCES (also in README.md "converseStream"). Plus cancellation, early
// break, onPayload, raw mode and complete().

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { startEmulatorProcess } from './emulator-process.mjs'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'AKIDEMULATORTEST0001',
  AWS_SECRET_ACCESS_KEY: 'emulator/secret/key/0000000000000000000000',
  AWS_REGION: 'us-east-1',
  AWS_BEDROCK_FORCE_HTTP1: '1',
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
})
delete process.env.AWS_BEARER_TOKEN_BEDROCK
delete process.env.AWS_PROFILE

const { streamBedrock } = await import('../node_modules/@mariozechner/pi-ai/dist/providers/amazon-bedrock.js')

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

const context = { systemPrompt: 'Be brief.', messages: [{ role: 'user', content: 'Say hello', timestamp: 1 }] }

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

function withoutTimestamps(value) {
  if (Array.isArray(value)) return value.map(withoutTimestamps)
  if (value && typeof value === 'object') {
    const out = {}
    for (const [k, v] of Object.entries(value)) if (k !== 'timestamp') out[k] = withoutTimestamps(v)
    return out
  }
  return value
}

function comparable(events) {
  return events.map((event) => {
    const e = withoutTimestamps(event)
    if (e.type === 'error') for (const k of EXTRA_ERROR_FIELDS) delete e[k]
    return e
  })
}

/** Intended differences, applied to pi-ai's transcript to predict ours. */
const INTENDED_DIFFERENCES = {
  // pi-ai drops `redactedContent`; we keep it (redacted: true, opaque data in
  // thinkingSignature, pi-ai's documented ThinkingContent shape) so it can be replayed.
  // pi-ai's Anthropic provider shape: placeholder text, data in thinkingSignature.
  redactedReasoning(events, data) {
    for (const event of events) {
      const message = event.partial ?? event.message ?? event.error
      for (const block of message?.content ?? []) {
        if (block.type === 'thinking' && block.thinking === '' && event.type !== 'thinking_start') {
          block.thinking = '[Reasoning redacted]'
          block.thinkingSignature = data
          block.redacted = true
        }
      }
      if (event.type === 'thinking_end' && event.content === '') event.content = '[Reasoning redacted]'
    }
  },
}

async function both(script, options = {}) {
  await emu.script(MODEL_ID, script)
  const pi = await transcript(streamBedrock(model, context, options))
  await emu.script(MODEL_ID, script)
  const ours = await transcript(addon.converseStream(model, context, options))
  return { pi, ours }
}

function assertSameTranscript(pi, ours, name) {
  assert.deepEqual(comparable(ours.events), comparable(pi.events), `${name}: events differ`)
  assert.deepEqual(withoutTimestamps(ours.result), withoutTimestamps(pi.result), `${name}: result differs`)
}

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
    assertSameTranscript(pi, ours, scenarioName)
    // Beyond pi-ai: an error stop reason carries a code a gateway can act on.
    const stopCode = STOP_REASON_CODES[scenarioName.replace('stop reason ', '')]
    if (stopCode) {
      assert.equal(ours.events.at(-1).code, stopCode, scenarioName)
      assert.equal(ours.events.at(-1).retryable, false, scenarioName)
    }
  })
}

test('same events as pi-ai: redacted reasoning (kept by us, listed difference)', async () => {
  const data = Buffer.from('opaque encrypted reasoning').toString('base64')
  const script = {
    frames: [
      start,
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: data } } }),
      stop(0),
      text(1, 'Answer.'),
      stop(1),
      messageStop('end_turn'),
      usage(),
    ],
  }
  const { pi, ours } = await both(script)
  INTENDED_DIFFERENCES.redactedReasoning(pi.events, data)
  INTENDED_DIFFERENCES.redactedReasoning([{ message: pi.result }], data)
  assertSameTranscript(pi, ours, 'redacted reasoning')
  assert.equal(ours.result.content[0].redacted, true)
  assert.equal(ours.result.content[0].thinking, '[Reasoning redacted]')
  assert.equal(ours.result.content[0].thinkingSignature, data)
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
  assert.deepEqual(Object.keys(ours[0].response.headers), Object.keys(pi[0].response.headers))
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
