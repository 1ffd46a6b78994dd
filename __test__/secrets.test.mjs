// Secrets never leave: with known fake AWS keys, session token and Bedrock API key in
// the environment and in options, and DEBUG logging on, everything the addon emits in a
// run of streams, errors, request building, credentials, config and discovery (stdout,
// stderr, results, events, error messages/properties/stacks) is searched for them.
// Also: a bearer token is never sent over plain HTTP to a non-loopback host.

import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

const SECRETS = {
  accessKeyId: 'AKIDFAKELEAKCHECK7Q3Z',
  secretAccessKey: 'fakeSecret/LEAKCHECK+9xQvT2mWzK4pR8sN1bY6cJ0hL',
  sessionToken: 'FwoGZXIvYXdzFAKESESSIONLEAKCHECKdGVzdHRva2VuMTIzNDU2Nzg5',
  bearerToken: 'ABSKQmVkcm9ja0FQSUtleS1MEAKCHECK0123456789abcdef',
}
// Pieces long enough to be meaningful if a secret is truncated or split when printed.
const NEEDLES = Object.values(SECRETS).flatMap((s) => [s, s.slice(0, 16), s.slice(-16)])

let output = ''
let exitCode = null

before(async () => {
  const child = spawn(process.execPath, [path.join(here, 'secrets-scenarios.mjs')], {
    env: {
      ...process.env,
      SECRETS_UNDER_TEST: JSON.stringify(SECRETS),
      AWS_ACCESS_KEY_ID: SECRETS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRETS.secretAccessKey,
      AWS_SESSION_TOKEN: SECRETS.sessionToken,
      AWS_REGION: 'us-east-1',
      DEBUG: 'bedrock-native,*',
      BEDROCK_NATIVE_LOG: 'debug',
      RUST_BACKTRACE: '1',
      AWS_BEARER_TOKEN_BEDROCK: '',
      AWS_PROFILE: '',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  exitCode = await new Promise((resolve) => child.on('close', resolve))
})

function scenarios() {
  return new Map([...output.matchAll(/^SCENARIO(?:-JSON)? (\S+) (.*)$/gm)].map((m) => [m[1], m[2]]))
}

test('the scenario run completes', () => {
  assert.equal(exitCode, 0, output.slice(-3000))
  assert.match(output, /^SCENARIOS-DONE$/m)
})

// AWS answers a bad SigV4 signature with InvalidSignatureException whose message quotes
// the canonical request it expected, `x-amz-security-token:<session token>` included (the
// emulator does the same). The addon passes that text on verbatim, so the session token
// ends up in `error.message`, `errorMessage`, and any log of it. Known bug, reported to the
// transport owner (redact the caller's own secrets from server-provided error text);
// tracked by the todo test below so the rest of the grep stays strict.
const SERVER_ECHO_SCENARIOS = /^SCENARIO(?:-JSON)? (stream-bad-signature|discover-wrong-secret)(?::threw)? .*$/gm

function assertNoSecret(text, where) {
  for (const needle of NEEDLES) {
    const at = text.indexOf(needle)
    assert.equal(at, -1, `${where}: secret fragment ${JSON.stringify(needle)} leaked: …${text.slice(Math.max(0, at - 300), at + 100)}…`)
  }
}

// loadConfig returns `models.providers["amazon-bedrock"]` as written, so an `apiKey` (a
// Bedrock API key) kept in openclaw.json comes back verbatim in the result. Reported to
// the config owner (drop or mask secret-named keys in results); todo test below.
const CONFIG_ECHO_SCENARIOS = /^SCENARIO(?:-JSON)? (config-ok)(?::threw)? .*$/gm

test('no secret appears anywhere in what the addon emitted', () => {
  assertNoSecret(output.replace(SERVER_ECHO_SCENARIOS, '').replace(CONFIG_ECHO_SCENARIOS, ''), 'output')
})

test('loadConfig does not hand back an API key written in the config file', () => {
  const echoed = [...output.matchAll(CONFIG_ECHO_SCENARIOS)].map((m) => m[0]).join('\n')
  if (!/^AVAILABLE .*loadConfig/m.test(output)) return
  assert.match(echoed, /config-ok/)
  assertNoSecret(echoed, 'loadConfig result')
})

test('a server error that echoes the session token (AWS signature mismatch) is redacted', () => {
  const echoed = [...output.matchAll(SERVER_ECHO_SCENARIOS)].map((m) => m[0]).join('\n')
  assert.match(echoed, /InvalidSignatureException/)
  assertNoSecret(echoed, 'signature-mismatch error')
})

test('the scenarios really exercised success and failure paths', () => {
  const s = scenarios()
  assert.match(s.get('stream-sigv4-ok') ?? '', /"type":"done"/)
  assert.match(s.get('stream-bearer-option-ok') ?? '', /"type":"done"/)
  assert.match(s.get('stream-bearer-env-ok') ?? '', /"type":"done"/)
  for (const [name, code] of [
    ['stream-http-403', 'AccessDeniedException'],
    ['stream-http-429', 'ThrottlingException'],
    ['stream-reset', 'Network'],
    ['stream-crc', 'Protocol'],
    ['stream-stall', 'Timeout'],
    ['stream-abort', 'Aborted'],
    ['stream-refused', 'Network'],
    ['stream-bad-signature', 'InvalidSignatureException'],
    ['stream-bearer-wrong', 'AccessDenied|UnrecognizedClientException|AccessDeniedException|AwsError'],
    ['stream-invalid-bearer-array', 'InvalidArgument'],
  ]) {
    assert.match(s.get(name) ?? '', new RegExp(`"code":"(${code})"`), `${name}: ${s.get(name)?.slice(0, 400)}`)
  }
  assert.match(s.get('build-invalid-bearer-array:threw') ?? '', /InvalidArgument/)
  // DEBUG logging was on and wrote something (so the grep covered the log too).
  assert.match(output, /^bedrock-native /m, 'no debug log line was written')
})

test('a bearer token is not sent over plain HTTP to a non-loopback address', () => {
  const sniffed = /^SNIFFED-BEARER (\S+)/m.exec(output)?.[1]
  assert.ok(sniffed, 'sniffer scenario did not run')
  if (sniffed === 'skipped') return
  assert.equal(sniffed, 'no')
  assert.match(scenarios().get('stream-bearer-plain-http-remote') ?? '', /"type":"error"/)
  if (/^AVAILABLE .*discoverModels/m.test(output)) assert.ok(scenarios().has('discover-bearer-plain-http-remote:threw'), 'discovery with a bearer token over plain HTTP to a remote host did not fail')
})

test('credentials, config and discovery ran with the secrets present', () => {
  const available = JSON.parse(/^AVAILABLE (.*)$/m.exec(output)?.[1] ?? '[]')
  const s = scenarios()
  if (available.includes('loadConfig')) {
    assert.match(s.get('config-syntax-error:threw') ?? '', /ConfigSyntax/)
    assert.match(s.get('config-type-error:threw') ?? '', /ConfigType/)
  }
  if (available.includes('discoverModels')) {
    assert.match(s.get('discover-sigv4') ?? '', /"models":\[\{/)
    assert.match(s.get('discover-denied-strict:threw') ?? '', /AccessDenied/)
  }
  if (available.includes('probeCredentials')) {
    assert.match(s.get('probe-sigv4-env') ?? '', /available: true|"available":true/)
  }
  console.log(`# secrets: entry points covered besides streams: ${available.join(', ') || 'none in this build'}`)
})
