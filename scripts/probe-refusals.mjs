#!/usr/bin/env node
// Which requests built by this package would Bedrock refuse? Builds the Converse body with
// `buildConverseRequest` (raw `stream`) and `buildSimpleConverseRequest` (`streamSimple`)
// for pi-ai 1.6's Bedrock models × reasoning levels × temperature × a plain and a tool
// conversation (with and without a forced toolChoice), sends each to the strict emulator,
// and prints the refusals grouped by Bedrock's message. Exit code 1 when any is refused.
//
//   node scripts/ensure-built.js && node scripts/probe-refusals.mjs [model-id ...]
//
// Loopback only (the emulator on 127.0.0.1); nothing is sent anywhere else.

import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'package.json'))
const bedrock = require(path.join(root, 'index.js'))
const generated = await import(
  pathToFileURL(path.join(root, 'node_modules/@earendil-works/pi-ai/dist/models.generated.js')).href
)
const catalogue = (generated.MODELS ?? generated.default)['amazon-bedrock']

const DEFAULT_IDS = [
  'us.anthropic.claude-opus-4-1-20250805-v1:0',
  'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'global.anthropic.claude-opus-4-6-v1',
  'us.anthropic.claude-sonnet-4-6',
  'us.anthropic.claude-opus-4-7',
  'us.anthropic.claude-opus-4-8',
  'us.anthropic.claude-opus-5',
  'global.anthropic.claude-sonnet-5',
  'us.anthropic.claude-haiku-5-5',
  'us.anthropic.claude-fable-5',
  'openai.gpt-oss-120b-1:0',
  'us.openai.gpt-6-sol',
  'global.openai.gpt-5.6-sol',
  'deepseek.v3-v1:0',
  'us.amazon.nova-pro-v1:0',
  'us.meta.llama3-3-70b-instruct-v1:0',
  'us.moonshotai.kimi-k3',
]

const usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } }
const contexts = {
  plain: { systemPrompt: 'be brief', messages: [{ role: 'user', content: 'hi', timestamp: 1 }] },
  tools: {
    systemPrompt: 'be brief',
    tools: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
    messages: [
      { role: 'user', content: 'weather in Paris?', timestamp: 1 },
      {
        role: 'assistant',
        content: [{ type: 'toolCall', id: 'tooluse_1', name: 'get_weather', arguments: { city: 'Paris' } }],
        api: 'bedrock-converse-stream', provider: 'amazon-bedrock', model: 'm', usage, stopReason: 'toolUse', timestamp: 1,
      },
      { role: 'toolResult', toolCallId: 'tooluse_1', toolName: 'get_weather', content: [{ type: 'text', text: 'sunny' }], isError: false, timestamp: 1 },
    ],
  },
}

const ids = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_IDS
const emu = await bedrock.startEmulator()
const refusals = new Map()
let sent = 0
try {
  for (const id of ids) {
    if (!catalogue[id]) {
      console.error(`not in pi-ai 1.6's catalogue: ${id}`)
      continue
    }
    const model = { ...catalogue[id], id, baseUrl: emu.url }
    for (const entry of ['simple', 'raw'])
      for (const reasoning of [undefined, 'off', 'minimal', 'high', 'xhigh', 'max'])
        for (const temperature of [undefined, 0.5])
          for (const [name, context] of Object.entries(contexts))
            for (const toolChoice of name === 'tools' ? [undefined, 'any'] : [undefined]) {
              const options = { reasoning, temperature, toolChoice }
              const label = `${id} reasoning=${reasoning} temperature=${temperature} context=${name} toolChoice=${toolChoice}`
              const build = entry === 'simple' ? bedrock.buildSimpleConverseRequest : bedrock.buildConverseRequest
              let request
              try {
                request = build(model, context, options)
              } catch (e) {
                const key = `${entry}: build error: ${e.message}`
                refusals.set(key, [...(refusals.get(key) ?? []), label])
                continue
              }
              sent++
              const res = await fetch(`${emu.url}/model/${encodeURIComponent(request.modelId)}/converse`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${emu.bearerToken}` },
                body: JSON.stringify(request.body),
              })
              if (res.status === 200) {
                await res.arrayBuffer()
                continue
              }
              const { message } = await res.json()
              const key = `${entry}: ${res.status} ${message}`
              const sentFields = { inferenceConfig: request.body.inferenceConfig, additionalModelRequestFields: request.body.additionalModelRequestFields, toolChoice: request.body.toolConfig?.toolChoice }
              refusals.set(key, [...(refusals.get(key) ?? []), `${label} :: ${JSON.stringify(sentFields)}`])
            }
  }
} finally {
  await emu.close()
}

let refused = 0
for (const [key, cases] of refusals) {
  refused += cases.length
  console.log(`\n## ${key} (${cases.length})`)
  console.log(`   models: ${[...new Set(cases.map((c) => c.split(' ')[0]))].join(' ')}`)
  for (const c of cases.slice(0, 3)) console.log(`   e.g. ${c}`)
}
console.log(`\n${sent} requests sent, ${refused} refused`)
process.exitCode = refused > 0 ? 1 : 0
