#!/usr/bin/env node
// A tool-using agent loop on pi-ai's own API, with bedrock-native registered as pi-ai's
// `bedrock-converse-stream` provider: the gateway-side code below is plain pi-ai
// (`stream()`, `Context`, tool results); only `registerBedrockNative` is new.
//
//   node examples/agent-loop.mjs                      # against a local emulator it starts
//   node examples/agent-loop.mjs --endpoint-url URL   # against URL (credentials from env)
//   node examples/agent-loop.mjs --real               # real Bedrock (AWS_REGION, creds)
//
// Turn 1: the model asks for the `get_weather` tool; we run it and append its result.
// Turn 2: the model answers with the tool result in hand.

import { registerApiProvider, stream } from '@mariozechner/pi-ai'
import { registerBedrockNative, startEmulator } from 'bedrock-native'
import { pathToFileURL } from 'node:url'

const tools = [
  {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' } },
      required: ['city'],
    },
  },
]

/** The tool implementation (a real gateway would call a weather service). */
function getWeather({ city }) {
  return `Sunny, 21°C in ${city}`
}

/**
 * Runs the conversation to its end (at most `maxTurns` model calls) and returns
 * `{ context, turns }`: the whole pi-ai context (user, assistant, toolResult, assistant)
 * and the final AssistantMessage of each turn. `onEvent(event)` sees every stream event.
 */
export async function runAgentLoop({ model, prompt, maxTurns = 4, onEvent = () => {}, signal } = {}) {
  const context = {
    systemPrompt: 'You are a helpful assistant. Use tools when they help.',
    messages: [{ role: 'user', content: prompt, timestamp: Date.now() }],
    tools,
  }
  const turns = []
  for (let turn = 0; turn < maxTurns; turn++) {
    // pi-ai's stream(): the registry routes api "bedrock-converse-stream" to bedrock-native.
    const events = stream(model, context, { signal, maxTokens: 1024 })
    for await (const event of events) onEvent(event)
    const message = await events.result()
    turns.push(message)
    context.messages.push(message)
    if (message.stopReason === 'error' || message.stopReason === 'aborted') {
      throw Object.assign(new Error(`turn ${turn + 1} failed: ${message.errorMessage}`), { result: message })
    }
    if (message.stopReason !== 'toolUse') break
    for (const call of message.content.filter((block) => block.type === 'toolCall')) {
      const known = call.name === 'get_weather'
      context.messages.push({
        role: 'toolResult',
        toolCallId: call.id,
        toolName: call.name,
        content: [{ type: 'text', text: known ? getWeather(call.arguments) : `unknown tool ${call.name}` }],
        isError: !known,
        timestamp: Date.now(),
      })
    }
  }
  return { context, turns }
}

/** A pi-ai Model entry for the Bedrock model id at `baseUrl` (unset = real Bedrock). */
export function bedrockModel(id, baseUrl) {
  return {
    id,
    name: id,
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    ...(baseUrl ? { baseUrl } : {}),
    reasoning: false,
    input: ['text'],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 200000,
    maxTokens: 8192,
  }
}

async function main(argv) {
  registerBedrockNative(registerApiProvider)
  const at = argv.indexOf('--endpoint-url')
  let endpoint = at >= 0 ? argv[at + 1] : undefined
  const modelAt = argv.indexOf('-m')
  const modelId = modelAt >= 0 ? argv[modelAt + 1] : 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'
  let emulator
  if (!endpoint && !argv.includes('--real')) {
    emulator = await startEmulator()
    endpoint = emulator.url
    // The emulator's own test identity, as a host with these variables exported would have.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: emulator.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.secretAccessKey,
      AWS_REGION: emulator.region,
    })
    delete process.env.AWS_SESSION_TOKEN
    delete process.env.AWS_BEARER_TOKEN_BEDROCK
    delete process.env.AWS_PROFILE
  }
  try {
    const { turns } = await runAgentLoop({
      model: bedrockModel(modelId, endpoint),
      prompt: 'What is the weather in "Lisbon"? Use the get_weather tool.',
      onEvent(event) {
        if (event.type === 'text_delta') process.stdout.write(event.delta)
        if (event.type === 'toolcall_end') process.stdout.write(`\n[tool call ${event.toolCall.name} ${JSON.stringify(event.toolCall.arguments)}]\n`)
        if (event.type === 'done') process.stdout.write(`\n[${event.reason}]\n`)
      },
    })
    const usage = turns.reduce((sum, m) => sum + m.usage.totalTokens, 0)
    process.stdout.write(`${turns.length} turns, ${usage} tokens\n`)
  } finally {
    await emulator?.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`agent loop failed: ${error.code ? `[${error.code}] ` : ''}${error.message}\n`)
    process.exit(1)
  })
}
