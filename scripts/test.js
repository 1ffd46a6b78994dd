#!/usr/bin/env node
'use strict'
// `npm test`: one debug build shared by everything, then `cargo test --workspace`, then
// the node:test suites against the built addon, under the Node.js version gateways run
// (PRIMARY_NODE_MAJOR in scripts/node-dist.js, fetched from the npm registry; the
// machine's own Node only bootstraps). Prints both counts and a closing
// "N passed, N failed" line; exits non-zero if anything failed.
// BEDROCK_NATIVE_TEST_NODE=<major|x.y.z|path> runs the suites under another Node.
//
// Node-version matrix: after every suite on the primary Node, a named smoke subset
// (MATRIX_SMOKE_SUITES) runs under each other supported line in NODE_VERSIONS (20, 22,
// 26). BEDROCK_NATIVE_TEST_MATRIX=full runs every suite on every line, =off only the
// primary run (the default when BEDROCK_NATIVE_TEST_NODE is set).

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { ensureBuilt, hostTriple } = require('./ensure-built.js')
const { ensureNode, NODE_VERSIONS, PRIMARY_NODE_MAJOR } = require('./node-dist.js')

const root = path.join(__dirname, '..')

/** Suites run on every supported Node line: the binary's load/discover/stream/abort
 *  smoke, the stream and discovery surface, both module systems, the pi-ai drop-in, and
 *  the published package installed offline and run (about a minute per line). */
const MATRIX_SMOKE_SUITES = [
  'binary-smoke.test.mjs',
  'discovery.test.mjs',
  'dropin.test.mjs',
  'esm-cjs.test.mjs',
  'packaging.test.mjs',
  'stream.test.mjs',
]

/** `off`, `smoke` or `full` (see the header). */
function matrixMode() {
  const mode = process.env.BEDROCK_NATIVE_TEST_MATRIX || (process.env.BEDROCK_NATIVE_TEST_NODE ? 'off' : 'smoke')
  if (!['off', 'smoke', 'full'].includes(mode)) {
    throw new Error(`BEDROCK_NATIVE_TEST_MATRIX: expected off, smoke or full, got ${JSON.stringify(mode)}`)
  }
  return mode
}

/** Runs a command, echoing its output, and returns everything it printed. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
      process.stdout.write(chunk)
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
      process.stderr.write(chunk)
    })
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output }))
  })
}

function cargoCounts(output) {
  let passed = 0
  let failed = 0
  for (const match of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(match[1])
    failed += Number(match[2])
  }
  return { passed, failed }
}

function nodeCounts(output) {
  const last = (name) => {
    const all = [...output.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))]
    return all.length ? Number(all[all.length - 1][1]) : 0
  }
  return { passed: last('pass'), failed: last('fail') + last('cancelled') }
}

/** The node binary the suites run under (see the header). */
function suiteNode() {
  const wanted = process.env.BEDROCK_NATIVE_TEST_NODE
  if (wanted && (wanted.includes('/') || wanted.includes(path.sep))) return wanted
  return ensureNode(wanted || PRIMARY_NODE_MAJOR)
}

async function main() {
  ensureBuilt({ withTests: true })
  const nodeBinary = suiteNode()

  const cargo = await run('cargo', ['test', '--workspace', '--target', hostTriple(), '--color', 'never'])
  const rust = cargoCounts(cargo.output)
  if (cargo.code !== 0 && rust.failed === 0) rust.failed = 1 // build error or crash

  const testDir = path.join(root, '__test__')
  const files = fs
    .readdirSync(testDir)
    .filter((name) => /\.test\.(mjs|cjs|js)$/.test(name))
    .sort()
    .map((name) => path.join('__test__', name))
  const js = []
  if (files.length > 0) {
    js.push(await runSuites(nodeBinary, files))
    const mode = matrixMode()
    if (mode !== 'off') {
      const subset = mode === 'full' ? files : MATRIX_SMOKE_SUITES.map((name) => path.join('__test__', name))
      for (const name of subset) {
        if (!files.includes(name)) throw new Error(`MATRIX_SMOKE_SUITES names ${name}, which is not in __test__/`)
      }
      for (const major of Object.keys(NODE_VERSIONS).map(Number)) {
        if (major === PRIMARY_NODE_MAJOR) continue
        js.push(await runSuites(ensureNode(major), subset))
      }
    }
  }

  const jsPassed = js.reduce((sum, suites) => sum + suites.passed, 0)
  const jsFailed = js.reduce((sum, suites) => sum + suites.failed, 0)
  console.log('')
  console.log(`Rust (cargo test --workspace): ${rust.passed} passed, ${rust.failed} failed`)
  for (const suites of js) {
    console.log(`JS (node --test ${suites.files} files, Node ${suites.version}): ${suites.passed} passed, ${suites.failed} failed`)
  }
  console.log(`${rust.passed + jsPassed} passed, ${rust.failed + jsFailed} failed`)
  process.exit(rust.failed + jsFailed === 0 ? 0 : 1)
}

/** One `node --test` run of `files` under `nodeBinary`, with its counts. */
async function runSuites(nodeBinary, files) {
  const version = require('node:child_process').execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim()
  console.log(`node:test suites (${files.length} files) under Node ${version} (${nodeBinary})`)
  const node = await run(nodeBinary, ['--test', '--test-reporter=tap', ...files])
  const counts = nodeCounts(node.output)
  if (node.code !== 0 && counts.failed === 0) counts.failed = 1
  return { version, files: files.length, ...counts }
}

module.exports = { MATRIX_SMOKE_SUITES, matrixMode }

if (require.main === module) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
