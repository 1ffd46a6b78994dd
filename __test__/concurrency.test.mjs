// 2,000 concurrent converseStreams in one process, each with a random fault or a random
// abort/early break: no crash, no hang, every stream ends with exactly one terminal
// event whose code fits what was done to it, and afterwards the sockets are back to
// what the transport's keep-alive pool holds (a second wave reuses them: no growth).

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { CONTEXT, modelFor, openFds, openSockets, settle, useEmulatorCredentials, within } from './reliability-helpers.mjs'

const require = createRequire(import.meta.url)
const addon = require('../js/index.js')

useEmulatorCredentials()

const MODEL_ID = 'amazon.nova-micro-v1:0'
const STREAMS = 2000
const OPTIONS = { connectTimeoutMs: 5000, firstEventTimeoutMs: 8000, idleTimeoutMs: 1000, maxRetries: 0 }
// Everything below ends within the idle/first-event timeouts; 90 s means a hang.
const WAVE_BOUND_MS = 90000

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// [script, codes it may end with when not aborted]
const FAULTS = [
  [{ text: 'hello concurrent world', chunkSize: 4 }, ['done']],
  [{ text: 'slow drip', chunkSize: 3, faults: { bytesPerWrite: 7 } }, ['done']],
  [{ http: { status: 429, errorType: 'ThrottlingException' } }, ['ThrottlingException']],
  [{ http: { status: 500, errorType: 'InternalServerException' } }, ['InternalServerException']],
  [{ http: { status: 400, errorType: 'ValidationException', message: 'bad' } }, ['ValidationException']],
  [{ faults: { resetBeforeHeaders: true } }, ['Network']],
  [{ text: 'a b c d e f g h', chunkSize: 1, faults: { dropAfterFrames: 3 } }, ['Network']],
  [{ text: 'a b c d e f g h', chunkSize: 1, faults: { corruptMessageCrcAtFrame: 2 } }, ['Protocol']],
  [{ text: 'a b c d e f g h', chunkSize: 1, faults: { stallAfterFrames: 3, stallMs: 3000 } }, ['Timeout']],
  [{ frames: [{ event: 'messageStart', data: { role: 'assistant' } }, { exception: 'modelStreamErrorException', data: { message: 'x' } }] }, ['ModelStreamErrorException']],
]

const unhandled = []
const onUnhandled = (reason) => unhandled.push(reason)
let emu
let model

before(async () => {
  process.on('unhandledRejection', onUnhandled)
  emu = await addon.startEmulator()
  model = modelFor(emu.url, MODEL_ID)
})

after(async () => {
  process.off('unhandledRejection', onUnhandled)
  await emu?.close()
})

/** One stream with its fate: drained fully, aborted by signal, or left early. */
async function one(random, expected) {
  const fate = random()
  const controller = new AbortController()
  const stream = addon.converseStream(model, CONTEXT, { ...OPTIONS, signal: controller.signal })
  let mode = 'drain'
  if (fate < 0.1) {
    mode = 'abort-early'
    setTimeout(() => controller.abort(), Math.floor(random() * 20))
  } else if (fate < 0.2) {
    mode = 'abort-after-first-event'
  } else if (fate < 0.27) {
    mode = 'break'
  }
  const events = []
  for await (const event of stream) {
    events.push(event)
    if (mode === 'abort-after-first-event' && events.length === 1) controller.abort()
    if (mode === 'break' && events.length === 2) break
  }
  const result = await stream.result()
  return { mode, events, result, expected }
}

async function wave(seed) {
  const random = rng(seed)
  emu.reset()
  const plan = []
  for (let i = 0; i < STREAMS; i++) {
    const [script, codes] = FAULTS[Math.floor(random() * FAULTS.length)]
    emu.script(MODEL_ID, script)
    plan.push(codes)
  }
  const outcomes = await within(WAVE_BOUND_MS, Promise.all(plan.map(() => one(random, null))), `wave ${seed}`)
  return outcomes
}

function check(outcomes, label) {
  const allowed = new Set(['done', 'Aborted', ...FAULTS.flatMap(([, codes]) => codes)])
  const histogram = {}
  for (const [i, o] of outcomes.entries()) {
    const terminal = o.events.filter((e) => e.type === 'done' || e.type === 'error')
    const outcome = o.result.stopReason === 'error' || o.result.stopReason === 'aborted' ? o.result : null
    if (o.mode === 'break') {
      // Left early: the iterator saw at most two events; the stream itself still ended once.
      assert.ok(['stop', 'length', 'toolUse', 'error', 'aborted'].includes(o.result.stopReason), `${label} #${i}`)
    } else {
      assert.equal(terminal.length, 1, `${label} #${i} (${o.mode}): ${terminal.length} terminal events`)
      assert.equal(o.events[o.events.length - 1], terminal[0], `${label} #${i}: events after the terminal one`)
      const code = terminal[0].type === 'done' ? 'done' : terminal[0].code
      assert.ok(allowed.has(code), `${label} #${i}: unexpected code ${code}: ${outcome?.errorMessage}`)
      if (o.mode === 'drain') assert.notEqual(code, 'Aborted', `${label} #${i}: aborted without an abort`)
      histogram[code] = (histogram[code] ?? 0) + 1
    }
  }
  return histogram
}

test(`${STREAMS} concurrent streams with random faults and aborts all end once; sockets return to the pool's size`, { timeout: 240000 }, async () => {
  const fdsBefore = openFds()
  const socketsBefore = openSockets()

  const first = await wave(1)
  const h1 = check(first, 'wave 1')
  assert.equal(first.length, STREAMS)
  // Every fault kind and both fates actually happened.
  for (const code of ['done', 'Aborted', 'ThrottlingException', 'Network', 'Protocol', 'Timeout']) {
    assert.ok(h1[code] > 0, `wave 1 produced no ${code}: ${JSON.stringify(h1)}`)
  }

  // Faulted connections close; what stays open is idle keep-alive connections, which
  // only a cleanly finished response can leave (a done stream or a fully read error),
  // plus connections whose connect was under way when the stream was aborted (hyper's
  // pool finishes such a connect and keeps it for reuse).
  const reusable = (outcomes) =>
    outcomes.filter((o) => o.result.stopReason === 'stop' || (o.events.at(-1)?.httpStatus ?? 0) >= 400 || o.mode === 'abort-early').length
  const clean = reusable(first)
  await settle(() => emu.connections().open <= clean, 20000)
  const open1 = emu.connections().open
  assert.ok(open1 <= clean, `wave 1: ${open1} connections open, at most ${clean} reusable`)
  await new Promise((r) => setTimeout(r, 500))
  const sockets1 = openSockets()

  // Second wave: the pool is reused, so sockets do not grow.
  const second = await wave(2)
  check(second, 'wave 2')
  const clean2 = reusable(second)
  await settle(() => emu.connections().open <= Math.max(open1, clean2), 20000)
  await new Promise((r) => setTimeout(r, 500))
  const sockets2 = openSockets()
  const fdsAfter = openFds()

  if (sockets1 !== null) {
    // Both ends of each pooled connection live in this process (in-process emulator).
    const poolSlack = 2 * Math.max(open1, clean2) + 16
    assert.ok(sockets2 <= sockets1 + poolSlack, `sockets grew: ${socketsBefore} -> ${sockets1} -> ${sockets2}`)
    assert.ok(fdsAfter <= fdsBefore + 2 * Math.max(open1, clean2) + 32, `fds grew: ${fdsBefore} -> ${fdsAfter}`)
  }
  assert.deepEqual(unhandled, [])

  // Still healthy: a plain stream works.
  // (Scripts queued for streams aborted before their request was sent are still queued.)
  emu.reset()
  emu.script(MODEL_ID, { text: 'after the storm' })
  const events = []
  for await (const e of addon.converseStream(model, CONTEXT, OPTIONS)) events.push(e)
  assert.equal(events.at(-1).type, 'done', events.at(-1).error?.errorMessage)
  console.log(`# concurrency: wave1 ${JSON.stringify(h1)}; sockets ${socketsBefore} -> ${sockets1} -> ${sockets2}; fds ${fdsBefore} -> ${fdsAfter}; emulator open after wave 1: ${open1}`)
})
