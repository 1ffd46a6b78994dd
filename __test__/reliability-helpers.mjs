// Shared by the reliability suites (faults, concurrency, soak, secrets, boundary):
// event-stream frame encoding for hand-made faults, a bounded stream drain, fd counts.

import fs from 'node:fs'
import net from 'node:net'

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** One `vnd.amazon.eventstream` frame with string headers (type 7) and real CRCs. */
export function encodeFrame(headers, payload) {
  const parts = []
  for (const [name, value] of headers) {
    const n = Buffer.from(name)
    const v = Buffer.from(value)
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length)
    h[0] = n.length
    n.copy(h, 1)
    h[1 + n.length] = 7
    h.writeUInt16BE(v.length, 2 + n.length)
    v.copy(h, 4 + n.length)
    parts.push(h)
  }
  const headerBytes = Buffer.concat(parts)
  const body = Buffer.from(payload)
  return frameFromParts(headerBytes, body)
}

/** A frame around exact header bytes and payload; `headersLen` may lie. */
export function frameFromParts(headerBytes, body, headersLen = headerBytes.length) {
  const total = 16 + headerBytes.length + body.length
  const prelude = Buffer.alloc(8)
  prelude.writeUInt32BE(total, 0)
  prelude.writeUInt32BE(headersLen, 4)
  const preludeCrc = Buffer.alloc(4)
  preludeCrc.writeUInt32BE(crc32(prelude), 0)
  const withoutCrc = Buffer.concat([prelude, preludeCrc, headerBytes, body])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(withoutCrc), 0)
  return Buffer.concat([withoutCrc, crc])
}

/** Only a prelude (12 bytes, CRC right) announcing `total` bytes. */
export function preludeOnly(total, headersLen = 0) {
  const prelude = Buffer.alloc(8)
  prelude.writeUInt32BE(total, 0)
  prelude.writeUInt32BE(headersLen, 4)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(prelude), 0)
  return Buffer.concat([prelude, crc])
}

export function eventFrame(eventType, payload) {
  return encodeFrame(
    [
      [':event-type', eventType],
      [':content-type', 'application/json'],
      [':message-type', 'event'],
    ],
    typeof payload === 'string' ? payload : JSON.stringify(payload),
  )
}

export const b64 = (buf) => Buffer.from(buf).toString('base64')

/** Rejects with a clear message if `promise` takes longer than `ms` (a hang detector,
 *  not a timing assertion). */
export function within(ms, promise, label) {
  let timer
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no end within ${ms} ms (hang)`)), ms)
  })
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer))
}

/** Drains a converseStream: every event, the terminal ones, and result(). */
export async function drain(stream, { abortAfterEvents, abort } = {}) {
  const events = []
  for await (const event of stream) {
    events.push(event)
    if (abortAfterEvents !== undefined && events.length === abortAfterEvents) abort()
  }
  const terminal = events.filter((e) => e.type === 'done' || e.type === 'error')
  const result = await stream.result()
  return { events, terminal, result, last: events[events.length - 1] }
}

/** Open file descriptors of this process (Linux), or null elsewhere. */
export function openFds() {
  try {
    return fs.readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

/** Open TCP sockets of this process (Linux): fds that are sockets. */
export function openSockets() {
  try {
    let n = 0
    for (const fd of fs.readdirSync('/proc/self/fd')) {
      try {
        if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++
      } catch {
        // closed while listing
      }
    }
    return n
  } catch {
    return null
  }
}

/** Resident set size in bytes. */
export function rss() {
  return process.memoryUsage().rss
}

/** Polls `check()` until it returns true or `ms` passed; returns the last value. */
export async function settle(check, ms = 15000, step = 50) {
  const end = Date.now() + ms
  let ok = await check()
  while (!ok && Date.now() < end) {
    await new Promise((r) => setTimeout(r, step))
    ok = await check()
  }
  return ok
}

/** A loopback port nothing listens on. */
export async function closedPort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

export const EMULATOR_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEMULATORTEST0001',
  AWS_SECRET_ACCESS_KEY: 'emulator/secret/key/0000000000000000000000',
  AWS_REGION: 'us-east-1',
}

export function useEmulatorCredentials() {
  Object.assign(process.env, EMULATOR_ENV)
  delete process.env.AWS_BEARER_TOKEN_BEDROCK
  delete process.env.AWS_PROFILE
  delete process.env.AWS_SESSION_TOKEN
}

export function modelFor(url, id = 'amazon.nova-micro-v1:0') {
  return {
    id,
    name: 'Nova Micro',
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    baseUrl: url,
    reasoning: false,
    input: ['text'],
    cost: { input: 0.035, output: 0.14, cacheRead: 0.00875, cacheWrite: 0.04375 },
    contextWindow: 128000,
    maxTokens: 4096,
  }
}

export const CONTEXT = { systemPrompt: 'Be brief.', messages: [{ role: 'user', content: 'Say hello', timestamp: 1 }] }
