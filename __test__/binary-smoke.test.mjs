// The release smoke check (scripts/smoke-binary.js: load, discover, stream, abort against
// the emulator the binary carries) on the binary built here, in a process of its own
// under the Node running this suite, so the Node-version matrix of `npm test` runs it on
// every supported Node line. A binary that is not an addon must fail it.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const script = path.join(root, 'scripts', 'smoke-binary.js')
const built = path.join(root, 'bedrock-native.linux-x64-gnu.node')
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

function smoke(...args) {
  const env = { ...process.env }
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', env })
}

test('the built binary loads, discovers, streams and aborts under this Node', { skip: !onLinuxX64 && 'built binary named for linux-x64-gnu' }, () => {
  const run = smoke(built)
  assert.equal(run.status, 0, run.stderr)
  const report = JSON.parse(run.stdout)
  assert.equal(report.ok, true)
  assert.equal(report.node, process.version)
  assert.equal(report.binary, fs.realpathSync(built))
  assert.ok(report.models > 10, `only ${report.models} models discovered`)
  assert.match(report.text, /You said: smoke test/)
  assert.ok(report.abortedAfterDeltas >= 3, `aborted after ${report.abortedAfterDeltas} deltas`)
})

test('a file that is not this addon fails the smoke check at the load step', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-smoke-bad-'))
  try {
    const fake = path.join(dir, 'bedrock-native.fake.node')
    fs.writeFileSync(fake, 'not an ELF file')
    const run = smoke(fake)
    assert.notEqual(run.status, 0)
    assert.match(run.stderr, /smoke step "load" failed/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
