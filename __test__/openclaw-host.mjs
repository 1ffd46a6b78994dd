// Drives the real OpenClaw CLI/Gateway against the emulator, with this package installed
// as its `amazon-bedrock` plugin. Run by __test__/openclaw.test.mjs inside a network
// namespace of its own (`unshare -rn`): only loopback exists, so nothing here can reach
// beyond this host. Writes what it saw to `<work>/results.json`; the test asserts on it.
//
//   node __test__/openclaw-host.mjs <work>   (<work>/host.json: { openclaw, tarball })

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { startEmulator } from 'bedrock-native'

const work = process.argv[2]
const host = JSON.parse(fs.readFileSync(path.join(work, 'host.json'), 'utf8'))
const state = path.join(work, 'state')
const home = path.join(work, 'home')
const cwd = path.join(work, 'cwd')
for (const dir of [state, home, cwd]) fs.mkdirSync(dir, { recursive: true })
const configPath = path.join(state, 'openclaw.json')

export const NOVA = 'amazon.nova-micro-v1:0'
export const BUDGET_CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0'
export const ADAPTIVE_CLAUDE = 'anthropic.claude-opus-4-6-v1'
export const LEVELS = ['off', 'low', 'high', 'max']
export const GUARDRAIL = { guardrailIdentifier: 'gr-e2e', guardrailVersion: '3' }

const results = { steps: [] }

/** Can this process open a TCP connection beyond loopback? (It must not.) */
function reachesOutside() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '1.1.1.1', port: 443 })
    const done = (value) => {
      socket.destroy()
      resolve(value)
    }
    socket.once('connect', () => done(true))
    socket.once('error', (error) => done(error.code))
  })
}

spawnSync('ip', ['link', 'set', 'lo', 'up'])
results.outside = await reachesOutside()

const emu = await startEmulator({
  extraFoundationModels: [
    {
      modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${ADAPTIVE_CLAUDE}`,
      modelId: ADAPTIVE_CLAUDE,
      modelName: 'Claude Opus 4.6',
      providerName: 'Anthropic',
      inputModalities: ['TEXT', 'IMAGE'],
      outputModalities: ['TEXT'],
      responseStreamingSupported: true,
      customizationsSupported: [],
      inferenceTypesSupported: ['ON_DEMAND'],
      modelLifecycle: { status: 'ACTIVE' },
    },
  ],
})

const nodeDir = path.dirname(process.execPath)
const env = {
  PATH: `${nodeDir}:/usr/local/bin:/usr/bin:/bin`,
  HOME: home,
  OPENCLAW_STATE_DIR: state,
  OPENCLAW_CONFIG_PATH: configPath,
  OPENCLAW_OFFLINE: '1',
  OPENCLAW_NO_AUTO_UPDATE: '1',
  OPENCLAW_DISABLE_BONJOUR: '1',
  OPENCLAW_SKIP_CHANNELS: '1',
  NO_COLOR: '1',
  npm_config_cache: path.join(work, 'npm-cache'),
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  AWS_ACCESS_KEY_ID: emu.accessKeyId,
  AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
  AWS_REGION: emu.region,
  AWS_EC2_METADATA_DISABLED: 'true',
}

/** One OpenClaw CLI command; returns its status, output and the JSON it printed. */
function openclaw(name, args) {
  const started = Date.now()
  const run = spawnSync(process.execPath, [host.openclaw, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const step = { name, args, status: run.status, ms: Date.now() - started, stdout: run.stdout, stderr: run.stderr }
  const at = run.stdout.indexOf('{')
  if (at >= 0) {
    try {
      step.json = JSON.parse(run.stdout.slice(at))
    } catch {
      // not a JSON answer; stdout kept for the report
    }
  }
  results.steps.push(step)
  return step
}

function readConfig() {
  return fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) : {}
}

function writeConfig(config) {
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2))
}

/** ConverseStream requests the emulator saw since the last clear. */
async function streamRequests() {
  return (await emu.requests()).filter((r) => r.operation === 'ConverseStream')
}

function pick(request) {
  return { modelId: request.modelId, status: request.response.status, errorType: request.response.errorType, auth: request.auth?.scheme, headers: Object.keys(request.headers), body: request.body }
}

try {
  // 1. Install: the plugin from the packed tarball (config without any amazon-bedrock
  //    entry yet, so OpenClaw does not go looking for the official plugin).
  writeConfig({})
  results.install = openclaw('install', ['plugins', 'install', `npm-pack:${host.tarball}`, '--force', '--accept-capabilities'])

  // 2. Point the provider at the emulator; plugin config as the official plugin reads it.
  const config = readConfig()
  config.models = { providers: { 'amazon-bedrock': { baseUrl: emu.url, api: 'bedrock-converse-stream', auth: 'aws-sdk', models: [] } } }
  config.plugins ??= {}
  config.plugins.entries ??= {}
  config.plugins.entries['amazon-bedrock'] = {
    ...config.plugins.entries['amazon-bedrock'],
    enabled: true,
    config: { discovery: { enabled: true, region: 'us-east-1' }, guardrail: GUARDRAIL },
  }
  writeConfig(config)

  // 3. Discovery through the plugin's catalog hook.
  await emu.clearRequests()
  results.list = openclaw('models list', ['models', 'list', '--refresh', '--all', '--provider', 'amazon-bedrock', '--json'])
  results.listOperations = (await emu.requests()).map((r) => r.operation)
  results.cacheFile = path.join(home, '.cache', 'bedrock-native', 'openclaw-discovery.json')
  results.cacheFileExists = fs.existsSync(results.cacheFile)

  // 4. An agent turn with a two-turn tool loop: the model calls `ls`, then answers.
  await emu.clearRequests()
  await emu.script(NOVA, {
    frames: [
      { event: 'messageStart', data: { role: 'assistant' } },
      { event: 'contentBlockStart', data: { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluseE2E1', name: 'ls' } } } },
      { event: 'contentBlockDelta', data: { contentBlockIndex: 0, delta: { toolUse: { input: '{"path":"."}' } } } },
      { event: 'contentBlockStop', data: { contentBlockIndex: 0 } },
      { event: 'messageStop', data: { stopReason: 'tool_use' } },
      { event: 'metadata', data: { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, metrics: { latencyMs: 1 } } },
    ],
  })
  await emu.script(NOVA, { text: 'The folder listing arrived: done.' })
  results.agent = openclaw('agent', ['agent', '--local', '--agent', 'main', '--model', `amazon-bedrock/${NOVA}`, '--message', 'List the folder, please.', '--json'])
  results.agentRequests = (await streamRequests()).map(pick)

  // 5. Headless `agent exec` (a temporary state folder, no live discovery) on a
  //    discovered model, then thinking levels on a budget and an adaptive Claude.
  await emu.reset()
  await emu.script('*', { times: 0, text: 'headless answer' })
  results.exec = openclaw('exec', ['agent', 'exec', 'Think low.', '--model', `amazon-bedrock/${BUDGET_CLAUDE}`, '--thinking', 'low', '--json'])
  results.execRequests = (await streamRequests()).map(pick)
  results.thinking = []
  for (const model of [BUDGET_CLAUDE, ADAPTIVE_CLAUDE]) {
    for (const level of LEVELS) {
      await emu.reset()
      await emu.script('*', { times: 0, text: `thinking ${level} answered` })
      const name = `think ${model} ${level}`
      const session = `think-${results.thinking.length}`
      const step = openclaw(name, ['agent', '--local', '--agent', 'main', '--session-id', session, '--model', `amazon-bedrock/${model}`, '--thinking', level, '--message', `Think ${level}.`, '--json'])
      results.thinking.push({ model, level, name, status: step.status, json: step.json, requests: (await streamRequests()).map(pick) })
    }
  }

  // 6. A throttled model: the first attempt (the stream's own retries included) fails
  //    with ThrottlingException, OpenClaw classifies it as rate_limit and retries.
  await emu.reset()
  await emu.script(NOVA, { times: 3, http: { status: 429, errorType: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' } })
  await emu.script(NOVA, { text: 'answered after the rate limit' })
  results.throttled = openclaw('throttled', ['agent', 'exec', 'Hello?', '--model', `amazon-bedrock/${NOVA}`, '--json'])
  results.throttledRequests = (await streamRequests()).map(pick)
} finally {
  await emu.close()
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(results, null, 2))
}
