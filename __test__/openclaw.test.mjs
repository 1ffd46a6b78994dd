// End to end in the real gateway: openclaw@2026.9.6 from the npm registry (installed once
// into .cache/openclaw/2026.9.6), on this Node (24, from the npm registry via
// scripts/node-dist.js), with this package packed as published (main + platform package)
// and installed by `openclaw plugins install npm-pack:...` as its `amazon-bedrock`
// plugin. The gateway runs in a network namespace of its own (`unshare -rn`: loopback
// only) next to the emulator; __test__/openclaw-host.mjs drives it and reports.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const OPENCLAW_VERSION = '2026.9.6'
const NOVA = 'amazon.nova-micro-v1:0'
const BUDGET_CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0'
const ADAPTIVE_CLAUDE = 'anthropic.claude-opus-4-6-v1'
const GUARDRAIL = { guardrailIdentifier: 'gr-e2e', guardrailVersion: '3' }

const { describeModel } = createRequire(import.meta.url)('../js/models.js')

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const cacheRoot = process.env.BEDROCK_NATIVE_CACHE_DIR || path.join(root, '.cache')
const npmCli = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const nodeBin = path.dirname(process.execPath)

let work
let results

function run(command, args, cwd, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, PATH: `${nodeBin}${path.delimiter}${process.env.PATH}`, npm_config_update_notifier: 'false', ...extraEnv },
  })
  if (result.error) throw result.error
  assert.equal(result.status, 0, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

/** openclaw@2026.9.6 from the npm registry, installed once into the cache folder. */
function ensureOpenClaw() {
  const dir = path.join(cacheRoot, 'openclaw', OPENCLAW_VERSION)
  const entry = path.join(dir, 'node_modules', 'openclaw', 'openclaw.mjs')
  const installed = path.join(dir, 'node_modules', 'openclaw', 'package.json')
  if (fs.existsSync(installed) && JSON.parse(fs.readFileSync(installed, 'utf8')).version === OPENCLAW_VERSION) return entry
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  const scratch = fs.mkdtempSync(path.join(path.dirname(dir), `.${OPENCLAW_VERSION}-`))
  try {
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ private: true }))
    run(npmCli, ['install', `openclaw@${OPENCLAW_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'], scratch)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.renameSync(scratch, dir)
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
  return entry
}

/** `npm pack` of `dir` into `work`; the tarball's path. */
function pack(dir) {
  const out = JSON.parse(run(npmCli, ['pack', '--json', '--pack-destination', work, '--loglevel=error'], dir))
  return path.join(work, out[0].filename)
}

/** The package as `napi prepublish` publishes it: the main package depending on the
 *  platform package (here a local tarball, as nothing is on the registry yet). */
function packAsPublished() {
  const suffix = process.platform === 'linux' && process.arch === 'x64' ? 'linux-x64-gnu' : null
  assert.ok(suffix, `the OpenClaw suite stages the platform package for linux-x64-gnu only, not ${process.platform}-${process.arch}`)
  const binary = `${pkg.napi.binaryName}.${suffix}.node`
  assert.ok(fs.existsSync(path.join(root, binary)), `${binary} not built (npm test builds it first)`)
  const platformDir = path.join(work, 'platform')
  fs.cpSync(path.join(root, 'npm', suffix), platformDir, { recursive: true })
  fs.copyFileSync(path.join(root, binary), path.join(platformDir, binary))
  const platformTarball = pack(platformDir)

  const staged = path.join(work, 'main')
  fs.mkdirSync(staged)
  const mainTarball = pack(root)
  run('tar', ['-xzf', mainTarball, '-C', staged, '--strip-components=1'], work)
  fs.rmSync(mainTarball)
  const stagedJson = JSON.parse(fs.readFileSync(path.join(staged, 'package.json'), 'utf8'))
  stagedJson.optionalDependencies = { [`${pkg.name}-${suffix}`]: `file:${platformTarball}` }
  fs.writeFileSync(path.join(staged, 'package.json'), JSON.stringify(stagedJson, null, 2))
  return pack(staged)
}

before(() => {
  const [major, minor] = process.versions.node.split('.').map(Number)
  assert.ok((major === 24 && minor >= 16) || (major === 26 && minor >= 1) || major > 26, `OpenClaw ${OPENCLAW_VERSION} needs Node >= 24.16 <25 or >= 26.1, this is ${process.version}`)
  const unshare = spawnSync('unshare', ['-rn', 'true'])
  assert.equal(unshare.status, 0, `the gateway runs in its own network namespace (loopback only), and \`unshare -rn\` is not permitted here: ${unshare.stderr ?? unshare.error}`)
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-openclaw-'))
  const openclaw = ensureOpenClaw()
  const tarball = packAsPublished()
  fs.writeFileSync(path.join(work, 'host.json'), JSON.stringify({ openclaw, tarball }))
  const started = Date.now()
  const host = spawnSync('unshare', ['-rn', process.execPath, path.join(root, '__test__', 'openclaw-host.mjs'), work], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  const resultsFile = path.join(work, 'results.json')
  assert.ok(fs.existsSync(resultsFile), `the gateway host wrote no results (status ${host.status}):\n${host.stdout}\n${host.stderr}`)
  results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'))
  assert.equal(host.status, 0, `gateway host failed:\n${host.stderr}`)
  console.log(`# OpenClaw ${OPENCLAW_VERSION} on Node ${process.version}: gateway steps took ${Math.round((Date.now() - started) / 1000)} s`)
})

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** A step's output, for assertion messages. */
function shown(step) {
  return `${step.name}: status ${step.status}\n${step.stdout?.slice(-4000)}\n${step.stderr?.slice(-4000)}`
}

test('the gateway cannot reach beyond loopback', () => {
  assert.notEqual(results.outside, true)
  assert.equal(typeof results.outside, 'string', 'connecting out failed with an error code')
})

test('openclaw plugins install npm-pack: installs this package as the amazon-bedrock plugin', () => {
  assert.equal(results.install.status, 0, shown(results.install))
  assert.match(results.install.stdout, /Installed plugin: amazon-bedrock/)
})

test('models list --refresh: discovery through the plugin lists the emulator catalogue, cached for other processes', () => {
  const step = results.list
  assert.equal(step.status, 0, shown(step))
  const keys = step.json.models.map((m) => m.key)
  for (const id of [NOVA, BUDGET_CLAUDE, ADAPTIVE_CLAUDE]) assert.ok(keys.includes(`amazon-bedrock/${id}`), `${id} in ${keys.join(', ')}`)
  assert.ok(results.listOperations.includes('ListFoundationModels'))
  assert.ok(results.listOperations.includes('ListInferenceProfiles'))
  assert.ok(results.cacheFileExists, results.cacheFile)
})

test('openclaw agent on a discovered model: a two-turn tool loop, SigV4, the guardrail from plugin config', () => {
  const step = results.agent
  assert.equal(step.status, 0, shown(step))
  const requests = results.agentRequests
  assert.equal(requests.length, 2, JSON.stringify(requests.map((r) => r.status)))
  for (const request of requests) {
    assert.equal(request.modelId, NOVA)
    assert.equal(request.status, 200)
    assert.equal(request.auth, 'sigv4', 'the auth marker is never sent as a bearer token')
    assert.deepEqual(request.body.guardrailConfig, GUARDRAIL)
  }
  const second = requests[1].body.messages
  const toolUse = second.flatMap((m) => m.content).find((b) => b.toolUse)
  const toolResult = second.flatMap((m) => m.content).find((b) => b.toolResult)
  assert.equal(toolUse?.toolUse.toolUseId, 'tooluseE2E1')
  assert.equal(toolResult?.toolResult.toolUseId, 'tooluseE2E1')
  assert.match(step.stdout, /The folder listing arrived: done\./)
})

test('headless agent exec (temporary state, no live discovery) resolves a discovered model through the plugin', () => {
  const step = results.exec
  assert.equal(step.status, 0, shown(step))
  assert.ok(results.execRequests.length >= 1)
  for (const request of results.execRequests) {
    assert.equal(request.modelId, BUDGET_CLAUDE)
    assert.equal(request.status, 200)
    assert.ok(request.body.inferenceConfig.maxTokens > 0, 'maxTokens from the discovered model')
    assert.equal(request.body.additionalModelRequestFields?.thinking?.type, 'enabled', 'reasoning from the discovered model')
  }
  assert.match(step.stdout, /headless answer/)
})

test('agent --thinking off/low/high/max on a budget and an adaptive Claude: the levels the core allows, bodies Bedrock accepts', () => {
  assert.equal(results.thinking.length, 8)
  for (const { model, level, name, status, json, requests } of results.thinking) {
    const where = `${model} --thinking ${level}`
    const levels = describeModel(model).thinkingLevels
    if (!levels.includes(level)) {
      // The plugin's thinking profile (the core's levels) makes OpenClaw refuse the level
      // before any request: a budget Claude has no `max`.
      assert.notEqual(status, 0, where)
      const step = results.steps.find((s) => s.name === name)
      assert.match(`${step.stdout}\n${step.stderr}`, new RegExp(`Thinking level "${level}" is not supported.*Use one of: ${levels.join(', ')}`), where)
      assert.equal(requests.length, 0, where)
      continue
    }
    assert.equal(status, 0, `${where}: ${json?.error?.message ?? results.steps.find((s) => s.name === name)?.stderr?.slice(-2000)}`)
    assert.ok(requests.length >= 1, where)
    for (const request of requests) {
      assert.equal(request.status, 200, `${where}: ${request.errorType}`)
      const fields = request.body.additionalModelRequestFields
      const maxTokens = request.body.inferenceConfig?.maxTokens
      assert.ok(maxTokens > 0, `${where}: maxTokens`)
      if (level === 'off') {
        assert.equal(fields?.thinking, undefined, `${where}: no thinking at all`)
        continue
      }
      assert.ok(fields?.thinking, `${where}: thinking requested`)
      if (describeModel(model).thinking === 'adaptive') {
        assert.equal(fields.thinking.type, 'adaptive', where)
        assert.equal(fields.output_config?.effort, level, where)
      } else {
        assert.equal(fields.thinking.type, 'enabled', where)
        assert.ok(Number.isInteger(fields.thinking.budget_tokens) && fields.thinking.budget_tokens >= 1024, `${where}: budget ${fields.thinking.budget_tokens}`)
        assert.ok(fields.thinking.budget_tokens < maxTokens, `${where}: budget ${fields.thinking.budget_tokens} < maxTokens ${maxTokens}`)
      }
      assert.equal(request.body.inferenceConfig?.temperature, undefined, `${where}: no temperature with thinking`)
    }
  }
})

test('a throttled request becomes a rate_limit failover in OpenClaw, then the retry answers', () => {
  const step = results.throttled
  assert.equal(step.status, 0, shown(step))
  assert.deepEqual(results.throttledRequests.map((r) => r.status), [429, 429, 429, 200])
  assert.match(step.stderr, /reason=rate_limit/, shown(step))
  assert.match(step.stdout, /answered after the rate limit/)
})
