// HTTP/2 vs HTTP/1.1 over TLS for this addon, against the emulator in its own process
// serving HTTPS with the test CA (__test__/fixtures/tls) and ALPN h2 + http/1.1.
//
//   node scripts/measure-h2.mjs [--rounds 3] [--deltas 50000] [--streams 200] [--paced 100] [--pace-ms 20]
//
// firehose: one stream of --deltas text deltas as fast as the socket allows: deltas/s and
//   CPU (this whole process, all threads) per 1k deltas.
// paced: --streams concurrent streams of --paced deltas, --pace-ms apart: CPU % of a core
//   while they run, and the connections the emulator saw.
// HTTP/1.1 is forced with AWS_BEDROCK_FORCE_HTTP1=1 (options.env). Medians of --rounds.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const fixtures = path.join(root, '__test__', 'fixtures', 'tls')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const ROUNDS = arg('rounds', 3)
const DELTAS = arg('deltas', 50_000)
const STREAMS = arg('streams', 200)
const PACED = arg('paced', 100)
const PACE_MS = arg('pace-ms', 20)

process.env.AWS_CA_BUNDLE = path.join(fixtures, 'ca.pem')
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'AKIDEMULATORTEST0001',
  AWS_SECRET_ACCESS_KEY: 'emulator/secret/key/0000000000000000000000',
  AWS_REGION: 'us-east-1',
})
for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy']) {
  delete process.env[name]
}

const { hostTriple } = require('./ensure-built.js')
const exe = [path.join(root, 'target', hostTriple() ?? '', 'debug', 'bedrock-emulator'), path.join(root, 'target', 'debug', 'bedrock-emulator')]
  .filter((p) => fs.existsSync(p))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]
if (!exe) throw new Error('build the emulator first: cargo build -p bedrock-emulator')

const ca = fs.readFileSync(path.join(fixtures, 'ca.pem'), 'utf8')
const config = path.join(os.tmpdir(), `measure-h2-${process.pid}.json`)
fs.writeFileSync(
  config,
  JSON.stringify({
    port: 0,
    tls: {
      certChainPem: fs.readFileSync(path.join(fixtures, 'server.pem'), 'utf8'),
      privateKeyPem: fs.readFileSync(path.join(fixtures, 'server.key'), 'utf8'),
    },
  }),
)
const child = spawn(exe, ['--config', config], { stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise((resolve, reject) => {
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
    const match = /listening on (https:\/\/\S+)/.exec(out)
    if (match) resolve(match[1])
  })
  child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)))
})
child.stdout.resume()

function control(method, name, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(`${url}/__emulator/${name}`, { method, ca, headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      let text = ''
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve(JSON.parse(text || 'null')))
    })
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

const addon = require('../js/index.js')
const model = (id) => ({
  id, name: id, api: 'bedrock-converse-stream', provider: 'amazon-bedrock', baseUrl: url, reasoning: false,
  input: ['text'], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128000, maxTokens: 4096,
})
const CONTEXT = { messages: [{ role: 'user', content: 'go', timestamp: 1 }] }

async function drain(modelId, env) {
  let events = 0
  const stream = addon.converseStream(model(modelId), CONTEXT, { maxRetries: 0, env })
  for await (const event of stream) {
    events++
    if (event.type === 'error') throw new Error(event.error?.errorMessage ?? 'stream error')
  }
  return events
}

const cpuMs = (start) => {
  const u = process.cpuUsage(start)
  return (u.user + u.system) / 1000
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function firehose(env) {
  await control('POST', 'script', { modelId: 'amazon.nova-micro-v1:0', script: { times: 0, text: 'x '.repeat(DELTAS), chunkSize: 2 } })
  await drain('amazon.nova-micro-v1:0', env) // warm-up: connection, code paths
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  await drain('amazon.nova-micro-v1:0', env)
  const ms = performance.now() - t0
  // Per delta sent: the addon may hand several deltas to JS as one event.
  return { eventsPerSec: (DELTAS / ms) * 1000, cpuMsPer1k: (cpuMs(cpu) / DELTAS) * 1000 }
}

async function paced(env) {
  await control('POST', 'reset', {})
  const text = Array.from({ length: PACED }, (_, i) => `w${i} `).join('')
  await control('POST', 'script', { modelId: 'amazon.nova-micro-v1:0', script: { times: 0, text, faults: { delayBetweenFramesMs: PACE_MS } } })
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  const counts = await Promise.all(Array.from({ length: STREAMS }, () => drain('amazon.nova-micro-v1:0', env)))
  const ms = performance.now() - t0
  const requests = (await control('GET', 'requests')).requests
  return {
    cpuPercent: (cpuMs(cpu) / ms) * 100,
    events: counts.reduce((a, b) => a + b, 0),
    connections: new Set(requests.map((r) => r.connectionId)).size,
    version: [...new Set(requests.map((r) => r.httpVersion))].join(','),
  }
}

try {
  const modes = { h2: undefined, 'h1 (AWS_BEDROCK_FORCE_HTTP1=1)': { AWS_BEDROCK_FORCE_HTTP1: '1' } }
  console.log(`emulator ${url}; ${ROUNDS} rounds; firehose ${DELTAS} deltas; paced ${STREAMS} streams x ${PACED} deltas every ${PACE_MS} ms`)
  for (const [name, env] of Object.entries(modes)) {
    const fire = []
    const slow = []
    for (let r = 0; r < ROUNDS; r++) {
      fire.push(await firehose(env))
      slow.push(await paced(env))
    }
    console.log(
      `${name.padEnd(32)} firehose ${median(fire.map((f) => f.eventsPerSec)).toFixed(0)} deltas/s, ` +
        `${median(fire.map((f) => f.cpuMsPer1k)).toFixed(2)} CPU ms/1k deltas | paced ${median(slow.map((s) => s.cpuPercent)).toFixed(1)} % CPU, ` +
        `${median(slow.map((s) => s.connections))} connections (${slow[0].version})`,
    )
  }
} finally {
  child.kill()
  fs.rmSync(config, { force: true })
}
