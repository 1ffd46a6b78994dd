#!/usr/bin/env node
'use strict'
// `npx bedrock-native <command>`: the addon from a shell.
//
//   models list [--json] [--plain] [--provider amazon-bedrock] [--filter anthropic,meta]
//   chat -m <model id> [--reasoning low|medium|high] "prompt"
//   auth
//   emulator [--port 4599] [--host 127.0.0.1] [--clock-offset SECONDS]
//
// Every command takes --region and --endpoint-url. Exit codes: 0 ok, 1 the operation
// failed (AWS said no, network, stream error), 2 bad usage, 130 interrupted (Ctrl+C).
// DEBUG=bedrock-native (or BEDROCK_NATIVE_LOG=debug) logs requests, timings and errors
// to stderr.

const { painter, modelRows, jsonRow, renderTable, MODEL_COLUMNS } = require('./format.js')

const USAGE = `Usage: bedrock-native <command> [options]

Commands:
  models list        List Bedrock models available to these credentials
      --json           machine-readable output
      --plain          one model ref per line
      --provider NAME  gateway provider to list (only amazon-bedrock has models here)
      --filter LIST    Bedrock providers to keep, comma-separated (anthropic,meta,...)
  chat -m MODEL PROMPT Stream a reply to PROMPT from MODEL (a model id or amazon-bedrock/<id>)
      --reasoning LEVEL  minimal|low|medium|high|xhigh (thinking shown dimmed)
      --max-tokens N
  auth               Show which credential source and region would be used
  emulator           Run the loopback Bedrock emulator until interrupted
      --port N         port to listen on (default: a free one)
      --host ADDR      address to bind (default 127.0.0.1)
      --clock-offset S run the server clock S seconds ahead (negative: behind), as a
                       server (or client) with a wrong clock; SigV4 dates are checked against it

Options for every command:
  --region REGION      AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile, us-east-1)
  --endpoint-url URL   Send requests to URL instead of AWS (a VPC endpoint, a proxy, the emulator)
  --profile NAME       AWS shared-config profile
  -h, --help           Show this help
  -v, --version        Show the version

Exit status: 0 ok, 1 the operation failed, 2 bad usage, 130 interrupted.
Colour only on a terminal, never with NO_COLOR. DEBUG=bedrock-native logs to stderr.
`

class UsageError extends Error {}

const FLAGS_WITH_VALUES = new Set([
  '--region',
  '--endpoint-url',
  '--profile',
  '--provider',
  '--filter',
  '-m',
  '--model',
  '--reasoning',
  '--max-tokens',
  '--port',
  '--host',
  '--clock-offset',
])
const BOOLEAN_FLAGS = new Set(['--json', '--plain', '-h', '--help', '-v', '--version'])

function parseArgs(argv) {
  const positional = []
  const flags = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('-') && arg !== '-') {
      const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
      if (BOOLEAN_FLAGS.has(name)) {
        flags[name] = true
      } else if (FLAGS_WITH_VALUES.has(name)) {
        const value = inline ?? argv[++i]
        if (value === undefined) throw new UsageError(`${name} needs a value`)
        flags[name] = value
      } else {
        throw new UsageError(`unknown option ${name}`)
      }
    } else {
      positional.push(arg)
    }
  }
  return { positional, flags }
}

/** A spinner on stderr while we wait, only when stderr is a terminal. */
function spinner(text) {
  if (!process.stderr.isTTY) return { stop() {} }
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
  let i = 0
  const timer = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${text}`), 80)
  return {
    stop() {
      clearInterval(timer)
      process.stderr.write('\r\u001b[2K')
    },
  }
}

function commonOptions(flags) {
  const options = {}
  if (flags['--region']) options.region = flags['--region']
  if (flags['--endpoint-url']) options.endpoint = flags['--endpoint-url']
  if (flags['--profile']) options.profile = flags['--profile']
  return options
}

async function modelsList(bedrock, flags) {
  const provider = flags['--provider'] ?? 'amazon-bedrock'
  const options = commonOptions(flags)
  if (flags['--filter']) {
    options.providerFilter = flags['--filter']
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  }
  let models = []
  let warnings = []
  if (provider === 'amazon-bedrock') {
    const spin = spinner('Discovering Bedrock models…')
    try {
      // The detailed form says what failed when the list is partial (advisory mode).
      const discover = bedrock.discoverModelsDetailed ?? bedrock.discoverModels
      const result = await discover(options)
      models = Array.isArray(result) ? result : result.models
      warnings = (!Array.isArray(result) && result.warnings) || []
    } finally {
      spin.stop()
    }
    // Nothing listed because every call failed: that is a failure, not an empty account.
    if (models.length === 0 && warnings.length > 0) {
      const first = warnings[0]
      throw Object.assign(new Error(`${first.operation ? `${first.operation}: ` : ''}${first.message}`), {
        code: first.code,
        requestId: first.requestId,
        region: options.region,
      })
    }
  }
  const rows = modelRows(models, { provider })
  if (flags['--json']) {
    // openclaw's envelope ({ count, models: [{ key, ... }] }) plus the provider and warnings.
    const out = { provider, count: rows.length, models: rows.map(jsonRow), warnings }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
    return
  }
  if (flags['--plain']) {
    for (const row of rows) process.stdout.write(`${row.key}\n`)
  } else {
    process.stdout.write(`${renderTable(rows, MODEL_COLUMNS)}\n`)
  }
  const paint = painter(process.stderr)
  for (const w of warnings) {
    const text = typeof w === 'string' ? w : `${w.operation ? `${w.operation}: ` : ''}${w.code ? `[${w.code}] ` : ''}${w.message}`
    process.stderr.write(`${paint.yellow('warning:')} ${text}\n`)
  }
}

async function chat(bedrock, positional, flags) {
  let modelRef = flags['-m'] ?? flags['--model']
  if (!modelRef) throw new UsageError('chat needs a model: -m <model id>')
  const prompt = positional.join(' ').trim()
  if (!prompt) throw new UsageError('chat needs a prompt')
  if (modelRef.startsWith('amazon-bedrock/')) modelRef = modelRef.slice('amazon-bedrock/'.length)
  const options = commonOptions(flags)
  const paint = painter(process.stdout)

  // The discovered entry carries the model's limits and capabilities; fall back to a
  // plain entry for ids discovery does not list (application profiles, new models) or
  // when listing is not allowed (a chat-only IAM policy).
  let known
  const spinDiscovery = spinner('Looking up the model…')
  try {
    const result = await bedrock.discoverModels({ ...options, mode: 'advisory' })
    const models = Array.isArray(result) ? result : result.models
    known = models.find((m) => m.id === modelRef)
  } catch {
    known = undefined
  } finally {
    spinDiscovery.stop()
  }
  const model = {
    id: modelRef,
    name: modelRef,
    reasoning: false,
    input: ['text'],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 32000,
    maxTokens: 4096,
    ...known,
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
  }
  if (options.endpoint) model.baseUrl = options.endpoint
  // Asking for reasoning on a model discovery does not know is taken as knowing better.
  if (flags['--reasoning'] && !known) model.reasoning = true
  const streamOptions = { region: options.region, profile: options.profile }
  if (flags['--reasoning']) streamOptions.reasoning = flags['--reasoning']
  if (flags['--max-tokens']) {
    const n = Number(flags['--max-tokens'])
    if (!Number.isInteger(n) || n <= 0) throw new UsageError('--max-tokens must be a positive integer')
    streamOptions.maxTokens = n
  }

  const controller = new AbortController()
  let interrupted = false
  process.once('SIGINT', () => {
    interrupted = true
    controller.abort()
  })
  streamOptions.signal = controller.signal

  const context = { messages: [{ role: 'user', content: prompt, timestamp: Date.now() }] }
  const spin = spinner('Waiting for the first token…')
  let spinning = true
  const stopSpin = () => {
    if (spinning) {
      spin.stop()
      spinning = false
    }
  }
  let failed
  try {
    for await (const event of bedrock.converseStream(model, context, streamOptions)) {
      if (event.type === 'text_delta') {
        stopSpin()
        process.stdout.write(event.delta)
      } else if (event.type === 'thinking_delta') {
        stopSpin()
        process.stdout.write(paint.dim(event.delta))
      } else if (event.type === 'thinking_end') {
        process.stdout.write('\n')
      } else if (event.type === 'toolcall_end') {
        stopSpin()
        process.stdout.write(paint.cyan(`\n[tool call ${event.toolCall.name} ${JSON.stringify(event.toolCall.arguments)}]\n`))
      } else if (event.type === 'done') {
        stopSpin()
        const u = event.message.usage || {}
        process.stdout.write(`\n${paint.dim(`[${event.reason} · in ${u.input ?? 0} · out ${u.output ?? 0}${u.cacheRead ? ` · cache read ${u.cacheRead}` : ''}${u.cacheWrite ? ` · cache write ${u.cacheWrite}` : ''}]`)}\n`)
      } else if (event.type === 'error') {
        stopSpin()
        failed = { errorMessage: event.error.errorMessage, code: event.code, requestId: event.requestId }
      }
    }
  } finally {
    stopSpin()
  }
  if (interrupted) {
    process.stdout.write('\n')
    return 130
  }
  if (failed) {
    throw Object.assign(new Error(failed.errorMessage || 'the stream failed'), {
      code: failed.code,
      requestId: failed.requestId,
      region: options.region,
    })
  }
  return 0
}

// What each credential source of the AWS default chain is, in a user's words.
const SOURCE_NAMES = {
  env: 'environment variables',
  profile: 'shared config/credentials file',
  sso: 'IAM Identity Center (SSO) session',
  process: 'credential_process',
  'assume-role': 'assumed role from a profile',
  'web-identity': 'web identity token (EKS/IRSA)',
  ecs: 'container credentials (ECS/EKS Pod Identity)',
  imds: 'EC2 instance role (IMDSv2)',
}

async function auth(bedrock, flags) {
  const marker = bedrock.detectAuthMarker()
  const options = commonOptions(flags)
  const spin = spinner('Probing the AWS credential chain…')
  let probe
  try {
    probe = await bedrock.probeCredentials({ region: options.region, profile: options.profile, timeoutMs: 3000 })
  } finally {
    spin.stop()
  }
  const paint = painter(process.stdout)
  const source = probe.source ? `${probe.source}${SOURCE_NAMES[probe.source] ? ` — ${SOURCE_NAMES[probe.source]}` : ''}` : ''
  const lines = [
    ['Env marker', marker.label],
    ['Mode', marker.mode === 'bearer' ? 'bearer token (Bedrock API key)' : 'SigV4 (AWS credentials)'],
    ['Credentials', probe.available ? paint.green(`found (${source})`) : paint.red('none found')],
    ['Region', probe.region ? `${probe.region}${probe.regionSource ? ` (${probe.regionSource})` : ''}` : '-'],
  ]
  if (probe.expiresAt != null) lines.push(['Expires', formatExpiry(probe.expiresAt)])
  if (!probe.available && Array.isArray(probe.tried) && probe.tried.length) lines.push(['Tried', probe.tried.join(', ')])
  if (probe.detail) lines.push(['Detail', probe.detail])
  const width = Math.max(...lines.map(([k]) => k.length))
  for (const [k, v] of lines) process.stdout.write(`${k.padEnd(width)}  ${v}\n`)
  if (!probe.available) process.exitCode = 1
}

async function emulator(bedrock, flags) {
  const options = {}
  if (flags['--port'] !== undefined) {
    const port = Number(flags['--port'])
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535')
    options.port = port
  }
  if (flags['--host']) options.host = flags['--host']
  if (flags['--region']) options.region = flags['--region']
  if (flags['--clock-offset'] !== undefined) {
    const offset = Number(flags['--clock-offset'])
    if (!Number.isInteger(offset)) throw new UsageError('--clock-offset must be a whole number of seconds')
    options.clockOffsetSecs = offset
  }
  const emu = await bedrock.startEmulator(options)
  process.stdout.write(
    [
      `Bedrock emulator listening on ${emu.url}`,
      `  region                 ${emu.region}`,
      `  AWS_ACCESS_KEY_ID      ${emu.accessKeyId}`,
      `  AWS_SECRET_ACCESS_KEY  ${emu.secretAccessKey}`,
      `  bearer token           ${emu.bearerToken}`,
      `(test credentials of the emulator, not AWS secrets) Press Ctrl+C to stop.`,
      '',
    ].join('\n'),
  )
  // The server runs on the addon's own threads, which do not keep Node's event loop
  // alive: a timer does, until a signal arrives.
  const keepAlive = setInterval(() => {}, 1 << 30)
  await new Promise((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(keepAlive)
  await emu.close()
  process.stdout.write('Bedrock emulator stopped\n')
}

/** "2026-11-23T01:00:00.000Z (in 42 min)" for an expiry (ISO 8601 text or ms since the epoch). */
function formatExpiry(value) {
  const at = new Date(value)
  if (Number.isNaN(at.getTime())) return String(value)
  const minutes = Math.round((at.getTime() - Date.now()) / 60000)
  const relative = minutes >= 0 ? `in ${minutes} min` : `expired ${-minutes} min ago`
  return `${at.toISOString()} (${relative})`
}

/** What a shell user can do about a failure, by error code. */
function hintFor(error) {
  switch (error.code) {
    case 'NoCredentials':
      return 'no AWS credentials found: export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, set AWS_PROFILE (after `aws sso login` for SSO) or AWS_BEARER_TOKEN_BEDROCK; `bedrock-native auth` shows what is found'
    case 'CredentialsTimeout':
      return 'the credential source did not answer in time: check that `credential_process` / `aws sso login` work in a shell; BEDROCK_NATIVE_CREDENTIALS_TIMEOUT_MS sets the wait'
    case 'ExpiredTokenException':
      return 'the credentials have expired: refresh them (e.g. `aws sso login`) and try again'
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
      return 'AWS rejected these credentials: check the access key, secret and profile (`bedrock-native auth`) and the system clock'
    case 'AccessDeniedException':
    case 'AccessDenied':
      return 'the identity lacks a permission: chat needs bedrock:InvokeModelWithResponseStream, models list needs bedrock:ListFoundationModels and bedrock:ListInferenceProfiles; model access must be enabled in the Bedrock console'
    case 'ResourceNotFoundException':
    case 'ValidationException':
      return `check the model id with \`bedrock-native models list\`${error.region ? ` --region ${error.region}` : ''}; some models are only callable through an inference profile id (us./eu./apac./global. prefix)`
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return 'Bedrock is throttling this account: wait a moment and try again, or use a cross-region inference profile'
    case 'Network':
      return 'could not reach Bedrock: check --endpoint-url/--region, the network and any proxy'
    case 'Timeout':
      return 'no answer in time: check the network or try again'
    case 'ConfigSyntax':
    case 'ConfigType':
    case 'ConfigNotFound':
      return 'fix the OpenClaw config file at the place named above'
    default:
      return undefined
  }
}

async function main(argv) {
  const { positional, flags } = parseArgs(argv)
  if (flags['-v'] || flags['--version']) {
    process.stdout.write(`${require('../package.json').version}\n`)
    return 0
  }
  if (flags['-h'] || flags['--help']) {
    process.stdout.write(USAGE)
    return 0
  }
  if (positional.length === 0) throw new UsageError('no command given')
  const bedrock = require('./index.js')
  const [command, ...rest] = positional
  if (command === 'models') {
    if (rest[0] !== 'list') throw new UsageError(`unknown models subcommand ${rest[0] ?? '(none)'}; try: models list`)
    await modelsList(bedrock, flags)
  } else if (command === 'chat') {
    const code = await chat(bedrock, rest, flags)
    if (code !== 0) return code
  } else if (command === 'auth') {
    await auth(bedrock, flags)
  } else if (command === 'emulator') {
    await emulator(bedrock, flags)
  } else {
    throw new UsageError(`unknown command ${command}`)
  }
  return process.exitCode ?? 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const paint = painter(process.stderr)
    if (error instanceof UsageError) {
      process.stderr.write(`${paint.red('error:')} ${error.message}\nRun 'bedrock-native --help' for usage.\n`)
      process.exit(2)
    }
    const code = error.code ? `[${error.code}] ` : ''
    const requestId = error.requestId ? ` (request id ${error.requestId})` : ''
    process.stderr.write(`${paint.red('error:')} ${code}${error.message}${requestId}\n`)
    const hint = hintFor(error)
    if (hint) process.stderr.write(`${paint.dim(`hint: ${hint}`)}\n`)
    process.exit(1)
  },
)
