// buildConverseRequest at the JS boundary: argument handling and errors (the body itself is
// covered against pi-ai by request-diff.test.mjs).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const native = require('../index.js')
const { decorateError } = require('../js/errors.js')

function build(...args) {
  try {
    return native.buildConverseRequest(...args)
  } catch (error) {
    throw decorateError(error)
  }
}

const model = { id: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', name: 'Claude Sonnet 4.5', input: ['text', 'image'], reasoning: true }
const context = { messages: [{ role: 'user', content: 'hi', timestamp: 1 }] }

function invalid(pattern) {
  return (error) => {
    assert.equal(error.code, 'InvalidArgument')
    assert.match(error.message, pattern)
    return true
  }
}

test('options may be omitted, undefined or null', () => {
  const expected = build(model, context, {}).body
  assert.deepEqual(build(model, context).body, expected)
  assert.deepEqual(build(model, context, undefined).body, expected)
  assert.deepEqual(build(model, context, null).body, expected)
})

test('functions, signals and undefined members in options are ignored', () => {
  const body = build(model, context, { signal: new AbortController().signal, onPayload: () => {}, maxTokens: undefined, reasoning: 'low' }).body
  assert.deepEqual(body.inferenceConfig, {})
  assert.equal(body.additionalModelRequestFields.thinking.budget_tokens, 2048)
})

test('an ARN model id returns its region; other ids return none', () => {
  const arn = 'arn:aws:bedrock:ap-southeast-2:123456789012:application-inference-profile/p1'
  const out = build({ ...model, id: arn }, context)
  assert.equal(out.modelId, arn)
  assert.equal(out.region, 'ap-southeast-2')
  assert.equal(build(model, context).region, undefined)
})

test('a malformed message is an InvalidArgument naming it', () => {
  const bad = { messages: [context.messages[0], { role: 'user', content: [{ type: 'image', data: 5 }] }] }
  assert.throws(() => build(model, bad), invalid(/^context\.messages\[1\]: content\[0\]/))
  assert.throws(() => build(model, { messages: [{ role: 'system', content: 'x', sections: [] }] }), invalid(/^context\.messages\[0\]\.sections/))
  assert.throws(() => build(model, { messages: [context.messages[0], 7] }), invalid(/^context\.messages\[1\]: expected an object/))
  // pi-ai 1.6 skips unknown roles and block types rather than failing.
  const skipped = { messages: [context.messages[0], { role: 'note', content: 'x' }, { role: 'user', content: [{ type: 'audio', data: '' }, { type: 'text', text: 'y' }] }] }
  assert.deepEqual(build(model, skipped).body.messages.at(-1).content.filter((b) => b.text).map((b) => b.text).slice(-1), ['y'])
  assert.throws(() => build(model, { messages: 'nope' }), invalid(/context\.messages: expected an array/))
  assert.throws(() => build({ name: 'no id' }, context), invalid(/^model: missing field `id`/))
  assert.throws(() => build(undefined, context), invalid(/model: expected an object/))
})

test('unserialisable arguments are an InvalidArgument, not a raw exception', () => {
  const cyclic = { messages: [] }
  cyclic.self = cyclic
  assert.throws(() => build(model, cyclic), invalid(/^context: cannot be serialised as JSON: Converting circular structure/))
  assert.throws(() => build({ ...model, big: 1n }, context), invalid(/^model: cannot be serialised as JSON/))
})

test('invalid base64 image data is rejected naming the part', () => {
  const ctx = { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image', mimeType: 'image/png', data: 'not base64!' }] }] }
  assert.throws(() => build(model, ctx), invalid(/context\.messages\[0\]\.content\[1\]: image data is not valid base64/))
})

test('the bearer token never appears in errors', () => {
  const secret = 'ABSKQmVkcm9ja0FQSUtleS1zZWNyZXQ='
  assert.throws(
    () => build(model, { messages: [{ role: 'user', content: 5 }] }, { bearerToken: secret, apiKey: secret }),
    (error) => !error.message.includes(secret) && error.code === 'InvalidArgument',
  )
})

test('redacted reasoning received from Bedrock is replayed as redactedContent on the next turn', async (t) => {
  const addon = require('../js/index.js')
  if (typeof addon.startEmulator !== 'function') return t.skip('startEmulator is not in this build')
  const emu = await addon.startEmulator()
  t.after(() => emu.close())
  const redacted = Buffer.from('opaque redacted reasoning bytes').toString('base64')
  const m = { ...model, api: 'bedrock-converse-stream', provider: 'amazon-bedrock', baseUrl: emu.url, maxTokens: 64000, contextWindow: 200000 }
  emu.script(m.id, {
    frames: [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: redacted } } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 0 } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 1, delta: { text: 'Done.' } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 1 } },
      { event: 'messageStop', data: { stopReason: 'end_turn' } },
      { event: 'metadata', data: { usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, metrics: { latencyMs: 1 } } },
    ],
  })
  const env = { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: emu.region }
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  })
  const first = await addon.complete(m, context, { reasoning: 'low' })
  assert.equal(first.stopReason, 'stop', first.errorMessage)
  const thinking = first.content.find((b) => b.type === 'thinking')
  assert.equal(thinking?.redacted, true)

  emu.clearRequests()
  const history = { messages: [...context.messages, first, { role: 'user', content: 'and then?', timestamp: 2 }] }
  await addon.complete(m, history, { reasoning: 'low' })
  const [sent] = emu.requests().filter((r) => r.path.endsWith('/converse-stream'))
  assert.deepEqual(sent.body.messages[1].content, [{ reasoningContent: { redactedContent: redacted } }, { text: 'Done.' }])
  assert.deepEqual(build(m, history, { reasoning: 'low' }).body, sent.body)
})

test('options.env, apiKey and headers reach the request as pi-ai 1.6 sends them', async (t) => {
  const addon = require('../js/index.js')
  if (typeof addon.startEmulator !== 'function') return t.skip('startEmulator is not in this build')
  const emu = await addon.startEmulator()
  t.after(() => emu.close())
  const m = { ...model, api: 'bedrock-converse-stream', provider: 'amazon-bedrock', baseUrl: emu.url, maxTokens: 1000, contextWindow: 200000 }
  // The credentials and region come only from options.env (the process has none).
  const env = { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: emu.region }
  for (const name of Object.keys(env)) assert.equal(process.env[name], undefined, `${name} must not be set for this test`)
  const headers = { 'x-team': 'search', 'X-Amz-Target': 'not ours to set', authorization: 'Bearer nope' }
  const headerOf = (request, name) => {
    const all = Array.isArray(request.headers) ? request.headers : Object.entries(request.headers)
    return all.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v)
  }
  emu.clearRequests()
  // An OpenClaw auth marker in apiKey is not a token: SigV4 from options.env signs the request.
  const signed = await addon.complete(m, context, { env, apiKey: 'AWS_PROFILE', headers })
  assert.equal(signed.stopReason, 'stop', signed.errorMessage)
  const [sigv4] = emu.requests().filter((r) => r.path.endsWith('/converse-stream'))
  assert.equal(sigv4.auth.scheme, 'sigv4')
  assert.equal(sigv4.auth.ok, true, sigv4.auth.message)
  assert.deepEqual(headerOf(sigv4, 'x-team'), ['search'])
  assert.deepEqual(headerOf(sigv4, 'x-amz-target'), [])
  // A real key in apiKey is the bearer token.
  emu.clearRequests()
  const bearer = await addon.complete(m, context, { env: { AWS_REGION: emu.region }, apiKey: emu.bearerToken })
  assert.equal(bearer.stopReason, 'stop', bearer.errorMessage)
  const [token] = emu.requests().filter((r) => r.path.endsWith('/converse-stream'))
  assert.equal(token.auth.scheme, 'bearer')
  assert.equal(token.auth.ok, true, token.auth.message)
  // A header HTTP cannot carry is the caller's mistake, named.
  const bad = await addon.complete(m, context, { env, headers: { 'bad header': 'x' } })
  assert.equal(bad.stopReason, 'error')
  assert.match(bad.errorMessage, /options\.headers: "bad header" is not a valid header name/)
})

test('Claude\'s strict-tool-limit rejection is retried once without the strict "prefer" tools', async (t) => {
  const addon = require('../js/index.js')
  if (typeof addon.startEmulator !== 'function') return t.skip('startEmulator is not in this build')
  const emu = await addon.startEmulator()
  t.after(() => emu.close())
  const m = { ...model, api: 'bedrock-converse-stream', provider: 'amazon-bedrock', baseUrl: emu.url, maxTokens: 1000, contextWindow: 200000, compat: { supportsStrictMode: true } }
  const env = { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: emu.region }
  const tools = [
    { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } }, constrainedSampling: { type: 'json_schema', strict: 'prefer' } },
    { name: 'plain', description: 'Plain', parameters: { type: 'object', properties: {} } },
  ]
  const ctx = { ...context, tools }
  const strictOf = (r) => r.body.toolConfig.tools.map((tool) => tool.toolSpec.strict === true)
  emu.script(m.id, { times: 1, http: { status: 400, errorType: 'ValidationException', message: 'Too many strict tools (21 > 20)' } })
  const done = await addon.complete(m, ctx, { env })
  assert.equal(done.stopReason, 'stop', done.errorMessage)
  // pi-ai 1.6's diagnostic of the fallback, on the final message.
  assert.deepEqual(
    done.diagnostics.map(({ timestamp, ...d }) => (assert.equal(typeof timestamp, 'number'), d)),
    [{ type: 'bedrock_strict_tools_fallback', error: { message: 'Too many strict tools (21 > 20)' }, details: { reason: 'strict_tool_limits_exceeded' } }],
  )
  const sent = emu.requests().filter((r) => r.path.endsWith('/converse-stream'))
  assert.deepEqual(sent.map(strictOf), [[true, false], [false, false]])
  // Any other validation error is reported, not retried.
  emu.clearRequests()
  emu.script(m.id, { times: 1, http: { status: 400, errorType: 'ValidationException', message: 'messages: too short' } })
  const failed = await addon.complete(m, ctx, { env })
  assert.equal(failed.stopReason, 'error')
  assert.equal(emu.requests().filter((r) => r.path.endsWith('/converse-stream')).length, 1)
})
