'use strict'
// Readings of another process from /proc (Linux): CPU of the whole process and of each
// thread, RSS, file descriptors and its TCP connections to one port. The parent takes
// them at the marks a W6/W7 client prints, so every client (Node or Rust) is measured
// the same way, from outside.

const fs = require('node:fs')
const { spawnSync } = require('node:child_process')

let clockTicks = null
/** Clock ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
function ticksPerSecond() {
  if (clockTicks === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
    clockTicks = r.status === 0 && Number(r.stdout) > 0 ? Number(r.stdout) : 100
  }
  return clockTicks
}

/** utime + stime of a /proc/.../stat line, ms (the fields after the parenthesised name). */
function statCpuMs(text) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e3) / ticksPerSecond()
}

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** Socket inodes -> remote ports of the ESTABLISHED TCP connections in pid's namespace. */
function establishedTo(pid, port) {
  const inodes = new Set()
  for (const file of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    const text = read(file)
    if (!text) continue
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 10) continue
      const remotePort = parseInt(cols[2].split(':')[1], 16)
      if (remotePort === port && cols[3] === '01') inodes.add(cols[9])
    }
  }
  return inodes
}

/**
 * One reading of `pid`: { atMs, cpuMs, threads: [{ tid, name, cpuMs }], rssBytes,
 * peakRssBytes, fds, connections } (connections: its ESTABLISHED TCP sockets whose remote
 * port is `port`). Null once the process is gone.
 */
function sample(pid, port) {
  const atMs = performance.now()
  const stat = read(`/proc/${pid}/stat`)
  const status = read(`/proc/${pid}/status`)
  if (stat === null || status === null) return null
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024
  const threads = []
  let tids = []
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`)
  } catch {}
  for (const tid of tids) {
    const t = read(`/proc/${pid}/task/${tid}/stat`)
    if (t === null) continue
    threads.push({ tid: Number(tid), name: (read(`/proc/${pid}/task/${tid}/comm`) ?? '?').trim(), cpuMs: statCpuMs(t) })
  }
  let fds = 0
  let connections = null
  try {
    const names = fs.readdirSync(`/proc/${pid}/fd`)
    fds = names.length
    if (port) {
      const established = establishedTo(pid, port)
      connections = 0
      for (const fd of names) {
        let target
        try {
          target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
        } catch {
          continue
        }
        const m = /^socket:\[(\d+)\]$/.exec(target)
        if (m && established.has(m[1])) connections++
      }
    }
  } catch {}
  return { atMs, cpuMs: statCpuMs(stat), threads, rssBytes: field('VmRSS'), peakRssBytes: field('VmHWM'), fds, connections }
}

/**
 * CPU between two readings of one process, as % of one core: the whole process and per
 * thread, threads grouped by name (the main thread, tid = pid, as `main`), busiest first.
 */
function cpuBetween(pid, a, b) {
  const seconds = (b.atMs - a.atMs) / 1e3
  const before = new Map(a.threads.map((t) => [t.tid, t.cpuMs]))
  const groups = new Map()
  for (const t of b.threads) {
    const name = t.tid === pid ? 'main' : t.name
    const g = groups.get(name) ?? { name, threads: 0, cpuMs: 0 }
    g.threads++
    g.cpuMs += t.cpuMs - (before.get(t.tid) ?? 0)
    groups.set(name, g)
  }
  const pct = (ms) => (ms / 10) / seconds
  return {
    seconds,
    cpuMs: b.cpuMs - a.cpuMs,
    cpuPct: pct(b.cpuMs - a.cpuMs),
    threads: [...groups.values()].map((g) => ({ ...g, cpuPct: pct(g.cpuMs) })).sort((x, y) => y.cpuMs - x.cpuMs),
  }
}

module.exports = { sample, cpuBetween }
