// Application inference profile ARNs name no model, so pi-ai's id-based family rules
// (thinking, prompt caching, temperature) would not apply to them. converseStream learns
// the base model (from discovery, else GetInferenceProfile) and builds the request as for
// that model.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')

const ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team-sonnet'
const SONNET_ARN = 'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0'

let emu
before(async () => {
  emu = await bedrock.startEmulator()
  process.env.AWS_ACCESS_KEY_ID = emu.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = emu.secretAccessKey
  delete process.env.AWS_SESSION_TOKEN
  delete process.env.AWS_BEARER_TOKEN_BEDROCK
  delete process.env.AWS_PROFILE
})
after(async () => {
  await emu?.close()
})

function model(id) {
  return {
    id,
    name: 'Team Sonnet',
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    baseUrl: emu.url,
    reasoning: true,
    input: ['text', 'image'],
    cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    contextWindow: 200000,
    maxTokens: 64000,
  }
}

const context = {
  systemPrompt: 'You are terse.',
  messages: [{ role: 'user', content: 'Say hi.', timestamp: 1 }],
}

async function sentBody(id, options) {
  emu.clearRequests()
  const events = []
  for await (const event of bedrock.converseStream(model(id), context, options)) events.push(event)
  const streamRequest = emu.requests().find((r) => r.path.includes('/converse-stream'))
  assert.ok(streamRequest, `no ConverseStream request recorded; events: ${JSON.stringify(events.at(-1)?.error?.errorMessage)}`)
  return { body: streamRequest.body, requests: emu.requests() }
}

test('an application profile ARN gets its base model family rules via GetInferenceProfile', async () => {
  // Point the ARN at Claude Sonnet 4.5 (a reasoning, caching model).
  await emu.script('op:GetInferenceProfile', {
    json: {
      inferenceProfileArn: ARN,
      inferenceProfileId: ARN,
      inferenceProfileName: 'team-sonnet',
      models: [{ modelArn: SONNET_ARN }],
      status: 'ACTIVE',
      type: 'APPLICATION',
    },
  })
  const { body, requests } = await sentBody(ARN, { reasoning: 'medium' })
  assert.ok(
    requests.some((r) => r.operation === 'GetInferenceProfile' || /\/inference-profiles\//.test(r.path)),
    'GetInferenceProfile was asked',
  )
  // Claude budget thinking and cache points: what pi-ai sends for the Sonnet 4.5 id itself.
  assert.equal(body.additionalModelRequestFields?.thinking?.type, 'enabled', JSON.stringify(body))
  assert.ok(body.system.some((block) => block.cachePoint), 'cache point after the system prompt')

  // The same request for the base model id, for comparison: identical family-dependent parts.
  const base = await sentBody('anthropic.claude-sonnet-4-5-20250929-v1:0', { reasoning: 'medium' })
  assert.deepEqual(body.additionalModelRequestFields, base.body.additionalModelRequestFields)
  assert.deepEqual(body.system, base.body.system)
})

test('a second stream reuses what was learnt: no further GetInferenceProfile', async () => {
  const { body, requests } = await sentBody(ARN, { reasoning: 'low' })
  assert.ok(!requests.some((r) => /\/inference-profiles\//.test(r.path)), JSON.stringify(requests.map((r) => r.path)))
  assert.equal(body.additionalModelRequestFields?.thinking?.type, 'enabled')
})

test('an unknown profile falls back to the id alone, as pi-ai does, and still streams', async () => {
  const unknown = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/nobody-knows'
  await emu.script('op:GetInferenceProfile', {
    http: { status: 404, errorType: 'ResourceNotFoundException', message: 'profile not found' },
  })
  emu.clearRequests()
  const events = []
  for await (const event of bedrock.converseStream(model(unknown), context, { reasoning: 'medium' })) events.push(event)
  const streamRequest = emu.requests().find((r) => r.path.includes('/converse-stream'))
  assert.ok(streamRequest, 'the stream request was still sent')
  assert.equal(streamRequest.body.additionalModelRequestFields, undefined, 'no Claude thinking for an id that names no Claude model')
})
