#!/usr/bin/env node
'use strict'
// `npm test`: one debug build shared by everything, then `cargo test --workspace`, then
// the node:test suites against the built addon, under the Node.js version gateways run
// (PRIMARY_NODE_MAJOR in scripts/node-dist.js, fetched from the npm registry; the
// machine's own Node only bootstraps). Prints both counts and a closing
// "N passed, N failed" line; exits non-zero if anything failed.
// BEDROCK_NATIVE_TEST_NODE=<major|x.y.z|path> runs the suites under another Node.

const { spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { ensureBuilt, hostTriple } = require('./ensure-built.js')
const { ensureNode, PRIMARY_NODE_MAJOR } = require('./node-dist.js')

const root = path.join(__dirname, '..')

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
  const js = { passed: 0, failed: 0 }
  if (files.length > 0) {
    const version = require('node:child_process').execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim()
    console.log(`node:test suites under Node ${version} (${nodeBinary})`)
    const node = await run(nodeBinary, ['--test', '--test-reporter=tap', ...files])
    Object.assign(js, nodeCounts(node.output))
    if (node.code !== 0 && js.failed === 0) js.failed = 1
  }

  console.log('')
  console.log(`Rust (cargo test --workspace): ${rust.passed} passed, ${rust.failed} failed`)
  console.log(`JS (node --test ${files.length} files, ${path.basename(path.dirname(path.dirname(nodeBinary)))}): ${js.passed} passed, ${js.failed} failed`)
  console.log(`${rust.passed + js.passed} passed, ${rust.failed + js.failed} failed`)
  process.exit(rust.failed + js.failed === 0 ? 0 : 1)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
