// discoverModels / discoverModelsDetailed / clearDiscoveryCache / resolveBedrockProvider
// from JS against the emulator (startEmulator), including two processes sharing the
// disk cache and surviving a corrupt one.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

let emu
let home

before(async () => {
  emu = await bedrock.startEmulator()
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'bn-js-disc-'))
})

after(async () => {
  await emu?.close()
})

function keyEnv() {
  return { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey }
}

function calls(op) {
  return emu.requests().filter((r) => r.operation === op).length
}

test('discoverModels returns the gateway model shape, global. first, cached', async () => {
  bedrock.clearDiscoveryCache()
  emu.clearRequests()
  const models = await bedrock.discoverModels({ endpoint: emu.url, env: keyEnv() })
  assert.ok(Array.isArray(models) && models.length > 10)
  const m = models.find((x) => x.id === 'anthropic.claude-3-7-sonnet-20250219-v1:0')
  assert.deepEqual(Object.keys(m).sort(), ['contextWindow', 'cost', 'id', 'input', 'maxTokens', 'name', 'reasoning'])
  assert.deepEqual(m.input, ['text', 'image'])
  assert.equal(m.contextWindow, 200000)
  assert.equal(m.reasoning, true)
  assert.deepEqual(Object.keys(m.cost).sort(), ['cacheRead', 'cacheWrite', 'input', 'output'])
  assert.ok(models[0].id.startsWith('global.'))
  const again = await bedrock.discoverModelsDetailed({ endpoint: emu.url, env: keyEnv() })
  assert.equal(again.fromCache, true)
  assert.equal(calls('ListFoundationModels'), 1)
  bedrock.clearDiscoveryCache()
  await bedrock.discoverModels({ endpoint: emu.url, env: keyEnv() })
  assert.equal(calls('ListFoundationModels'), 2, 'clearDiscoveryCache forgets the list')
})

test('100 concurrent calls make one call to each API', async () => {
  bedrock.clearDiscoveryCache()
  emu.clearRequests()
  const results = await Promise.all(Array.from({ length: 100 }, () => bedrock.discoverModels({ endpoint: emu.url, env: keyEnv(), providerFilter: ['meta'] })))
  assert.ok(results.every((r) => r.length === results[0].length && r.length > 0))
  assert.equal(calls('ListFoundationModels'), 1)
  assert.equal(calls('ListInferenceProfiles'), 2, 'one per profile type')
})

test('the bearer token goes on the wire and never into results or errors', async () => {
  const models = await bedrock.discoverModels({ endpoint: emu.url, env: { HOME: home, AWS_EC2_METADATA_DISABLED: 'true' }, bearerToken: emu.bearerToken, refreshInterval: 0 })
  assert.ok(models.length > 0)
  const last = emu.requests().at(-1)
  assert.equal(last.auth.scheme, 'bearer')
  assert.ok(!JSON.stringify(models).includes(emu.bearerToken))
  await assert.rejects(
    bedrock.discoverModels({ endpoint: emu.url, env: { HOME: home }, bearerToken: 'wrong-secret-token-xyz', refreshInterval: 0, mode: 'strict' }),
    (e) => !e.message.includes('wrong-secret-token-xyz') && typeof e.code === 'string',
  )
})

test('advisory mode reports a denied permission in the result; strict mode rejects', async () => {
  const denied = await bedrock.startEmulator({ denyOperations: ['ListInferenceProfiles'] })
  try {
    const r = await bedrock.discoverModelsDetailed({ endpoint: denied.url, env: keyEnv(), refreshInterval: 0 })
    assert.ok(r.models.length > 0)
    assert.equal(r.partial, true)
    assert.equal(r.warnings[0].operation, 'ListInferenceProfiles')
    assert.equal(r.warnings[0].code, 'AccessDenied')
    assert.match(r.warnings[0].message, /bedrock:ListInferenceProfiles/)
    await assert.rejects(
      bedrock.discoverModels({ endpoint: denied.url, env: keyEnv(), refreshInterval: 0, mode: 'strict' }),
      (e) => e.code === 'AccessDenied' && e.httpStatus === 403 && /bedrock:ListInferenceProfiles/.test(e.message),
    )
    await assert.rejects(bedrock.discoverModels({ mode: 'loud' }), (e) => e instanceof TypeError && e.code === 'InvalidArgument')
  } finally {
    await denied.close()
  }
})

test('resolveBedrockProvider: off, auto without credentials, auto with a marker, explicit list', async () => {
  const noCreds = { HOME: home, AWS_EC2_METADATA_DISABLED: 'true' }
  assert.equal(await bedrock.resolveBedrockProvider({ config: { models: { bedrockDiscovery: { enabled: false } } }, env: keyEnv(), endpoint: emu.url }), null)
  assert.equal(await bedrock.resolveBedrockProvider({ config: {}, env: noCreds, endpoint: emu.url, probeTimeoutMs: 1500 }), null)
  const p = await bedrock.resolveBedrockProvider({ config: { models: { bedrockDiscovery: { region: 'us-east-1' } } }, env: keyEnv(), endpoint: emu.url })
  assert.equal(p.baseUrl, 'https://bedrock-runtime.us-east-1.amazonaws.com')
  assert.equal(p.api, 'bedrock-converse-stream')
  assert.equal(p.auth, 'aws-sdk')
  assert.equal(p.modelsSource, 'discovered')
  assert.ok(p.models.length > 0)
  const explicit = await bedrock.resolveBedrockProvider({
    config: { models: { providers: { 'amazon-bedrock': { models: [{ id: 'amazon.nova-micro-v1:0', name: 'Nova' }] } } } },
    env: keyEnv(),
    endpoint: emu.url,
  })
  assert.deepEqual(explicit.models.map((m) => m.id), ['amazon.nova-micro-v1:0'])
  assert.equal(explicit.modelsSource, 'explicit')
})

/** Runs discoverModelsDetailed in a separate Node process. */
function childDiscover(options) {
  const script = `
    const bedrock = require(${JSON.stringify(path.join(root, 'js', 'index.js'))})
    bedrock.discoverModelsDetailed(${JSON.stringify(options)})
      .then((r) => process.stdout.write(JSON.stringify({ count: r.models.length, fromCache: r.fromCache })))
      .catch((e) => { process.stdout.write(JSON.stringify({ error: e.message })); process.exitCode = 1 })
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.on('error', reject)
    child.on('close', () => {
      try {
        resolve(JSON.parse(out))
      } catch {
        reject(new Error(`child printed: ${out}`))
      }
    })
  })
}

test('two processes share the disk cache, and a corrupt file is replaced', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bn-js-diskcache-'))
  const cacheFile = path.join(dir, 'bedrock-models.json')
  const options = { endpoint: emu.url, env: keyEnv(), cacheFile, providerFilter: ['amazon'] }
  emu.clearRequests()

  const first = await childDiscover(options)
  assert.ok(first.count > 0 && first.fromCache === false, JSON.stringify(first))
  assert.equal(calls('ListFoundationModels'), 1)
  const written = fs.readFileSync(cacheFile, 'utf8')
  assert.ok(!written.includes(emu.secretAccessKey) && !written.includes(emu.accessKeyId), 'no credential in the cache file')

  const second = await childDiscover(options)
  assert.equal(second.fromCache, true)
  assert.equal(second.count, first.count)
  assert.equal(calls('ListFoundationModels'), 1, 'the second process started warm')

  // A corrupt file is ignored and replaced; two processes started together share one refresh.
  fs.writeFileSync(cacheFile, '{ this is not json')
  const [a, b] = await Promise.all([childDiscover(options), childDiscover(options)])
  assert.equal(a.count, first.count)
  assert.equal(b.count, first.count)
  assert.equal(calls('ListFoundationModels'), 2, 'one refresh for both processes')
  assert.equal(JSON.parse(fs.readFileSync(cacheFile, 'utf8')).format, 'bedrock-native/discovery-cache')

  // A foreign JSON file is ignored too.
  fs.writeFileSync(cacheFile, JSON.stringify({ some: 'other tool' }))
  const c = await childDiscover(options)
  assert.equal(c.fromCache, false)
  assert.equal(calls('ListFoundationModels'), 3)
})
