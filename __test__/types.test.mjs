// The published types (js/index.d.ts) seen by TypeScript consumers compiled with
// `tsc --strict --noEmit`: an ESM gateway that has pi-ai and passes
// converseStream where pi-ai's StreamFunction is expected, a CommonJS consumer, a
// consumer without pi-ai installed, and a consumer with type errors that must be caught.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')
let work

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-types-'))
})

after(() => {
  fs.rmSync(work, { recursive: true, force: true })
})

/** A consumer project: `files` written under src/, this package (and pi-ai when asked)
 *  linked into its node_modules as an install would place them. Returns tsc's result. */
function compile(name, files, { withPiAi = true } = {}) {
  // pi-ai's own dependency types (AWS, Anthropic, Google SDKs) do not all check in this
  // install, so with pi-ai the libraries are not checked; without it, everything is,
  // js/index.d.ts included.
  const dir = path.join(work, name)
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'node_modules', '@mariozechner'), { recursive: true })
  const linked = path.join(dir, 'node_modules', 'bedrock-native')
  if (withPiAi) {
    fs.symlinkSync(root, linked, 'dir')
    fs.symlinkSync(path.join(root, 'node_modules', '@mariozechner', 'pi-ai'), path.join(dir, 'node_modules', '@mariozechner', 'pi-ai'), 'dir')
  } else {
    // A copy of what the types need, so nothing resolves from this repository's node_modules.
    fs.mkdirSync(path.join(linked, 'js'), { recursive: true })
    fs.copyFileSync(path.join(root, 'package.json'), path.join(linked, 'package.json'))
    for (const file of ['index.d.ts', 'models.d.ts']) fs.copyFileSync(path.join(root, 'js', file), path.join(linked, 'js', file))
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: [],
        skipLibCheck: withPiAi,
      },
      include: ['src'],
    }),
  )
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'src', file), text)
  const result = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

const GATEWAY = `
import {
  converseStream, converseStreamSimple, complete, converseStreamRaw, registerBedrockNative,
  buildConverseRequest, startEmulator, BEDROCK_API,
  type BedrockNativeError, type ErrorCode, type AssistantMessageEvent, type BedrockStreamOptions,
  type AssistantMessageErrorEvent, type AuthMarker, type ProbeCredentialsResult, type BedrockSettings,
  type BedrockProvider, type DiscoveryResult, type DiscoveredModel,
  detectAuthMarker, probeCredentials, loadConfig, resolveBedrockProvider, discoverModels, discoverModelsDetailed, clearDiscoveryCache,
} from 'bedrock-native'
import {
  registerApiProvider, stream, type StreamFunction, type Model, type Context, type BedrockOptions,
  type SimpleStreamOptions, type AssistantMessage, type AssistantMessageEventStream,
} from '@mariozechner/pi-ai'

// converseStream is a pi-ai StreamFunction for the Bedrock api, simple one too.
const streamFn: StreamFunction<'bedrock-converse-stream', BedrockOptions> = converseStream
const simpleFn: StreamFunction<'bedrock-converse-stream', SimpleStreamOptions> = converseStreamSimple
registerApiProvider({ api: 'bedrock-converse-stream', stream: converseStream, streamSimple: converseStreamSimple })
const registered = registerBedrockNative(registerApiProvider)
const api: 'bedrock-converse-stream' = registered.api
const sameApi: typeof api = BEDROCK_API

export async function run(model: Model<'bedrock-converse-stream'>, context: Context): Promise<string> {
  const events: AssistantMessageEventStream = converseStream(model, context, {
    reasoning: 'medium', maxRetries: 1, idleTimeoutMs: 30_000, region: 'us-east-1', bearerToken: undefined,
    guardrail: { guardrailIdentifier: 'gr-1', guardrailVersion: '1', trace: 'enabled' },
  })
  let text = ''
  for await (const event of events) {
    if (event.type === 'text_delta') text += event.delta
    if (event.type === 'toolcall_end') text += event.toolCall.name
    if (event.type === 'error') {
      // pi-ai's event type has no code: ours is read through AssistantMessageErrorEvent.
      const info = event as AssistantMessageErrorEvent
      const code: ErrorCode = info.code
      const retryable: boolean = info.retryable
      text += \`\${code} \${retryable} \${info.requestId ?? ''} \${event.error.errorMessage ?? ''}\`
    }
  }
  const message: AssistantMessage = await events.result()
  const viaPi: AssistantMessage = await stream(model, context).result()
  const done: AssistantMessage = await complete(model, context)
  for await (const raw of converseStreamRaw(model, context)) {
    if ('contentBlockDelta' in raw) text += String(raw.contentBlockDelta.delta.text ?? '')
    if ('error' in raw) text += raw.error.code
  }
  const request = buildConverseRequest(model, context, { maxTokens: 100 })
  const modelId: string = request.modelId
  return text + message.stopReason + viaPi.stopReason + done.stopReason + modelId + streamFn.name + simpleFn.name + sameApi
}

export function describe(error: unknown): string {
  const e = error as BedrockNativeError
  const retry: boolean = e.retryable
  const status: number | undefined = e.httpStatus
  const id: string | undefined = e.requestId
  return \`\${e.code} \${retry} \${status} \${id} \${e.location?.line ?? ''} \${e.keyPath ?? ''}\`
}

export async function emulator(): Promise<string> {
  const emu = await startEmulator({ port: 0 })
  const url: string = emu.url
  const seen: number = emu.requests().length
  await emu.close()
  return url + seen
}

export async function gatewayStartup(): Promise<Model<'bedrock-converse-stream'>[]> {
  const marker: AuthMarker = detectAuthMarker()
  const probe: ProbeCredentialsResult = await probeCredentials({ timeoutMs: 2000 })
  const settings: BedrockSettings = loadConfig()
  const provider: BedrockProvider | null = await resolveBedrockProvider({ mode: 'advisory', probeTimeoutMs: 1000 })
  const detailed: DiscoveryResult = await discoverModelsDetailed({ region: settings.region, providerFilter: settings.discovery.providerFilter })
  const found: DiscoveredModel[] = await discoverModels({ refreshInterval: settings.discovery.refreshInterval, mode: 'strict' })
  clearDiscoveryCache()
  const source: string = \`\${marker.label} \${probe.source ?? 'none'} \${probe.expiresAt ?? ''} \${provider?.enabledBy ?? 'off'} \${detailed.warnings.map((w) => w.code).join()}\`
  // A discovered entry plus api/provider/baseUrl is a pi-ai Model.
  return found.map((m) => ({ ...m, api: 'bedrock-converse-stream' as const, provider: 'amazon-bedrock', baseUrl: source }))
}

const options: BedrockStreamOptions = { onPayload: (payload) => payload, signal: AbortSignal.timeout(1000) }
const event: AssistantMessageEvent | undefined = undefined
export { options, event }
`

test('a strict ESM gateway with pi-ai: converseStream where a pi-ai StreamFunction is expected', () => {
  const { status, output } = compile('gateway-esm', { 'gateway.ts': GATEWAY })
  assert.equal(status, 0, output)
})

test('a strict CommonJS consumer (require) type-checks', () => {
  const cjs = `
import bedrock = require('bedrock-native')
export async function main(): Promise<number> {
  const emu = await bedrock.startEmulator()
  const model: bedrock.Model = {
    id: 'amazon.nova-micro-v1:0', name: 'Nova Micro', api: 'bedrock-converse-stream', provider: 'amazon-bedrock',
    baseUrl: emu.url, reasoning: false, input: ['text'], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 128000, maxTokens: 4096,
  }
  const message = await bedrock.converseStream(model, { messages: [{ role: 'user', content: 'hi', timestamp: 1 }] }).result()
  await emu.close()
  return message.usage.totalTokens
}
`
  const { status, output } = compile('consumer-cjs', { 'main.cts': cjs })
  assert.equal(status, 0, output)
})

test('the types stand alone when pi-ai is not installed', () => {
  const alone = `
import { converseStream, type Model, type AssistantMessageEvent, type ErrorCode } from 'bedrock-native'
export async function run(model: Model): Promise<ErrorCode | 'ok'> {
  for await (const event of converseStream(model, { messages: [] })) {
    const e: AssistantMessageEvent = event
    if (e.type === 'error') return e.code ?? 'InternalError'
  }
  return 'ok'
}
`
  const { status, output } = compile('no-pi-ai', { 'alone.ts': alone }, { withPiAi: false })
  assert.equal(status, 0, output)
})

test('what the functions really return type-checks as the declared types (no missing or extra fields)', async () => {
  const bedrock = await import('bedrock-native')
  const emu = await bedrock.startEmulator()
  const saved = { ...process.env }
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: emu.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.secretAccessKey, AWS_REGION: emu.region })
  delete process.env.AWS_PROFILE
  delete process.env.AWS_BEARER_TOKEN_BEDROCK
  const samples = []
  // Object literals are checked for excess properties: an undeclared field fails too.
  const sample = (type, value) => samples.push(`export const s${samples.length}: ${type} = ${JSON.stringify(value)}`)
  try {
    const configFile = path.join(work, 'openclaw.json')
    fs.writeFileSync(
      configFile,
      `{ plugins: { entries: { "amazon-bedrock": { config: { discovery: { region: "us-east-1", providerFilter: ["anthropic"] },
         guardrail: { guardrailIdentifier: "gr-1", guardrailVersion: "1", trace: "enabled" } } } } },
         models: { providers: { "amazon-bedrock": { baseUrl: "${emu.url}", models: [] } } } }`,
    )
    const model = {
      id: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', name: 'Claude', api: 'bedrock-converse-stream', provider: 'amazon-bedrock',
      baseUrl: emu.url, reasoning: true, input: ['text'], cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }, contextWindow: 200000, maxTokens: 8192,
    }
    const context = { messages: [{ role: 'user', content: 'Use the lookup tool', timestamp: 1 }], tools: [{ name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }] }

    sample('AuthMarker', bedrock.detectAuthMarker())
    sample('ProbeCredentialsResult', await bedrock.probeCredentials({ timeoutMs: 2000 }))
    sample('BedrockSettings', bedrock.loadConfig({ path: configFile }))
    sample('DiscoveryResult', await bedrock.discoverModelsDetailed({ endpoint: emu.url, refreshInterval: 0 }))
    sample('DiscoveredModel[]', (await bedrock.discoverModels({ endpoint: emu.url })).slice(0, 3))
    sample('BedrockProvider | null', await bedrock.resolveBedrockProvider({ path: configFile, endpoint: emu.url }))
    sample('ConverseRequest', bedrock.buildConverseRequest(model, context, { reasoning: 'low' }))
    const events = bedrock.converseStream(model, context, { reasoning: 'low' })
    // Mid-stream, partial blocks carry pi-ai's own bookkeeping (`index`, `partialJson`),
    // undeclared in pi-ai's types as well; they are gone from the final message.
    const withoutBookkeeping = (event) =>
      JSON.parse(JSON.stringify(event, (key, value) => (key === 'index' || key === 'partialJson' ? undefined : value)))
    for await (const event of events) sample('AssistantMessageEvent', withoutBookkeeping(event))
    sample('AssistantMessage', await events.result())
    emu.script('*', { times: 3, http: { status: 429, errorType: 'ThrottlingException', message: 'slow down' } })
    for await (const event of bedrock.converseStream(model, context, { maxRetries: 0 })) {
      if (event.type === 'error') sample('AssistantMessageErrorEvent', event)
    }
    emu.script('*', { times: 1, http: { status: 400, errorType: 'ValidationException', message: 'bad' } })
    for await (const raw of bedrock.converseStreamRaw(model, context, { maxRetries: 0 })) sample('RawConverseStreamEvent', raw)
    try {
      bedrock.buildConverseRequest(model, { messages: 5 })
    } catch (error) {
      sample('Omit<BedrockNativeError, "message" | "stack">', { ...error })
    }
    sample('EmulatorRequest', emu.requests().find((r) => r.operation === 'ConverseStream'))
  } finally {
    process.env = saved
    await emu.close()
  }
  const file = `import type { AuthMarker, ProbeCredentialsResult, BedrockSettings, DiscoveryResult, DiscoveredModel, BedrockProvider,
  ConverseRequest, AssistantMessageEvent, AssistantMessage, AssistantMessageErrorEvent, RawConverseStreamEvent, BedrockNativeError,
  EmulatorRequest } from 'bedrock-native'
${samples.join('\n')}
`
  assert.ok(samples.length > 15)
  const { status, output } = compile('runtime-shapes', { 'shapes.ts': file }, { withPiAi: false })
  assert.equal(status, 0, output)
})

test('type errors in a consumer are reported (the types are not any)', () => {
  const wrong = `
import { converseStream, type Model, type ErrorCode, type BedrockNativeError } from 'bedrock-native'
declare const model: Model
converseStream(model, { messages: [] }, { reasoning: 'enormous' })
converseStream(model, { messages: [{ role: 'robot', content: 'x', timestamp: 1 }] })
const code: ErrorCode = 'NotARealCode'
declare const error: BedrockNativeError
const retry: string = error.retryable
export { code, retry }
`
  const { status, output } = compile('wrong', { 'wrong.ts': wrong }, { withPiAi: false })
  assert.notEqual(status, 0)
  assert.match(output, /wrong\.ts\(4,\d+\).*enormous/)
  assert.match(output, /wrong\.ts\(5,\d+\).*robot/)
  assert.match(output, /wrong\.ts\(6,\d+\).*NotARealCode/)
  assert.match(output, /wrong\.ts\(8,\d+\).*boolean/)
})
