// `npx bedrock-native ...` as a user runs it: `node js/cli.js` in a child process against
// an emulator this test starts, looking only at exit status, stdout and stderr.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as bedrock from 'bedrock-native'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const cliPath = path.join(root, 'js', 'cli.js')
const ESC = '\u001b'
const hasDiscovery = typeof bedrock.discoverModels === 'function'
const hasCredentials = typeof bedrock.probeCredentials === 'function' && typeof bedrock.detectAuthMarker === 'function'
const hasScript = spawnSync('script', ['--version']).status === 0

let emu
let home

before(async () => {
  emu = await bedrock.startEmulator()
  // An empty HOME: no ~/.aws files of the machine running the tests leak in.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-cli-home-'))
})

after(async () => {
  await emu?.close()
  fs.rmSync(home, { recursive: true, force: true })
})

/** The environment of a shell user with the emulator's test identity exported. */
function userEnv(extra = {}) {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (/^AWS_|^DEBUG$|^BEDROCK_NATIVE_LOG$|^NO_COLOR$|^FORCE_COLOR$|^OPENCLAW_/.test(name)) delete env[name]
  }
  return {
    ...env,
    HOME: home,
    AWS_ACCESS_KEY_ID: emu.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emu.secretAccessKey,
    AWS_REGION: emu.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    OPENCLAW_STATE_DIR: home,
    ...extra,
  }
}

function cli(args, extraEnv = {}) {
  const result = spawnSync(process.execPath, [cliPath, ...args], { env: userEnv(extraEnv), encoding: 'utf8', timeout: 60_000 })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Runs the CLI under a pseudo-terminal (util-linux `script`), so stdout/stderr are TTYs. */
function cliOnTty(args, extraEnv = {}) {
  const command = [process.execPath, cliPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const result = spawnSync('script', ['-qefc', command, '/dev/null'], { env: { ...userEnv(extraEnv), TERM: 'xterm' }, encoding: 'utf8', timeout: 60_000 })
  return { status: result.status, output: result.stdout }
}

const noEscapes = (text) => assert.ok(!text.includes(ESC), `escape codes in: ${JSON.stringify(text)}`)

// --- usage ----------------------------------------------------------------------------

test('--help prints usage on stdout and exits 0', () => {
  const r = cli(['--help'])
  assert.equal(r.status, 0)
  assert.match(r.stdout, /^Usage: bedrock-native <command>/)
  for (const command of ['models list', 'chat -m MODEL', 'auth', 'emulator', '--endpoint-url', '--region']) {
    assert.ok(r.stdout.includes(command), command)
  }
})

test('--version prints the package version', () => {
  const r = cli(['--version'])
  assert.equal(r.status, 0)
  assert.equal(r.stdout.trim(), JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version)
})

test('usage errors exit 2 with a one-line reason on stderr', () => {
  const cases = [
    [[], /no command given/],
    [['frobnicate'], /unknown command frobnicate/],
    [['models'], /unknown models subcommand \(none\); try: models list/],
    [['models', 'list', '--colour'], /unknown option --colour/],
    [['models', 'list', '--region'], /--region needs a value/],
    [['chat', 'hello'], /chat needs a model: -m <model id>/],
    [['chat', '-m', 'amazon.nova-micro-v1:0'], /chat needs a prompt/],
    [['chat', '-m', 'amazon.nova-micro-v1:0', '--max-tokens', 'lots', 'hi', '--endpoint-url', emu.url], /--max-tokens must be a positive integer/],
    [['emulator', '--port', '70000'], /--port must be 0-65535/],
  ]
  for (const [args, reason] of cases) {
    const r = cli(args)
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^error: /)
    assert.match(r.stderr, reason)
    assert.match(r.stderr, /Run 'bedrock-native --help' for usage\.\n$/)
    noEscapes(r.stderr)
  }
})

// --- chat -----------------------------------------------------------------------------

test('chat streams the reply to stdout and ends with a usage line', () => {
  emu.reset()
  const r = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hello there'])
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  assert.equal(lines[0], 'Emulated reply from amazon.nova-micro-v1:0. You said: hello there')
  assert.match(lines.at(-1), /^\[stop · in \d+ · out \d+\]$/)
  noEscapes(r.stdout + r.stderr)
  const sent = emu.requests().filter((q) => q.operation === 'ConverseStream')
  assert.equal(sent.length, 1)
  assert.equal(sent[0].body.messages[0].content[0].text, 'hello there')
  assert.equal(sent[0].auth.ok, true)
})

test('chat accepts amazon-bedrock/<id> refs, --max-tokens and --region', () => {
  emu.reset()
  const r = cli(['chat', '-m', 'amazon-bedrock/amazon.nova-micro-v1:0', '--max-tokens', '3', '--region', emu.region, '--endpoint-url', emu.url, 'one two three four five six'])
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /\[length · in \d+ · out 3\]\n$/)
  const [sent] = emu.requests().filter((q) => q.operation === 'ConverseStream')
  assert.equal(sent.modelId, 'amazon.nova-micro-v1:0')
  assert.equal(sent.body.inferenceConfig.maxTokens, 3)
})

test('chat with --reasoning shows the thinking (dimmed only on a terminal) before the answer', () => {
  const args = ['chat', '-m', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--reasoning', 'low', '--endpoint-url', emu.url, 'why is the sky blue']
  const piped = cli(args)
  assert.equal(piped.status, 0, piped.stderr)
  const thinkingAt = piped.stdout.indexOf('The user wrote "why is the sky blue"')
  const answerAt = piped.stdout.indexOf('You said: why is the sky blue')
  assert.ok(thinkingAt >= 0 && answerAt > thinkingAt, piped.stdout)
  noEscapes(piped.stdout + piped.stderr)

  if (!hasScript) return
  const tty = cliOnTty(args)
  assert.equal(tty.status, 0, tty.output)
  assert.match(tty.output, /\u001b\[2mThe\u001b\[22m\u001b\[2m user/) // dim, delta by delta
  const noColor = cliOnTty(args, { NO_COLOR: '1' })
  assert.equal(noColor.status, 0, noColor.output)
  assert.match(noColor.output, /The user wrote/)
  assert.doesNotMatch(noColor.output, /\u001b\[\d+m/) // no SGR colour codes
})

test('a stream failure exits 1 with the error code and a hint', () => {
  emu.reset()
  emu.script('amazon.nova-micro-v1:0', { times: 3, http: { status: 429, errorType: 'ThrottlingException', message: 'Too many requests' } })
  const r = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /^error: \[ThrottlingException\] Throttling error: Too many requests \(request id [\w-]+\)\n/)
  assert.match(r.stderr, /hint: Bedrock is throttling this account/)
  noEscapes(r.stderr)
})

test('rejected credentials exit 1 with an actionable message and no secret', () => {
  const r = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'], { AWS_SECRET_ACCESS_KEY: 'not-the-right-secret-value-000000000000' })
  assert.equal(r.status, 1)
  assert.match(r.stderr, /^error: \[InvalidSignatureException\] /)
  assert.match(r.stderr, /hint: AWS rejected these credentials/)
  assert.ok(!r.stderr.includes('not-the-right-secret-value'))
})

test('no credentials at all: exit 1, NoCredentials and what to set', () => {
  const none = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONFIG_FILE: path.join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none') }
  for (const args of [['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'], ['models', 'list', '--endpoint-url', emu.url]]) {
    const r = cli(args, none)
    assert.equal(r.status, 1, args.join(' '))
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^error: \[NoCredentials\] /)
    assert.match(r.stderr, /hint: no AWS credentials found: export AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, set AWS_PROFILE/)
  }
})

test('an unreachable endpoint exits 1 with a Network error', async () => {
  // A port that was just free: nothing listens there.
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  const r = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', `http://127.0.0.1:${port}`, 'hi'])
  assert.equal(r.status, 1)
  assert.match(r.stderr, /^error: \[Network\] /)
  assert.match(r.stderr, /hint: could not reach Bedrock/)
})

test('DEBUG=bedrock-native logs the stream on stderr without secrets; quiet by default', () => {
  emu.reset()
  const quiet = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'])
  assert.equal(quiet.status, 0, quiet.stderr)
  assert.equal(quiet.stderr, '')

  for (const extra of [{ DEBUG: 'bedrock-native' }, { BEDROCK_NATIVE_LOG: 'debug' }]) {
    const r = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'], { ...extra, AWS_BEARER_TOKEN_BEDROCK: emu.bearerToken })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, /^bedrock-native [\d:.]+ converseStream #1 start model=amazon\.nova-micro-v1:0 endpoint=http:\/\/127\.0\.0\.1:\d+/m)
    assert.match(r.stderr, /converseStream #1 done reason=stop input=\d+ output=\d+ ms=\d+/)
    for (const secret of [emu.secretAccessKey, emu.bearerToken, emu.accessKeyId]) assert.ok(!r.stderr.includes(secret), 'secret in log')
    assert.ok(!r.stdout.includes('bedrock-native '), 'log lines must not go to stdout')
  }
  emu.script('amazon.nova-micro-v1:0', { times: 3, http: { status: 503, errorType: 'ServiceUnavailableException', message: 'down' } })
  const failed = cli(['chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'], { DEBUG: 'bedrock-native' })
  assert.equal(failed.status, 1)
  assert.match(failed.stderr, /converseStream #1 failed code=ServiceUnavailableException httpStatus=503 requestId=[\w-]+ retryable=true/)
  assert.ok(!failed.stderr.includes(emu.secretAccessKey))
})

test('Ctrl+C during chat stops the request at once and exits 130', async () => {
  emu.reset()
  // Two frames, then the model goes silent for a minute.
  emu.script('amazon.nova-micro-v1:0', { text: 'partial answer that stalls', chunkSize: 8, faults: { stallAfterFrames: 3, stallMs: 60_000 } })
  const child = spawn(process.execPath, [cliPath, 'chat', '-m', 'amazon.nova-micro-v1:0', '--endpoint-url', emu.url, 'hi'], {
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output before the stall: ${out}`)), 30_000)
    child.stdout.on('data', () => {
      if (out.includes('partial')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  child.kill('SIGINT')
  const { code } = await exited
  assert.equal(code, 130)
  assert.ok(out.startsWith('partial'))
  const stream = emu.requests().find((r) => r.operation === 'ConverseStream')
  assert.equal(stream.response.completed, false)
  // The server notices the closed socket asynchronously: wait for it, bounded.
  for (let i = 0; i < 100 && emu.connections().open > 0; i++) await new Promise((r) => setTimeout(r, 50))
  assert.equal(emu.connections().open, 0, 'the connection was closed')
})

// --- models list ----------------------------------------------------------------------

test('models list: table, --json, --plain, --provider, --filter', { skip: !hasDiscovery && 'discoverModels is not in this build' }, () => {
  const table = cli(['models', 'list', '--endpoint-url', emu.url])
  assert.equal(table.status, 0, table.stderr)
  const lines = table.stdout.trimEnd().split('\n')
  assert.match(lines[0], /^Model\s+Input\s+Ctx\s+Local\s+Auth\s+Tags$/)
  assert.ok(lines.length > 5)
  for (const line of lines.slice(1)) assert.match(line, /^amazon-bedrock\/\S+\s+(text|text\+image)\s+(\d+(\.\d)?[kM]|-)\s+no\s+yes\s+(reasoning|-)$/)
  assert.ok(lines.some((l) => l.startsWith('amazon-bedrock/anthropic.claude-3-haiku-20240307-v1:0 ')))
  noEscapes(table.stdout + table.stderr)

  const json = cli(['models', 'list', '--json', '--endpoint-url', emu.url])
  assert.equal(json.status, 0, json.stderr)
  const parsed = JSON.parse(json.stdout)
  assert.equal(parsed.provider, 'amazon-bedrock')
  assert.equal(parsed.count, parsed.models.length)
  assert.equal(parsed.count, lines.length - 1)
  const haiku = parsed.models.find((m) => m.key === 'amazon-bedrock/anthropic.claude-3-haiku-20240307-v1:0')
  assert.ok(haiku.contextWindow > 0 && haiku.maxTokens > 0)
  assert.equal(haiku.id, 'anthropic.claude-3-haiku-20240307-v1:0')
  assert.equal(haiku.local, false)
  assert.equal(haiku.available, true)
  assert.equal(haiku.missing, false)
  assert.ok(Array.isArray(haiku.tags))
  assert.match(haiku.input, /^text(\+image)?$/)

  const plain = cli(['models', 'list', '--plain', '--filter', 'anthropic', '--endpoint-url', emu.url])
  assert.equal(plain.status, 0, plain.stderr)
  const refs = plain.stdout.trimEnd().split('\n')
  assert.ok(refs.length > 0 && refs.length < parsed.count)
  const allRefs = new Set(parsed.models.map((m) => m.key))
  for (const ref of refs) assert.ok(allRefs.has(ref), ref)
  assert.ok(refs.includes('amazon-bedrock/anthropic.claude-3-haiku-20240307-v1:0'))
  assert.ok(!refs.some((ref) => /amazon\.nova|meta\.llama/.test(ref)), 'other providers filtered out')

  const other = cli(['models', 'list', '--json', '--provider', 'openai', '--endpoint-url', emu.url])
  assert.equal(other.status, 0, other.stderr)
  assert.equal(JSON.parse(other.stdout).count, 0)
})

test('models list: rejected credentials exit 1 with the code and a hint; a partial list warns', { skip: !hasDiscovery && 'discoverModels is not in this build' }, async () => {
  const r = cli(['models', 'list', '--endpoint-url', emu.url], { AWS_SECRET_ACCESS_KEY: 'wrong-secret-00000000000000000000000000' })
  assert.equal(r.status, 1)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /^error: \[InvalidSignatureException\] List\w+: /)
  assert.match(r.stderr, /hint: AWS rejected these credentials/)
  assert.ok(!r.stderr.includes('wrong-secret'))

  // ListInferenceProfiles denied: the foundation models are still listed, with a warning
  // naming the permission.
  const limited = await bedrock.startEmulator({ denyOperations: ['ListInferenceProfiles'] })
  try {
    const partial = cli(['models', 'list', '--plain', '--endpoint-url', limited.url], {
      AWS_ACCESS_KEY_ID: limited.accessKeyId,
      AWS_SECRET_ACCESS_KEY: limited.secretAccessKey,
    })
    assert.equal(partial.status, 0, partial.stderr)
    assert.ok(partial.stdout.includes('amazon-bedrock/anthropic.claude-3-haiku-20240307-v1:0\n'))
    assert.match(partial.stderr, /^warning: ListInferenceProfiles: \[AccessDenied\w*\] .*bedrock:ListInferenceProfiles/m)
  } finally {
    await limited.close()
  }
})

// --- auth -----------------------------------------------------------------------------

test('auth names the credential source and region; exit 1 when none is found', { skip: !hasCredentials && 'probeCredentials/detectAuthMarker are not in this build' }, () => {
  const found = cli(['auth'])
  assert.equal(found.status, 0, found.stderr)
  assert.match(found.stdout, /^Env marker\s+env: AWS_ACCESS_KEY_ID \+ AWS_SECRET_ACCESS_KEY$/m)
  assert.match(found.stdout, /^Mode\s+SigV4 \(AWS credentials\)$/m)
  assert.match(found.stdout, /^Credentials\s+found \(env — environment variables\)$/m)
  noEscapes(found.stdout)
  assert.match(found.stdout, new RegExp(`^Region\\s+${emu.region}`, 'm'))
  assert.ok(!found.stdout.includes(emu.secretAccessKey) && !found.stdout.includes(emu.accessKeyId))

  const region = cli(['auth', '--region', 'eu-west-3'])
  assert.match(region.stdout, /^Region\s+eu-west-3/m)

  const none = cli(['auth'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONFIG_FILE: path.join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none') })
  assert.equal(none.status, 1)
  assert.match(none.stdout, /^Env marker\s+aws-sdk default chain$/m)
  assert.match(none.stdout, /^Credentials\s+none found$/m)
})

// --- emulator -------------------------------------------------------------------------

test('emulator --port 0 prints its URL, serves, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [cliPath, 'emulator', '--port', '0'], { env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk) => {
    out += chunk
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000)
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out)
        if (match) {
          clearTimeout(timer)
          resolve(match[1])
        }
      })
    })
    assert.notEqual(Number(new URL(url).port), 0)
    assert.match(out, /AWS_ACCESS_KEY_ID\s+AKID/)
    const response = await fetch(`${url}/__emulator/requests`)
    assert.equal(response.status, 200)
    assert.ok(Array.isArray((await response.json()).requests))
    noEscapes(out)
  } finally {
    child.kill('SIGTERM')
  }
  const { code, signal } = await exited
  assert.equal(signal, null)
  assert.equal(code, 0)
  assert.match(out, /Bedrock emulator stopped\n$/)
})
