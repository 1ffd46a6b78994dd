// The drop-in on pi-ai 1.6 (`@earendil-works/pi-ai`, or the release named by
// BEDROCK_NATIVE_PI_AI_DIR): `registerBedrockNative(compat)` routes pi-ai's Bedrock
// provider to this package on both of pi-ai's paths, the compat api registry
// (`stream()`/`complete()`) and `createModels()` (the built-in provider's implementation,
// swapped with `setBedrockProviderModule`). Who served a request is read from the
// emulator's record: this package sends `user-agent: bedrock-native/<version>`, the AWS
// SDK for JS its own.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { importPiAi, piAiVersion, useLoopbackAwsEnv } from './pi-ai.mjs'

const require = createRequire(import.meta.url)
const bedrock = require('../js/index.js')

const compat = await importPiAi('compat')
const piAi = await importPiAi('.')
const { amazonBedrockProvider } = await importPiAi('providers/amazon-bedrock')

const MODEL_ID = 'amazon.nova-micro-v1:0'
let emu

before(async () => {
  emu = await bedrock.startEmulator()
  useLoopbackAwsEnv({ accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey, region: emu.region })
})

after(async () => {
  compat.unregisterApiProviders('bedrock-native')
  await emu?.close()
})

const model = () => ({
  id: MODEL_ID,
  name: 'Nova Micro',
  api: 'bedrock-converse-stream',
  provider: 'amazon-bedrock',
  baseUrl: emu.url,
  reasoning: false,
  input: ['text'],
  cost: { input: 0.035, output: 0.14, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 128000,
  maxTokens: 4096,
})

const context = { messages: [{ role: 'user', content: 'Say hello', timestamp: 1 }] }

/** The user agent of the latest ConverseStream request: whose client sent it. */
function lastClient() {
  const request = emu.requests().filter((r) => r.operation === 'ConverseStream').at(-1)
  const agent = request?.headers?.['user-agent'] ?? ''
  return agent.startsWith('bedrock-native/') ? 'bedrock-native' : agent ? 'aws-sdk' : 'none'
}

test(`${piAiVersion}: compat stream()/streamSimple()/complete() are served by bedrock-native after registration`, async () => {
  emu.reset()
  const before = await compat.complete(model(), context)
  assert.equal(before.stopReason, 'stop', before.errorMessage)
  assert.equal(lastClient(), 'aws-sdk', "pi-ai's own provider served the unregistered call")

  const provider = bedrock.registerBedrockNative(compat)
  assert.equal(provider.api, 'bedrock-converse-stream')
  for (const run of [
    () => compat.complete(model(), context),
    () => compat.stream(model(), context).result(),
    () => compat.completeSimple(model(), context),
  ]) {
    emu.reset()
    const message = await run()
    assert.equal(message.stopReason, 'stop', message.errorMessage)
    assert.match(message.content[0].text, /Say hello/)
    assert.equal(lastClient(), 'bedrock-native')
  }
})

test(`${piAiVersion}: the createModels() path (built-in amazon-bedrock provider) is served by bedrock-native`, async () => {
  bedrock.registerBedrockNative(compat)
  const models = piAi.createModels()
  models.setProvider(amazonBedrockProvider())
  emu.reset()
  const events = models.stream(model(), context)
  const types = []
  for await (const event of events) types.push(event.type)
  const message = await events.result()
  assert.equal(message.stopReason, 'stop', message.errorMessage)
  assert.equal(types[0], 'start')
  assert.equal(types.at(-1), 'done')
  assert.equal(lastClient(), 'bedrock-native')
})

test('bedrockNativeStreams is a ProviderStreams for setBedrockProviderModule and createProvider', async () => {
  assert.equal(typeof bedrock.bedrockNativeStreams.stream, 'function')
  assert.equal(typeof bedrock.bedrockNativeStreams.streamSimple, 'function')
  assert.ok(Object.isFrozen(bedrock.bedrockNativeStreams))
  const custom = piAi.createProvider({
    id: 'my-bedrock',
    auth: { apiKey: { name: 'ambient AWS credentials', resolve: async () => ({ auth: {}, source: 'ambient' }) } },
    models: [{ ...model(), provider: 'my-bedrock' }],
    api: bedrock.bedrockNativeStreams,
  })
  const models = piAi.createModels()
  models.setProvider(custom)
  emu.reset()
  const message = await models.complete({ ...model(), provider: 'my-bedrock' }, context)
  assert.equal(message.stopReason, 'stop', message.errorMessage)
  assert.equal(lastClient(), 'bedrock-native')
})

test('registerBedrockNative: the hosts it knows, and a clear error for anything else', () => {
  const calls = []
  const fakeCompat = {
    bedrockConverseStreamApi: () => {},
    setBedrockProviderModule: (m) => calls.push(['module', m]),
    registerApiProvider: (p, id) => calls.push(['registry', p.api, id]),
  }
  bedrock.registerBedrockNative(fakeCompat, { sourceId: 'gw' })
  assert.deepEqual(calls, [
    ['module', bedrock.bedrockNativeStreams],
    ['registry', 'bedrock-converse-stream', 'gw'],
  ])
  // pi-ai 0.73: the registry function alone.
  calls.length = 0
  bedrock.registerBedrockNative((p, id) => calls.push(['registry', p.api, id]))
  assert.deepEqual(calls, [['registry', 'bedrock-converse-stream', 'bedrock-native']])
  assert.throws(
    () => bedrock.registerBedrockNative({ somethingElse: true }),
    (error) => error.code === 'InvalidArgument' && /@earendil-works\/pi-ai\/compat/.test(error.message),
  )
})

/** A pi-ai 1.6 agent loop on `streamFn` (compat `stream`, or a Models' `stream`): the model
 *  calls `get_weather`, the result goes back, the model answers. Returns the turns. */
async function twoTurnToolConversation(streamFn, claude) {
  const tools = [
    {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ]
  const context = {
    systemPrompt: 'You are a helpful assistant. Use tools when they help.',
    messages: [{ role: 'user', content: 'What is the weather in "Lisbon"? Use the get_weather tool.', timestamp: Date.now() }],
    tools,
  }
  const turns = []
  for (let turn = 0; turn < 4; turn++) {
    const events = streamFn(claude, context, { maxTokens: 1024 })
    for await (const _ of events) {
      // drain
    }
    const message = await events.result()
    turns.push(message)
    context.messages.push(message)
    if (message.stopReason !== 'toolUse') break
    for (const call of message.content.filter((b) => b.type === 'toolCall')) {
      context.messages.push({
        role: 'toolResult',
        toolCallId: call.id,
        toolName: call.name,
        content: [{ type: 'text', text: `Sunny, 21°C in ${call.arguments.city}` }],
        isError: false,
        timestamp: Date.now(),
      })
    }
  }
  return turns
}

for (const path of ['compat stream()', 'createModels() stream()']) {
  test(`${piAiVersion}: a two-turn tool conversation through ${path} after registration`, async () => {
    bedrock.registerBedrockNative(compat)
    const claude = { ...model(), id: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', name: 'Claude Sonnet 4.5', contextWindow: 200000, maxTokens: 8192 }
    let streamFn = compat.stream
    if (path.startsWith('createModels')) {
      const models = piAi.createModels()
      models.setProvider(amazonBedrockProvider())
      streamFn = (m, c, o) => models.stream(m, c, o)
    }
    emu.reset()
    const turns = await twoTurnToolConversation(streamFn, claude)
    assert.deepEqual(turns.map((t) => t.stopReason), ['toolUse', 'stop'], turns.map((t) => t.errorMessage).join(' | '))
    const call = turns[0].content.find((b) => b.type === 'toolCall')
    assert.deepEqual(call.arguments, { city: 'Lisbon' })
    assert.match(turns[1].content.filter((b) => b.type === 'text').map((b) => b.text).join(''), /Sunny, 21°C in Lisbon/)
    const requests = emu.requests().filter((r) => r.operation === 'ConverseStream')
    assert.equal(requests.length, 2)
    for (const r of requests) assert.match(r.headers['user-agent'], /^bedrock-native\//)
    assert.equal(requests[1].body.messages.at(-1).content[0].toolResult.toolUseId, call.id)
  })
}
