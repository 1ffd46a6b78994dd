#!/usr/bin/env node
'use strict'
// `npm run bench`: the addon against the JS path it replaces, side by side in one run.
//
// The emulator runs in its own process (the release addon's, via the CLI) and serves
// pre-encoded streams; every client runs in its own process, one at a time, in a
// rotating order each round (A/B/C/D, B/C/D/A, ...); each table shows medians over the
// rounds and ratios to (a). See bench/README.md.
//
//   node bench/run.js [--quick] [--rounds N] [--only w1,w3,mem] [--clients a,c,d]
//                     [--no-build] [--debug]
//
// --quick: small sizes (minutes -> seconds), for developing the harness.
// --debug: debug builds of everything (quick to build; figures meaningless).
// --no-build: use the bench-profile artifacts as they are.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { textReplyScript } = require('./lib/eventstream.js')
const { median, percentile, formatTable } = require('./lib/stats.js')
const { spawnEmulator } = require('../scripts/emulator-process.js')
const { ensureDevDependencies, hostTriple } = require('../scripts/ensure-built.js')

const root = path.join(__dirname, '..')
const resultsDir = path.join(__dirname, 'results')

// ---------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const opts = { quick: false, rounds: null, only: null, clients: null, build: true, debug: false }
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
    else if (a === '--no-build') opts.build = false
    else if (a === '--debug') opts.debug = true
    else usage(`unknown argument ${a}`)
  }
  if (opts.rounds !== null && !(Number.isInteger(opts.rounds) && opts.rounds > 0)) usage('--rounds must be a positive integer')
  return opts
}

function usage(message) {
  process.stderr.write(`bench: ${message}\nusage: node bench/run.js [--quick] [--rounds N] [--only w1,w2,w3,w4,w5,mem] [--clients a,b,c,d] [--no-build] [--debug]\n`)
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

const CLIENTS = {
  a: { label: '(a) pi-ai streamBedrock', kind: 'node', file: 'clients/pi-ai.mjs' },
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
    emulator: { command: process.execPath, args: [path.join(root, 'js', 'cli.js'), 'emulator', '--port', '0'], env: { NAPI_RS_NATIVE_LIBRARY_PATH: addon } },
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

// ---------------------------------------------------------------------------------------
// Emulator (own process, driven through its control endpoints)

async function startEmulator({ command, args, env }) {
  if (!fs.existsSync(command)) throw new Error(`emulator binary missing: ${command}`)
  return spawnEmulator({ command, args, env, cwd: root })
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

function clientEnv(binaries) {
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
  return env
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
  return [process.execPath, [...nodeArgs, path.join(__dirname, spec.file), workload, json]]
}

/** Runs one client process; resolves with its result JSON (plus `firstEventWallMs`, the
 *  time from spawn to its FIRST_EVENT line, for the cold-start workload). */
function runClient(client, binaries, workload, params, timeoutMs) {
  const [command, args] = clientCommand(client, binaries, workload, params)
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, { cwd: root, env: clientEnv(binaries), stdio: ['ignore', 'pipe', 'pipe'] })
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
  const list = clients.filter((c) => !w.clients || w.clients.includes(c))
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
// Targets (issue 7)

function ratio(medians, client, base, key) {
  const x = medians[client]?.[key]
  const y = medians[base]?.[key]
  return x === undefined || y === undefined || y === 0 ? null : x / y
}

function checkTargets(results) {
  const checks = []
  const add = (workload, what, value, limit, holds) =>
    checks.push({ workload, what, value, limit, holds: value === null ? null : holds(value) })
  const m = (w) => results[w]?.medians ?? {}
  if (results.w1) {
    add('W1', 'events/s (c)/(a) >= 10', ratio(m('w1'), 'c', 'a', 'eventsPerSec'), 10, (v) => v >= 10)
    add('W1', 'CPU per event (c)/(a) <= 0.1', ratio(m('w1'), 'c', 'a', 'cpuMsPer1k'), 0.1, (v) => v <= 0.1)
    add('W1', 'events/s (d)/(c) <= 1.5 (within 1.5x of the ceiling)', ratio(m('w1'), 'd', 'c', 'eventsPerSec'), 1.5, (v) => v <= 1.5)
    add('W1', 'CPU per event (c)/(d) <= 1.5', ratio(m('w1'), 'c', 'd', 'cpuMsPer1k'), 1.5, (v) => v <= 1.5)
  }
  if (results.w2) {
    add('W2', 'CPU (c)/(a) <= 0.2', ratio(m('w2'), 'c', 'a', 'cpuMs'), 0.2, (v) => v <= 0.2)
    add('W2', 'peak RSS (c)/(a) <= 0.5', ratio(m('w2'), 'c', 'a', 'peakRssMB'), 0.5, (v) => v <= 0.5)
  }
  if (results.w3) {
    add('W3', 'first event p50 (c)/(a) <= 0.5', ratio(m('w3'), 'c', 'a', 'p50'), 0.5, (v) => v <= 0.5)
    add('W3', 'first event p99 (c)/(a) <= 0.5', ratio(m('w3'), 'c', 'a', 'p99'), 0.5, (v) => v <= 0.5)
  }
  if (results.w4) add('W4', 'cold start (c)/(a) <= 0.5', ratio(m('w4'), 'c', 'a', 'coldMs'), 0.5, (v) => v <= 0.5)
  if (results.w5) add('W5', 'cache hit µs/call (c) < 10', m('w5').c?.usPerCall ?? null, 10, (v) => v < 10)
  if (results.mem) {
    for (const c of ['c', 'd']) {
      if (m('mem')[c]) add('mem', `RSS growth ${CLIENTS[c].label} < 5 MB`, m('mem')[c].growthMB, 5, (v) => v < 5)
    }
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
    jsTransport: process.env.AWS_BEDROCK_FORCE_HTTP1 === '1' ? 'HTTP/1.1' : 'HTTP/2 (h2c, the SDK default)',
  }
}

async function main() {
  const started = new Date()
  const env = machine()
  const buildTimes = {}
  // A fresh clone: pi-ai and the AWS SDK for JS, clients (a) and (b), come from npm.
  const installStarted = performance.now()
  ensureDevDependencies()
  buildTimes.npmInstall = (performance.now() - installStarted) / 1e3
  const binaries = prepareBinaries(buildTimes)
  const clients = Object.keys(CLIENTS).filter(wanted)
  const names = Object.keys(WORKLOADS).filter((w) => opts.only === null || opts.only.includes(w))
  for (const w of opts.only ?? []) if (!WORKLOADS[w]) usage(`unknown workload ${w}`)

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
  try {
    for (const name of names) {
      if (skipped[name]) process.stderr.write(`[bench] ${name}: ${skipped[name]}\n`)
      const runnable = name === 'w5' && skipped.w5 ? clients.filter((c) => c !== 'c') : clients
      results[name] = await runWorkload(name, emu, binaries, runnable)
    }
  } finally {
    await emu.close()
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
    workloads: results,
    targets,
  }

  let text = `\nbedrock-native benchmark  ${report.started}  node ${env.node}  ${env.cpus} CPUs  load ${env.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}  JS transport ${env.jsTransport}${opts.quick ? '  (QUICK sizes)' : ''}${opts.debug ? '  (DEBUG builds: figures meaningless)' : ''}\n`
  for (const [name, r] of Object.entries(results)) {
    text += `\n${r.title}; median of ${r.rounds} round${r.rounds === 1 ? '' : 's'}\n`
    text += formatTable(r, clients.filter((c) => r.medians[c] || r.errors[c]), CLIENTS, WORKLOADS[name].metrics)
  }
  for (const [name, why] of Object.entries(skipped)) text += `\n${name}: ${why}\n`
  text += '\nTargets (issue 7):\n'
  for (const t of targets) {
    const mark = t.holds === null ? 'n/a ' : t.holds ? 'HOLDS' : 'MISSED'
    text += `  ${mark.padEnd(6)} ${t.workload.padEnd(4)} ${t.what}: ${t.value === null ? 'not measured' : t.value.toFixed(3)}\n`
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
