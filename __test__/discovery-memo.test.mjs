// The JS memo in front of the native discovery cache (js/discovery.js) must answer
// exactly as the native cache would: same list within the TTL, a fetch after
// clearDiscoveryCache(), every time with refreshInterval 0, and a separate entry when the
// credentials in the environment change.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')

let emu
before(async () => {
  emu = await bedrock.startEmulator()
  process.env.AWS_ACCESS_KEY_ID = emu.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = emu.secretAccessKey
  delete process.env.AWS_BEARER_TOKEN_BEDROCK
  delete process.env.AWS_PROFILE
})
after(async () => {
  await emu?.close()
})

const listCalls = () => emu.requests().filter((r) => r.path === '/foundation-models').length

test('within the TTL the same list comes back without another ListFoundationModels', async () => {
  bedrock.clearDiscoveryCache()
  emu.clearRequests()
  const options = { endpoint: emu.url, region: 'us-east-1' }
  const first = await bedrock.discoverModelsDetailed(options)
  assert.equal(first.fromCache, false)
  const second = await bedrock.discoverModelsDetailed(options)
  assert.equal(second.fromCache, true)
  assert.deepEqual(second.models, first.models)
  const list = await bedrock.discoverModels(options)
  assert.notEqual(list, second.models, 'each caller gets its own array')
  list.pop()
  assert.equal((await bedrock.discoverModels(options)).length, first.models.length, "one caller's edit does not shrink the next answer")
  assert.equal(listCalls(), 1)
})

test('clearDiscoveryCache() forgets the memo too', async () => {
  const options = { endpoint: emu.url, region: 'us-east-1' }
  await bedrock.discoverModels(options)
  emu.clearRequests()
  bedrock.clearDiscoveryCache()
  const again = await bedrock.discoverModelsDetailed(options)
  assert.equal(again.fromCache, false)
  assert.equal(listCalls(), 1)
})

test('refreshInterval 0 calls AWS every time', async () => {
  emu.clearRequests()
  const options = { endpoint: emu.url, region: 'us-east-1', refreshInterval: 0 }
  await bedrock.discoverModels(options)
  await bedrock.discoverModels(options)
  await bedrock.discoverModels(options)
  assert.equal(listCalls(), 3)
})

test('other credentials in the environment are another cache entry', async () => {
  bedrock.clearDiscoveryCache()
  const options = { endpoint: emu.url, region: 'us-east-1' }
  await bedrock.discoverModels(options)
  emu.clearRequests()
  const saved = process.env.AWS_ACCESS_KEY_ID
  // The emulator only accepts its own identity: a different key id fails, and must not
  // be answered from the first identity's memo.
  process.env.AWS_ACCESS_KEY_ID = 'AKIDSOMEONEELSE00001'
  try {
    const other = await bedrock.discoverModelsDetailed(options)
    assert.equal(other.fromCache, false)
    assert.ok(listCalls() >= 1, 'the other identity went to the service')
  } finally {
    process.env.AWS_ACCESS_KEY_ID = saved
  }
  emu.clearRequests()
  assert.equal((await bedrock.discoverModelsDetailed(options)).fromCache, true)
  assert.equal(listCalls(), 0)
})
