// The drop-in: bedrock-native registered in pi-ai's API registry serves pi-ai's own
// stream()/streamSimple() for api "bedrock-converse-stream". The example agent loop
// (examples/agent-loop.mjs) runs a tool-using two-turn conversation against the emulator.

import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as piAi from '@mariozechner/pi-ai'
import * as bedrock from 'bedrock-native'
import { useLoopbackAwsEnv } from './pi-ai.mjs'
import { runAgentLoop, bedrockModel } from '../examples/agent-loop.mjs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

const { registerApiProvider, getApiProvider, unregisterApiProviders, resetApiProviders, streamSimple } = piAi

let emu

before(async () => {
  emu = await bedrock.startEmulator()
  useLoopbackAwsEnv({ accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey, region: emu.region })
})

after(async () => {
  resetApiProviders()
  await emu?.close()
})

const converseRequests = () => emu.requests().filter((r) => r.operation === 'ConverseStream')

test('registerBedrockNative puts converseStream/converseStreamSimple in pi-ai\'s registry', async () => {
  const model = bedrockModel('amazon.nova-micro-v1:0', emu.url)
  const context = { messages: [{ role: 'user', content: 'hi', timestamp: 1 }] }
  // pi-ai's registry wraps what it is given; what it returns tells whose stream ran.
  const servedByAddon = (fn) => {
    const events = fn(model, context, {})
    return { ours: events instanceof bedrock.AssistantMessageEventStream, done: events.result() }
  }
  const builtin = servedByAddon(getApiProvider('bedrock-converse-stream').stream)
  assert.equal(builtin.ours, false)
  await builtin.done

  const provider = bedrock.registerBedrockNative(registerApiProvider)
  assert.equal(provider.api, 'bedrock-converse-stream')
  assert.equal(provider.stream, bedrock.converseStream)
  assert.equal(provider.streamSimple, bedrock.converseStreamSimple)
  for (const fn of [getApiProvider('bedrock-converse-stream').stream, getApiProvider('bedrock-converse-stream').streamSimple]) {
    const run = servedByAddon(fn)
    assert.equal(run.ours, true)
    assert.equal((await run.done).stopReason, 'stop')
  }

  // The pi-ai module namespace works as the argument too.
  resetApiProviders()
  const builtinAgain = servedByAddon(getApiProvider('bedrock-converse-stream').stream)
  assert.equal(builtinAgain.ours, false)
  await builtinAgain.done
  bedrock.registerBedrockNative(piAi)
  const viaNamespace = servedByAddon(getApiProvider('bedrock-converse-stream').stream)
  assert.equal(viaNamespace.ours, true)
  await viaNamespace.done
})

test('registerBedrockNative without a registry, or with bad options, is a TypeError naming what is wrong', () => {
  const invalid = (fn, pattern) =>
    assert.throws(fn, (error) => {
      assert.ok(error instanceof TypeError)
      assert.equal(error.code, 'InvalidArgument')
      assert.match(error.message, pattern)
      return true
    })
  invalid(() => bedrock.registerBedrockNative({}), /registerApiProvider/)
  invalid(() => bedrock.registerBedrockNative(registerApiProvider, null), /options must be an object/)
  invalid(() => bedrock.registerBedrockNative(registerApiProvider, { sourceId: '' }), /sourceId must be a non-empty string/)
})

test('registerBedrockNative registers under the given source id', () => {
  resetApiProviders()
  bedrock.registerBedrockNative(registerApiProvider, { sourceId: 'my-gateway' })
  unregisterApiProviders('bedrock-native')
  assert.ok(getApiProvider('bedrock-converse-stream'), 'still registered: the source id was my-gateway')
  unregisterApiProviders('my-gateway')
  assert.equal(getApiProvider('bedrock-converse-stream'), undefined)
  resetApiProviders()
})

test('the example agent loop: tool call, tool result, answer — two turns through pi-ai stream()', async () => {
  bedrock.registerBedrockNative(registerApiProvider)
  emu.reset()
  const seen = []
  const { context, turns } = await runAgentLoop({
    model: bedrockModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0', emu.url),
    prompt: 'What is the weather in "Lisbon"? Use the get_weather tool.',
    onEvent: (event) => seen.push(event.type),
  })

  assert.equal(turns.length, 2)
  const [first, second] = turns
  assert.equal(first.stopReason, 'toolUse')
  const calls = first.content.filter((b) => b.type === 'toolCall')
  assert.equal(calls.length, 1)
  assert.equal(calls[0].name, 'get_weather')
  assert.deepEqual(calls[0].arguments, { city: 'Lisbon' })
  assert.equal(second.stopReason, 'stop')
  const answer = second.content.filter((b) => b.type === 'text').map((b) => b.text).join('')
  assert.match(answer, /Sunny, 21°C in Lisbon/)
  assert.ok(second.usage.input > 0 && second.usage.output > 0)

  assert.deepEqual(context.messages.map((m) => m.role), ['user', 'assistant', 'toolResult', 'assistant'])
  assert.ok(seen.includes('toolcall_end'))
  assert.equal(seen.filter((t) => t === 'done').length, 2)

  // Both turns went over the wire through the addon (its user agent), and the second
  // carried the tool result for the first turn's tool call.
  const requests = converseRequests()
  assert.equal(requests.length, 2)
  for (const r of requests) {
    assert.match(r.headers['user-agent'], /^bedrock-native\//)
    assert.equal(r.auth.ok, true)
  }
  const lastUser = requests[1].body.messages.at(-1)
  assert.equal(lastUser.role, 'user')
  assert.equal(lastUser.content[0].toolResult.toolUseId, calls[0].id)
  assert.equal(lastUser.content[0].toolResult.content[0].text, 'Sunny, 21°C in Lisbon')
})

test('examples/agent-loop.mjs runs as a user would run it', () => {
  const result = spawnSync(process.execPath, [path.join(root, 'examples', 'agent-loop.mjs')], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /\[tool call get_weather \{"city":"Lisbon"\}\]/)
  assert.match(result.stdout, /returned Sunny, 21°C in Lisbon/)
  assert.match(result.stdout, /^2 turns, \d+ tokens$/m)
})

test('pi-ai streamSimple() through the addon sends what pi-ai\'s own streamSimpleBedrock sends', async () => {
  const model = {
    ...bedrockModel('us.anthropic.claude-3-7-sonnet-20250219-v1:0', emu.url),
    reasoning: true,
    maxTokens: 64000,
  }
  const context = { messages: [{ role: 'user', content: 'Think, then say hi', timestamp: 1 }] }
  // temperature 1: Claude with thinking takes no other (an intended difference otherwise).
  const options = { reasoning: 'medium', maxTokens: 2000, toolChoice: 'auto', temperature: 1 }

  const capture = async (register) => {
    resetApiProviders()
    register()
    let payload
    const events = streamSimple(model, context, {
      ...options,
      onPayload: (p) => {
        payload = JSON.parse(JSON.stringify(p))
      },
    })
    const message = await events.result()
    assert.equal(message.stopReason, 'stop', message.errorMessage)
    return payload
  }
  emu.reset()
  const ours = await capture(() => bedrock.registerBedrockNative(registerApiProvider))
  const oursWire = converseRequests()
  const theirs = await capture(() => {})
  assert.deepEqual(ours, theirs)
  // Budget thinking folded into maxTokens, as pi-ai's streamSimpleBedrock does.
  assert.equal(ours.inferenceConfig.maxTokens, 2000 + 8192)
  assert.equal(ours.additionalModelRequestFields.thinking.budget_tokens, 8192)
  assert.equal(oursWire.length, 1)
  assert.match(oursWire[0].headers['user-agent'], /^bedrock-native\//)
  assert.deepEqual(oursWire[0].body, bedrock.buildSimpleConverseRequest(model, context, options).body)
})

test('onPayload on the simple path sees the derived request and can replace it', async () => {
  resetApiProviders()
  bedrock.registerBedrockNative(registerApiProvider)
  emu.reset()
  const model = bedrockModel('amazon.nova-micro-v1:0', emu.url)
  const context = { messages: [{ role: 'user', content: 'original prompt', timestamp: 1 }] }
  let seenMax
  const message = await streamSimple(model, context, {
    onPayload: (payload) => {
      seenMax = payload.inferenceConfig.maxTokens
      return { ...payload, messages: [{ role: 'user', content: [{ text: 'replaced prompt' }] }] }
    },
  }).result()
  assert.equal(message.stopReason, 'stop')
  assert.equal(seenMax, 8192) // min(model.maxTokens, 32000), pi-ai's simple default
  const [request] = converseRequests()
  assert.equal(request.body.messages[0].content[0].text, 'replaced prompt')
  assert.match(message.content[0].text, /replaced prompt/)
})

test('a failure on the simple path is an error event, not a throw', async () => {
  resetApiProviders()
  bedrock.registerBedrockNative(registerApiProvider)
  const model = bedrockModel('amazon.nova-micro-v1:0', emu.url)
  const bad = { messages: [{ role: 'user', content: [{ type: 'image', data: 'AAAA', mimeType: 'image/tiff' }], timestamp: 1 }] }
  const events = streamSimple({ ...model, input: ['text', 'image'] }, bad, {})
  const types = []
  for await (const event of events) types.push(event.type)
  const message = await events.result()
  assert.deepEqual(types, ['error'])
  assert.equal(message.stopReason, 'error')
  assert.match(message.errorMessage, /image/i)
})

test('unregistering restores pi-ai\'s own Bedrock provider', async () => {
  resetApiProviders()
  bedrock.registerBedrockNative(registerApiProvider)
  unregisterApiProviders('bedrock-native')
  resetApiProviders()
  emu.reset()
  const message = await piAi.complete(bedrockModel('amazon.nova-micro-v1:0', emu.url), {
    messages: [{ role: 'user', content: 'hi', timestamp: 1 }],
  })
  assert.equal(message.stopReason, 'stop', message.errorMessage)
  const [request] = converseRequests()
  assert.doesNotMatch(request.headers['user-agent'], /^bedrock-native\//)
})
