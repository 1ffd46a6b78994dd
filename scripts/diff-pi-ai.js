#!/usr/bin/env node
'use strict'
// `npm run diff:pi-ai -- <version>`: reruns the differential suites (the node:test suites
// that load pi-ai through __test__/pi-ai.mjs) against another `@earendil-works/pi-ai`
// release, so a new pi-ai is a measured diff, not a rewrite. The release is installed
// with npm into `.cache/pi-ai/<version>/` (its own dependencies beside it) and named to
// the suites by BEDROCK_NATIVE_PI_AI_DIR; the suites run under the Node.js `npm test`
// uses. Without a version: the dev dependency (what `npm test` compares against).
//   npm run diff:pi-ai -- 1.7.0
//   npm run diff:pi-ai -- latest -- --test-name-pattern "same events"

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { ensureBuilt } = require('./ensure-built.js')
const { ensureNode, PRIMARY_NODE_MAJOR, cacheDir } = require('./node-dist.js')

const root = path.join(__dirname, '..')
const PACKAGE = '@earendil-works/pi-ai'

/** The folder holding `<PACKAGE>@<version>`'s package.json, installed on first use. */
function installPiAi(version) {
  if (!/^[\w.+-]+$/.test(version)) throw new Error(`diff:pi-ai: not a version or dist-tag: ${JSON.stringify(version)}`)
  const prefix = path.join(cacheDir(), 'pi-ai', version)
  const dir = path.join(prefix, 'node_modules', ...PACKAGE.split('/'))
  // A dist-tag (latest, next) moves: reinstall it; an exact version stays as installed.
  const exact = /^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(version)
  if (!exact || !fs.existsSync(path.join(dir, 'package.json'))) {
    fs.mkdirSync(prefix, { recursive: true })
    fs.writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: 'pi-ai-under-test', private: true }) + '\n')
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const install = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--omit=dev', `${PACKAGE}@${version}`], {
      cwd: prefix,
      stdio: 'inherit',
    })
    if (install.status !== 0) throw new Error(`npm install ${PACKAGE}@${version} failed (exit ${install.status})`)
  }
  return dir
}

/** The suites that compare against pi-ai: those loading it through __test__/pi-ai.mjs. */
function diffSuites() {
  const testDir = path.join(root, '__test__')
  return fs
    .readdirSync(testDir)
    .filter((name) => /\.test\.(mjs|cjs|js)$/.test(name))
    .filter((name) => /from '\.\/pi-ai\.mjs'/.test(fs.readFileSync(path.join(testDir, name), 'utf8')))
    .sort()
    .map((name) => path.join('__test__', name))
}

function main() {
  const args = process.argv.slice(2)
  const separator = args.indexOf('--')
  const own = separator < 0 ? args : args.slice(0, separator)
  const testArgs = separator < 0 ? [] : args.slice(separator + 1)
  const version = own[0]
  const env = { ...process.env }
  if (version) env.BEDROCK_NATIVE_PI_AI_DIR = installPiAi(version)
  const dir = env.BEDROCK_NATIVE_PI_AI_DIR ?? path.join(root, 'node_modules', ...PACKAGE.split('/'))
  const installed = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version
  const suites = diffSuites()
  if (suites.length === 0) throw new Error('diff:pi-ai: no suite under __test__/ loads ./pi-ai.mjs')
  ensureBuilt()
  const node = ensureNode(PRIMARY_NODE_MAJOR)
  console.log(`differential suites against ${PACKAGE}@${installed} (${dir}): ${suites.join(', ')}`)
  const run = spawnSync(node, ['--test', ...testArgs, ...suites], { cwd: root, env, stdio: 'inherit' })
  process.exit(run.status ?? 1)
}

try {
  main()
} catch (error) {
  console.error(error.message)
  process.exit(1)
}
