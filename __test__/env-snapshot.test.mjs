// Each call uses the environment of its own call time. process.env is changed right after
// a call returns (before its request is prepared): the call must still go where the
// environment said when it was made. Before, the core read the process environment later,
// on a tokio worker thread (a data race with Node writing process.env, and the second
// value for both calls).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')

let first
let second
let home
const saved = { ...process.env }

before(async () => {
  first = await bedrock.startEmulator()
  second = await bedrock.startEmulator()
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'bn-env-snapshot-'))
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_') || /_proxy$/i.test(name)) delete process.env[name]
  Object.assign(process.env, {
    HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: first.accessKeyId,
    AWS_SECRET_ACCESS_KEY: first.secretAccessKey,
    AWS_REGION: 'us-east-1',
  })
})

after(async () => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
  await first?.close()
  await second?.close()
  fs.rmSync(home, { recursive: true, force: true })
})

const model = { id: 'amazon.nova-micro-v1:0', name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock', input: ['text'], reasoning: false, contextWindow: 128000, maxTokens: 4096, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } }
const context = { messages: [{ role: 'user', content: 'hi', timestamp: 1 }] }

function count(emu, operation) {
  return emu.requests().filter((r) => r.operation === operation).length
}

test('converseStream: each stream goes where AWS_ENDPOINT_URL_BEDROCK_RUNTIME pointed when it was called', async () => {
  first.clearRequests()
  second.clearRequests()
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = first.url
  const a = bedrock.converseStream(model, context, {})
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = second.url
  const b = bedrock.converseStream(model, context, {})
  delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME
  const [ra, rb] = await Promise.all([a.result(), b.result()])
  assert.equal(ra.stopReason, 'stop', ra.errorMessage)
  assert.equal(rb.stopReason, 'stop', rb.errorMessage)
  assert.equal(count(first, 'ConverseStream'), 1)
  assert.equal(count(second, 'ConverseStream'), 1)
})

test('converseStream: credentials are those of the call time (a later key change does not leak into it)', async () => {
  first.clearRequests()
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = first.url
  const a = bedrock.converseStream(model, context, {})
  process.env.AWS_ACCESS_KEY_ID = 'AKIDCHANGEDAFTERCALL'
  process.env.AWS_REGION = 'x@127.0.0.1:1/'
  try {
    const ra = await a.result()
    assert.equal(ra.stopReason, 'stop', ra.errorMessage)
    assert.equal(first.requests()[0]?.auth.accessKeyId, first.accessKeyId)
  } finally {
    process.env.AWS_ACCESS_KEY_ID = first.accessKeyId
    process.env.AWS_REGION = 'us-east-1'
    delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME
  }
})

test('discoverModelsDetailed: each call asks the control plane AWS_ENDPOINT_URL_BEDROCK named at its call time', async () => {
  first.clearRequests()
  second.clearRequests()
  process.env.AWS_ENDPOINT_URL_BEDROCK = first.url
  const a = bedrock.discoverModelsDetailed({ refreshInterval: 0, mode: 'strict' })
  process.env.AWS_ENDPOINT_URL_BEDROCK = second.url
  const b = bedrock.discoverModelsDetailed({ refreshInterval: 0, mode: 'strict' })
  delete process.env.AWS_ENDPOINT_URL_BEDROCK
  const [ra, rb] = await Promise.all([a, b])
  assert.ok(ra.models.length > 0 && rb.models.length > 0)
  assert.equal(count(first, 'ListFoundationModels'), 1)
  assert.equal(count(second, 'ListFoundationModels'), 1)
})

test('probeCredentials: the region is the one set when it was called', async () => {
  process.env.AWS_REGION = 'eu-west-1'
  const a = bedrock.probeCredentials({ timeoutMs: 5000 })
  process.env.AWS_REGION = 'ap-south-1'
  const b = bedrock.probeCredentials({ timeoutMs: 5000 })
  process.env.AWS_REGION = 'us-east-1'
  const [ra, rb] = await Promise.all([a, b])
  assert.deepEqual([ra.region, rb.region], ['eu-west-1', 'ap-south-1'])
  assert.ok(ra.available && rb.available, `${ra.detail} / ${rb.detail}`)
})

test('an explicit env option is still used as given, not replaced by the snapshot', async () => {
  const result = await bedrock.probeCredentials({ env: { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'sa-east-1' }, timeoutMs: 2000 })
  assert.equal(result.region, 'sa-east-1')
  assert.equal(result.available, false)
})
