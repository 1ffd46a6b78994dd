// The emulator from JS (startEmulator via the built addon), driven by the AWS SDK for JS:
// the SDK must decode the emulator's streams and faults as it would AWS's — default
// replies, scripted frames, every in-stream exception as its typed error, HTTP errors,
// a wrong signature, and the real recordings replayed byte for byte.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  ConverseCommand,
  ThrottlingException,
  ModelStreamErrorException,
  ValidationException,
  InternalServerException,
  ServiceUnavailableException,
} from '@aws-sdk/client-bedrock-runtime'
import {
  BedrockClient,
  ListFoundationModelsCommand,
  GetInferenceProfileCommand,
  paginateListInferenceProfiles,
} from '@aws-sdk/client-bedrock'

const require = createRequire(import.meta.url)
const { startEmulator } = require('../index.js')
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

const MODEL = 'us.anthropic.claude-3-haiku-20240307-v1:0' // a ':' in the id: double-encoded in SigV4
let emu

before(async () => {
  emu = await startEmulator()
})
after(async () => {
  await emu?.close()
})

function runtime(overrides = {}) {
  return new BedrockRuntimeClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    maxAttempts: 1,
    ...overrides,
  })
}

function control(overrides = {}) {
  return new BedrockClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    maxAttempts: 1,
    ...overrides,
  })
}

const userMessage = (text) => [{ role: 'user', content: [{ text }] }]

async function collect(client, input) {
  const res = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: userMessage('hi'), ...input }))
  const events = []
  for await (const ev of res.stream) events.push(ev)
  return { res, events }
}

/** Events until the stream throws; returns { events, error }. */
async function collectUntilError(client, input) {
  const events = []
  try {
    const res = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: userMessage('hi'), ...input }))
    for await (const ev of res.stream) events.push(ev)
  } catch (error) {
    return { events, error }
  }
  return { events, error: undefined }
}

const kind = (ev) => Object.keys(ev).find((k) => ev[k] !== undefined && k !== '$unknown') ?? '$unknown'

test('default reply: text deltas, stop, usage; request recorded with verified SigV4', async () => {
  emu.reset()
  const { res, events } = await collect(runtime(), { messages: userMessage('What is the capital of France?') })
  assert.match(res.$metadata.requestId, /^[0-9a-f-]{36}$/)
  const kinds = events.map(kind)
  assert.equal(kinds[0], 'messageStart')
  assert.deepEqual(kinds.slice(-2), ['messageStop', 'metadata'])
  assert.ok(!kinds.includes('contentBlockStart'), 'Claude-style text has no contentBlockStart')
  const text = events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta.delta.text).join('')
  assert.match(text, /What is the capital of France\?/)
  assert.ok(kinds.filter((k) => k === 'contentBlockDelta').length > 3)
  const meta = events.at(-1).metadata
  assert.ok(meta.usage.inputTokens > 0 && meta.usage.outputTokens > 0)
  assert.equal(meta.usage.totalTokens, meta.usage.inputTokens + meta.usage.outputTokens)

  const [req] = emu.requests()
  assert.equal(req.operation, 'ConverseStream')
  assert.equal(req.modelId, MODEL)
  assert.equal(req.path, '/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream')
  assert.deepEqual([req.auth.scheme, req.auth.ok, req.auth.verified], ['sigv4', true, true])
  assert.equal(req.headers.authorization, undefined)
  assert.equal(req.body.messages[0].content[0].text, 'What is the capital of France?')
  assert.equal(req.response.status, 200)
  assert.equal(req.response.completed, true)
})

test('Converse (non-streaming) JSON reply', async () => {
  const out = await runtime().send(new ConverseCommand({ modelId: 'amazon.nova-lite-v1:0', messages: userMessage('hello there') }))
  assert.match(out.output.message.content[0].text, /hello there/)
  assert.equal(out.stopReason, 'end_turn')
})

test('tool call when tools are offered and asked for; reasoning with a signature', async () => {
  const { events } = await collect(runtime(), {
    modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
    messages: userMessage('Please call get_weather for "Paris"'),
    toolConfig: {
      tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } } }],
    },
    additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
  })
  const reasoning = events.filter((e) => e.contentBlockDelta?.delta?.reasoningContent)
  assert.ok(reasoning.some((e) => e.contentBlockDelta.delta.reasoningContent.text))
  assert.ok(reasoning.at(-1).contentBlockDelta.delta.reasoningContent.signature.length > 100)
  const start = events.find((e) => e.contentBlockStart?.start?.toolUse)
  assert.equal(start.contentBlockStart.start.toolUse.name, 'get_weather')
  assert.match(start.contentBlockStart.start.toolUse.toolUseId, /^tooluse_/)
  const input = events
    .filter((e) => e.contentBlockDelta?.delta?.toolUse)
    .map((e) => e.contentBlockDelta.delta.toolUse.input)
  assert.ok(input.length > 1, 'input split over several deltas')
  assert.deepEqual(JSON.parse(input.join('')), { city: 'Paris' })
  assert.equal(events.find((e) => e.messageStop).messageStop.stopReason, 'tool_use')
})

test('scripted frames decode as sent', async () => {
  emu.script(MODEL, {
    frames: [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { text: 'Scripted' } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 0 } },
      { event: 'messageStop', data: { stopReason: 'end_turn' } },
    ],
  })
  const { events } = await collect(runtime())
  assert.deepEqual(events.map(kind), ['messageStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop'])
  assert.equal(events[1].contentBlockDelta.delta.text, 'Scripted')
})

test('each in-stream exception surfaces as the SDK typed error', async () => {
  const cases = [
    ['throttlingException', ThrottlingException],
    ['modelStreamErrorException', ModelStreamErrorException],
    ['validationException', ValidationException],
    ['internalServerException', InternalServerException],
    ['serviceUnavailableException', ServiceUnavailableException],
  ]
  for (const [exception, Type] of cases) {
    emu.script(MODEL, {
      frames: [
        { event: 'messageStart', data: { role: 'assistant' } },
        { exception, data: { message: `scripted ${exception}`, originalStatusCode: 529, originalMessage: 'upstream' } },
      ],
    })
    const { events, error } = await collectUntilError(runtime())
    assert.equal(events.length, 1, exception)
    assert.ok(error instanceof Type, `${exception}: got ${error?.name}: ${error?.message}`)
    assert.equal(error.message, `scripted ${exception}`)
    if (Type === ModelStreamErrorException) {
      assert.equal(error.originalStatusCode, 529)
      assert.equal(error.originalMessage, 'upstream')
    }
  }
})

test('HTTP errors with AWS error types; throttle twice then succeed with SDK retries', async () => {
  emu.script('*', { http: { status: 429, errorType: 'ThrottlingException', message: 'Too many requests', retryAfterSeconds: 1 } })
  const { error } = await collectUntilError(runtime())
  assert.ok(error instanceof ThrottlingException, error?.name)
  assert.equal(error.$metadata.httpStatusCode, 429)
  assert.equal(error.message, 'Too many requests')

  emu.script(MODEL, { http: { errorType: 'ServiceUnavailableException' } })
  const second = await collectUntilError(runtime())
  assert.ok(second.error instanceof ServiceUnavailableException, second.error?.name)
  assert.equal(second.error.$metadata.httpStatusCode, 503)

  emu.reset()
  emu.script(MODEL, { times: 2, http: { errorType: 'ThrottlingException' } })
  const { events } = await collect(runtime({ maxAttempts: 3 }))
  assert.ok(events.length > 4)
  assert.deepEqual(
    emu.requests().map((r) => r.response.status),
    [429, 429, 200],
  )
})

test('unknown model id: ValidationException as AWS words it', async () => {
  const { error } = await collectUntilError(runtime(), { modelId: 'does-not-exist' })
  assert.ok(error instanceof ValidationException)
  assert.equal(error.message, 'The provided model identifier is invalid.')
  assert.equal(error.$metadata.httpStatusCode, 400)
})

test('a wrong secret is rejected: 403 InvalidSignatureException', async () => {
  const bad = { accessKeyId: emu.accessKeyId, secretAccessKey: 'wrong-secret' }
  const { error } = await collectUntilError(runtime({ credentials: bad }))
  assert.equal(error?.name, 'InvalidSignatureException')
  assert.equal(error.$metadata.httpStatusCode, 403)
  assert.match(error.message, /^The request signature we calculated does not match/)
  await assert.rejects(control({ credentials: bad }).send(new ListFoundationModelsCommand({})), (e) => {
    assert.equal(e.name, 'InvalidSignatureException')
    return true
  })
  const unknownKey = await collectUntilError(runtime({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } }))
  assert.equal(unknownKey.error?.name, 'UnrecognizedClientException')
})

test('transport faults: tiny writes decode; drop and corrupt CRC fail the stream; reset fails the send', async () => {
  emu.script(MODEL, { text: 'one byte at a time', faults: { bytesPerWrite: 1 } })
  const { events } = await collect(runtime())
  assert.equal(events.filter((e) => e.contentBlockDelta).map((e) => e.contentBlockDelta.delta.text).join(''), 'one byte at a time')

  for (const faults of [{ dropAfterFrames: 2 }, { corruptPreludeCrcAtFrame: 1 }, { corruptMessageCrcAtFrame: 1 }, { resetBeforeHeaders: true }]) {
    emu.script(MODEL, { faults })
    const { error } = await collectUntilError(runtime())
    assert.ok(error, `no error for ${JSON.stringify(faults)}`)
  }
})

test('abort during a stall: the emulator sees the stream cancelled, then the connection closed', async () => {
  emu.reset()
  emu.script(MODEL, { faults: { stallAfterFrames: 2, stallMs: 60000 } })
  const controller = new AbortController()
  const client = runtime()
  const res = await client.send(
    new ConverseStreamCommand({ modelId: MODEL, messages: userMessage('hi') }),
    { abortSignal: controller.signal },
  )
  const it = res.stream[Symbol.asyncIterator]()
  await it.next()
  await it.next()
  controller.abort()
  // The SDK ends the iteration (or throws) once aborted.
  await it.next().catch(() => {})
  const waitFor = async (predicate) => {
    for (let i = 0; i < 300; i++) {
      const v = predicate()
      if (v) return v
      await new Promise((r) => setTimeout(r, 10))
    }
    return undefined
  }
  // HTTP/2 (the SDK's default): the abort resets the stream; the emulator's sender sees it.
  const req = await waitFor(() => emu.requests().find((r) => r.response.clientDisconnected))
  assert.ok(req, 'the cancelled stream was seen')
  assert.equal(req.response.completed, false)
  assert.equal(req.httpVersion, 'HTTP/2.0')
  client.destroy()
  const conn = await waitFor(() => emu.connections().connections.find((c) => c.peerClosedAtMs || c.closedAtMs))
  assert.ok(conn, 'the connection close was seen')
})

test('control plane through @aws-sdk/client-bedrock: filters, paging, GetInferenceProfile', async () => {
  const client = control()
  const all = await client.send(new ListFoundationModelsCommand({}))
  assert.ok(all.modelSummaries.length >= 30)
  const mistral = await client.send(new ListFoundationModelsCommand({ byProvider: 'Mistral AI' }))
  assert.ok(mistral.modelSummaries.length > 0 && mistral.modelSummaries.every((m) => m.providerName === 'Mistral AI'))
  const pages = []
  for await (const page of paginateListInferenceProfiles({ client, pageSize: 5 }, {})) pages.push(page)
  assert.ok(pages.length >= 3)
  const ids = pages.flatMap((p) => p.inferenceProfileSummaries.map((s) => s.inferenceProfileId))
  for (const prefix of ['us.', 'eu.', 'apac.', 'global.']) assert.ok(ids.some((id) => id.startsWith(prefix)), prefix)
  const createdAt = pages[0].inferenceProfileSummaries[0].createdAt
  assert.ok(createdAt instanceof Date && !Number.isNaN(createdAt.getTime()))
  const app = await client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123' }))
  assert.equal(app.type, 'APPLICATION')
  emu.script('op:ListInferenceProfiles', { http: { errorType: 'AccessDeniedException' } })
  await assert.rejects(client.send(new (await import('@aws-sdk/client-bedrock')).ListInferenceProfilesCommand({})), (e) => {
    assert.equal(e.name, 'AccessDeniedException')
    assert.match(e.message, /bedrock:ListInferenceProfiles/)
    return true
  })
})

test('bearer token (Bedrock API key) accepted; a wrong one refused', async () => {
  emu.reset()
  const bearer = (token) =>
    new BedrockRuntimeClient({
      region: emu.region,
      endpoint: emu.url,
      token: { token },
      authSchemePreference: ['httpBearerAuth'],
      maxAttempts: 1,
    })
  const { events } = await collect(bearer(emu.bearerToken))
  assert.ok(events.length > 4)
  assert.equal(emu.requests()[0].auth.scheme, 'bearer')
  const { error } = await collectUntilError(bearer('not-the-key'))
  assert.equal(error?.$metadata?.httpStatusCode, 403)
})

test('the real recordings replay byte for byte and decode with the JS SDK', async () => {
  const dirs = ['fixtures/bedrock-runtime/extracted', 'fixtures/bedrock-runtime/otel-prompt-caching']
  let n = 0
  for (const dir of dirs) {
    for (const name of fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.eventstream')).sort()) {
      const bytes = fs.readFileSync(path.join(root, dir, name))
      const decoded = fs
        .readFileSync(path.join(root, dir, name.replace(/\.eventstream$/, '.decoded.jsonl')), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
      emu.script(MODEL, { eventstreamBase64: bytes.toString('base64') })
      const { events } = await collect(runtime())
      assert.equal(events.length, decoded.length, name)
      events.forEach((ev, i) => {
        const want = decoded[i].headers[':event-type']
        assert.equal(kind(ev), want, `${name} frame ${i}`)
        const payload = { ...decoded[i].payload }
        delete payload.p
        if (want === 'contentBlockDelta' && payload.delta.text !== undefined) {
          assert.equal(ev.contentBlockDelta.delta.text, payload.delta.text, `${name} frame ${i}`)
        }
        if (want === 'messageStop') assert.equal(ev.messageStop.stopReason, payload.stopReason)
        if (want === 'metadata') assert.equal(ev.metadata.usage.totalTokens, payload.usage.totalTokens)
      })
      n++
    }
  }
  assert.ok(n >= 15, `${n} recordings`)
})
