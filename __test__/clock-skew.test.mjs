// A Bedrock whose clock runs 10 minutes ahead of this host (the emulator's
// `clockOffsetSecs: 600`): requests signed with the local clock get AWS's 403 "Signature
// expired". The addon learns the skew from the response's `Date` and heals with one retry,
// then signs right the first time; the AWS SDK for JS is run against the same server and
// its outcome required beside ours.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime'
import { useLoopbackAwsEnv, importPiAi } from './pi-ai.mjs'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

useLoopbackAwsEnv()
const { stream: piAiStream } = await importPiAi('api/bedrock-converse-stream')

const MODEL_ID = 'amazon.nova-micro-v1:0'
let emu

before(async () => {
  emu = await addon.startEmulator({ clockOffsetSecs: 600 })
})
after(async () => {
  await emu?.close()
})

const context = { messages: [{ role: 'user', content: 'hi', timestamp: 1 }] }
const model = () => ({
  id: MODEL_ID,
  name: 'Nova Micro',
  api: 'bedrock-converse-stream',
  provider: 'amazon-bedrock',
  baseUrl: emu.url,
  reasoning: false,
  input: ['text'],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 128000,
  maxTokens: 4096,
})

/** Requests the emulator saw while `fn` ran, with their auth outcome. */
async function requestsDuring(fn) {
  const before = emu.requests().length
  const value = await fn()
  return { value, seen: emu.requests().slice(before) }
}

test('the emulator answers with its own clock in Date and refuses the local one as AWS does', async () => {
  const res = await fetch(`${emu.url}/model/${encodeURIComponent(MODEL_ID)}/converse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  })
  const ahead = (Date.parse(res.headers.get('date')) - Date.now()) / 1000
  assert.ok(ahead > 590 && ahead < 610, `Date is ${ahead} s ahead`)
  await res.arrayBuffer()

  const { seen } = await requestsDuring(() =>
    sdkClient({ maxAttempts: 1 })
      .send(new ConverseCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }))
      .catch((e) => e),
  )
  assert.equal(seen[0].response.status, 403)
  assert.equal(seen[0].auth.errorType, 'InvalidSignatureException')
  assert.match(seen[0].auth.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/)
})

test('converseStream heals with one retry, then signs with the learned skew', async () => {
  for (const [call, expected] of [
    ['first', 2],
    ['second', 1],
  ]) {
    const { value: result, seen } = await requestsDuring(() => addon.converseStream(model(), context, {}).result())
    assert.equal(result.stopReason, 'stop', `${call}: ${result.errorMessage}`)
    assert.equal(seen.length, expected, `${call} stream: ${expected} request(s)`)
    assert.equal(seen.at(-1).auth.ok, true)
  }
})

function sdkClient(overrides = {}) {
  return new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: emu.url,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    ...overrides,
  })
}

for (const [name, send] of [
  ['ConverseStream', async (client, input) => {
    const res = await client.send(new ConverseStreamCommand(input))
    for await (const _ of res.stream);
  }],
  ['Converse', (client, input) => client.send(new ConverseCommand(input))],
]) {
  test(`the AWS SDK for JS: ${name} heals the same way (systemClockOffset)`, async () => {
    const client = sdkClient()
    for (const [call, expected] of [
      ['first', 2],
      ['second', 1],
    ]) {
      const { seen } = await requestsDuring(() =>
        send(client, { modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
      )
      assert.equal(seen.length, expected, `${call} ${name}: ${expected} request(s)`)
    }
    assert.ok(Math.abs(client.config.systemClockOffset - 600_000) < 10_000, `offset ${client.config.systemClockOffset}`)
  })
}

test('pi-ai (a new SDK client per call) heals each call with one retry', async () => {
  const { value: result, seen } = await requestsDuring(() => piAiStream(model(), context, {}).result())
  assert.equal(result.stopReason, 'stop', result.errorMessage)
  assert.equal(seen.length, 2)
})
