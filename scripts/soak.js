#!/usr/bin/env node
'use strict'
// Soak: mixed converseStream traffic against an out-of-process emulator (so the numbers
// are the addon's alone), sampling this process's RSS and open file descriptors.
//
//   node scripts/soak.js --minutes 30 [--concurrency 32] [--warmup-seconds 60]
//
// Traffic mix per request: normal replies (text, tool call, long text), HTTP errors,
// mid-stream drops, corrupt frames, stalls hitting the idle timeout, aborts, early
// breaks, and request building. Prints one sample line per interval and a summary; exits
// 1 if, after warm-up, RSS or fds grew beyond the bounds below, or any stream did not end
// with exactly one terminal event. `__test__/soak.test.mjs` runs the same for 60 s.

const path = require('node:path')
const fs = require('node:fs')
const { pathToFileURL } = require('node:url')

const root = path.join(__dirname, '..')

/** After warm-up, the mean RSS of the last window may exceed the mean of the first
 *  post-warm-up window by at most this (allocator noise, JIT, lazily grown pools). */
const RSS_BOUND_BYTES = 48 * 1024 * 1024
/** Open fds may exceed the warm-up peak by at most this (keep-alive pool churn). */
const FD_BOUND = 64

const MODEL_ID = 'amazon.nova-micro-v1:0'
const CONTEXT = { systemPrompt: 'Be brief.', messages: [{ role: 'user', content: 'Say hello', timestamp: 1 }] }
const OPTIONS = { connectTimeoutMs: 3000, firstEventTimeoutMs: 5000, idleTimeoutMs: 800, maxRetries: 0 }

const LONG = 'lorem ipsum dolor sit amet '.repeat(200)
const TRAFFIC = [
  [30, 'text', { text: 'hello from the soak test', chunkSize: 4 }],
  [10, 'long text', { text: LONG, chunkSize: 16 }],
  [8, 'tool call', {
    frames: [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'contentBlockStart', data: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't1', name: 'read' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { toolUse: { input: '{"path":' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { toolUse: { input: '"/tmp/x"}' } } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 0 } },
      { event: 'messageStop', data: { stopReason: 'tool_use' } },
      { event: 'metadata', data: { usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 }, metrics: { latencyMs: 3 } } },
    ],
  }],
  [8, 'throttled', { http: { status: 429, errorType: 'ThrottlingException' } }],
  [4, 'validation', { http: { status: 400, errorType: 'ValidationException', message: 'bad' } }],
  [6, 'drop', { text: 'a b c d e f g h i j', chunkSize: 1, faults: { dropAfterFrames: 4 } }],
  [5, 'crc', { text: 'a b c d e f g h i j', chunkSize: 1, faults: { corruptMessageCrcAtFrame: 3 } }],
  [3, 'stall', { text: 'a b c d e f', chunkSize: 1, faults: { stallAfterFrames: 2, stallMs: 1500 } }],
  [4, 'reset', { faults: { resetBeforeHeaders: true } }],
  [10, 'abort', { text: LONG, chunkSize: 8, faults: { delayBetweenFramesMs: 2 } }],
  [6, 'break', { text: LONG, chunkSize: 8 }],
  [6, 'build only', null],
]
const TOTAL_WEIGHT = TRAFFIC.reduce((n, [w]) => n + w, 0)

function pick() {
  let r = Math.random() * TOTAL_WEIGHT
  for (const entry of TRAFFIC) {
    r -= entry[0]
    if (r < 0) return entry
  }
  return TRAFFIC[0]
}

function openFds() {
  try {
    return fs.readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const mib = (bytes) => (bytes / (1024 * 1024)).toFixed(1)

/**
 * Runs the soak for `seconds` and returns `{ samples, counts, anomalies, verdict }`.
 * `verdict.ok` is false when the bounds above are broken or a stream misbehaved.
 */
async function runSoak({ seconds, concurrency = 32, warmupSeconds, sampleMs = 1000, log = () => {} }) {
  const addon = require(path.join(root, 'js', 'index.js'))
  const { startEmulatorProcess } = await import(pathToFileURL(path.join(root, '__test__', 'emulator-process.mjs')).href)
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIDEMULATORTEST0001',
    AWS_SECRET_ACCESS_KEY: 'emulator/secret/key/0000000000000000000000',
    AWS_REGION: 'us-east-1',
  })
  delete process.env.AWS_BEARER_TOKEN_BEDROCK
  delete process.env.AWS_SESSION_TOKEN
  delete process.env.AWS_PROFILE

  const emu = await startEmulatorProcess()
  const model = {
    id: MODEL_ID, name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock', baseUrl: emu.url,
    reasoning: false, input: ['text'], cost: { input: 0.035, output: 0.14, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128000, maxTokens: 4096,
  }
  const warmup = warmupSeconds ?? Math.max(10, Math.round(seconds / 4))
  const started = Date.now()
  const end = started + seconds * 1000
  const counts = {}
  const anomalies = []
  const samples = []

  async function oneRequest() {
    const [, kind, script] = pick()
    counts[kind] = (counts[kind] ?? 0) + 1
    if (script === null) {
      addon.buildConverseRequest(model, CONTEXT, { maxTokens: 100 })
      return
    }
    // The emulator is out of process: queue the script, then stream. Scripts go to "*",
    // so concurrent requests may swap scripts; only "one terminal event" is asserted.
    await emu.script('*', script)
    const controller = new AbortController()
    const stream = addon.converseStream(model, CONTEXT, { ...OPTIONS, signal: controller.signal })
    let seen = 0
    let terminal = 0
    for await (const event of stream) {
      seen++
      if (event.type === 'done' || event.type === 'error') terminal++
      if (kind === 'abort' && seen === 3) controller.abort()
      if (kind === 'break' && seen === 3) break
    }
    const result = await stream.result()
    if (kind !== 'break' && terminal !== 1) anomalies.push(`${kind}: ${terminal} terminal events`)
    if (!result || typeof result.stopReason !== 'string') anomalies.push(`${kind}: no result`)
  }

  async function worker() {
    while (Date.now() < end) {
      try {
        await oneRequest()
      } catch (error) {
        anomalies.push(`threw: ${error?.message ?? error}`)
      }
    }
  }

  const sampler = setInterval(() => {
    const sample = { t: (Date.now() - started) / 1000, rss: process.memoryUsage().rss, fds: openFds(), requests: Object.values(counts).reduce((a, b) => a + b, 0) }
    samples.push(sample)
    log(`t=${sample.t.toFixed(0).padStart(5)}s rss=${mib(sample.rss).padStart(7)} MiB fds=${String(sample.fds).padStart(5)} requests=${sample.requests}`)
  }, sampleMs)
  // Keep the emulator's request log from growing without bound (it is not measured, but
  // it would slow the control endpoint down over 30 minutes).
  const janitor = setInterval(() => emu.reset().catch(() => {}), 20000)

  try {
    await Promise.all(Array.from({ length: concurrency }, worker))
  } finally {
    clearInterval(sampler)
    clearInterval(janitor)
    await emu.close()
  }

  const after = samples.filter((s) => s.t >= warmup)
  const windowSize = Math.max(3, Math.floor(after.length / 4))
  const firstWindow = after.slice(0, windowSize)
  const lastWindow = after.slice(-windowSize)
  const warmupFdPeak = Math.max(...samples.filter((s) => s.t < warmup).map((s) => s.fds ?? 0), 0)
  const verdict = {
    warmupSeconds: warmup,
    rssFirstMean: mean(firstWindow.map((s) => s.rss)),
    rssLastMean: mean(lastWindow.map((s) => s.rss)),
    rssMax: Math.max(...samples.map((s) => s.rss)),
    fdWarmupPeak: warmupFdPeak,
    fdMaxAfterWarmup: Math.max(...after.map((s) => s.fds ?? 0), 0),
    requests: Object.values(counts).reduce((a, b) => a + b, 0),
    anomalies: anomalies.length,
  }
  verdict.rssGrowth = verdict.rssLastMean - verdict.rssFirstMean
  verdict.ok =
    after.length >= 3 &&
    verdict.rssGrowth <= RSS_BOUND_BYTES &&
    (openFds() === null || verdict.fdMaxAfterWarmup <= warmupFdPeak + FD_BOUND) &&
    anomalies.length === 0
  return { samples, counts, anomalies, verdict }
}

function summary({ verdict, counts, anomalies }) {
  return [
    `requests ${verdict.requests} (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `RSS after ${verdict.warmupSeconds}s warm-up: first window ${mib(verdict.rssFirstMean)} MiB, last window ${mib(verdict.rssLastMean)} MiB, growth ${mib(verdict.rssGrowth)} MiB (bound ${mib(RSS_BOUND_BYTES)}), peak ${mib(verdict.rssMax)} MiB`,
    `fds: warm-up peak ${verdict.fdWarmupPeak}, max after warm-up ${verdict.fdMaxAfterWarmup} (bound +${FD_BOUND})`,
    `anomalies ${anomalies.length}${anomalies.length ? ': ' + anomalies.slice(0, 10).join('; ') : ''}`,
    verdict.ok ? 'FLAT: ok' : 'NOT FLAT or misbehaved: FAIL',
  ].join('\n')
}

module.exports = { runSoak, summary, RSS_BOUND_BYTES, FD_BOUND }

if (require.main === module) {
  const args = process.argv.slice(2)
  const arg = (name, fallback) => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback
  }
  const minutes = arg('minutes', 30)
  const concurrency = arg('concurrency', 32)
  const warmupSeconds = arg('warmup-seconds', Math.min(120, Math.max(10, minutes * 15)))
  if (!(minutes > 0) || !(concurrency > 0)) {
    console.error('usage: node scripts/soak.js [--minutes 30] [--concurrency 32] [--warmup-seconds 120]')
    process.exit(2)
  }
  const sampleMs = minutes >= 5 ? 10000 : 1000
  console.log(`soak: ${minutes} min, concurrency ${concurrency}, warm-up ${warmupSeconds}s, sample every ${sampleMs / 1000}s`)
  runSoak({ seconds: minutes * 60, concurrency, warmupSeconds, sampleMs, log: (line) => console.log(line) })
    .then((outcome) => {
      console.log(summary(outcome))
      process.exit(outcome.verdict.ok ? 0 : 1)
    })
    .catch((error) => {
      console.error(error)
      process.exit(1)
    })
}
