#!/usr/bin/env node
'use strict'
// Checks a built addon binary against what its target promises, without running it:
// the file format and CPU architecture of the target (ELF / Mach-O / PE header), and for
// Linux the C library it links against: the highest GLIBC_ symbol version it needs (at
// most the floor we state in the README, 2.17), and no shared library outside the
// allow-list (a missing one would fail to load on a user's machine). Every binary must
// also fit the size budget. ELF details are read with binutils' `readelf`.
//
//   node scripts/check-binary.js <file.node> [--target <triple>]   # triple defaults from the name
//   node scripts/check-binary.js --packages                        # every npm/<platform>/ binary
//
// Prints one JSON line per binary; exits non-zero naming the binary and the broken rule.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))

/** The glibc version every -gnu binary must run on (README: supported platforms). */
const GLIBC_FLOOR = '2.17'

/** Size budget of one binary (stripped, release): 24 MiB. */
const SIZE_BUDGET_BYTES = 24 * 1024 * 1024

/** Shared libraries a Linux binary may need: the C library's own parts and libgcc_s. */
const ALLOWED_NEEDED = {
  gnu: [/^libc\.so\.6$/, /^libm\.so\.6$/, /^libdl\.so\.2$/, /^libpthread\.so\.0$/, /^librt\.so\.1$/, /^libgcc_s\.so\.1$/, /^ld-linux-(x86-64|aarch64)\.so\.[12]$/],
  // musl's loader answers a NEEDED of its reserved names (libc.so, libm.so, ...) itself.
  musl: [/^lib(c|m|pthread|rt|dl|util|xnet)\.so$/, /^libc\.musl-(x86_64|aarch64)\.so\.1$/, /^libgcc_s\.so\.1$/],
}

/** napi-rs platform suffix → what the binary must be. */
const TARGETS = {
  'x86_64-unknown-linux-gnu': { suffix: 'linux-x64-gnu', format: 'elf', arch: 'x64', libc: 'gnu' },
  'aarch64-unknown-linux-gnu': { suffix: 'linux-arm64-gnu', format: 'elf', arch: 'arm64', libc: 'gnu' },
  'x86_64-unknown-linux-musl': { suffix: 'linux-x64-musl', format: 'elf', arch: 'x64', libc: 'musl' },
  'aarch64-unknown-linux-musl': { suffix: 'linux-arm64-musl', format: 'elf', arch: 'arm64', libc: 'musl' },
  'x86_64-apple-darwin': { suffix: 'darwin-x64', format: 'macho', arch: 'x64' },
  'aarch64-apple-darwin': { suffix: 'darwin-arm64', format: 'macho', arch: 'arm64' },
  'x86_64-pc-windows-msvc': { suffix: 'win32-x64-msvc', format: 'pe', arch: 'x64' },
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Format and CPU from the file header. */
function readHeader(file) {
  const fd = fs.openSync(file, 'r')
  const head = Buffer.alloc(4096)
  const length = fs.readSync(fd, head, 0, head.length, 0)
  fs.closeSync(fd)
  const buf = head.subarray(0, length)
  if (buf.length >= 20 && buf.readUInt32BE(0) === 0x7f454c46) {
    const little = buf[5] === 1
    const machine = little ? buf.readUInt16LE(18) : buf.readUInt16BE(18)
    const type = little ? buf.readUInt16LE(16) : buf.readUInt16BE(16)
    return { format: 'elf', bits: buf[4] === 2 ? 64 : 32, arch: { 62: 'x64', 183: 'arm64' }[machine] ?? `elf-machine-${machine}`, shared: type === 3 }
  }
  if (buf.length >= 8 && buf.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = buf.readUInt32LE(4)
    return { format: 'macho', bits: 64, arch: { 0x01000007: 'x64', 0x0100000c: 'arm64' }[cpu] ?? `macho-cpu-${cpu}`, shared: buf.readUInt32LE(12) === 6 }
  }
  if (buf.length >= 64 && buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(60)
    if (pe + 24 <= buf.length && buf.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = buf.readUInt16LE(pe + 4)
      const characteristics = buf.readUInt16LE(pe + 22)
      return { format: 'pe', bits: 64, arch: { 0x8664: 'x64', 0xaa64: 'arm64' }[machine] ?? `pe-machine-${machine}`, shared: (characteristics & 0x2000) !== 0 }
    }
  }
  return { format: 'unknown' }
}

function readelf(args, file) {
  const result = spawnSync(process.env.READELF || 'readelf', [...args, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (result.error) throw new Error(`readelf (binutils) is needed to check ELF binaries: ${result.error.message}`)
  if (result.status !== 0) throw new Error(`readelf ${args.join(' ')} ${file} failed: ${result.stderr.trim()}`)
  return result.stdout
}

/** Checks one binary; returns its facts, throws an Error listing every broken rule. */
function checkBinary(file, triple = tripleFromName(file)) {
  const target = TARGETS[triple]
  if (!target) throw new Error(`${file}: unknown target ${triple} (known: ${Object.keys(TARGETS).join(', ')})`)
  const problems = []
  const size = fs.statSync(file).size
  const header = readHeader(file)
  const facts = { file: path.relative(process.cwd(), file) || file, target: triple, bytes: size, mib: Number((size / 1048576).toFixed(2)), format: header.format, arch: header.arch }
  if (header.format !== target.format) problems.push(`is ${header.format}, expected ${target.format}`)
  else {
    if (header.arch !== target.arch) problems.push(`is built for ${header.arch}, expected ${target.arch}`)
    if (header.bits !== 64) problems.push(`is ${header.bits}-bit, expected 64-bit`)
    if (!header.shared) problems.push('is not a shared library')
  }
  if (size > SIZE_BUDGET_BYTES) problems.push(`is ${facts.mib} MiB, over the ${SIZE_BUDGET_BYTES / 1048576} MiB budget`)

  if (target.format === 'elf' && header.format === 'elf') {
    facts.needed = [...readelf(['-dW'], file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
    const unexpected = facts.needed.filter((lib) => !ALLOWED_NEEDED[target.libc].some((re) => re.test(lib)))
    if (unexpected.length) problems.push(`needs shared libraries outside the ${target.libc} allow-list: ${unexpected.join(', ')}`)
    const glibc = [...new Set([...readelf(['-VW'], file).matchAll(/\bGLIBC_(\d+(?:\.\d+)+)\b/g)].map((m) => m[1]))].sort(compareVersions)
    if (target.libc === 'gnu') {
      facts.glibc = glibc.at(-1) ?? null
      if (facts.glibc && compareVersions(facts.glibc, GLIBC_FLOOR) > 0) {
        problems.push(`needs GLIBC_${facts.glibc}, above the supported floor ${GLIBC_FLOOR} (symbols: ${glibc.filter((v) => compareVersions(v, GLIBC_FLOOR) > 0).join(', ')})`)
      }
    } else if (glibc.length) {
      problems.push(`is a musl binary but references glibc symbol versions ${glibc.join(', ')}`)
    }
  }
  if (problems.length) throw new Error(`${file} (${triple}):\n  - ${problems.join('\n  - ')}`)
  return facts
}

function tripleFromName(file) {
  const match = /\.([a-z0-9-]+)\.node$/.exec(path.basename(file))
  const triple = match && Object.keys(TARGETS).find((t) => TARGETS[t].suffix === match[1])
  if (!triple) throw new Error(`${file}: cannot tell the target from the name; pass --target <triple>`)
  return triple
}

/** Every target of package.json's napi.targets, in its npm/<suffix>/ package. */
function checkPackages(npmDir = path.join(root, 'npm')) {
  const results = []
  const errors = []
  for (const triple of pkg.napi.targets) {
    const { suffix } = TARGETS[triple]
    const file = path.join(npmDir, suffix, `${pkg.napi.binaryName}.${suffix}.node`)
    try {
      if (!fs.existsSync(file)) throw new Error(`${file}: missing (the ${triple} build did not reach its package)`)
      results.push(checkBinary(file, triple))
    } catch (error) {
      errors.push(error.message)
    }
  }
  if (errors.length) throw new Error(errors.join('\n'))
  return results
}

module.exports = { checkBinary, checkPackages, readHeader, TARGETS, GLIBC_FLOOR, SIZE_BUDGET_BYTES, ALLOWED_NEEDED }

if (require.main === module) {
  try {
    const args = process.argv.slice(2)
    if (args[0] === '--packages') {
      for (const facts of checkPackages(args[1])) process.stdout.write(`${JSON.stringify(facts)}\n`)
    } else {
      const file = args[0]
      if (!file) throw new Error('usage: check-binary.js <file.node> [--target <triple>] | --packages [npm-dir]')
      const t = args.indexOf('--target')
      process.stdout.write(`${JSON.stringify(checkBinary(file, t >= 0 ? args[t + 1] : undefined))}\n`)
    }
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
