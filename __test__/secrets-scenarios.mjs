// Child process of secrets.test.mjs: runs every public entry point with known fake
// secrets in the environment and in options, DEBUG logging on, and prints everything
// the addon hands back (results, events, errors with all their properties and stacks)
// as `SCENARIO <name> <inspect>` lines. The parent greps stdout + stderr for the secrets.
// The emulator's own getters/records are NOT printed: it is the test double that is
// configured with these credentials and reports what it received.

import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import util from 'node:util'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

const S = JSON.parse(process.env.SECRETS_UNDER_TEST)
const MODEL_ID = 'amazon.nova-micro-v1:0'
const CONTEXT = { systemPrompt: 'Be brief.', messages: [{ role: 'user', content: 'Say hello', timestamp: 1 }] }
const FAST = { connectTimeoutMs: 1500, firstEventTimeoutMs: 1500, idleTimeoutMs: 500, maxRetries: 0 }

function show(name, value) {
  const text = util.inspect(value, { depth: 12, showHidden: true, breakLength: Infinity, maxArrayLength: 1000, maxStringLength: null })
  // One line per scenario (newlines escaped) so the parent can tell scenarios apart.
  process.stdout.write(`SCENARIO ${name} ${JSON.stringify(text)}\n`)
  try {
    process.stdout.write(`SCENARIO-JSON ${name} ${JSON.stringify(value)}\n`)
  } catch {
    // cyclic: inspect above covers it
  }
}

function errorDump(error) {
  if (!error || typeof error !== 'object') return { thrown: error }
  const out = { name: error.name, message: error.message, stack: error.stack, string: String(error) }
  for (const key of Object.getOwnPropertyNames(error)) out[key] = error[key]
  return out
}

async function scenario(name, fn) {
  try {
    show(name, await fn())
  } catch (error) {
    show(`${name}:threw`, errorDump(error))
  }
}

async function streamAll(model, options, context = CONTEXT) {
  const events = []
  const stream = addon.converseStream(model, context, options)
  for await (const e of stream) events.push(JSON.parse(JSON.stringify(e)))
  return { events, result: await stream.result(), inspected: util.inspect(stream, { depth: 4, showHidden: true }) }
}

async function rawAll(model, options) {
  const items = []
  for await (const item of addon.converseStreamRaw(model, CONTEXT, options)) items.push(item)
  return items
}

function nonLoopbackIPv4() {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return null
}

const emu = await addon.startEmulator({
  accessKeyId: S.accessKeyId,
  secretAccessKey: S.secretAccessKey,
  sessionToken: S.sessionToken,
  bearerToken: S.bearerToken,
})
const model = {
  id: MODEL_ID, name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock', baseUrl: emu.url,
  reasoning: false, input: ['text'], cost: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128000, maxTokens: 4096,
}

// --- streams, SigV4 from env (with session token) ---
await scenario('stream-sigv4-ok', () => streamAll(model, FAST))
await scenario('complete-sigv4-ok', () => addon.complete(model, CONTEXT, FAST))
await scenario('raw-ok', () => rawAll(model, FAST))
for (const [label, script] of [
  ['http-403', { http: { status: 403, errorType: 'AccessDeniedException' } }],
  ['http-429', { http: { status: 429, errorType: 'ThrottlingException', retryAfterSeconds: 1 } }],
  ['http-500', { http: { status: 500, errorType: 'InternalServerException' } }],
  ['reset', { faults: { resetBeforeHeaders: true } }],
  ['crc', { text: 'x y z', chunkSize: 1, faults: { corruptMessageCrcAtFrame: 1 } }],
  ['stall', { text: 'x y z', chunkSize: 1, faults: { stallAfterFrames: 2, stallMs: 5000 } }],
  ['exception', { frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { exception: 'validationException', data: { message: 'bad' } }] }],
]) {
  emu.script(MODEL_ID, script)
  await scenario(`stream-${label}`, () => streamAll(model, FAST))
  emu.script(MODEL_ID, script)
  await scenario(`raw-${label}`, () => rawAll(model, FAST))
}
await scenario('stream-abort', async () => {
  emu.script(MODEL_ID, { text: 'x y z', chunkSize: 1, faults: { stallAfterFrames: 1, stallMs: 5000 } })
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 100)
  return streamAll(model, { ...FAST, idleTimeoutMs: 5000, signal: controller.signal })
})
await scenario('stream-refused', async () => {
  const server = net.createServer()
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address()
  await new Promise((r) => server.close(r))
  return streamAll(model, { ...FAST, endpoint: `http://127.0.0.1:${port}` })
})

// --- bearer token in options, and in env ---
await scenario('stream-bearer-option-ok', () => streamAll(model, { ...FAST, bearerToken: S.bearerToken }))
emu.script(MODEL_ID, { http: { status: 403, errorType: 'AccessDeniedException' } })
await scenario('stream-bearer-option-403', () => streamAll(model, { ...FAST, bearerToken: S.bearerToken }))
await scenario('stream-bearer-wrong', () => streamAll(model, { ...FAST, bearerToken: `${S.bearerToken}-not-accepted` }))
process.env.AWS_BEARER_TOKEN_BEDROCK = S.bearerToken
await scenario('stream-bearer-env-ok', () => streamAll(model, FAST))
delete process.env.AWS_BEARER_TOKEN_BEDROCK

// --- wrong secret key: the emulator rejects the signature ---
process.env.AWS_SECRET_ACCESS_KEY = `${S.secretAccessKey}-wrong`
await scenario('stream-bad-signature', () => streamAll(model, FAST))
process.env.AWS_SECRET_ACCESS_KEY = S.secretAccessKey

// --- bearer over plain HTTP to a non-loopback address must not be sent ---
const ip = nonLoopbackIPv4()
if (ip) {
  let received = ''
  const sniffer = net.createServer((socket) => {
    socket.on('data', (d) => {
      received += d.toString('latin1')
      socket.destroy()
    })
  })
  await new Promise((r) => sniffer.listen(0, '0.0.0.0', r))
  const port = sniffer.address().port
  await scenario('stream-bearer-plain-http-remote', () => streamAll(model, { ...FAST, bearerToken: S.bearerToken, endpoint: `http://${ip}:${port}` }))
  if (typeof addon.discoverModels === 'function') {
    addon.clearDiscoveryCache?.()
    await scenario('discover-bearer-plain-http-remote', () => addon.discoverModels({ region: 'us-east-1', endpoint: `http://${ip}:${port}`, bearerToken: S.bearerToken, mode: 'strict', timeoutMs: 1000 }))
  }
  await new Promise((r) => setTimeout(r, 200))
  sniffer.close()
  process.stdout.write(`SNIFFED-BEARER ${received.includes(S.bearerToken) ? 'yes' : 'no'} bytes=${received.length}\n`)
} else {
  process.stdout.write('SNIFFED-BEARER skipped (no non-loopback IPv4 address)\n')
}

// --- request building and onPayload ---
await scenario('build-request', () => addon.buildConverseRequest(model, CONTEXT, { bearerToken: S.bearerToken, profile: 'p' }))
await scenario('build-simple-request', () => addon.buildSimpleConverseRequest(model, CONTEXT, { bearerToken: S.bearerToken }))
await scenario('on-payload', async () => {
  const seen = []
  const out = await streamAll(model, { ...FAST, bearerToken: S.bearerToken, onPayload: (p) => { seen.push(util.inspect(p, { depth: 8 })); return undefined } })
  return { seen, out }
})
for (const [label, options] of [
  ['bearer-array', { bearerToken: [S.bearerToken] }],
  ['bearer-object', { bearerToken: { value: S.bearerToken } }],
  ['bearer-number', { bearerToken: 42, maxTokens: 'many' }],
]) {
  await scenario(`build-invalid-${label}`, () => addon.buildConverseRequest(model, CONTEXT, options))
  await scenario(`stream-invalid-${label}`, () => streamAll(model, { ...FAST, ...options }))
}

// --- credentials, config, discovery (when this build has them) ---
const env = {
  AWS_ACCESS_KEY_ID: S.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S.secretAccessKey,
  AWS_SESSION_TOKEN: S.sessionToken,
  AWS_BEARER_TOKEN_BEDROCK: S.bearerToken,
  AWS_REGION: 'us-east-1',
  HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-secrets-home-')),
}
const available = []
if (typeof addon.detectAuthMarker === 'function') {
  available.push('detectAuthMarker')
  await scenario('detect-auth-marker', () => addon.detectAuthMarker(env))
  await scenario('detect-auth-marker-process', () => addon.detectAuthMarker())
}
if (typeof addon.probeCredentials === 'function') {
  available.push('probeCredentials')
  await scenario('probe-env', () => addon.probeCredentials({ env, timeoutMs: 1000 }))
  await scenario('probe-process-env', () => addon.probeCredentials({ timeoutMs: 1000 }))
  const noBearer = { ...env }
  delete noBearer.AWS_BEARER_TOKEN_BEDROCK
  await scenario('probe-sigv4-env', () => addon.probeCredentials({ env: noBearer, timeoutMs: 1000 }))
}
if (typeof addon.loadConfig === 'function') {
  available.push('loadConfig')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-secrets-cfg-'))
  const bad = path.join(dir, 'bad.json')
  fs.writeFileSync(bad, `{\n  models: { providers: { 'amazon-bedrock': { apiKey: '${S.bearerToken}' oops } } },\n}\n`)
  await scenario('config-syntax-error', () => addon.loadConfig({ path: bad, env }))
  const typed = path.join(dir, 'typed.json')
  fs.writeFileSync(typed, JSON.stringify({ plugins: { entries: { 'amazon-bedrock': { config: { discovery: { region: [S.secretAccessKey], refreshInterval: S.sessionToken } } } } } }))
  await scenario('config-type-error', () => addon.loadConfig({ path: typed, env }))
  const good = path.join(dir, 'good.json')
  fs.writeFileSync(good, JSON.stringify({ models: { providers: { 'amazon-bedrock': { baseUrl: emu.url, apiKey: S.bearerToken, models: [] } } } }))
  await scenario('config-ok', () => addon.loadConfig({ path: good, env }))
  await scenario('config-missing', () => addon.loadConfig({ path: path.join(dir, 'nope.json'), env }))
}
if (typeof addon.discoverModels === 'function') {
  available.push('discoverModels')
  const sigv4Env = { ...env }
  delete sigv4Env.AWS_BEARER_TOKEN_BEDROCK
  await scenario('discover-sigv4', () => addon.discoverModelsDetailed({ region: 'us-east-1', endpoint: emu.url, env: sigv4Env, mode: 'strict' }))
  addon.clearDiscoveryCache?.()
  await scenario('discover-bearer', () => addon.discoverModels({ region: 'us-east-1', endpoint: emu.url, bearerToken: S.bearerToken, mode: 'strict' }))
  addon.clearDiscoveryCache?.()
  emu.script('op:ListFoundationModels', { http: { status: 403, errorType: 'AccessDeniedException' } })
  await scenario('discover-denied-strict', () => addon.discoverModels({ region: 'us-east-1', endpoint: emu.url, env: sigv4Env, mode: 'strict' }))
  addon.clearDiscoveryCache?.()
  emu.script('op:ListInferenceProfiles', { http: { status: 500, errorType: 'InternalServerException' } })
  await scenario('discover-partial-advisory', () => addon.discoverModelsDetailed({ region: 'us-east-1', endpoint: emu.url, env: sigv4Env }))
  addon.clearDiscoveryCache?.()
  await scenario('discover-wrong-secret', () => addon.discoverModels({ region: 'us-east-1', endpoint: emu.url, env: { ...sigv4Env, AWS_SECRET_ACCESS_KEY: 'nope' }, mode: 'strict' }))
  addon.clearDiscoveryCache?.()
  await scenario('discover-refused', () => addon.discoverModels({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', env: sigv4Env, mode: 'strict', timeoutMs: 1000 }))
}
if (typeof addon.resolveBedrockProvider === 'function') {
  available.push('resolveBedrockProvider')
  addon.clearDiscoveryCache?.()
  await scenario('resolve-provider', () => addon.resolveBedrockProvider({ env: { ...env, OPENCLAW_CONFIG_PATH: '' }, endpoint: emu.url, region: 'us-east-1' }))
}
process.stdout.write(`AVAILABLE ${JSON.stringify(available)}\n`)
await emu.close()
process.stdout.write('SCENARIOS-DONE\n')
