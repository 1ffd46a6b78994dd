// The AWS config file's endpoint settings reach the same endpoint through the addon as
// through the AWS SDK for JS: a `[services]` section's bedrock_runtime URL wins over the
// profile's endpoint_url. Before, the addon ignored both and dialled AWS.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')
const { BedrockRuntimeClient, ConverseCommand } = require('@aws-sdk/client-bedrock-runtime')

let global
let service
let home
const saved = { ...process.env }

before(async () => {
  global = await bedrock.startEmulator()
  service = await bedrock.startEmulator()
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'bn-profile-settings-'))
  const config = path.join(home, 'aws-config')
  fs.writeFileSync(
    config,
    `[default]\nregion = us-east-1\nendpoint_url = ${global.url}\nservices = my-svc\n\n[services my-svc]\nbedrock_runtime =\n  endpoint_url = ${service.url}\n`,
  )
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_') || /_proxy$/i.test(name)) delete process.env[name]
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: config,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: global.accessKeyId,
    AWS_SECRET_ACCESS_KEY: global.secretAccessKey,
  })
})

after(async () => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
  Object.assign(process.env, saved)
  await global?.close()
  await service?.close()
  fs.rmSync(home, { recursive: true, force: true })
})

const model = { id: 'amazon.nova-micro-v1:0', name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock', input: ['text'], reasoning: false, contextWindow: 128000, maxTokens: 4096, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } }
const context = { messages: [{ role: 'user', content: 'hi', timestamp: 1 }] }

function where() {
  const counts = { global: global.requests().length, service: service.requests().length }
  global.clearRequests()
  service.clearRequests()
  return counts
}

test('profile [services] bedrock_runtime endpoint_url: the addon and the AWS SDK for JS call the same emulator', async () => {
  where()
  const sdk = new BedrockRuntimeClient({})
  await sdk.send(new ConverseCommand({ modelId: model.id, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }))
  sdk.destroy()
  const sdkHit = where()
  const result = await bedrock.converseStream(model, context, {}).result()
  assert.equal(result.stopReason, 'stop', result.errorMessage)
  const oursHit = where()
  assert.deepEqual(sdkHit, { global: 0, service: 1 })
  assert.deepEqual(oursHit, sdkHit)
})
