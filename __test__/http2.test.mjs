// HTTP/2 over TLS through the addon, as against AWS: the emulator serves HTTPS with a
// throwaway CA (__test__/fixtures/tls) offering ALPN h2 + http/1.1 and records each
// request's HTTP version and connection. 100 concurrent streams multiplex on at most two
// connections; AWS_BEDROCK_FORCE_HTTP1=1 (pi-ai's switch) keeps HTTP/1.1; the AWS SDK for
// JS (its default HTTP/2 handler for bedrock-runtime) works against the same server.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime'
import { CONTEXT, drain, modelFor, useEmulatorCredentials } from './reliability-helpers.mjs'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tls')
const MODEL_ID = 'amazon.nova-micro-v1:0'

useEmulatorCredentials()
// The addon trusts the CA as the AWS SDKs do (AWS_CA_BUNDLE, read when a stream starts).
process.env.AWS_CA_BUNDLE = path.join(fixtures, 'ca.pem')
for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
  delete process.env[name]
}

let emu
let model

before(async () => {
  emu = await addon.startEmulator({
    tls: {
      certChainPem: fs.readFileSync(path.join(fixtures, 'server.pem'), 'utf8'),
      privateKeyPem: fs.readFileSync(path.join(fixtures, 'server.key'), 'utf8'),
    },
  })
  assert.match(emu.url, /^https:\/\/127\.0\.0\.1:/)
  model = modelFor(emu.url, MODEL_ID)
})

after(async () => {
  await emu?.close()
})

const wire = () => {
  const requests = emu.requests()
  return {
    count: requests.length,
    versions: [...new Set(requests.map((r) => r.httpVersion))],
    connections: new Set(requests.map((r) => r.connectionId)).size,
  }
}

test('100 concurrent streams go over HTTP/2 on at most two connections', async () => {
  emu.reset()
  // ~20 deltas 10 ms apart: all hundred streams are open at once.
  emu.script(MODEL_ID, { times: 0, text: 'one two three four five six seven eight nine ten '.repeat(2), faults: { delayBetweenFramesMs: 10 } })
  const results = await Promise.all(Array.from({ length: 100 }, () => drain(addon.converseStream(model, CONTEXT, { maxRetries: 0 }))))
  for (const { last, result } of results) {
    assert.equal(last.type, 'done', JSON.stringify(last))
    assert.match(result.content[0].text, /one two three/)
  }
  const seen = wire()
  assert.equal(seen.count, 100)
  assert.deepEqual(seen.versions, ['HTTP/2.0'])
  assert.ok(seen.connections <= 2, `100 streams used ${seen.connections} connections`)
})

test("AWS_BEDROCK_FORCE_HTTP1=1 (pi-ai's switch, here through options.env) keeps HTTP/1.1", async () => {
  emu.reset()
  const { last } = await drain(addon.converseStream(model, CONTEXT, { maxRetries: 0, env: { AWS_BEDROCK_FORCE_HTTP1: '1' } }))
  assert.equal(last.type, 'done', JSON.stringify(last))
  assert.deepEqual(wire().versions, ['HTTP/1.1'])
})

test('the AWS SDK for JS (default HTTP/2 handler) streams from the emulator over TLS', async () => {
  emu.reset()
  // Node reads NODE_EXTRA_CA_CERTS only at start-up; add the test CA to this process's defaults.
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), fs.readFileSync(path.join(fixtures, 'ca.pem'), 'utf8')])
  const client = new BedrockRuntimeClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    maxAttempts: 1,
  })
  try {
    const res = await client.send(
      new ConverseStreamCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    )
    const kinds = []
    for await (const event of res.stream) kinds.push(Object.keys(event)[0])
    assert.equal(kinds[0], 'messageStart')
    assert.ok(kinds.includes('contentBlockDelta') && kinds.includes('messageStop'), kinds.join(','))
  } finally {
    client.destroy()
  }
  const [request] = emu.requests()
  assert.equal(request.httpVersion, 'HTTP/2.0')
  assert.equal(request.auth.scheme, 'sigv4')
  assert.ok(request.auth.ok && request.auth.verified, JSON.stringify(request.auth))
})
