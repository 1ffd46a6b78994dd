#!/usr/bin/env node
'use strict'
// Builds the native addon (debug by default, `--release` for benchmarks). Cargo decides
// what is stale, so on a warm tree this is a quick no-op; on a fresh clone it is the one
// build that `npm test`, `npm run demo` and the Rust tests share.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')

/** The host's target triple: napi always builds with an explicit `--target`, so cargo's
 * own tests must name the same one to share its build directory. */
function hostTriple() {
  const out = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
  const match = /^host: (\S+)$/m.exec(out.stdout || '')
  if (!match) throw new Error('could not read the host target triple from `rustc -vV`')
  return match[1]
}

/** `npm install` when the JS dev dependencies are missing (a fresh clone): `npm test`,
 *  `npm run demo` and `npm run bench` must work with nothing run before. */
function ensureDevDependencies() {
  const napi = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi')
  if (!fs.existsSync(napi)) {
    process.stderr.write('[bedrock-native] installing JS dev dependencies (npm install)\n')
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const install = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
    if (install.error) throw install.error
    if (install.status !== 0) throw new Error(`npm install failed (exit ${install.status})`)
  }
  return napi
}

/**
 * `withTests`: build the workspace's test targets in the same cargo invocation, so
 * dev-dependency features are unified exactly as `cargo test --workspace` will see them
 * and that later run recompiles nothing.
 */
function ensureBuilt({ release = false, withTests = false } = {}) {
  const napi = ensureDevDependencies()
  const args = ['build', '--platform']
  if (release) args.push('--release')
  if (withTests) args.push('--', '--workspace', '--lib', '--bins', '--tests')
  process.stderr.write(`[bedrock-native] napi ${args.join(' ')}\n`)
  const result = spawnSync(napi, args, { cwd: root, stdio: 'inherit' })
  if (result.error) throw result.error
  if (result.status !== 0) {
    throw new Error(`native build failed (napi ${args.join(' ')} exited with ${result.status})`)
  }
}

module.exports = { ensureBuilt, ensureDevDependencies, hostTriple }

if (require.main === module) {
  try {
    const release = process.argv.includes('--release')
    // Debug builds always include the test targets: one build serves demo and tests alike.
    ensureBuilt({ release, withTests: !release })
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
