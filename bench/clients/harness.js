'use strict'
// The workloads, shared by the JS clients. A client is one process running one workload:
// `node <client> <workload> '<params JSON>'`. It prints `FIRST_EVENT` (cold start only)
// and then one result JSON line on stdout; bench/run.js reads it. The Rust client
// (bench/rust-client) implements the same protocol and the same workloads.
//
// A client supplies `runStream(modelId, { abortAfterFirst, onFirst, onDelta })` -> {
// deltas, firstEventMs }: one ConverseStream read to its end (or aborted once the first
// event arrived, then read until the stream reports the abort); `onDelta` (W6 only) is
// called per text delta.

const fs = require('node:fs')

/** (current RSS, peak RSS) in bytes: /proc/self/status as the Rust client reads it. */
function rss() {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8')
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { now: field('VmRSS'), peak: field('VmHWM') }
  } catch {
    return { now: process.memoryUsage.rss(), peak: process.resourceUsage().maxRSS * 1024 }
  }
}

function cpuMs(since) {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e3
}

/** Settles the heap before a memory reading (node runs with --expose-gc for `mem`). */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function oneStream(runStream, params) {
  if (params.warmupModel) await runStream(params.warmupModel, {})
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const { deltas } = await runStream(params.model, {})
  const wallMs = performance.now() - t0
  const cpu = cpuMs(cpu0)
  const { now, peak } = rss()
  return { events: deltas, wallMs, cpuMs: cpu, rssBytes: now, peakRssBytes: peak }
}

async function concurrent(runStream, params) {
  const streams = params.streams ?? 500
  if (params.warmupModel) await runStream(params.warmupModel, {})
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const results = await Promise.all(Array.from({ length: streams }, () => runStream(params.model, {})))
  const wallMs = performance.now() - t0
  const cpu = cpuMs(cpu0)
  const { now, peak } = rss()
  const events = results.reduce((n, r) => n + r.deltas, 0)
  return { streams, events, wallMs, cpuMs: cpu, rssBytes: now, peakRssBytes: peak }
}

async function sequential(runStream, params) {
  for (let i = 0; i < (params.warmup ?? 5); i++) await runStream(params.model, {})
  const firstEventMs = []
  let events = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < (params.streams ?? 200); i++) {
    const r = await runStream(params.model, {})
    events += r.deltas
    firstEventMs.push(r.firstEventMs)
  }
  return { events, wallMs: performance.now() - t0, cpuMs: cpuMs(cpu0), firstEventMs }
}

/** One line from the parent on stdin (its go-ahead after the idle reading). */
function lineFromParent() {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (chunk) => {
      buffered += chunk
      if (!buffered.includes('\n')) return
      process.stdin.off('data', onData)
      process.stdin.pause()
      resolve(buffered.trim())
    }
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', onData)
    process.stdin.once('end', () => reject(new Error('stdin closed before the go-ahead')))
  })
}

/**
 * W6/W7: `streams` paced streams started at once, after one warm-up stream. Prints
 * `READY` and waits for the parent's go-ahead (it takes the idle reading meanwhile), then
 * `MARK ALL_FIRST <deltas>` once every stream has had its first event (the end of the
 * start-up burst, W7) and `MARK FIRST_DONE <deltas>` when the first stream ends (the end
 * of the window in which all are open, W6): the parent samples /proc at each line.
 */
async function paced(runStream, params) {
  const streams = params.streams ?? 200
  if (params.warmupModel) await runStream(params.warmupModel, {})
  process.stdout.write('READY\n')
  await lineFromParent()
  let deltas = 0
  let firsts = 0
  let dones = 0
  const onDelta = () => {
    deltas++
  }
  const onFirst = () => {
    if (++firsts === streams) process.stdout.write(`MARK ALL_FIRST ${deltas}\n`)
  }
  const t0 = performance.now()
  const results = await Promise.all(
    Array.from({ length: streams }, () =>
      runStream(params.model, { onFirst, onDelta }).then((r) => {
        if (dones++ === 0) process.stdout.write(`MARK FIRST_DONE ${deltas}\n`)
        return r
      }),
    ),
  )
  return { streams, events: deltas, wallMs: performance.now() - t0, firstEventMs: results.map((r) => r.firstEventMs) }
}

async function cold(runStream, params) {
  // The parent timestamps the FIRST_EVENT line: process start, import, first event.
  const { deltas } = await runStream(params.model, { onFirst: () => process.stdout.write('FIRST_EVENT\n') })
  return { events: deltas }
}

async function memory(runStream, params) {
  for (let i = 0; i < (params.warmup ?? 500); i++) await runStream(params.model, {})
  for (let i = 0; i < (params.warmupAborted ?? 50); i++) await runStream(params.abortModel, { abortAfterFirst: true })
  await settle()
  // Where the memory sits (V8 heap vs native), for reading an RSS growth.
  const usage = { afterWarmup: process.memoryUsage() }
  const rssAfterWarmup = rss().now
  const t0 = performance.now()
  for (let i = 0; i < (params.streams ?? 10000); i++) await runStream(params.model, {})
  await settle()
  usage.afterStreams = process.memoryUsage()
  const rssAfterStreams = rss().now
  for (let i = 0; i < (params.aborted ?? 1000); i++) await runStream(params.abortModel, { abortAfterFirst: true })
  await new Promise((resolve) => setTimeout(resolve, 200))
  await settle()
  usage.afterAborted = process.memoryUsage()
  const rssAfterAborted = rss().now
  return { rssAfterWarmup, rssAfterStreams, rssAfterAborted, peakRssBytes: rss().peak, wallMs: performance.now() - t0, memoryUsage: usage }
}

async function discovery(discover, params) {
  const first = await discover()
  const iterations = params.iterations ?? 100000
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < iterations; i++) {
    const hit = await discover()
    if (hit.fromCache === false) throw new Error('a repeated discovery call was not served from the cache')
  }
  const wallMs = performance.now() - t0
  return {
    models: Array.isArray(first) ? first.length : (first.models?.length ?? null),
    iterations,
    wallMs,
    cpuMs: cpuMs(cpu0),
    callsPerSecond: iterations / (wallMs / 1e3),
  }
}

/** The model object pi-ai's provider and the addon take (same for both). */
function benchModel(url, id) {
  return {
    id,
    name: id,
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    baseUrl: url,
    reasoning: false,
    input: ['text'],
    cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    contextWindow: 200000,
    maxTokens: 4096,
  }
}

const benchContext = {
  systemPrompt: 'You are a benchmark.',
  messages: [{ role: 'user', content: 'Say many small things.', timestamp: 0 }],
}

/**
 * Reads a pi-ai event stream (pi-ai's own or the addon's): counts text deltas, times the
 * first event, aborts after it when asked. A failure other than the requested abort ends
 * the process: a benchmark of a broken stream measures nothing.
 */
async function consumePiStream(stream, started, { abortAfterFirst, onFirst, onDelta, abort }) {
  let deltas = 0
  let firstEventMs = null
  for await (const event of stream) {
    if (firstEventMs === null) {
      firstEventMs = performance.now() - started
      onFirst?.()
      if (abortAfterFirst) abort()
    }
    if (event.type === 'text_delta') {
      deltas++
      onDelta?.()
    }
    else if (event.type === 'error' && !abortAfterFirst) {
      throw new Error(`stream failed: ${event.error?.errorMessage}`)
    }
  }
  return { deltas, firstEventMs }
}

/** Runs the workload named on the command line and prints its result. `makeClient(params)`
 *  returns `{ runStream, discover? }` (may be async: imports happen there). */
async function main(makeClient) {
  const [workload, paramsJson = '{}'] = process.argv.slice(2)
  const params = JSON.parse(paramsJson)
  const { runStream, discover } = await makeClient(params)
  let result
  switch (workload) {
    case 'w1':
      result = await oneStream(runStream, params)
      break
    case 'w2':
      result = await concurrent(runStream, params)
      break
    case 'w3':
      result = await sequential(runStream, params)
      break
    case 'w4':
      result = await cold(runStream, params)
      break
    case 'w5':
      if (!discover) throw new Error('this client has no model discovery')
      result = await discovery(discover, params)
      break
    case 'mem':
      result = await memory(runStream, params)
      break
    case 'w6':
      result = await paced(runStream, params)
      break
    default:
      throw new Error(`unknown workload ${JSON.stringify(workload)}`)
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

function run(makeClient) {
  main(makeClient).then(
    // Pooled sockets may keep the loop alive; the result is out, so leave now.
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`)
      process.exit(1)
    },
  )
}

module.exports = { run, benchModel, benchContext, consumePiStream }
