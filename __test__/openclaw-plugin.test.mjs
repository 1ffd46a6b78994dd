// The OpenClaw plugin's hooks, called as OpenClaw calls them (a fake plugin api that
// records the registration), against the in-process emulator. Fast; the real gateway
// is __test__/openclaw.test.mjs.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { startEmulator } from 'bedrock-native'

const require = createRequire(import.meta.url)
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const plugin = require('../js/openclaw-plugin.js')
const { toSimpleOptions } = require('../js/openclaw-stream.js')

const NOVA = 'amazon.nova-micro-v1:0'
const BUDGET_CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0'

let emu
let work
let provider

function registered(pluginConfig) {
  const providers = []
  plugin.createPlugin().register({ pluginConfig, registerProvider: (p) => providers.push(p) })
  assert.equal(providers.length, 1)
  return providers[0]
}

function model(id, extra = {}) {
  return {
    id,
    name: id,
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    baseUrl: emu.url,
    reasoning: true,
    input: ['text'],
    contextWindow: 200000,
    maxTokens: 64000,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    ...extra,
  }
}

const context = { systemPrompt: 'Be brief.', messages: [{ role: 'user', content: 'hello', timestamp: 1 }] }

function credentialsEnv() {
  return { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: emu.region, HOME: work }
}

async function lastStreamBody() {
  const requests = (await emu.requests()).filter((r) => r.operation === 'ConverseStream')
  return requests.at(-1)
}

before(async () => {
  emu = await startEmulator()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-openclaw-plugin-'))
  // The stream authenticates from the process environment (the AWS chain).
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: emu.region })
  delete process.env.AWS_BEARER_TOKEN_BEDROCK
  delete process.env.AWS_PROFILE
  provider = registered({})
})

after(async () => {
  await emu?.close()
  fs.rmSync(work, { recursive: true, force: true })
})

test('manifest and package.json make the npm package the amazon-bedrock plugin', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'openclaw.plugin.json'), 'utf8'))
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  assert.equal(manifest.id, 'amazon-bedrock')
  assert.deepEqual(manifest.providers, ['amazon-bedrock'])
  const schema = manifest.configSchema.properties
  for (const key of ['enabled', 'region', 'providerFilter', 'refreshInterval', 'defaultContextWindow', 'defaultMaxTokens']) {
    assert.ok(schema.discovery.properties[key], `configSchema discovery.${key}`)
  }
  assert.deepEqual(schema.guardrail.required, ['guardrailIdentifier', 'guardrailVersion'])
  assert.ok(manifest.setup.providers[0].envVars.includes('AWS_BEARER_TOKEN_BEDROCK'))
  assert.ok(pkg.files.includes('openclaw.plugin.json'))
  for (const entry of [...pkg.openclaw.extensions, ...pkg.openclaw.runtimeExtensions]) {
    assert.ok(fs.existsSync(path.join(root, entry)), `${entry} exists`)
  }
  const platformPackages = fs.readdirSync(path.join(root, 'npm')).map((suffix) => `${pkg.name}-${suffix}`)
  assert.deepEqual([...pkg.openclaw.install.requiredPlatformPackages].sort(), platformPackages.sort())
  assert.equal(pkg.openclaw.build.openclawVersion, '2026.9.6')
  assert.equal(plugin.id, manifest.id)
  assert.equal(typeof plugin.register, 'function')
})

test('registers the amazon-bedrock provider with the hooks OpenClaw calls', () => {
  assert.equal(provider.id, 'amazon-bedrock')
  for (const hook of ['resolveConfigApiKey', 'createStreamFn', 'matchesContextOverflowError', 'classifyFailoverReason', 'resolveThinkingProfile']) {
    assert.equal(typeof provider[hook], 'function', hook)
  }
  assert.equal(typeof provider.catalog.run, 'function')
  assert.equal(typeof provider.staticCatalog.run, 'function')
})

test('OpenClaw stream options: off = no reasoning, adaptive = a real level, markers and headers are not request options', () => {
  const signal = new AbortController().signal
  const openclaw = {
    reasoning: 'off',
    apiKey: 'AWS_PROFILE',
    headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    requestId: 'r-1',
    sessionId: 's-1',
    transport: 'sse',
    signal,
    maxRetryDelayMs: 5000,
    thinkingBudgets: { low: 2048 },
  }
  assert.deepEqual(toSimpleOptions(openclaw), { thinkingBudgets: { low: 2048 }, signal, maxRetryDelayMs: 5000 })
  assert.equal(toSimpleOptions({ reasoning: 'adaptive' }).reasoning, 'high')
  assert.equal(toSimpleOptions({ reasoning: 'max' }).reasoning, 'max')
  assert.equal(toSimpleOptions({ thinkingLevel: 'low' }).reasoning, 'low')
  assert.throws(() => toSimpleOptions({ reasoning: 'loud' }), { code: 'InvalidArgument', message: /unknown thinking level "loud"/ })
})

test('createStreamFn: /think off sends no thinking, the auth marker is not a bearer token, guardrail and service tier reach the body', async () => {
  const config = {
    plugins: { entries: { 'amazon-bedrock': { config: { guardrail: { guardrailIdentifier: 'gr-1', guardrailVersion: '2', trace: 'enabled' } } } } },
    agents: { defaults: { params: { serviceTier: 'flex' } } },
  }
  const streamFn = provider.createStreamFn({ config, provider: 'amazon-bedrock', modelId: BUDGET_CLAUDE, model: model(BUDGET_CLAUDE) })
  await emu.clearRequests()
  const stream = streamFn(model(BUDGET_CLAUDE), context, { reasoning: 'off', apiKey: 'AWS_PROFILE', headers: { traceparent: 'x' } })
  for (const method of ['push', 'end', 'result']) assert.equal(typeof stream[method], 'function', method)
  const events = []
  for await (const event of stream) events.push(event.type)
  const message = await stream.result()
  assert.equal(message.stopReason, 'stop', message.errorMessage)
  assert.ok(events.includes('text_delta'))
  const request = await lastStreamBody()
  assert.equal(request.auth.scheme, 'sigv4')
  assert.equal(request.headers.authorization, undefined)
  assert.equal(request.headers.traceparent, undefined)
  assert.equal(request.body.additionalModelRequestFields?.thinking, undefined)
  assert.deepEqual(request.body.guardrailConfig, { guardrailIdentifier: 'gr-1', guardrailVersion: '2', trace: 'enabled' })
  assert.deepEqual(request.body.serviceTier, { type: 'flex' })
})

test('createStreamFn: onPayload edits the request in place and the edited body is sent', async () => {
  const streamFn = provider.createStreamFn({ config: {}, provider: 'amazon-bedrock', modelId: NOVA, model: model(NOVA, { reasoning: false }) })
  await emu.clearRequests()
  let seen
  const stream = streamFn(model(NOVA, { reasoning: false }), context, {
    onPayload: (payload) => {
      seen = payload.modelId
      payload.inferenceConfig.maxTokens = 77
      payload.requestMetadata = { openclaw: 'edited' }
    },
  })
  const message = await stream.result()
  assert.equal(message.stopReason, 'stop', message.errorMessage)
  assert.equal(seen, NOVA)
  const request = await lastStreamBody()
  assert.equal(request.body.inferenceConfig.maxTokens, 77)
  assert.deepEqual(request.body.requestMetadata, { openclaw: 'edited' })
})

test('a throttled request ends with the stable code in errorMessage and classifies as rate_limit', async () => {
  await emu.script(NOVA, { times: 0, http: { status: 429, errorType: 'ThrottlingException', message: 'Too many requests' } })
  try {
    const streamFn = provider.createStreamFn({ config: {}, provider: 'amazon-bedrock', modelId: NOVA, model: model(NOVA) })
    const message = await streamFn(model(NOVA, { reasoning: false }), context, { maxRetries: 0 }).result()
    assert.equal(message.stopReason, 'error')
    assert.match(message.errorMessage, /^ThrottlingException: .*Too many requests/)
    assert.equal(provider.classifyFailoverReason({ provider: 'amazon-bedrock', modelId: NOVA, errorMessage: message.errorMessage }), 'rate_limit')
  } finally {
    await emu.reset()
  }
})

test('classifyFailoverReason and matchesContextOverflowError read the stable codes', () => {
  const classify = provider.classifyFailoverReason
  assert.equal(classify({ errorMessage: 'slow down', code: 'ThrottlingException' }), 'rate_limit')
  assert.equal(classify({ errorMessage: 'ModelNotReadyException: warming up' }), 'overloaded')
  assert.equal(classify({ errorMessage: 'ServiceUnavailableException: try later' }), 'overloaded')
  assert.equal(classify({ errorMessage: 'Timeout: no response from host within 100 ms (first-event timeout)' }), 'timeout')
  assert.equal(classify({ errorMessage: 'ExpiredTokenException: The security token included in the request is expired' }), 'auth')
  assert.equal(classify({ errorMessage: 'ValidationException: The provided model identifier is invalid.' }), undefined)
  const overflow = 'ValidationException: Input is too long for requested model.'
  assert.equal(provider.matchesContextOverflowError({ errorMessage: overflow }), true)
  assert.equal(classify({ errorMessage: overflow }), 'context_overflow')
  assert.equal(provider.matchesContextOverflowError({ errorMessage: 'ModelStreamErrorException: too many input tokens' }), true)
  assert.equal(provider.matchesContextOverflowError({ errorMessage: 'Input is too long' }), false, 'not a Bedrock error')
  assert.equal(provider.matchesContextOverflowError({ errorMessage: 'ValidationException: temperature is not supported' }), false)
})

test('resolveConfigApiKey: the env marker OpenClaw knows', () => {
  const fresh = registered({})
  assert.equal(fresh.resolveConfigApiKey({ provider: 'amazon-bedrock', env: { AWS_PROFILE: 'work' } }), 'AWS_PROFILE')
  assert.equal(fresh.resolveConfigApiKey({ provider: 'amazon-bedrock', env: { AWS_BEARER_TOKEN_BEDROCK: 'secret-token' } }), 'AWS_BEARER_TOKEN_BEDROCK')
  assert.equal(fresh.resolveConfigApiKey({ provider: 'amazon-bedrock', env: { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 's' } }), 'AWS_ACCESS_KEY_ID')
})

test('catalog.run discovers through the plugin config into the shared cache file; staticCatalog reads it with no network', async () => {
  const cacheFile = path.join(work, 'discovery.json')
  const config = {
    models: { providers: { 'amazon-bedrock': { baseUrl: emu.url } } },
    plugins: { entries: { 'amazon-bedrock': { config: { discovery: { enabled: true, providerFilter: ['amazon'], cacheFile } } } } },
  }
  const env = credentialsEnv()
  await emu.clearRequests()
  const live = await provider.catalog.run({ config, env, resolveProviderApiKey: () => ({}), resolveProviderAuth: () => ({}) })
  assert.equal(live.provider.baseUrl, emu.url)
  assert.equal(live.provider.api, 'bedrock-converse-stream')
  assert.equal(live.provider.auth, 'aws-sdk')
  const ids = live.provider.models.map((m) => m.id)
  assert.ok(ids.includes(NOVA), ids.join(', '))
  assert.ok(ids.every((id) => /(^|\.)amazon\./.test(id)), `providerFilter applied: ${ids.join(', ')}`)
  assert.ok(fs.existsSync(cacheFile))
  const calls = (await emu.requests()).length
  assert.ok(calls > 0)
  // Credentials found with no env marker (an EC2/ECS role): OpenClaw's AWS SDK marker.
  assert.equal(provider.resolveConfigApiKey({ provider: 'amazon-bedrock', env: {} }), '__aws_sdk_auth__')

  const offline = await provider.staticCatalog.run({ config, env: {} })
  assert.deepEqual(offline.provider.models.map((m) => m.id), ids)
  assert.equal(offline.provider.baseUrl, emu.url, 'the explicit baseUrl wins')
  assert.equal((await emu.requests()).length, calls, 'staticCatalog made no request')

  // Headless runs resolve a model id through resolveDynamicModel (sync, the cache file).
  const savedState = process.env.OPENCLAW_STATE_DIR
  const dynamic = provider.resolveDynamicModel({ config, provider: 'amazon-bedrock', modelId: NOVA, providerConfig: { baseUrl: emu.url } })
  assert.equal(dynamic.id, NOVA)
  assert.equal(dynamic.provider, 'amazon-bedrock')
  assert.equal(dynamic.api, 'bedrock-converse-stream')
  assert.equal(dynamic.baseUrl, emu.url)
  assert.equal(dynamic.reasoning, false)
  assert.ok(dynamic.maxTokens > 0 && dynamic.contextWindow > 0)
  assert.equal(provider.resolveDynamicModel({ config, provider: 'amazon-bedrock', modelId: 'no.such-model' }), undefined)
  assert.equal((await emu.requests()).length, calls, 'resolveDynamicModel made no request')
  assert.equal(process.env.OPENCLAW_STATE_DIR, savedState)

  const none = await provider.staticCatalog.run({ config: { plugins: { entries: { 'amazon-bedrock': { config: { discovery: { cacheFile: path.join(work, 'absent.json') } } } } } }, env: {} })
  assert.equal(none, null)
})

test('prepareDynamicModel discovers (with the process credentials) and returns the runtime model', async () => {
  const config = {
    models: { providers: { 'amazon-bedrock': { baseUrl: emu.url } } },
    plugins: { entries: { 'amazon-bedrock': { config: { discovery: { enabled: true, cacheFile: path.join(work, 'prepare.json') } } } } },
  }
  const prepared = await provider.prepareDynamicModel({ config, provider: 'amazon-bedrock', modelId: BUDGET_CLAUDE })
  assert.equal(prepared.id, BUDGET_CLAUDE)
  assert.equal(prepared.reasoning, true)
  assert.equal(prepared.baseUrl, emu.url)
  assert.ok(fs.existsSync(path.join(work, 'prepare.json')))
})

test('resolveThinkingProfile: the levels the core says each model takes', () => {
  let describeModel
  try {
    ;({ describeModel } = require('../js/models.js'))
  } catch (error) {
    assert.fail(`js/models.js describeModel (the core's model facts) is not in this build: ${error.message}`)
  }
  for (const id of ['anthropic.claude-opus-4-6-v1', BUDGET_CLAUDE, NOVA]) {
    const facts = describeModel(id)
    const profile = provider.resolveThinkingProfile({ provider: 'amazon-bedrock', modelId: id })
    const levels = profile.levels.map((l) => l.id)
    assert.equal(levels[0], 'off', id)
    if (!facts.reasoning || facts.thinking === 'none') {
      assert.deepEqual(levels, ['off'], id)
      continue
    }
    for (const level of facts.thinkingLevels) assert.ok(levels.includes(level), `${id}: ${level}`)
    assert.equal(levels.includes('adaptive'), facts.thinking === 'adaptive', id)
  }
  const adaptive = provider.resolveThinkingProfile({ modelId: 'anthropic.claude-opus-4-6-v1' })
  assert.ok(adaptive.levels.some((l) => l.id === 'max'), 'max on adaptive Claude')
  assert.equal(adaptive.defaultLevel, 'adaptive')
  // Exactly the core's levels (xhigh only where the core has it, e.g. Opus 4.7).
  for (const id of ['anthropic.claude-opus-4-7', 'anthropic.claude-opus-4-6-v1', BUDGET_CLAUDE]) {
    const expected = describeModel(id).thinkingLevels.filter((l) => l !== 'adaptive')
    const got = provider.resolveThinkingProfile({ modelId: id }).levels.map((l) => l.id).filter((l) => l !== 'adaptive')
    assert.deepEqual(got, expected, id)
  }
})
