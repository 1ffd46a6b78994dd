// ESM and CommonJS consumers of the package name: the same API either way, one native
// instance per process, and each style runs a stream against the emulator in its own
// process as a user's script would.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esm from 'bedrock-native'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

const require = createRequire(import.meta.url)
const cjs = require('bedrock-native')
let emu
let work

before(async () => {
  emu = await esm.startEmulator()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-esm-cjs-'))
})

after(async () => {
  await emu?.close()
  fs.rmSync(work, { recursive: true, force: true })
})

test('import and require expose the same exports, by the same names', () => {
  const named = Object.keys(esm).filter((name) => name !== 'default').sort()
  // Double-underscore names are the native layer's internals (test hooks, the loader's
  // target); only those listed in js/index.mjs are re-exported.
  const publicCjs = Object.keys(cjs).filter((name) => !name.startsWith('__'))
  assert.deepEqual(named.filter((name) => !name.startsWith('__')), publicCjs.sort())
  for (const name of named) {
    assert.ok(name in cjs, `${name} is exported by js/index.mjs but not by js/index.js`)
    assert.equal(esm[name], cjs[name], name)
  }
  assert.equal(esm.default, cjs)
  assert.equal(typeof esm.converseStream, 'function')
  assert.equal(typeof esm.registerBedrockNative, 'function')
})

test('an emulator started through import is the same native class as through require', () => {
  assert.ok(emu instanceof cjs.Emulator)
})

const env = () => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: emu.accessKeyId,
  AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
  AWS_REGION: emu.region,
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_BEARER_TOKEN_BEDROCK: '',
  BEDROCK_URL: emu.url,
})

const MODEL = `{
  id: 'amazon.nova-micro-v1:0', name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock',
  baseUrl: process.env.BEDROCK_URL, reasoning: false, input: ['text'],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128000, maxTokens: 4096,
}`

function runScript(file, text) {
  const script = path.join(work, file)
  fs.writeFileSync(script, text)
  // NODE_PATH is not used by ESM resolution; resolve the package the way an installed
  // dependency is found instead: a node_modules next to the script.
  const modules = path.join(work, 'node_modules')
  if (!fs.existsSync(modules)) {
    fs.mkdirSync(modules)
    fs.symlinkSync(root, path.join(modules, 'bedrock-native'), 'dir')
  }
  return spawnSync(process.execPath, [script], { cwd: work, env: env(), encoding: 'utf8', timeout: 60_000 })
}

test('a CommonJS script streams a reply', () => {
  const result = runScript(
    'consumer.cjs',
    `const { converseStream } = require('bedrock-native');
(async () => {
  const events = converseStream(${MODEL}, { messages: [{ role: 'user', content: 'hello from cjs', timestamp: 1 }] })
  for await (const event of events) if (event.type === 'text_delta') process.stdout.write(event.delta)
  const message = await events.result()
  process.stdout.write('\\n' + message.stopReason + '\\n')
})()
`,
  )
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /You said: hello from cjs\nstop\n$/)
})

test('an ESM script streams a reply', () => {
  const result = runScript(
    'consumer.mjs',
    `import { converseStream } from 'bedrock-native'
import bedrock from 'bedrock-native'
const events = converseStream(${MODEL}, { messages: [{ role: 'user', content: 'hello from esm', timestamp: 1 }] })
for await (const event of events) if (event.type === 'text_delta') process.stdout.write(event.delta)
const message = await events.result()
process.stdout.write('\\n' + message.stopReason + ' ' + (bedrock.converseStream === converseStream) + '\\n')
`,
  )
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /You said: hello from esm\nstop true\n$/)
})
