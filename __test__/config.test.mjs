// detectAuthMarker / probeCredentials / loadConfig from JS: marker order, no secret in
// any result or error text, config errors with location and key path.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')

const SECRET = 'jsFakeSecret/ValueThatMustNeverLeak000000'
const TOKEN = 'js-fake-bearer-token-never-leaks'

function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bn-js-${tag}-`))
}

/** An env isolated from the developer's machine. */
function isolatedEnv(home, extra = {}) {
  return { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...extra }
}

test('markers follow OpenClaw order and never carry a value', () => {
  const all = { AWS_BEARER_TOKEN_BEDROCK: TOKEN, AWS_ACCESS_KEY_ID: 'AKIDJSFAKE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_PROFILE: 'work' }
  assert.deepEqual(bedrock.detectAuthMarker(all), { marker: 'AWS_BEARER_TOKEN_BEDROCK', label: 'env: AWS_BEARER_TOKEN_BEDROCK', mode: 'bearer' })
  const { AWS_BEARER_TOKEN_BEDROCK, ...keys } = all
  assert.equal(bedrock.detectAuthMarker(keys).label, 'env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY')
  assert.equal(bedrock.detectAuthMarker({ AWS_ACCESS_KEY_ID: 'AKIDJSFAKE', AWS_PROFILE: 'work' }).marker, 'AWS_PROFILE')
  const none = bedrock.detectAuthMarker({})
  assert.equal(none.label, 'aws-sdk default chain')
  assert.ok(none.marker == null)
  // Blank and whitespace values are absent.
  assert.equal(bedrock.detectAuthMarker({ AWS_BEARER_TOKEN_BEDROCK: '  ', AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: '\t', AWS_PROFILE: ' p ' }).marker, 'AWS_PROFILE')
  assert.ok(bedrock.detectAuthMarker({ AWS_PROFILE: '' }).marker == null)
  const text = JSON.stringify([bedrock.detectAuthMarker(all), bedrock.detectAuthMarker(keys)])
  assert.ok(!text.includes(TOKEN) && !text.includes(SECRET) && !text.includes('AKIDJSFAKE'))
})

test('probe finds env credentials and reports only the source', async () => {
  const home = tempDir('probe-env')
  const result = await bedrock.probeCredentials({
    env: isolatedEnv(home, { AWS_ACCESS_KEY_ID: 'AKIDJSFAKE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_REGION: 'eu-west-1' }),
    timeoutMs: 2000,
  })
  assert.equal(result.available, true)
  assert.equal(result.source, 'env')
  assert.equal(result.region, 'eu-west-1')
  assert.equal(result.regionSource, 'env: AWS_REGION')
  const text = JSON.stringify(result)
  assert.ok(!text.includes(SECRET) && !text.includes(TOKEN) && !text.includes('AKIDJSFAKE'), text)
})

test('probe with nothing anywhere says so, with the sources tried', async () => {
  const home = tempDir('probe-none')
  const result = await bedrock.probeCredentials({ env: isolatedEnv(home), timeoutMs: 1500 })
  assert.equal(result.available, false)
  assert.ok(result.source == null)
  assert.deepEqual(result.tried, ['env', 'profile'])
  assert.match(result.detail, /no AWS credentials found/)
})

test('probe finds a profile from AWS_SHARED_CREDENTIALS_FILE', async () => {
  const home = tempDir('probe-profile')
  const creds = path.join(home, 'creds')
  fs.writeFileSync(creds, `[ci]\naws_access_key_id = AKIDJSFAKE\naws_secret_access_key = ${SECRET}\n`)
  const result = await bedrock.probeCredentials({
    env: isolatedEnv(home, { AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: path.join(home, 'none'), AWS_PROFILE: 'ci' }),
  })
  assert.equal(result.source, 'profile')
  assert.ok(!JSON.stringify(result).includes(SECRET))
})

test('probe rejects a nonsensical timeout as a TypeError', async () => {
  await assert.rejects(bedrock.probeCredentials({ timeoutMs: -1 }), (e) => e instanceof TypeError && e.code === 'InvalidArgument')
})

test('loadConfig reads OPENCLAW_CONFIG_PATH and merges the current block over the legacy one', () => {
  const home = tempDir('cfg')
  const file = path.join(home, 'openclaw.json5')
  fs.writeFileSync(
    file,
    `{
      // JSON5
      models: { bedrockDiscovery: { region: 'us-west-2', defaultMaxTokens: 9000, refreshInterval: -1 } },
      plugins: { entries: { 'amazon-bedrock': { config: {
        discovery: { enabled: true, region: 'eu-central-1', providerFilter: [' Anthropic '], futureKnob: 1 },
        guardrail: { guardrailIdentifier: 'gr-1', guardrailVersion: '2' },
      } } } },
    }`,
  )
  const s = bedrock.loadConfig({ env: isolatedEnv(home, { OPENCLAW_CONFIG_PATH: file }) })
  assert.equal(s.file, file)
  assert.equal(s.region, 'eu-central-1')
  assert.equal(s.regionSource, 'config')
  assert.equal(s.discovery.enabled, true)
  assert.equal(s.discovery.defaultMaxTokens, 9000)
  assert.equal(s.discovery.defaultContextWindow, 32000)
  assert.equal(s.discovery.refreshInterval, 0)
  assert.deepEqual(s.discovery.providerFilter, ['anthropic'])
  assert.equal(s.guardrail.guardrailIdentifier, 'gr-1')
  assert.equal(s.pluginConfig.discovery.futureKnob, 1)
})

test('a missing default file gives defaults; a missing named file is ConfigNotFound', () => {
  const home = tempDir('cfg-missing')
  const s = bedrock.loadConfig({ env: isolatedEnv(home) })
  assert.ok(s.file == null)
  assert.equal(s.discovery.refreshInterval, 3600)
  assert.throws(
    () => bedrock.loadConfig({ env: isolatedEnv(home, { OPENCLAW_CONFIG_PATH: path.join(home, 'missing.json') }) }),
    (e) => e.code === 'ConfigNotFound' && e.message.includes('missing.json'),
  )
})

test('syntax errors carry file, line and column and do not quote the file', () => {
  const home = tempDir('cfg-syntax')
  const file = path.join(home, 'bad.json')
  fs.writeFileSync(file, `{\n  apiKey: "${SECRET}",\n  models: { oops oops }\n}\n`)
  assert.throws(
    () => bedrock.loadConfig({ path: file, env: isolatedEnv(home) }),
    (e) => {
      assert.equal(e.code, 'ConfigSyntax')
      assert.equal(e.location.file, file)
      assert.equal(e.location.line, 3)
      assert.ok(e.location.column > 0)
      assert.ok(e.message.startsWith(`${file}:3:`), e.message)
      assert.ok(!e.message.includes(SECRET))
      return true
    },
  )
})

test('wrong types name the key path, expected type and actual type', () => {
  const home = tempDir('cfg-type')
  const file = path.join(home, 't.json')
  fs.writeFileSync(file, JSON.stringify({ plugins: { entries: { 'amazon-bedrock': { config: { discovery: { refreshInterval: '60' } } } } } }))
  assert.throws(
    () => bedrock.loadConfig({ path: file, env: isolatedEnv(home) }),
    (e) =>
      e.code === 'ConfigType' &&
      e.keyPath === 'plugins.entries.amazon-bedrock.config.discovery.refreshInterval' &&
      e.message === 'plugins.entries.amazon-bedrock.config.discovery.refreshInterval: expected a number, got string',
  )
})

test('a deeply nested file is a ConfigSyntax error, not a crash', () => {
  const home = tempDir('cfg-deep')
  const file = path.join(home, 'deep.json')
  fs.writeFileSync(file, '['.repeat(100000) + ']'.repeat(100000))
  assert.throws(() => bedrock.loadConfig({ path: file, env: isolatedEnv(home) }), (e) => e.code === 'ConfigSyntax' && /nesting/.test(e.message))
})
