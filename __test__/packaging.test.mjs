// The npm package as a user gets it: `npm pack` of this repository, staged by
// `napi prepublish` as a release publishes it (the per-platform package, holding the
// .node binary, as an optionalDependency), installed from the two tarballs into a fresh
// folder with no network, then required, imported and run against the emulator from
// there (under the Node running the suite: npm test's matrix runs it on 20, 22, 24, 26);
// and without the platform package, the loader's fallback to a locally built binary.
// The binaries' size budget is checked on release builds by scripts/check-binary.js.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { startEmulator } from 'bedrock-native'

const { TARGETS } = createRequire(import.meta.url)('../scripts/check-binary.js')

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const npmCli = process.platform === 'win32' ? 'npm.cmd' : 'npm'
// napi-rs platform suffix of this host (the test runs where the addon was just built).
const platformSuffix = process.platform === 'linux' && process.arch === 'x64' ? 'linux-x64-gnu' : null

let work
let emu
let app

function sh(command, args, cwd, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, npm_config_cache: path.join(work, 'npm-cache'), npm_config_update_notifier: 'false', ...extraEnv },
  })
  if (result.error) throw result.error
  return result
}

function npm(args, cwd) {
  const result = sh(npmCli, [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd)
  assert.equal(result.status, 0, `npm ${args.join(' ')}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

/** `npm pack` of `dir` into `work`; returns the tarball's path. */
function pack(dir) {
  const out = JSON.parse(npm(['pack', '--json', '--pack-destination', work], dir))
  return path.join(work, out[0].filename)
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-pack-'))
  emu = await startEmulator()
})

after(async () => {
  await emu?.close()
  fs.rmSync(work, { recursive: true, force: true })
})

test('npm pack ships the loader, the JS, the types and no binary', () => {
  const [listing] = JSON.parse(npm(['pack', '--dry-run', '--json'], root))
  const files = listing.files.map((f) => f.path)
  // The OpenClaw plugin: its manifest and every extension entry package.json names.
  const openclawFiles = ['openclaw.plugin.json', ...(pkg.openclaw?.extensions ?? []), ...(pkg.openclaw?.runtimeExtensions ?? [])].map((f) => f.replace(/^\.\//, ''))
  assert.ok(openclawFiles.length >= 2, 'package.json names no OpenClaw extension')
  for (const needed of ['package.json', 'README.md', 'index.js', 'js/index.js', 'js/index.mjs', 'js/index.d.ts', 'js/cli.js', 'js/register.js', ...openclawFiles]) {
    assert.ok(files.includes(needed), `${needed} missing from the package: ${files.join(', ')}`)
  }
  assert.deepEqual(files.filter((f) => f.endsWith('.node') || f.startsWith('target/') || f.startsWith('crates/')), [])
  // Every entry of package.json `files` (the OpenClaw plugin manifest among them) is really there.
  for (const entry of pkg.files) {
    const found = entry.endsWith('/') ? files.some((f) => f.startsWith(entry)) : files.includes(entry)
    assert.ok(found, `${entry} is in package.json "files" but not in the package: ${files.join(', ')}`)
  }
  assert.ok(listing.unpackedSize < 2_000_000, `unexpectedly large package: ${listing.unpackedSize} bytes`)
})

test('installed from the tarballs in a fresh folder, offline: require, import, stream, CLI', { skip: !platformSuffix && 'prebuilt package only staged for linux-x64-gnu' }, () => {
  const binary = `${pkg.napi.binaryName}.${platformSuffix}.node`
  assert.ok(fs.existsSync(path.join(root, binary)), `${binary} not built (npm test builds it first)`)

  // Staged the way a release does it: the packed main package and the npm/ platform
  // packages, the binary moved into its package, then `napi prepublish` (publishing
  // nothing: --skip-optional-publish) validates the platform packages and writes the
  // optionalDependencies. Only this host's target has a binary here, so the staged
  // napi.targets names just that one.
  const staged = path.join(work, 'main')
  fs.mkdirSync(staged)
  assert.equal(sh('tar', ['-xzf', pack(root), '-C', staged, '--strip-components=1'], work).status, 0)
  const stagedJson = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8'))
  const triple = Object.keys(TARGETS).find((t) => TARGETS[t].suffix === platformSuffix)
  assert.ok(pkg.napi.targets.includes(triple))
  stagedJson.napi.targets = [triple]
  fs.writeFileSync(path.join(staged, 'package.json'), JSON.stringify(stagedJson, null, 2))
  fs.cpSync(path.join(root, 'npm', platformSuffix), path.join(staged, 'npm', platformSuffix), { recursive: true })
  fs.copyFileSync(path.join(root, binary), path.join(staged, 'npm', platformSuffix, binary))
  const git = (...args) => assert.equal(sh('git', ['-c', 'user.name=packaging', '-c', 'user.email=packaging@localhost', ...args], staged).status, 0)
  git('init', '-q')
  git('add', '-A')
  git('commit', '-qm', 'staged release')
  const napi = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'napi.cmd' : 'napi')
  const prepublish = sh(napi, ['prepublish', '-t', 'npm', '--skip-optional-publish'], staged)
  assert.equal(prepublish.status, 0, `napi prepublish\n${prepublish.stdout}\n${prepublish.stderr}`)
  const prepublished = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8'))
  assert.deepEqual(prepublished.optionalDependencies, { [`${pkg.name}-${platformSuffix}`]: pkg.version })
  fs.rmSync(path.join(staged, '.git'), { recursive: true, force: true })
  const publishedMain = pack(staged)

  // The platform package as prepublish left it: its package.json and the binary, nothing else.
  const platformDir = path.join(staged, 'npm', platformSuffix)
  const [platformListing] = JSON.parse(npm(['pack', '--dry-run', '--json'], platformDir))
  assert.deepEqual(platformListing.files.map((f) => f.path).filter((f) => f !== 'README.md').sort(), [binary, 'package.json'])
  assert.equal(JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8')).engines.node, pkg.engines.node)
  const platformTarball = pack(platformDir)

  // A fresh project; only local tarballs, no registry.
  app = path.join(work, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  npm(['install', '--offline', '--ignore-scripts', publishedMain, platformTarball], app)

  const installed = path.join(app, 'node_modules')
  assert.equal(fs.existsSync(path.join(installed, 'bedrock-native', binary)), false, 'the main package must not carry the binary')
  assert.ok(fs.existsSync(path.join(installed, `${pkg.name}-${platformSuffix}`, binary)))

  const env = {
    AWS_ACCESS_KEY_ID: emu.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
    AWS_REGION: emu.region,
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_BEARER_TOKEN_BEDROCK: '',
    BEDROCK_URL: emu.url,
    NODE_PATH: '',
  }
  const model = `{ id: 'amazon.nova-micro-v1:0', name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock',
    baseUrl: process.env.BEDROCK_URL, reasoning: false, input: ['text'], contextWindow: 128000, maxTokens: 4096,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } }`

  fs.writeFileSync(
    path.join(app, 'cjs.cjs'),
    `const bedrock = require('bedrock-native');
const where = require.resolve('bedrock-native');
bedrock.complete(${model}, { messages: [{ role: 'user', content: 'packaged cjs', timestamp: 1 }] }).then((m) => {
  console.log(JSON.stringify({ where, target: bedrock.__napiBindingTarget, stop: m.stopReason, text: m.content[0].text }))
})
`,
  )
  const cjs = sh(process.execPath, ['cjs.cjs'], app, env)
  assert.equal(cjs.status, 0, cjs.stderr)
  const cjsOut = JSON.parse(cjs.stdout)
  assert.equal(cjsOut.where, path.join(fs.realpathSync(app), 'node_modules', 'bedrock-native', 'js', 'index.js'))
  assert.equal(cjsOut.target, 'native')
  assert.equal(cjsOut.stop, 'stop')
  assert.match(cjsOut.text, /You said: packaged cjs/)

  fs.writeFileSync(
    path.join(app, 'esm.mjs'),
    `import { converseStream } from 'bedrock-native'
let text = ''
for await (const e of converseStream(${model}, { messages: [{ role: 'user', content: 'packaged esm', timestamp: 1 }] })) {
  if (e.type === 'text_delta') text += e.delta
}
console.log(text)
`,
  )
  const esm = sh(process.execPath, ['esm.mjs'], app, env)
  assert.equal(esm.status, 0, esm.stderr)
  assert.match(esm.stdout, /You said: packaged esm/)

  // The bin link a user runs as `npx bedrock-native`.
  const cli = sh(path.join(installed, '.bin', 'bedrock-native'), ['--help'], app, env)
  assert.equal(cli.status, 0, cli.stderr)
  assert.match(cli.stdout, /^Usage: bedrock-native <command>/)

  // No prebuilt package for the platform: loading fails saying so, and a binary built
  // from source placed next to the loader (or named by NAPI_RS_NATIVE_LIBRARY_PATH) is used.
  const bare = path.join(work, 'bare')
  fs.mkdirSync(bare)
  fs.writeFileSync(path.join(bare, 'package.json'), JSON.stringify({ name: 'bare', version: '1.0.0', private: true }))
  npm(['install', '--offline', '--ignore-scripts', '--omit=optional', publishedMain], bare)
  assert.equal(fs.existsSync(path.join(bare, 'node_modules', `${pkg.name}-${platformSuffix}`)), false)
  const probe = `const b = require('bedrock-native'); console.log(typeof b.converseStream, b.__napiBindingTarget)`
  const missing = sh(process.execPath, ['-e', probe], bare, env)
  assert.notEqual(missing.status, 0)
  assert.match(missing.stderr, /Cannot find native binding/)
  const viaPath = sh(process.execPath, ['-e', probe], bare, { ...env, NAPI_RS_NATIVE_LIBRARY_PATH: path.join(root, binary) })
  assert.equal(viaPath.status, 0, viaPath.stderr)
  assert.equal(viaPath.stdout.trim(), 'function native')
  fs.copyFileSync(path.join(root, binary), path.join(bare, 'node_modules', 'bedrock-native', binary))
  const local = sh(process.execPath, ['-e', probe], bare, env)
  assert.equal(local.status, 0, local.stderr)
  assert.equal(local.stdout.trim(), 'function native')
})
