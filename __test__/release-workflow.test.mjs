// The release workflow cannot run here, so it is linted (actionlint, with shellcheck on
// its `run:` scripts; both pinned from PyPI by scripts/python-tools.js) and held to the
// facts it repeats: the seven napi targets, the Node lines of scripts/node-dist.js, the
// scripts it runs. `engines` must say the truth about the Node lines tested.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const { ensurePythonTool } = require('../scripts/python-tools.js')
const { NODE_VERSIONS, PRIMARY_NODE_MAJOR } = require('../scripts/node-dist.js')
const { MATRIX_SMOKE_SUITES } = require('../scripts/test.js')
const { TARGETS } = require('../scripts/check-binary.js')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const workflowsDir = path.join(root, '.github', 'workflows')
const releasePath = path.join(workflowsDir, 'release.yml')
const release = fs.readFileSync(releasePath, 'utf8')

function actionlint(...files) {
  const bin = ensurePythonTool('actionlint')
  const shellcheck = ensurePythonTool('shellcheck')
  return spawnSync(bin, ['-oneline', ...files], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.dirname(shellcheck)}${path.delimiter}${process.env.PATH}` },
  })
}

/** The YAML block of one job: from `  <name>:` to the next job or the end. */
function job(name) {
  const start = release.indexOf(`\n  ${name}:\n`)
  assert.ok(start >= 0, `job ${name} missing from release.yml`)
  const rest = release.slice(start + 1)
  const next = rest.slice(1).search(/\n {2}[a-z-]+:\n/)
  return next < 0 ? rest : rest.slice(0, next + 1)
}

const targetsOf = (text) => [...text.matchAll(/^\s+target: (\S+)$/gm)].map((m) => m[1]).sort()
const nodesOf = (text) => [...text.matchAll(/^\s+node: \[([^\]]*)\]$/gm)].map((m) => m[1].split(',').map((v) => Number(v.trim().replace(/'/g, ''))))

test('actionlint (with shellcheck) finds nothing in the workflows', () => {
  const files = fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join('.github', 'workflows', f))
  assert.ok(files.includes(path.join('.github', 'workflows', 'release.yml')))
  const lint = actionlint(...files)
  assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`)
})

test('actionlint catches a broken expression and shellcheck an unquoted expansion', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-actionlint-'))
  try {
    const broken = path.join(dir, 'release.yml')
    fs.writeFileSync(
      broken,
      release
        .replace('${{ matrix.settings.build }}', '${{ matrix.settings.biuld }}')
        .replace('run: npm install --no-audit --no-fund', 'run: rm -rf $HOME/$NOT_SET && npm install --no-audit --no-fund'),
    )
    const lint = actionlint(broken)
    assert.notEqual(lint.status, 0)
    assert.match(lint.stdout, /biuld/)
    assert.match(lint.stdout, /shellcheck reported issue/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('the workflow builds and tests every napi target, on every supported Node line', () => {
  const targets = [...pkg.napi.targets].sort()
  assert.deepEqual(targetsOf(job('build')), targets)
  assert.deepEqual([...targetsOf(job('test-native')), ...targetsOf(job('test-musl'))].sort(), targets)
  assert.deepEqual(targetsOf(job('test-musl')), targets.filter((t) => t.endsWith('-musl')))
  const lines = Object.keys(NODE_VERSIONS).map(Number)
  for (const name of ['test-native', 'test-musl']) assert.deepEqual(nodesOf(job(name)), [lines], name)
  // Linux targets are built by the same script a developer runs; each is checked.
  for (const [triple, { format }] of Object.entries(TARGETS)) {
    if (format === 'elf') assert.match(job('build'), new RegExp(`build: npm run build:cross -- --target ${triple} --release`))
  }
  assert.match(job('publish'), /if: startsWith\(github\.ref, 'refs\/tags\/v'\)/)
  assert.match(job('publish'), /npm publish --provenance/)
  assert.match(job('publish'), /id-token: write/)
  assert.match(pkg.scripts.prepublishOnly, /^napi prepublish -t npm/)
})

test('every script and npm script the workflow runs exists', () => {
  const scripts = [...release.matchAll(/\bnode (scripts\/[\w.-]+\.js)/g)].map((m) => m[1])
  assert.ok(scripts.length >= 2)
  for (const script of scripts) assert.ok(fs.existsSync(path.join(root, script)), `${script} missing`)
  for (const [, name] of release.matchAll(/\bnpm run ([\w:-]+)/g)) assert.ok(pkg.scripts[name], `npm script ${name} missing`)
})

/** `^a.b.c || ^d.e.f` → [[a,b,c], [d,e,f]]; anything else is a failure here. */
function caretRanges(engines) {
  return engines.split('||').map((part) => {
    const match = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(part)
    assert.ok(match, `engines.node part ${JSON.stringify(part)} is not a ^x.y.z range`)
    return match.slice(1).map(Number)
  })
}

test('engines names exactly the Node lines tested, from versions the tested ones satisfy', () => {
  const engines = pkg.engines.node
  const ranges = caretRanges(engines)
  assert.deepEqual(ranges.map(([major]) => major), Object.keys(NODE_VERSIONS).map(Number))
  for (const [major, minor, patch] of ranges) {
    const tested = NODE_VERSIONS[major].split('.').map(Number)
    assert.ok(tested[1] > minor || (tested[1] === minor && tested[2] >= patch), `tested Node ${NODE_VERSIONS[major]} is below ^${major}.${minor}.${patch}`)
  }
  // OpenClaw needs >= 24.16 (<25) or >= 26.1; pi-ai 1.6 >= 22.19: never claim less.
  const floor = Object.fromEntries(ranges.map(([major, minor]) => [major, minor]))
  assert.ok(floor[22] >= 19 && floor[24] >= 16 && floor[26] >= 1)
  assert.ok(!(25 in floor), 'Node 25 is neither tested nor supported by OpenClaw')
  for (const dir of fs.readdirSync(path.join(root, 'npm'))) {
    const platform = JSON.parse(fs.readFileSync(path.join(root, 'npm', dir, 'package.json'), 'utf8'))
    assert.equal(platform.engines.node, engines, `npm/${dir}/package.json engines`)
  }
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'))
  assert.equal(lock.packages[''].engines.node, engines, 'package-lock.json root engines')
})

test('npm test runs a smoke subset of existing suites on every other Node line', () => {
  assert.ok(PRIMARY_NODE_MAJOR in NODE_VERSIONS)
  assert.ok(MATRIX_SMOKE_SUITES.includes('binary-smoke.test.mjs'))
  assert.ok(MATRIX_SMOKE_SUITES.includes('packaging.test.mjs'))
  for (const suite of MATRIX_SMOKE_SUITES) assert.ok(fs.existsSync(path.join(root, '__test__', suite)), `${suite} missing`)
})
