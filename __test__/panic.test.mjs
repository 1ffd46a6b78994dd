// No Rust panic crosses into Node: a panic inside an exported function must reach JS as
// an Error with `code: 'InternalError'` and leave the process running. Driven through the
// `__panicProbe*` test hooks (src/panic_probe.rs; they panic only with
// BEDROCK_NATIVE_PANIC_PROBE=1) in child processes, plus a static check that every sync
// export opts into napi's `catch_unwind` (without it a panic aborts the process: Rust
// cannot unwind out of the `extern "C"` callback napi registers).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..')
const require = createRequire(import.meta.url)
const addon = require('../js/index.js')
const probes = typeof addon.__panicProbe === 'function'

/** Runs `body` (JS source, `addon` in scope) in a child with the probe armed. */
function child(body) {
  const script = `
    const addon = require(${JSON.stringify(path.join(root, 'js', 'index.js'))})
    ;(async () => { ${body} })().then(
      () => { process.stdout.write('\\nCHILD-ALIVE\\n') },
      (e) => { process.stdout.write('\\nCHILD-THREW ' + (e && e.message) + '\\n'); process.exitCode = 3 })
  `
  return spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, BEDROCK_NATIVE_PANIC_PROBE: '1' },
    encoding: 'utf8',
    timeout: 30000,
  })
}

const REPORT = `
  const report = (label, e) => {
    e = addon.decorateError(e)
    process.stdout.write('RESULT ' + JSON.stringify({ label, isError: e instanceof Error, code: e && e.code, message: e && e.message }) + '\\n')
  }
`

function results(out) {
  return new Map([...out.stdout.matchAll(/^RESULT (.*)$/gm)].map((m) => JSON.parse(m[1])).map((r) => [r.label, r]))
}

test('the probes refuse to panic unless armed', { skip: !probes && 'panic probes not in this build' }, async () => {
  assert.throws(() => addon.__panicProbe('str'), (e) => addon.decorateError(e).code === 'InvalidArgument')
  await assert.rejects(addon.__panicProbeAsync('str'), (e) => addon.decorateError(e).code === 'InvalidArgument')
})

test('a panic in a guarded sync export is a JS error and the process lives on', { skip: !probes && 'panic probes not in this build' }, () => {
  const out = child(`${REPORT}
    for (const mode of ['str', 'string']) {
      try { addon.__panicProbe(mode); report('sync-' + mode, null) } catch (e) { report('sync-' + mode, e) }
    }`)
  assert.equal(out.signal, null, `child killed by ${out.signal}: ${out.stderr.slice(-500)}`)
  assert.match(out.stdout, /CHILD-ALIVE/)
  const r = results(out)
  for (const mode of ['str', 'string']) {
    assert.equal(r.get(`sync-${mode}`)?.isError, true, `sync ${mode}: ${JSON.stringify(r.get(`sync-${mode}`))}`)
  }
})

test('a panic in an async export rejects its promise and the process lives on', { skip: !probes && 'panic probes not in this build' }, () => {
  const out = child(`${REPORT}
    for (const mode of ['str', 'string']) {
      try { await addon.__panicProbeAsync(mode); report('async-' + mode, null) } catch (e) { report('async-' + mode, e) }
    }`)
  assert.equal(out.signal, null, `child killed by ${out.signal}`)
  assert.match(out.stdout, /CHILD-ALIVE/)
  const r = results(out)
  for (const mode of ['str', 'string']) assert.equal(r.get(`async-${mode}`)?.isError, true)
})

test('panics reach JS with code InternalError', { skip: !probes && 'panic probes not in this build' }, () => {
  const out = child(`${REPORT}
    try { addon.__panicProbe('str') } catch (e) { report('sync', e) }
    try { await addon.__panicProbeAsync('string') } catch (e) { report('async', e) }`)
  const r = results(out)
  assert.equal(r.get('sync')?.code, 'InternalError', JSON.stringify(r.get('sync')))
  assert.equal(r.get('async')?.code, 'InternalError', JSON.stringify(r.get('async')))
})

test('without catch_unwind a sync export takes the process down (why every sync export needs it)', { skip: !probes && 'panic probes not in this build' }, () => {
  const out = child(`${REPORT}
    try { addon.__panicProbeUnguarded('str') } catch (e) { report('unguarded', e) }`)
  assert.doesNotMatch(out.stdout, /CHILD-ALIVE/, 'an unguarded panic was survived: napi changed; revisit the guard')
  assert.ok(out.signal === 'SIGABRT' || out.status !== 0, `status ${out.status} signal ${out.signal}`)
})

/** Sync `#[napi]` functions and methods in src/ and whether they opt into catch_unwind. */
function syncExports() {
  const found = []
  for (const file of fs.readdirSync(path.join(root, 'src')).filter((f) => f.endsWith('.rs'))) {
    const lines = fs.readFileSync(path.join(root, 'src', file), 'utf8').split('\n')
    for (let i = 0; i < lines.length; i++) {
      let attr = lines[i].trim()
      if (!/^#\[napi(\(|\])/.test(attr)) continue
      let j = i + 1
      // Attributes may span lines: `#[napi(\n  js_name = "...",\n  ts_args_type = "...")]`.
      while (!attr.endsWith(']') && j < lines.length) attr += ' ' + lines[j++].trim()
      while (j < lines.length && /^\s*(#\[|\/\/\/|\/\/)/.test(lines[j])) j++
      const item = lines[j]?.trim() ?? ''
      const fn = /^pub(?:\(crate\))? fn (\w+)/.exec(item)
      if (!fn) continue // async fns (napi catches their panics), structs, impl blocks
      found.push({ file, name: fn[1], guarded: /catch_unwind/.test(attr) })
    }
  }
  return found
}

test('every sync export opts into catch_unwind', () => {
  const unguarded = syncExports().filter((e) => !e.guarded && e.name !== 'panic_probe_unguarded')
  assert.deepEqual(unguarded.map((e) => `${e.file}:${e.name}`), [])
})

test('the static check sees the exports (it cannot silently find nothing)', () => {
  const names = syncExports().map((e) => e.name)
  assert.ok(names.includes('start_converse_stream'), names.join(','))
  assert.ok(names.includes('build_converse_request_js'), names.join(','))
  assert.ok(names.length >= 5, names.join(','))
})
