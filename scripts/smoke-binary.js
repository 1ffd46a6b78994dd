#!/usr/bin/env node
'use strict'
// Smoke test of one built addon binary, the way a release checks each target on its own
// platform (and `npm run build:cross` checks the arm64 one under qemu): load it, start the
// emulator it carries, discover models, stream a reply, abort a stream mid-way. Prints one
// JSON line with what it saw; exits non-zero, naming the step, if any step fails.
//
//   node scripts/smoke-binary.js                      # the binary the loader picks
//   node scripts/smoke-binary.js path/to/x.node       # exactly this binary
//
// Only loopback is used; the credentials are the emulator's own test identity.

const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const MODEL_ID = 'amazon.nova-micro-v1:0'

/** Real path of every shared object mapped into this process (Linux), else null. */
function mappedFiles() {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8')
    return new Set(maps.split('\n').map((line) => line.split(/\s+/).slice(5).join(' ')).filter((f) => f.startsWith('/')))
  } catch {
    return null
  }
}

async function step(name, fn) {
  try {
    return await fn()
  } catch (error) {
    error.message = `smoke step "${name}" failed: ${error.message}`
    throw error
  }
}

async function smoke(binary) {
  if (binary) {
    binary = fs.realpathSync(path.resolve(binary))
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH = binary
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-smoke-'))
  const report = { node: process.version, platform: process.platform, arch: process.arch, binary: binary ?? null }
  let emu
  try {
    const bedrock = await step('load', () => {
      const api = require('../js/index.js')
      assert.equal(api.__napiBindingTarget, 'native', 'the loader did not load a native binary')
      const mapped = mappedFiles()
      if (binary && mapped) assert.ok(mapped.has(binary), `${binary} is not mapped into the process`)
      return api
    })

    emu = await step('emulator', () => bedrock.startEmulator())
    for (const name of ['AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK', 'AWS_SESSION_TOKEN']) delete process.env[name]
    Object.assign(process.env, {
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: emu.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
      AWS_REGION: emu.region,
    })

    report.models = await step('discover', async () => {
      const env = { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey }
      const models = await bedrock.discoverModels({ endpoint: emu.url, env, refreshInterval: 0 })
      assert.ok(Array.isArray(models) && models.length > 0, 'no models discovered')
      assert.ok(models.some((m) => m.id.includes(MODEL_ID)), `${MODEL_ID} not among the discovered models`)
      return models.length
    })

    const model = {
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
    }

    report.text = await step('stream', async () => {
      const context = { messages: [{ role: 'user', content: 'smoke test', timestamp: 1 }] }
      let text = ''
      const stream = bedrock.converseStream(model, context)
      for await (const event of stream) if (event.type === 'text_delta') text += event.delta
      const result = await stream.result()
      assert.equal(result.stopReason, 'stop', result.errorMessage)
      assert.match(text, /You said: smoke test/)
      return text
    })

    report.abortedAfterDeltas = await step('abort', async () => {
      const words = Array.from({ length: 300 }, (_, i) => `w${i}`)
      emu.script(MODEL_ID, { text: words.join(' '), faults: { delayBetweenFramesMs: 20 } })
      const controller = new AbortController()
      const stream = bedrock.converseStream(model, { messages: [{ role: 'user', content: 'long', timestamp: 1 }] }, { signal: controller.signal })
      let deltas = 0
      for await (const event of stream) {
        if (event.type === 'text_delta' && ++deltas === 3) controller.abort()
      }
      const result = await stream.result()
      assert.equal(result.stopReason, 'aborted')
      assert.ok(!result.content[0]?.text?.includes(words.at(-1)), 'the whole reply arrived despite the abort')
      const last = emu.requests().filter((r) => r.operation === 'ConverseStream').at(-1)
      assert.equal(last.response.completed, false, 'the emulator finished sending the aborted stream')
      return deltas
    })
    return report
  } finally {
    await emu?.close()
    fs.rmSync(home, { recursive: true, force: true })
  }
}

module.exports = { smoke }

if (require.main === module) {
  smoke(process.argv[2]).then(
    (report) => {
      process.stdout.write(`${JSON.stringify({ ok: true, ...report })}\n`)
    },
    (error) => {
      process.stderr.write(`${error.stack || error.message}\n`)
      process.exit(1)
    },
  )
}
