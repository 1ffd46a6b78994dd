#!/usr/bin/env node
'use strict'
// Node.js binaries of other versions, from the npm registry (the `node-<os>-<arch>`
// packages hold the official builds' `bin/node`). The machine's own Node only bootstraps
// (npm install, napi build); suites run under the versions gateways run: OpenClaw needs
// Node >= 24.16 <25 or >= 26.1, pi-ai 1.6 Node >= 22.19.
//
//   const { ensureNode } = require('./node-dist.js')
//   const node24 = ensureNode(24)            // absolute path of bin/node, downloaded once
//   node scripts/node-dist.js 26             // prints the path (downloads if missing)

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')

/** The exact versions used, one per supported major: change them here only. */
const NODE_VERSIONS = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' }

/** The version the node:test suites run under in `npm test`. */
const PRIMARY_NODE_MAJOR = 24

/** Where downloaded binaries live: `$BEDROCK_NATIVE_CACHE_DIR`, else `.cache/` in the clone. */
function cacheDir() {
  return process.env.BEDROCK_NATIVE_CACHE_DIR || path.join(root, '.cache')
}

/** npm package holding the official Node build for this OS and CPU. */
function nodePackage(platform = process.platform, arch = process.arch) {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win' }[platform]
  const cpu = { x64: 'x64', arm64: 'arm64' }[arch]
  if (!os || !cpu) throw new Error(`no Node.js package on the npm registry for ${platform}-${arch}`)
  return `node-${os}-${cpu}`
}

/**
 * Absolute path of a `node` binary for `versionOrMajor` (24 or "24.22.3"), downloaded from
 * the npm registry on first use (`npm pack`, which checks the registry's integrity hash).
 * Concurrent callers are safe: each unpacks into a private folder and renames it in place.
 */
function ensureNode(versionOrMajor, { platform = process.platform, arch = process.arch } = {}) {
  const version = NODE_VERSIONS[versionOrMajor] ?? String(versionOrMajor)
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`ensureNode: expected a major (${Object.keys(NODE_VERSIONS).join(', ')}) or an exact version, got ${versionOrMajor}`)
  }
  const pkg = nodePackage(platform, arch)
  const dir = path.join(cacheDir(), 'node', `${pkg}-${version}`)
  const binary = path.join(dir, 'bin', platform === 'win32' ? 'node.exe' : 'node')
  if (fs.existsSync(binary)) return binary

  fs.mkdirSync(path.dirname(dir), { recursive: true })
  const scratch = fs.mkdtempSync(path.join(path.dirname(dir), `.${pkg}-${version}-`))
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const pack = spawnSync(npm, ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', scratch], {
      cwd: scratch,
      encoding: 'utf8',
    })
    if (pack.status !== 0) {
      throw new Error(`npm pack ${pkg}@${version} failed (exit ${pack.status}): ${(pack.stderr || '').trim()}`)
    }
    const tarball = path.join(scratch, pack.stdout.trim().split('\n').pop())
    const unpacked = path.join(scratch, 'unpacked')
    fs.mkdirSync(unpacked)
    const tar = spawnSync('tar', ['xzf', tarball, '-C', unpacked, '--strip-components=1', 'package/bin', 'package/LICENSE'], {
      encoding: 'utf8',
    })
    if (tar.status !== 0) throw new Error(`unpacking ${tarball} failed: ${(tar.stderr || '').trim()}`)
    try {
      fs.renameSync(unpacked, dir)
    } catch (error) {
      // Another process won the race: its copy is as good as ours.
      if (!fs.existsSync(binary)) throw error
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
  if (!fs.existsSync(binary)) throw new Error(`${pkg}@${version} holds no ${path.relative(dir, binary)}`)
  return binary
}

module.exports = { ensureNode, nodePackage, NODE_VERSIONS, PRIMARY_NODE_MAJOR, cacheDir }

if (require.main === module) {
  try {
    process.stdout.write(`${ensureNode(process.argv[2] ?? PRIMARY_NODE_MAJOR)}${os.EOL}`)
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
