#!/usr/bin/env node
'use strict'
// `npm run bench`: the addon against the JS path it replaces, side by side in one run.
//
// The emulator runs in its own process (the release addon's, via the CLI) and serves
// pre-encoded streams; every client runs in its own process, one at a time, in a
// rotating order each round (A/B/C/D, B/C/D/A, ...); each table shows medians over the
// rounds and ratios to (a). See bench/README.md.
//
//   node bench/run.js [--quick] [--rounds N] [--only w1,w3,mem,w6] [--clients a,c,d]
//                     [--w6-streams 200,1000,2000] [--no-build] [--debug]
//
// --quick: small sizes (minutes -> seconds), for developing the harness.
// --debug: debug builds of everything (quick to build; figures meaningless).
// --no-build: use the bench-profile artifacts as they are.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { textReplyScript, textReplyFrames } = require('./lib/eventstream.js')
const { sample, cpuBetween } = require('./lib/proc.js')
const { median, percentile, formatTable } = require('./lib/stats.js')
const { spawnEmulator } = require('../scripts/emulator-process.js')
const { ensureDevDependencies, hostTriple } = require('../scripts/ensure-built.js')
const { ensureNode } = require('../scripts/node-dist.js')

const root = path.join(__dirname, '..')
const resultsDir = path.join(__dirname, 'results')

// ---------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const opts = { quick: false, rounds: null, only: null, clients: null, build: true, debug: false, w6Streams: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) usage(`${a} needs a value`)
      return v
    }
    if (a === '--quick') opts.quick = true
    else if (a === '--rounds') opts.rounds = Number(value())
    else if (a === '--only') opts.only = value().split(',')
    else if (a === '--clients') opts.clients = value().split(',')
    else if (a === '--w6-streams') opts.w6Streams = value().split(',').map(Number)
    else if (a === '--no-build') opts.build = false
    else if (a === '--debug') opts.debug = true
    else usage(`unknown argument ${a}`)
  }
  if (opts.rounds !== null && !(Number.isInteger(opts.rounds) && opts.rounds > 0)) usage('--rounds must be a positive integer')
  if (opts.w6Streams && !opts.w6Streams.every((n) => Number.isInteger(n) && n > 0)) usage('--w6-streams takes positive integers, comma-separated')
  return opts
}

function usage(message) {
  process.stderr.write(`bench: ${message}\nusage: node bench/run.js [--quick] [--rounds N] [--only w1,w2,w3,w4,w5,mem,w6] [--clients a,a1,b,c,d] [--w6-streams 200,1000,2000] [--no-build] [--debug]\n`)
  process.exit(2)
}

const opts = parseArgs(process.argv.slice(2))

// Stream sizes per model id: the emulator answers each id with its pre-encoded reply.
const SIZES = opts.quick
  ? { warmup: 200, w1: 5_000, w2: 200, short: 20, abort: 1_000 }
  : { warmup: 200, w1: 50_000, w2: 1_000, short: 20, abort: 1_000 }
const MODEL = {
  warmup: 'bench.warmup-v1:0',
  w1: 'bench.w1-v1:0',
  w2: 'bench.w2-v1:0',
  short: 'bench.short-v1:0',
  abort: 'bench.abort-v1:0',
}

// Every JS client runs on Node 24 (the version OpenClaw gateways run; pi-ai 1.6 needs
// >= 22.19), from scripts/node-dist.js, whatever Node runs this script.
// (a1) is (a) on the AWS SDK's HTTP/1.1 handler; it runs in W6/W7 only.
const CLIENTS = {
  a: { label: '(a) pi-ai 1.6.0', kind: 'node', file: 'clients/pi-ai.mjs' },
  a1: { label: '(a1) pi-ai 1.6.0 HTTP/1.1', kind: 'node', file: 'clients/pi-ai.mjs', env: { AWS_BEDROCK_FORCE_HTTP1: '1' }, pacedOnly: true },
  b: { label: '(b) AWS SDK for JS', kind: 'node', file: 'clients/aws-sdk.js' },
  c: { label: '(c) bedrock-native', kind: 'node', file: 'clients/addon.js' },
  d: { label: '(d) Rust core (ceiling)', kind: 'rust' },
}

// ---------------------------------------------------------------------------------------
// Builds

const exe = (name) => (process.platform === 'win32' ? `${name}.exe` : name)

function timedBuild(label, args, cwd) {
  process.stderr.write(`[bench] ${label}: cargo ${args.join(' ')}\n`)
  const t0 = performance.now()
  const r = spawnSync('cargo', args, { cwd, stdio: 'inherit' })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${label} failed (cargo exited with ${r.status})`)
  const seconds = (performance.now() - t0) / 1e3
  process.stderr.write(`[bench] ${label}: ${seconds.toFixed(1)} s\n`)
  return seconds
}

/** How to start the emulator, the Rust client binary and the pinned addon. Outside
 *  --debug, ONE cargo invocation builds the addon and the Rust client with the `bench`
 *  profile (root Cargo.toml), so the dependency tree is compiled once for both. */
function prepareBinaries(buildTimes) {
  const triple = hostTriple()
  const profile = opts.debug ? 'debug' : 'benchmark'
  const outDir = path.join(root, 'target', triple, profile)
  if (opts.build) {
    const args = ['build', '--target', triple, '-p', 'bedrock-native', '-p', 'bench-rust-client']
    if (opts.debug) args.push('-p', 'bedrock-emulator')
    else args.push('--profile', 'benchmark')
    buildTimes.cargo = timedBuild(`addon + Rust client (${profile})`, args, root)
  }
  const rustClient = path.join(outDir, exe('bench-rust-client'))
  if (opts.debug) {
    return {
      emulator: { command: path.join(outDir, exe('bedrock-emulator')), args: ['--port', '0'], env: {} },
      rustClient,
    }
  }
  const addon = pinnedAddon(outDir)
  return {
    // The emulator compiled into the addon, run by the CLI in a Node process of its own:
    // the same server code as the bedrock-emulator binary without building that too.
    emulator: { command: nodeBin, args: [path.join(root, 'js', 'cli.js'), 'emulator', '--port', '0'], env: { NAPI_RS_NATIVE_LIBRARY_PATH: addon } },
    rustClient,
    addon,
  }
}

/**
 * The benchmark-profile addon, pinned: a copy of cargo's output loaded through napi's
 * NAPI_RS_NATIVE_LIBRARY_PATH, whatever `.node` file a debug build left at the root.
 */
function pinnedAddon(outDir) {
  const names = { linux: 'libbedrock_native.so', darwin: 'libbedrock_native.dylib', win32: 'bedrock_native.dll' }
  const built = path.join(outDir, names[process.platform] ?? names.linux)
  if (!fs.existsSync(built)) throw new Error(`addon missing: ${built} (run \`npm run bench\`, which builds it)`)
  const copy = path.join(root, 'target', 'bench-addon', 'bedrock-native.node')
  fs.mkdirSync(path.dirname(copy), { recursive: true })
  fs.copyFileSync(built, copy)
  return copy
}

function wanted(client) {
  return opts.clients === null || opts.clients.includes(client)
}

/** Node 24 for every JS client (and the emulator's host process). */
let nodeBin = null

// ---------------------------------------------------------------------------------------
// Emulator (own process, driven through its control endpoints)

async function startEmulator({ command, args, env, ca }) {
  if (!fs.existsSync(command)) throw new Error(`emulator binary missing: ${command}`)
  return spawnEmulator({ command, args, env, ca, cwd: root })
}

// Pre-encoded replies, made once per run.
const scripts = {}
function scriptFor(key) {
  scripts[key] ??= textReplyScript(SIZES[key]).script
  return scripts[key]
}

/** A clean emulator before every client run: no records from the previous one, the
 *  workload's replies scripted (each serves every request until the next reset). */
async function prepareEmulator(emu, keys) {
  await emu.control('POST', 'reset', {})
  for (const key of keys) await emu.control('POST', 'script', { modelId: MODEL[key], script: scriptFor(key) })
}

// ---------------------------------------------------------------------------------------
// Running one client process

function clientEnv(binaries, client, extra = {}) {
  const env = { ...process.env }
  if (binaries.addon) env.NAPI_RS_NATIVE_LIBRARY_PATH = binaries.addon
  else delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK', 'AWS_SESSION_TOKEN', 'AWS_BEDROCK_SKIP_AUTH', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'NODE_OPTIONS']) {
    delete env[name]
  }
  Object.assign(env, {
    // The emulator's default test identity (docs/CONTRACTS.md); not a secret.
    AWS_ACCESS_KEY_ID: 'AKIDEMULATORTEST0001',
    AWS_SECRET_ACCESS_KEY: 'emulator/secret/key/0000000000000000000000',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  })
  return Object.assign(env, CLIENTS[client].env, extra)
}

function clientCommand(client, binaries, workload, params) {
  const spec = CLIENTS[client]
  const json = JSON.stringify(params)
  if (spec.kind === 'rust') return [binaries.rustClient, [workload, json]]
  // The memory check pins V8's young generation at its default maximum (16 MB
  // semi-spaces): left alone, V8 grows it in steps (4 -> 8 -> 16 MB) whenever the bytes
  // surviving scavenges add up, which every long-running Node process reaches sooner or
  // later; that growth is heap sizing, not memory kept per stream (heapUsed stays flat).
  const nodeArgs = workload === 'mem' ? ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'] : []
  return [nodeBin, [...nodeArgs, path.join(__dirname, spec.file), workload, json]]
}

/** Runs one client process; resolves with its result JSON (plus `firstEventWallMs`, the
 *  time from spawn to its FIRST_EVENT line, for the cold-start workload). */
function runClient(client, binaries, workload, params, timeoutMs) {
  const [command, args] = clientCommand(client, binaries, workload, params)
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, { cwd: root, env: clientEnv(binaries, client), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let firstEventWallMs = null
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${CLIENTS[client].label} ${workload}: no result within ${timeoutMs / 1e3} s`))
    }, timeoutMs)
    child.stdout.on('data', (chunk) => {
      if (firstEventWallMs === null && out.length < 64 && (out + chunk).includes('FIRST_EVENT\n')) {
        firstEventWallMs = performance.now() - t0
      }
      out += chunk
    })
    child.stderr.on('data', (chunk) => {
      err += chunk
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      const line = out.split('\n').filter((l) => l.startsWith('{')).pop()
      if (code !== 0 || !line) {
        reject(new Error(`${CLIENTS[client].label} ${workload} exited with ${code}: ${err.trim().slice(-800)}`))
        return
      }
      const result = JSON.parse(line)
      if (firstEventWallMs !== null) result.firstEventWallMs = firstEventWallMs
      resolve(result)
    })
  })
}

// ---------------------------------------------------------------------------------------
// Workloads

const MB = 1024 * 1024

const WORKLOADS = {
  w1: {
    title: () => `W1: one stream of ${SIZES.w1.toLocaleString('en-US')} small text deltas (own process, after a ${SIZES.warmup}-delta warm-up stream)`,
    rounds: 5,
    keys: ['warmup', 'w1'],
    params: (url) => ({ url, warmupModel: MODEL.warmup, model: MODEL.w1 }),
    timeoutMs: 120_000,
    metrics: [
      { key: 'eventsPerSec', label: 'events/s', of: (r) => r.events / (r.wallMs / 1e3), digits: 0 },
      { key: 'cpuMsPer1k', label: 'CPU ms/1k events', of: (r) => (r.cpuMs / r.events) * 1e3, digits: 2 },
      { key: 'peakRssMB', label: 'peak RSS MB', of: (r) => r.peakRssBytes / MB, digits: 1 },
    ],
  },
  w2: {
    title: () => `W2: ${opts.quick ? 50 : 500} concurrent streams x ${SIZES.w2.toLocaleString('en-US')} deltas in one process`,
    rounds: 3,
    keys: ['warmup', 'w2'],
    params: (url) => ({ url, warmupModel: MODEL.warmup, model: MODEL.w2, streams: opts.quick ? 50 : 500 }),
    timeoutMs: 300_000,
    metrics: [
      { key: 'wallMs', label: 'wall ms', of: (r) => r.wallMs, digits: 0 },
      { key: 'cpuMs', label: 'CPU ms', of: (r) => r.cpuMs, digits: 0 },
      { key: 'peakRssMB', label: 'peak RSS MB', of: (r) => r.peakRssBytes / MB, digits: 1 },
    ],
  },
  w3: {
    title: () => `W3: ${opts.quick ? 50 : 200} sequential short streams (${SIZES.short} deltas) on a warm client: time to first event`,
    rounds: 5,
    keys: ['short'],
    params: (url) => ({ url, model: MODEL.short, warmup: 5, streams: opts.quick ? 50 : 200 }),
    timeoutMs: 120_000,
    metrics: [
      { key: 'p50', label: 'first event p50 ms', of: (r) => percentile(r.firstEventMs, 50), digits: 3 },
      { key: 'p99', label: 'first event p99 ms', of: (r) => percentile(r.firstEventMs, 99), digits: 3 },
      { key: 'cpuPerStream', label: 'CPU ms/stream', of: (r) => r.cpuMs / r.firstEventMs.length, digits: 3 },
    ],
  },
  w4: {
    title: () => 'W4: cold start: spawn a new process, import, first event',
    rounds: 3,
    // Several cold starts per round; the round's figure is their median.
    repeat: opts.quick ? 2 : 3,
    keys: ['short'],
    params: (url) => ({ url, model: MODEL.short }),
    timeoutMs: 60_000,
    metrics: [{ key: 'coldMs', label: 'spawn to first event ms', of: (r) => r.firstEventWallMs, digits: 1 }],
  },
  w5: {
    title: () => 'W5: discoverModels() cache hits (after one real discovery)',
    rounds: 3,
    clients: ['c', 'd'],
    keys: [],
    params: (url) => ({ url, iterations: opts.quick ? 10_000 : 100_000 }),
    timeoutMs: 120_000,
    countRequests: true,
    metrics: [
      { key: 'callsPerSec', label: 'calls/s', of: (r) => r.callsPerSecond, digits: 0 },
      { key: 'usPerCall', label: 'µs/call', of: (r) => (r.wallMs * 1e3) / r.iterations, digits: 3 },
      { key: 'cpuUsPerCall', label: 'CPU µs/call', of: (r) => (r.cpuMs * 1e3) / r.iterations, digits: 3 },
      { key: 'serverRequests', label: 'requests to AWS', of: (r) => r.serverRequests, digits: 0 },
    ],
  },
  mem: {
    title: () =>
      `Memory: ${opts.quick ? 500 : 10_000} sequential streams, then ${opts.quick ? 100 : 1_000} aborted after their first event (RSS after a warm-up, GC settled; JS clients with V8's young generation pinned at its 16 MB default maximum)`,
    rounds: 1,
    clients: ['c', 'd'],
    keys: ['short', 'abort'],
    params: (url) => ({
      url,
      model: MODEL.short,
      abortModel: MODEL.abort,
      warmup: opts.quick ? 100 : 3_000,
      warmupAborted: opts.quick ? 20 : 300,
      streams: opts.quick ? 500 : 10_000,
      aborted: opts.quick ? 100 : 1_000,
    }),
    timeoutMs: 600_000,
    metrics: [
      { key: 'warmMB', label: 'RSS after warm-up MB', of: (r) => r.rssAfterWarmup / MB, digits: 1 },
      { key: 'streamsGrowthMB', label: 'growth after streams MB', of: (r) => (r.rssAfterStreams - r.rssAfterWarmup) / MB, digits: 2 },
      { key: 'growthMB', label: 'growth after aborted MB', of: (r) => (r.rssAfterAborted - r.rssAfterWarmup) / MB, digits: 2 },
      // JS clients: growth of the V8 heap's reservation, included in the RSS growth.
      {
        key: 'heapGrowthMB',
        label: 'of which V8 heap MB',
        of: (r) => (r.memoryUsage ? (r.memoryUsage.afterAborted.heapTotal - r.memoryUsage.afterWarmup.heapTotal) / MB : NaN),
        digits: 2,
      },
    ],
  },
}

async function runWorkload(name, emu, binaries, clients) {
  const w = WORKLOADS[name]
  const list = clients.filter((c) => (!w.clients || w.clients.includes(c)) && !CLIENTS[c].pacedOnly)
  const rounds = opts.rounds ?? (opts.quick ? Math.min(w.rounds, 2) : w.rounds)
  const runs = Object.fromEntries(list.map((c) => [c, []]))
  const errors = {}
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round: no client always runs first (or right after another).
    const order = list.map((_, i) => list[(i + round) % list.length])
    for (const client of order) {
      if (errors[client]) continue
      const samples = []
      try {
        for (let k = 0; k < (w.repeat ?? 1); k++) {
          await prepareEmulator(emu, w.keys)
          const result = await runClient(client, binaries, name, w.params(emu.url), w.timeoutMs)
          // What reached the server (W5: one discovery's calls, then cache hits only).
          if (w.countRequests) result.serverRequests = JSON.parse(await emu.control('GET', 'requests')).requests.length
          samples.push(result)
        }
      } catch (error) {
        errors[client] = error.message
        process.stderr.write(`[bench] ${error.message}\n`)
        continue
      }
      const values = {}
      for (const m of w.metrics) values[m.key] = median(samples.map(m.of))
      runs[client].push({ round, values, samples })
      process.stderr.write(`[bench] ${name} round ${round + 1}/${rounds} ${CLIENTS[client].label}: ${w.metrics.map((m) => `${m.label} ${values[m.key].toFixed(m.digits)}`).join(', ')}\n`)
    }
  }
  const medians = {}
  for (const client of list) {
    if (runs[client].length === 0) continue
    medians[client] = {}
    for (const m of w.metrics) medians[client][m.key] = median(runs[client].map((r) => r.values[m.key]))
  }
  return { title: w.title(), rounds, metrics: w.metrics.map(({ key, label }) => ({ key, label })), runs, medians, errors }
}

// ---------------------------------------------------------------------------------------
// W6/W7: concurrent streams at a model's pace, over TLS (issue 17)

// Every stream: messageStart, PACED.deltas text deltas and the closing frames, one frame
// every PACE_MS (the emulator's per-script `delayBetweenFramesMs`), one write each.
const PACE_MS = 50
const PACED = opts.quick ? { deltas: 40, levels: [20, 100] } : { deltas: 400, levels: [200, 1_000, 2_000] }
const PACED_LEVELS = opts.w6Streams ?? PACED.levels
const PACED_MODEL = 'bench.paced-v1:0'
// The level the issue's W6/W7 targets are read at (the middle one unless told otherwise).
const TARGET_LEVEL = PACED_LEVELS.includes(1_000) ? 1_000 : PACED_LEVELS[Math.floor((PACED_LEVELS.length - 1) / 2)]
// Below this share of the paced event rate a client is behind: it cannot keep pace.
const KEEPS_PACE = 0.9

function pacedRounds(n) {
  if (opts.rounds !== null) return opts.rounds
  if (opts.quick) return 1
  // ~22 s per client run: two rounds where the targets are read, one elsewhere, keeps
  // the whole bench under 15 minutes on 2 cores.
  return n === TARGET_LEVEL ? 2 : 1
}

const W6_METRICS = [
  { key: 'cpuPct', label: 'CPU % core', digits: 1 },
  { key: 'mainPct', label: 'main thr %', digits: 1 },
  { key: 'cpuUsPerEvent', label: 'CPU µs/event', digits: 2 },
  { key: 'peakRssMB', label: 'peak RSS MB', digits: 1 },
  { key: 'rssPerStreamKB', label: 'RSS/stream KB', digits: 1 },
  { key: 'connections', label: 'TCP conns', digits: 0 },
  { key: 'fds', label: 'fds', digits: 0 },
  { key: 'firstP99', label: '1st event p99 ms', digits: 1 },
  { key: 'pacePct', label: 'pace %', digits: 1 },
  { key: 'emulatorPct', label: 'emulator CPU %', digits: 1 },
]
const W7_METRICS = [
  { key: 'burstMs', label: 'all first events ms', digits: 0 },
  { key: 'burstCpuMs', label: 'CPU ms', digits: 0 },
  { key: 'burstCpuPct', label: 'CPU % core', digits: 1 },
  { key: 'opened', label: 'TLS conns opened', digits: 0 },
  { key: 'streamsPerConn', label: 'streams/conn', digits: 1 },
]

async function startTlsEmulator(binaries) {
  const dir = path.join(root, 'target', 'bench-tls')
  const made = spawnSync(binaries.rustClient, ['make-ca', JSON.stringify({ dir })], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`bench-rust-client make-ca failed: ${made.stderr}`)
  const files = JSON.parse(made.stdout.trim().split('\n').pop())
  const config = { port: 0, tls: { certChainPem: fs.readFileSync(files.cert, 'utf8'), privateKeyPem: fs.readFileSync(files.key, 'utf8') } }
  const configFile = path.join(dir, 'emulator.json')
  fs.writeFileSync(configFile, JSON.stringify(config))
  const ca = fs.readFileSync(files.ca, 'utf8')
  const spec = opts.debug
    ? { command: binaries.emulator.command, args: ['--port', '0', '--config', configFile], env: {}, ca }
    : { command: nodeBin, args: [path.join(__dirname, 'lib', 'tls-emulator.js'), configFile], env: { NAPI_RS_NATIVE_LIBRARY_PATH: binaries.addon }, ca }
  const emu = await startEmulator(spec)
  emu.caFile = files.ca
  return emu
}

/**
 * One W6/W7 client run: spawns the client, takes the idle reading when it is READY (after
 * its warm-up stream), lets it start every stream at once, and reads /proc again at its
 * marks (ALL_FIRST: every stream has had its first event; FIRST_DONE: the first stream
 * ended) and every second in between (peak connections and fds).
 */
function runPacedClient(client, binaries, emu, params, timeoutMs) {
  const [command, args] = clientCommand(client, binaries, 'w6', params)
  const port = Number(new URL(emu.url).port)
  const env = clientEnv(binaries, client, { NODE_EXTRA_CA_CERTS: emu.caFile, AWS_CA_BUNDLE: emu.caFile })
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] })
    const marks = {}
    const peaks = { connections: 0, fds: 0 }
    let out = ''
    let err = ''
    let pending = ''
    let poller = null
    const take = (name, deltas) => {
      const reading = { client: sample(child.pid, port), emulator: sample(emu.pid, null), deltas, atMs: performance.now(), epochMs: Date.now() }
      if (reading.client) {
        peaks.connections = Math.max(peaks.connections, reading.client.connections ?? 0)
        peaks.fds = Math.max(peaks.fds, reading.client.fds)
      }
      marks[name] = reading
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${CLIENTS[client].label} w6: no result within ${timeoutMs / 1e3} s`))
    }, timeoutMs)
    child.stdout.on('data', (chunk) => {
      out += chunk
      pending += chunk
      let nl
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        if (line === 'READY') {
          // A moment for the warm-up's leftovers to settle, then the idle reading and go.
          setTimeout(() => {
            take('go', 0)
            child.stdin.write('GO\n')
          }, 300)
        } else if (line.startsWith('MARK ')) {
          const [, name, deltas] = line.split(' ')
          take(name, Number(deltas))
          if (name === 'ALL_FIRST') {
            poller = setInterval(() => {
              const r = sample(child.pid, port)
              if (!r) return
              peaks.connections = Math.max(peaks.connections, r.connections ?? 0)
              peaks.fds = Math.max(peaks.fds, r.fds)
            }, 1_000)
          } else if (name === 'FIRST_DONE') clearInterval(poller)
        }
      }
    })
    child.stderr.on('data', (chunk) => {
      err += chunk
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      clearInterval(poller)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      clearInterval(poller)
      const line = out.split('\n').filter((l) => l.startsWith('{')).pop()
      if (code !== 0 || !line || !marks.go || !marks.ALL_FIRST || !marks.FIRST_DONE) {
        reject(new Error(`${CLIENTS[client].label} w6 exited with ${code}${line ? ' (marks missing)' : ''}: ${err.trim().slice(-800)}`))
        return
      }
      resolve({ pid: child.pid, result: JSON.parse(line), marks, peaks })
    })
  })
}

/** W6 and W7 figures of one run (see the metric lists above). */
function pacedFigures(n, run, served) {
  const { pid, result, marks, peaks } = run
  const { go, ALL_FIRST: first, FIRST_DONE: done } = marks
  if (!(done.atMs > first.atMs)) {
    throw new Error(`the first of ${n} streams ended before every stream had its first event: the client could not start them within one stream's length`)
  }
  const steady = cpuBetween(pid, first.client, done.client)
  const burst = cpuBetween(pid, go.client, first.client)
  const emulatorCpu = first.emulator && done.emulator ? cpuBetween(-1, first.emulator, done.emulator).cpuPct : NaN
  const events = done.deltas - first.deltas
  const mainPct = steady.threads.find((t) => t.name === 'main')?.cpuPct ?? NaN
  return {
    w6: {
      cpuPct: steady.cpuPct,
      mainPct,
      cpuUsPerEvent: events > 0 ? (steady.cpuMs * 1e3) / events : NaN,
      peakRssMB: done.client.peakRssBytes / MB,
      rssPerStreamKB: (done.client.peakRssBytes - go.client.rssBytes) / n / 1024,
      connections: peaks.connections,
      fds: peaks.fds,
      firstP99: percentile(result.firstEventMs, 99),
      pacePct: (100 * events) / steady.seconds / (n * (1_000 / PACE_MS)),
      emulatorPct: emulatorCpu,
      windowSeconds: steady.seconds,
      threads: steady.threads,
      idleRssMB: go.client.rssBytes / MB,
    },
    w7: {
      burstMs: first.atMs - go.atMs,
      burstCpuMs: burst.cpuMs,
      burstCpuPct: burst.cpuPct,
      opened: served.opened,
      streamsPerConn: served.opened > 0 ? n / served.opened : NaN,
      protocols: served.protocols,
      threads: burst.threads,
    },
  }
}

/** What the emulator saw of one run: TLS connections opened since `sinceEpochMs`, and the
 *  HTTP version of the paced streams' requests (the ALPN outcome: h2 or http/1.1). */
async function servedBy(emu, sinceEpochMs) {
  const { connections } = JSON.parse(await emu.control('GET', 'connections'))
  const { requests } = JSON.parse(await emu.control('GET', 'requests'))
  const protocols = {}
  for (const r of requests) if (r.modelId === PACED_MODEL) protocols[r.httpVersion] = (protocols[r.httpVersion] ?? 0) + 1
  // The emulator stamps in whole ms; the go reading is taken just before the go-ahead.
  return { opened: connections.filter((c) => c.openedAtMs >= sinceEpochMs - 1).length, protocols }
}

/** Per-thread CPU, median per thread name over the rounds: "main 41.2%, tokio-runtime-w 12.0% (1)". */
function threadSummary(runs, which) {
  const byName = new Map()
  for (const r of runs) {
    for (const t of r.figures[which].threads) {
      const e = byName.get(t.name) ?? { pcts: [], threads: t.threads }
      e.pcts.push(t.cpuPct)
      byName.set(t.name, e)
    }
  }
  return [...byName.entries()]
    .map(([name, e]) => ({ name, threads: e.threads, cpuPct: median(e.pcts) }))
    .filter((t) => t.cpuPct >= 0.05)
    .sort((x, y) => y.cpuPct - x.cpuPct)
}

async function runPaced(binaries, clients) {
  const list = clients
  const emu = await startTlsEmulator(binaries)
  process.stderr.write(`[bench] w6/w7: TLS emulator ${emu.url} (pid ${emu.pid}), levels ${PACED_LEVELS.join(', ')} streams x ${PACED.deltas} deltas every ${PACE_MS} ms\n`)
  const script = { times: 0, frames: textReplyFrames(PACED.deltas).map((f) => ({ rawBase64: f.toString('base64') })), faults: { delayBetweenFramesMs: PACE_MS } }
  const warmup = scriptFor('warmup')
  const results = {}
  const notes = []
  try {
    for (let level of PACED_LEVELS) {
      const rounds = pacedRounds(level)
      const timeoutMs = 120_000 + (PACED.deltas * PACE_MS)
      let runs
      let errors
      levelLoop: for (;;) {
        runs = Object.fromEntries(list.map((c) => [c, []]))
        errors = {}
        const started = performance.now()
        for (let round = 0; round < rounds; round++) {
          const order = list.map((_, i) => list[(i + round) % list.length])
          for (const client of order) {
            if (errors[client]) continue
            try {
              await emu.control('POST', 'reset', {})
              await emu.control('POST', 'script', { modelId: MODEL.warmup, script: warmup })
              await emu.control('POST', 'script', { modelId: PACED_MODEL, script })
              const params = { url: emu.url, warmupModel: MODEL.warmup, model: PACED_MODEL, streams: level }
              const run = await runPacedClient(client, binaries, emu, params, timeoutMs)
              const figures = pacedFigures(level, run, await servedBy(emu, run.marks.go.epochMs))
              runs[client].push({ round, figures, marks: run.marks, peaks: run.peaks })
              const f = figures.w6
              process.stderr.write(
                `[bench] w6@${level} round ${round + 1}/${rounds} ${CLIENTS[client].label}: CPU ${f.cpuPct.toFixed(1)}% (main ${f.mainPct.toFixed(1)}%), ${f.rssPerStreamKB.toFixed(1)} KB/stream, ${f.connections} conns, pace ${f.pacePct.toFixed(1)}%, emulator ${f.emulatorPct.toFixed(1)}%; w7 ${figures.w7.burstMs.toFixed(0)} ms, ${figures.w7.opened} conns opened ${JSON.stringify(figures.w7.protocols)}\n`,
              )
              // The anchor cannot keep pace at the top level: scale both sides down alike.
              const top = level === Math.max(...PACED_LEVELS) && level > TARGET_LEVEL
              if (top && client === 'a' && round === 0 && f.pacePct < KEEPS_PACE * 100) {
                const next = Math.max(TARGET_LEVEL, Math.round((level * 0.75) / 100) * 100)
                if (next < level) {
                  notes.push(`pi-ai 1.6.0 kept ${f.pacePct.toFixed(1)}% of the paced rate at ${level} streams on ${os.cpus().length} cores: W6/W7 ran at ${next} streams for every client instead`)
                  process.stderr.write(`[bench] ${notes[notes.length - 1]}\n`)
                  level = next
                  continue levelLoop
                }
              }
            } catch (error) {
              errors[client] = error.message
              process.stderr.write(`[bench] ${error.message}\n`)
            }
          }
        }
        const wallSeconds = (performance.now() - started) / 1e3
        for (const which of ['w6', 'w7']) {
          const metrics = which === 'w6' ? W6_METRICS : W7_METRICS
          const medians = {}
          for (const c of list) {
            if (runs[c].length === 0) continue
            medians[c] = {}
            for (const m of metrics) medians[c][m.key] = median(runs[c].map((r) => r.figures[which][m.key]))
          }
          const title =
            which === 'w6'
              ? `W6: ${level.toLocaleString('en-US')} concurrent streams over TLS, ${PACED.deltas} deltas each, one every ${PACE_MS} ms (CPU and threads while all are open)`
              : `W7: start-up burst of those ${level.toLocaleString('en-US')} streams, all started at once (until every stream has its first event)`
          results[`${which}@${level}`] = {
            title,
            level,
            rounds,
            wallSeconds,
            metrics: metrics.map(({ key, label, digits }) => ({ key, label, digits })),
            runs: which === 'w6' ? runs : undefined,
            medians,
            errors,
            threads: Object.fromEntries(list.filter((c) => runs[c].length).map((c) => [c, threadSummary(runs[c], which)])),
            protocols: Object.fromEntries(list.filter((c) => runs[c].length).map((c) => [c, runs[c][0].figures.w7.protocols])),
          }
        }
        break
      }
    }
  } finally {
    await emu.close()
  }
  return { results, notes }
}

// ---------------------------------------------------------------------------------------
// Targets (issues 7 and 17)

function ratio(medians, client, base, key) {
  const x = medians[client]?.[key]
  const y = medians[base]?.[key]
  return x === undefined || y === undefined || y === 0 ? null : x / y
}

function checkTargets(results) {
  const checks = []
  const add = (issue, workload, what, value, limit, holds) =>
    checks.push({ issue, workload, what, value, limit, holds: value === null || !Number.isFinite(value) ? null : holds(value) })
  const m = (w) => results[w]?.medians ?? {}
  if (results.w1) {
    add(17, 'W1', 'events/s (c)/(a) >= 15', ratio(m('w1'), 'c', 'a', 'eventsPerSec'), 15, (v) => v >= 15)
    add(17, 'W1', 'CPU per event (c)/(a) <= 0.06', ratio(m('w1'), 'c', 'a', 'cpuMsPer1k'), 0.06, (v) => v <= 0.06)
    add(17, 'W1', 'events/s (d)/(c) <= 1.3 (within 1.3x of the Rust-only ceiling)', ratio(m('w1'), 'd', 'c', 'eventsPerSec'), 1.3, (v) => v <= 1.3)
    add(17, 'W1', 'CPU per event (c)/(d) <= 1.3', ratio(m('w1'), 'c', 'd', 'cpuMsPer1k'), 1.3, (v) => v <= 1.3)
  }
  if (results.w2) {
    add(7, 'W2', 'CPU (c)/(a) <= 0.2', ratio(m('w2'), 'c', 'a', 'cpuMs'), 0.2, (v) => v <= 0.2)
    add(17, 'W2', 'peak RSS (c)/(a) <= 0.5', ratio(m('w2'), 'c', 'a', 'peakRssMB'), 0.5, (v) => v <= 0.5)
  }
  if (results.w3) {
    add(7, 'W3', 'first event p50 (c)/(a) <= 0.5', ratio(m('w3'), 'c', 'a', 'p50'), 0.5, (v) => v <= 0.5)
    add(7, 'W3', 'first event p99 (c)/(a) <= 0.5', ratio(m('w3'), 'c', 'a', 'p99'), 0.5, (v) => v <= 0.5)
  }
  if (results.w4) add(7, 'W4', 'cold start (c)/(a) <= 0.5', ratio(m('w4'), 'c', 'a', 'coldMs'), 0.5, (v) => v <= 0.5)
  if (results.w5) add(4, 'W5', 'cache hit µs/call (c) < 10', m('w5').c?.usPerCall ?? null, 10, (v) => v < 10)
  if (results.mem) {
    for (const c of ['c', 'd']) {
      if (m('mem')[c]) add(7, 'mem', `RSS growth ${CLIENTS[c].label} < 5 MB`, m('mem')[c].growthMB, 5, (v) => v < 5)
    }
  }
  const w6 = `w6@${TARGET_LEVEL}`
  if (results[w6]) {
    add(17, 'W6', `CPU (c)/(a) <= 0.2 at ${TARGET_LEVEL} streams`, ratio(m(w6), 'c', 'a', 'cpuPct'), 0.2, (v) => v <= 0.2)
    add(17, 'W6', `RSS per open stream (c)/(a) <= 0.25 at ${TARGET_LEVEL} streams`, ratio(m(w6), 'c', 'a', 'rssPerStreamKB'), 0.25, (v) => v <= 0.25)
  }
  const w7 = `w7@${TARGET_LEVEL}`
  if (results[w7]) {
    const spoken = Object.keys(results[w7].protocols?.c ?? {}).join('+') || 'unknown'
    add(17, 'W7', `TLS connections (c) per stream <= 1/50 on HTTP/2 at ${TARGET_LEVEL} streams ((c) spoke ${spoken})`, m(w7).c ? m(w7).c.opened / TARGET_LEVEL : null, 0.02, (v) => v <= 0.02)
  }
  return checks
}

// ---------------------------------------------------------------------------------------

function machine() {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' })
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverageAtStart: os.loadavg(),
    commit: git.status === 0 ? git.stdout.trim() : null,
    clientNode: spawnSync(nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim(),
    jsTransport: process.env.AWS_BEDROCK_FORCE_HTTP1 === '1' ? 'HTTP/1.1' : 'HTTP/2 (h2c on W1-W5, the SDK default)',
  }
}

const PACED_NAMES = ['w6', 'w7']

async function main() {
  const started = new Date()
  nodeBin = ensureNode(24)
  const env = machine()
  const buildTimes = {}
  // A fresh clone: pi-ai and the AWS SDK for JS, clients (a) and (b), come from npm.
  const installStarted = performance.now()
  ensureDevDependencies()
  buildTimes.npmInstall = (performance.now() - installStarted) / 1e3
  const binaries = prepareBinaries(buildTimes)
  const clients = Object.keys(CLIENTS).filter(wanted)
  const names = Object.keys(WORKLOADS).filter((w) => opts.only === null || opts.only.includes(w))
  for (const w of opts.only ?? []) if (!WORKLOADS[w] && !PACED_NAMES.includes(w)) usage(`unknown workload ${w}`)
  // W6 and W7 come from the same runs: either name runs both.
  const paced = opts.only === null || opts.only.some((w) => PACED_NAMES.includes(w))

  // W5 needs discoverModels in the addon; say so instead of failing the run.
  if (binaries.addon) process.env.NAPI_RS_NATIVE_LIBRARY_PATH = binaries.addon
  const native = (() => {
    try {
      return require('../index.js')
    } catch (error) {
      throw new Error(`the addon is not built (npm run bench builds it): ${error.message}`)
    }
  })()
  const skipped = {}
  if (names.includes('w5') && typeof native.discoverModels !== 'function') {
    skipped.w5 = '(c) not run: the addon exports no discoverModels() yet'
  }

  const emu = await startEmulator(binaries.emulator)
  process.stderr.write(`[bench] emulator ${emu.url} (pid ${emu.pid}); clients ${clients.join(',')}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`)
  const results = {}
  const notes = []
  try {
    for (const name of names) {
      if (skipped[name]) process.stderr.write(`[bench] ${name}: ${skipped[name]}\n`)
      const runnable = name === 'w5' && skipped.w5 ? clients.filter((c) => c !== 'c') : clients
      const t0 = performance.now()
      results[name] = await runWorkload(name, emu, binaries, runnable)
      results[name].wallSeconds = (performance.now() - t0) / 1e3
    }
  } finally {
    await emu.close()
  }
  if (paced) {
    const run = await runPaced(binaries, clients)
    Object.assign(results, run.results)
    notes.push(...run.notes)
  }

  const targets = checkTargets(results)
  const report = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    quick: opts.quick,
    debug: opts.debug,
    machine: { ...env, loadAverageAtEnd: os.loadavg() },
    buildSeconds: buildTimes,
    sizes: SIZES,
    clients: Object.fromEntries(clients.map((c) => [c, CLIENTS[c].label])),
    skipped,
    notes,
    paced: { deltas: PACED.deltas, paceMs: PACE_MS, levels: PACED_LEVELS, targetLevel: TARGET_LEVEL },
    workloads: results,
    targets,
  }

  let text = `\nbedrock-native benchmark  ${report.started}  clients on node ${env.clientNode}  ${env.cpus} CPUs  load ${env.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}  JS transport ${env.jsTransport}${opts.quick ? '  (QUICK sizes)' : ''}${opts.debug ? '  (DEBUG builds: figures meaningless)' : ''}\n`
  text += 'Ratios: x (a) = value / the value of (a), pi-ai 1.6.0 on Node 24.\n'
  for (const [name, r] of Object.entries(results)) {
    text += `\n${r.title}; median of ${r.rounds} round${r.rounds === 1 ? '' : 's'}, ${r.wallSeconds.toFixed(0)} s\n`
    text += formatTable(r, clients.filter((c) => r.medians[c] || r.errors[c]), CLIENTS, WORKLOADS[name]?.metrics ?? r.metrics)
    if (r.threads) {
      text += '  per thread, % of a core (threads of that name):\n'
      for (const [c, threads] of Object.entries(r.threads)) {
        text += `    ${CLIENTS[c].label}: ${threads.map((t) => `${t.name} ${t.cpuPct.toFixed(1)}${t.threads > 1 ? ` (${t.threads})` : ''}`).join(', ')}\n`
      }
      text += `  HTTP version of the streams' requests: ${Object.entries(r.protocols).map(([c, p]) => `${c} ${Object.keys(p).join('+') || '?'}`).join(', ')}\n`
    }
  }
  for (const [name, why] of Object.entries(skipped)) text += `\n${name}: ${why}\n`
  for (const note of notes) text += `\nNOTE: ${note}\n`
  text += '\nTargets (issue 17 against pi-ai 1.6.0 on Node 24; earlier issues where noted):\n'
  for (const t of targets) {
    const mark = t.holds === null ? 'n/a ' : t.holds ? 'HOLDS' : 'MISSED'
    text += `  ${mark.padEnd(6)} ${t.workload.padEnd(4)} ${t.what}${t.issue === 17 ? '' : ` (issue ${t.issue})`}: ${t.value === null || !Number.isFinite(t.value) ? 'not measured' : t.value.toFixed(3)}\n`
  }
  process.stdout.write(text)

  fs.mkdirSync(resultsDir, { recursive: true })
  const file = path.join(resultsDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}.json`)
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(`\nJSON: ${path.relative(root, file)}\n`)
}

main().catch((error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`)
  process.exit(1)
})
