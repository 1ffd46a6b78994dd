// The emulator's strict validation seen through the AWS SDK for JS: a request Bedrock
// would refuse comes back as the SDK's typed ValidationException (status, message,
// request id, client fault), its valid twin streams, a cache point on a model without
// prompt caching is an AccessDeniedException, and `strictValidation: false` lets the
// refused request through for fault-injection tests.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  ConverseCommand,
  ValidationException,
  AccessDeniedException,
} from '@aws-sdk/client-bedrock-runtime'

const require = createRequire(import.meta.url)
const { startEmulator } = require('../index.js')

const SONNET45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'
const OPUS48 = 'global.anthropic.claude-opus-4-8'
let emu
let lax

before(async () => {
  emu = await startEmulator()
  lax = await startEmulator({ strictValidation: false })
})
after(async () => {
  await emu?.close()
  await lax?.close()
})

function runtime(e) {
  return new BedrockRuntimeClient({
    region: e.region,
    endpoint: e.url,
    credentials: { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey },
    maxAttempts: 1,
  })
}

const messages = [{ role: 'user', content: [{ text: 'hello there' }] }]

async function drain(response) {
  const events = []
  for await (const ev of response.stream) events.push(Object.keys(ev)[0])
  return events
}

test('thinking without budget_tokens is the SDK\'s ValidationException; the twin streams', async () => {
  const client = runtime(emu)
  const refused = new ConverseStreamCommand({
    modelId: SONNET45,
    messages,
    inferenceConfig: {},
    additionalModelRequestFields: { thinking: { type: 'enabled' } },
  })
  const err = await client.send(refused).then(
    () => assert.fail('accepted a request Bedrock refuses'),
    (e) => e,
  )
  assert.ok(err instanceof ValidationException, `${err?.name}: ${err?.message}`)
  assert.equal(err.name, 'ValidationException')
  assert.equal(err.$fault, 'client')
  assert.equal(err.$metadata.httpStatusCode, 400)
  assert.match(err.$metadata.requestId, /^[0-9a-f-]{36}$/)
  assert.equal(err.message, 'The model returned the following errors: thinking.enabled.budget_tokens: Field required')

  const ok = await client.send(
    new ConverseStreamCommand({
      modelId: SONNET45,
      messages,
      inferenceConfig: { maxTokens: 4096 },
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } },
    }),
  )
  const events = await drain(ok)
  assert.equal(events[0], 'messageStart')
  assert.ok(events.includes('messageStop'), events.join(','))
  client.destroy()
})

test('budget thinking and temperature on Opus 4.8 are refused; adaptive is accepted', async () => {
  const client = runtime(emu)
  for (const [input, message] of [
    [{ additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 } } }, /"thinking\.type\.enabled" is not supported for this model/],
    [{ inferenceConfig: { temperature: 0.3 } }, /`temperature` is deprecated for this model/],
  ]) {
    const err = await client.send(new ConverseCommand({ modelId: OPUS48, messages, ...input })).then(
      () => assert.fail(`accepted ${JSON.stringify(input)}`),
      (e) => e,
    )
    assert.ok(err instanceof ValidationException, `${err?.name}: ${err?.message}`)
    assert.match(err.message, message)
  }
  const ok = await client.send(
    new ConverseCommand({
      modelId: OPUS48,
      messages,
      additionalModelRequestFields: { thinking: { type: 'adaptive' }, output_config: { effort: 'high' } },
    }),
  )
  assert.equal(ok.$metadata.httpStatusCode, 200)
  client.destroy()
})

test('a cache point on a model without prompt caching is an AccessDeniedException', async () => {
  const client = runtime(emu)
  const input = { messages, system: [{ text: 'be brief' }, { cachePoint: { type: 'default' } }] }
  const err = await client.send(new ConverseCommand({ modelId: 'us.deepseek.r1-v1:0', ...input })).then(
    () => assert.fail('accepted'),
    (e) => e,
  )
  assert.ok(err instanceof AccessDeniedException, `${err?.name}: ${err?.message}`)
  assert.equal(err.$metadata.httpStatusCode, 403)
  const ok = await client.send(new ConverseCommand({ modelId: SONNET45, ...input }))
  assert.equal(ok.$metadata.httpStatusCode, 200)
  client.destroy()
})

test('strictValidation: false lets the refused request through', async () => {
  const client = runtime(lax)
  const ok = await client.send(
    new ConverseCommand({
      modelId: SONNET45,
      messages,
      additionalModelRequestFields: { thinking: { type: 'enabled' } },
    }),
  )
  assert.equal(ok.$metadata.httpStatusCode, 200)
  client.destroy()
})
