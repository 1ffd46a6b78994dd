'use strict'
// Pre-encoded ConverseStream bodies for the benchmarks: real `vnd.amazon.eventstream`
// frames (headers and CRCs as Bedrock sends them, `p` padding included), generated once
// per run and served verbatim by the emulator, so the server does no per-frame work.

const zlib = require('node:zlib')

const PAD_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

// Small deltas as models emit them: a word or a piece of one.
const WORDS = [' The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.', ' It', "'s", ' a', ' test', ' of', ' streaming', ',', ' nothing', ' more', '\n']

/** Deterministic generator (mulberry32): every run serves the same bytes. */
function random(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function stringHeader(name, value) {
  const n = Buffer.from(name, 'utf8')
  const v = Buffer.from(value, 'utf8')
  const out = Buffer.alloc(1 + n.length + 1 + 2 + v.length)
  out.writeUInt8(n.length, 0)
  n.copy(out, 1)
  out.writeUInt8(7, 1 + n.length) // string
  out.writeUInt16BE(v.length, 2 + n.length)
  v.copy(out, 4 + n.length)
  return out
}

/** One event frame: `:event-type`, `:content-type`, `:message-type` as Bedrock orders them. */
function eventFrame(eventType, payload) {
  const headers = Buffer.concat([
    stringHeader(':event-type', eventType),
    stringHeader(':content-type', 'application/json'),
    stringHeader(':message-type', 'event'),
  ])
  const body = Buffer.from(JSON.stringify(payload), 'utf8')
  const total = 12 + headers.length + body.length + 4
  const frame = Buffer.alloc(total)
  frame.writeUInt32BE(total, 0)
  frame.writeUInt32BE(headers.length, 4)
  frame.writeUInt32BE(zlib.crc32(frame.subarray(0, 8)), 8)
  headers.copy(frame, 12)
  body.copy(frame, 12 + headers.length)
  frame.writeUInt32BE(zlib.crc32(frame.subarray(0, total - 4)), total - 4)
  return frame
}

/**
 * The frames of one text reply with `deltas` contentBlockDelta events:
 * messageStart, deltas, contentBlockStop, messageStop, metadata (usage).
 */
function textReplyFrames(deltas, seed = 1) {
  const rnd = random(seed)
  const pad = () => PAD_ALPHABET.slice(0, 1 + Math.floor(rnd() * PAD_ALPHABET.length))
  const frames = [eventFrame('messageStart', { p: pad(), role: 'assistant' })]
  for (let i = 0; i < deltas; i++) {
    frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: WORDS[i % WORDS.length] }, p: pad() }))
  }
  frames.push(eventFrame('contentBlockStop', { contentBlockIndex: 0, p: pad() }))
  frames.push(eventFrame('messageStop', { p: pad(), stopReason: 'end_turn' }))
  frames.push(
    eventFrame('metadata', {
      metrics: { latencyMs: 1200 },
      p: pad(),
      usage: { inputTokens: 25, outputTokens: deltas, totalTokens: 25 + deltas },
    }),
  )
  return frames
}

/**
 * An emulator script (docs/CONTRACTS.md) that serves the reply on every request until
 * reset: `messageStart` alone first (a first event arrives as it would from Bedrock),
 * then the rest in writes of about `writeBytes` (one TLS record's worth by default).
 */
function textReplyScript(deltas, { writeBytes = 16 * 1024, seed = 1 } = {}) {
  const frames = textReplyFrames(deltas, seed)
  const writes = [frames[0]]
  let pending = []
  let size = 0
  for (const frame of frames.slice(1)) {
    pending.push(frame)
    size += frame.length
    if (size >= writeBytes) {
      writes.push(Buffer.concat(pending))
      pending = []
      size = 0
    }
  }
  if (pending.length > 0) writes.push(Buffer.concat(pending))
  const bytes = writes.reduce((n, w) => n + w.length, 0)
  return {
    script: { times: 0, frames: writes.map((w) => ({ rawBase64: w.toString('base64') })) },
    bytes,
    frames: frames.length,
  }
}

module.exports = { eventFrame, textReplyFrames, textReplyScript }
