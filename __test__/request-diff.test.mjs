// Differential test: for each context x option set, the ConverseStream body pi-ai 1.6
// (`stream` of `api/bedrock-converse-stream`; another release with
// BEDROCK_NATIVE_PI_AI_DIR, see __test__/pi-ai.mjs) puts on the wire must equal the body
// `buildConverseRequest` builds — except the intended differences in DIFFERENCES below
// (also in docs/differences-from-pi-ai.md), each applied to pi-ai's body to predict ours.
//
// pi-ai and the addon's own `converseStream` both talk to a loopback capture server
// (model.baseUrl is a non-AWS URL, so both use it as the endpoint verbatim) that records
// the body and answers 400; each then ends its stream with an error event, which is fine:
// the requests are what is compared. For every case the addon's wire body must equal
// `buildConverseRequest`'s (with and without an `onPayload` hook, whose payload must equal
// the one pi-ai hands its hook), and that must equal pi-ai's wire body.

import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'
import { importPiAi, piAiVersion, useLoopbackAwsEnv } from './pi-ai.mjs'

const require = createRequire(import.meta.url)
const native = require('../index.js')
const { decorateError } = require('../js/errors.js')
const { toPiPayload, fromPiPayload } = require('../js/request.js')
const addon = require('../js/index.js')

// pi-ai signs with SigV4 and reads the environment while building; keep the run hermetic.
useLoopbackAwsEnv()

// pi-ai 1.6's Bedrock provider module (what `setBedrockProviderModule` swaps).
const { stream: streamBedrock, streamSimple: streamSimpleBedrock } = await importPiAi('api/bedrock-converse-stream')
// pi-ai 1.6 providers read only `context.messages`: an older `{ systemPrompt, tools }`
// context reaches them through `normalizeContext`, as pi-ai's own entry points do.
const { normalizeContext } = await importPiAi('utils/transcript')
const toTranscript = (context) => ('systemPrompt' in context || 'tools' in context ? normalizeContext(context) : context)

// ---------------------------------------------------------------------------------------
// Intended differences: each names its reason and predicts our body from pi-ai's.
// ---------------------------------------------------------------------------------------

const REDACTED_PLACEHOLDER = '[Reasoning redacted]'

export const DIFFERENCES = {
  mergeSameRole: {
    reason:
      'Bedrock rejects consecutive messages with the same role (e.g. a user message right after tool results, ' +
      'or after a dropped errored turn); pi-ai sends them as they are and the call fails. We merge their content.',
    apply(body) {
      const merged = []
      for (const m of body.messages) {
        const prev = merged[merged.length - 1]
        if (prev && prev.role === m.role) prev.content = [...prev.content, ...m.content]
        else merged.push({ ...m, content: [...m.content] })
      }
      return { ...body, messages: merged }
    },
  },
  noTemperature: {
    reason:
      'Claude Opus 4.7 and later, the Claude 5 family and OpenAI GPT-5.x/6 reject `temperature` (HTTP 400); ' +
      'pi-ai still sends it. We omit it for them.',
    apply(body) {
      const { temperature, ...inferenceConfig } = body.inferenceConfig
      return { ...body, inferenceConfig }
    },
  },
  thinkingTemperature: {
    reason: 'Claude with thinking accepts only temperature 1; pi-ai sends any other value and the call fails. We drop it.',
    apply(body) {
      const { temperature, ...inferenceConfig } = body.inferenceConfig
      return { ...body, inferenceConfig }
    },
  },
  thinkingToolChoice: {
    reason: 'Claude with thinking rejects a forced tool choice (`any` / a named tool); pi-ai sends it. We send `auto`.',
    apply(body) {
      return { ...body, toolConfig: { ...body.toolConfig, toolChoice: { auto: {} } } }
    },
  },
  offMeansNoThinking: {
    reason:
      'Thinking level "off" (what OpenClaw passes when thinking is off) means no thinking; pi-ai sends ' +
      '`thinking: { type: "enabled" }` without a budget (or adaptive thinking at high effort), which Bedrock ' +
      'rejects or bills. We send no thinking config (issue 13).',
    apply(body) {
      const { additionalModelRequestFields, ...rest } = body
      return rest
    },
  },
  offMeansNoThinkingSimple: {
    reason:
      'Through streamSimple, "off" on a budget-thinking Claude model also has no budget to add: pi-ai sends ' +
      '`maxTokens: "NaN"` and thinking without a budget. We send the model\'s maxTokens and no thinking config.',
    apply(body, testCase) {
      const { additionalModelRequestFields, ...rest } = body
      return { ...rest, inferenceConfig: { ...body.inferenceConfig, maxTokens: testCase.model.maxTokens } }
    },
  },
  catalogueEffort: {
    reason:
      'A model object without `thinkingLevelMap` (e.g. from discovery) gets the catalogue\'s: `max` on Opus 4.6 ' +
      'is effort `max`, where pi-ai falls back to `high`.',
    apply(body) {
      const fields = body.additionalModelRequestFields
      return { ...body, additionalModelRequestFields: { ...fields, output_config: { effort: 'max' } } }
    },
  },
  thinkingBudgetFloor: {
    reason:
      'Bedrock refuses a thinking budget under 1024 tokens; for a small maxTokens pi-ai\'s streamSimple shrinks ' +
      'the budget below it. We keep 1024 and raise maxTokens to fit it and 1024 answer tokens.',
    apply(body) {
      const fields = body.additionalModelRequestFields
      return {
        ...body,
        inferenceConfig: { ...body.inferenceConfig, maxTokens: Math.max(body.inferenceConfig.maxTokens, 2048) },
        additionalModelRequestFields: { ...fields, thinking: { ...fields.thinking, budget_tokens: 1024 } },
      }
    },
  },
  surrogatesEverywhere: {
    reason:
      'pi-ai removes unpaired UTF-16 surrogates from message text only; elsewhere (tool arguments, tool ' +
      'descriptions and schemas) the SDK sends them as \\udXXX escapes, which are not valid Unicode and which ' +
      'Bedrock rejects or mangles. A Rust string cannot hold them, so we remove them everywhere.',
    apply(body) {
      const strip = (v) =>
        typeof v === 'string'
          ? v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
          : Array.isArray(v)
            ? v.map(strip)
            : v && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]))
              : v
      return strip(body)
    },
  },
  imageTypeRejectedWithPosition: {
    reason:
      'Both refuse an image type Bedrock does not accept before sending anything; pi-ai ends the stream with ' +
      '"Unknown image type: …", we throw InvalidArgument naming context.messages[i].content[j].',
  },
}

// ---------------------------------------------------------------------------------------
// Models, contexts, option sets.
// ---------------------------------------------------------------------------------------

function model(id, extra = {}) {
  return {
    id,
    name: extra.name ?? id,
    api: 'bedrock-converse-stream',
    provider: 'amazon-bedrock',
    baseUrl: 'http://127.0.0.1:1', // replaced by the capture server's URL
    reasoning: true,
    input: ['text', 'image'],
    cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    contextWindow: 200000,
    maxTokens: 64000,
    ...extra,
  }
}

const M = {
  sonnet45: model('us.anthropic.claude-sonnet-4-5-20250929-v1:0', { name: 'Claude Sonnet 4.5' }),
  sonnet46: model('us.anthropic.claude-sonnet-4-6', { name: 'Claude Sonnet 4.6' }),
  opus46: model('global.anthropic.claude-opus-4-6-v1', { name: 'Claude Opus 4.6' }),
  opus47: model('us.anthropic.claude-opus-4-7', { name: 'Claude Opus 4.7' }),
  haiku35: model('anthropic.claude-3-5-haiku-20241022-v1:0', { name: 'Claude 3.5 Haiku', reasoning: false }),
  haiku3: model('anthropic.claude-3-haiku-20240307-v1:0', { name: 'Claude 3 Haiku', reasoning: false }),
  sonnet37: model('us.anthropic.claude-3-7-sonnet-20250219-v1:0', { name: 'Claude 3.7 Sonnet' }),
  nova: model('amazon.nova-pro-v1:0', { name: 'Nova Pro', reasoning: false }),
  gptOss: model('openai.gpt-oss-120b-1:0', { name: 'gpt-oss-120b', input: ['text'] }),
  textOnlyClaude: model('anthropic.claude-sonnet-4-20250514-v1:0', { name: 'Claude Sonnet 4', input: ['text'] }),
  govSonnet: model('us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0', { name: 'Claude Sonnet 4.5 (GovCloud)' }),
  appProfile: model('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3', {
    name: 'Claude Sonnet 4.5 team profile',
  }),
  mappedEffort: model('global.anthropic.claude-opus-4-6-v1', { name: 'Claude Opus 4.6', thinkingLevelMap: { high: 'max' } }),
  opus46Max: model('global.anthropic.claude-opus-4-6-v1', { name: 'Claude Opus 4.6', thinkingLevelMap: { max: 'max' } }),
  opus48: model('global.anthropic.claude-opus-4-8', { name: 'Claude Opus 4.8', contextWindow: 1000000, maxTokens: 128000, thinkingLevelMap: { xhigh: 'xhigh', max: 'max' } }),
  sonnet5: model('us.anthropic.claude-sonnet-5', { name: 'Claude Sonnet 5', contextWindow: 1000000, maxTokens: 128000, thinkingLevelMap: { xhigh: 'xhigh', max: 'max' } }),
  haiku55: model('anthropic.claude-haiku-5-5', { name: 'Claude Haiku 5.5', contextWindow: 1000000, maxTokens: 128000, thinkingLevelMap: { xhigh: 'xhigh', max: 'max' } }),
  fable5: model('global.anthropic.claude-fable-5', { name: 'Claude Fable 5', contextWindow: 1000000, maxTokens: 128000, thinkingLevelMap: { off: null, xhigh: 'xhigh', max: 'max' } }),
  gpt6: model('global.openai.gpt-6-sol', { name: 'GPT-6 Sol', contextWindow: 1050000, maxTokens: 128000, thinkingLevelMap: { xhigh: 'xhigh' } }),
  kimi: model('global.moonshotai.kimi-k3', { name: 'Kimi K3', contextWindow: 1048576, maxTokens: 128000 }),
}

const usage = { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, totalTokens: 15, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } }
const user = (content) => ({ role: 'user', content, timestamp: 1 })
const assistantOf = (m, content, stopReason = 'stop') => ({
  role: 'assistant',
  content,
  api: m.api,
  provider: m.provider,
  model: m.id,
  usage,
  stopReason,
  timestamp: 2,
})
const foreign = (content, stopReason = 'toolUse') => ({
  role: 'assistant',
  content,
  api: 'openai-responses',
  provider: 'openai',
  model: 'gpt-5.1',
  usage,
  stopReason,
  timestamp: 2,
})
const toolResult = (id, content, isError = false) => ({
  role: 'toolResult',
  toolCallId: id,
  toolName: 'read_file',
  content: typeof content === 'string' ? [{ type: 'text', text: content }] : content,
  isError,
  timestamp: 3,
})
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const image = (mimeType = 'image/png', data = PNG) => ({ type: 'image', mimeType, data })
const TOOLS = [
  {
    name: 'read_file',
    description: 'Read a file from disk',
    parameters: { type: 'object', properties: { path: { type: 'string', description: 'Path' } }, required: ['path'] },
  },
  { name: 'list_dir', description: 'List a directory', parameters: { type: 'object', properties: {} } },
]
const SYSTEM = 'You are a careful assistant.'
// pi-ai 1.6 constrained sampling: strict when the model supports it; schemas strict mode
// cannot express stay non-strict unless required.
const STRICT_TOOLS = [
  { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' }, limit: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, opt: { anyOf: [{ type: 'string' }, { type: 'null' }] } }, required: ['q'] }, constrainedSampling: { type: 'json_schema', strict: 'prefer' } },
  { name: 'nested', description: 'Nested', parameters: { type: 'object', properties: { inner: { type: 'object', properties: { a: { type: 'number' } } } } }, constrainedSampling: { type: 'json_schema', strict: 'require' } },
  { name: 'unsupported', description: 'Has $ref', parameters: { type: 'object', properties: { x: { $ref: '#/x' } } }, constrainedSampling: { type: 'json_schema', strict: 'prefer' } },
  { name: 'plain', description: 'No constrained sampling', parameters: { type: 'object', properties: { y: { type: 'string' } } } },
]

const toolTurn = (m) => [
  user('Read a.txt and b.txt'),
  assistantOf(
    m,
    [
      { type: 'text', text: 'Reading both.' },
      { type: 'toolCall', id: 'tooluse_a1', name: 'read_file', arguments: { path: 'a.txt' } },
      { type: 'toolCall', id: 'tooluse_b2', name: 'read_file', arguments: { path: 'b.txt' } },
    ],
    'toolUse',
  ),
  toolResult('tooluse_a1', 'contents of a'),
  toolResult('tooluse_b2', 'ENOENT: no such file', true),
]

const thinkingHistory = (m) => [
  user('What is 17 * 23?'),
  assistantOf(m, [
    { type: 'thinking', thinking: '17 * 23 = 391', thinkingSignature: 'EqQBCkgIBxABGAIiQL1' },
    { type: 'text', text: '391' },
  ]),
  user('And 391 / 17?'),
]

const HUGE = 'lorem ipsum dolor sit amet '.repeat(80000) // ~2.1 MB

// Each case: name, model, context, options (same for both), piOnPayload (extra for pi-ai
// only: what the gateway plugin injects today), differences (keys of DIFFERENCES).
const CASES = [
  { name: 'plain text, no system', model: M.sonnet45, context: { messages: [user('Hello')] } },
  { name: 'plain text with system prompt', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [user('Hello')] } },
  { name: 'text blocks array', model: M.sonnet45, context: { messages: [user([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }])] } },
  { name: 'non-caching Claude (3 Haiku)', model: M.haiku3, context: { systemPrompt: SYSTEM, messages: [user('Hi')] } },
  { name: 'caching Claude 3.5 Haiku', model: M.haiku35, context: { systemPrompt: SYSTEM, messages: [user('Hi')] } },
  { name: 'caching Claude 3.7 Sonnet', model: M.sonnet37, context: { systemPrompt: SYSTEM, messages: [user('Hi')] } },
  { name: 'non-Claude model (Nova)', model: M.nova, context: { systemPrompt: SYSTEM, messages: [user('Hi')] }, options: { reasoning: 'high' } },
  { name: 'cache retention long', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [user('Hi')] }, options: { cacheRetention: 'long' } },
  { name: 'cache retention short', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [user('Hi')] }, options: { cacheRetention: 'short' } },
  { name: 'cache retention none', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [user('Hi')] }, options: { cacheRetention: 'none' } },
  { name: 'images of every accepted type', model: M.sonnet45, context: { messages: [user([{ type: 'text', text: 'Compare' }, image('image/png'), image('image/jpeg'), image('image/jpg'), image('image/gif'), image('image/webp')])] } },
  { name: 'image with unpadded, wrapped base64', model: M.sonnet45, context: { messages: [user([image('image/png', PNG.replace(/=+$/, '').replace(/(.{20})/g, '$1\n'))])] } },
  { name: 'images to a text-only model become placeholders', model: M.textOnlyClaude, context: { messages: [user([image(), image(), { type: 'text', text: 'what?' }, image('image/bmp')])] } },
  { name: 'multi-turn tools with results', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: toolTurn(M.sonnet45), tools: TOOLS } },
  { name: 'tool result with an image', model: M.sonnet45, context: { messages: [user('shot'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't1', name: 'read_file', arguments: {} }], 'toolUse'), toolResult('t1', [{ type: 'text', text: 'here' }, image('image/jpeg')])], tools: TOOLS } },
  { name: 'tool result image to a text-only model', model: M.textOnlyClaude, context: { messages: [user('shot'), assistantOf(M.textOnlyClaude, [{ type: 'toolCall', id: 't1', name: 'read_file', arguments: {} }], 'toolUse'), toolResult('t1', [image(), image()])], tools: TOOLS } },
  { name: 'orphaned tool call at the end gets a synthetic error result', model: M.sonnet45, context: { messages: [user('go'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 'orphan_1', name: 'list_dir', arguments: {} }], 'toolUse')], tools: TOOLS } },
  { name: 'orphaned tool call followed by a user message', model: M.sonnet45, context: { messages: [user('go'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 'orphan_1', name: 'list_dir', arguments: {} }], 'toolUse'), user('never mind')], tools: TOOLS }, differences: ['mergeSameRole'] },
  { name: 'user message right after tool results', model: M.sonnet45, context: { messages: [...toolTurn(M.sonnet45), user('thanks, now summarise')], tools: TOOLS }, differences: ['mergeSameRole'] },
  { name: 'two user messages in a row', model: M.sonnet45, context: { messages: [user('first'), user('second')] }, differences: ['mergeSameRole'] },
  { name: 'errored and aborted assistant turns are dropped', model: M.sonnet45, context: { messages: [user('q1'), assistantOf(M.sonnet45, [{ type: 'text', text: 'partial' }], 'error'), user('q2'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 'x', name: 'list_dir', arguments: {} }], 'aborted'), assistantOf(M.sonnet45, [{ type: 'text', text: 'ok' }]), user('q3')], tools: TOOLS }, differences: ['mergeSameRole'] },
  { name: 'cross-model history: thinking dropped, tool ids normalised', model: M.sonnet45, context: { messages: [user('look'), foreign([{ type: 'thinking', thinking: 'I should list', thinkingSignature: '{"id":"rs_1","encrypted_content":"x"}' }, { type: 'thinking', thinking: 'secret', thinkingSignature: 'opaque', redacted: true }, { type: 'text', text: 'Listing', textSignature: '{"v":1,"id":"msg_1"}' }, { type: 'toolCall', id: 'call_abc|fc_' + 'x'.repeat(80) + '.é😀', name: 'list_dir', arguments: { path: '.' } }]), toolResult('call_abc|fc_' + 'x'.repeat(80) + '.é😀', 'a.txt')], tools: TOOLS } },
  { name: 'cross-model history to a non-Claude model', model: M.gptOss, context: { messages: [user('hi'), assistantOf(M.sonnet45, [{ type: 'thinking', thinking: 'hmm', thinkingSignature: 'sig' }, { type: 'text', text: 'hello' }]), user('again')] }, options: { reasoning: 'medium' } },
  { name: 'same-model thinking replayed with signature', model: M.sonnet45, context: { messages: thinkingHistory(M.sonnet45) }, options: { reasoning: 'medium' } },
  { name: 'thinking without signature replayed as text', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'thinking', thinking: 'unsigned', thinkingSignature: '' }, { type: 'thinking', thinking: '   ', thinkingSignature: 'sig' }, { type: 'text', text: 'a' }]), user('q2')] } },
  { name: 'non-Claude reasoning replayed without signature', model: M.gptOss, context: { messages: [user('q'), assistantOf(M.gptOss, [{ type: 'thinking', thinking: 'reasoning', thinkingSignature: 'ignored' }, { type: 'text', text: 'a' }]), user('q2')] } },
  { name: 'redacted reasoning replayed', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'thinking', thinking: REDACTED_PLACEHOLDER, thinkingSignature: 'EmwKAhgBEgy3va3pzix/LafPsn4a', redacted: true }, { type: 'text', text: 'done' }]), user('q2')] }, options: { reasoning: 'low' } },
  { name: 'redacted reasoning without payload is dropped', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'thinking', thinking: REDACTED_PLACEHOLDER, redacted: true }, { type: 'text', text: 'done' }]), user('q2')] } },
  { name: 'empty and whitespace-only messages', model: M.sonnet45, context: { messages: [user('first'), assistantOf(M.sonnet45, []), assistantOf(M.sonnet45, [{ type: 'text', text: ' \n\t\u3000\ufeff' }]), user(''), assistantOf(M.sonnet45, [{ type: 'text', text: 'real' }, { type: 'text', text: '' }]), user('   ')] }, differences: ['mergeSameRole'] },
  { name: 'empty user content array', model: M.haiku3, context: { messages: [user([])] } },
  { name: 'NEL is not whitespace to JS', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'text', text: '\u0085' }]), user('q2')] } },
  { name: 'unpaired surrogates are removed, pairs kept', model: M.sonnet45, context: { systemPrompt: 'sys \uD800 end', messages: [user('hi \uDC00 there 😀 \uD83D'), assistantOf(M.sonnet45, [{ type: 'text', text: 'a\uD83Db' }, { type: 'thinking', thinking: 't\uDE00', thinkingSignature: 'sig' }]), user([{ type: 'text', text: '\uDBFF\uDBFF😀' }])] } },
  { name: 'surrogates in tool results', model: M.sonnet45, context: { messages: [user('go'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't', name: 'read_file', arguments: { path: 'ok' } }], 'toolUse'), toolResult('t', 'bad \uD800 text')], tools: TOOLS } },
  { name: 'huge prompt (2 MB)', model: M.sonnet45, context: { systemPrompt: HUGE, messages: [user(HUGE)] } },
  { name: 'toolChoice auto', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'auto' } },
  { name: 'toolChoice any', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'any' } },
  { name: 'toolChoice none drops tools', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'none' } },
  { name: 'toolChoice named tool', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: { type: 'tool', name: 'list_dir' } } },
  { name: 'toolChoice with no tools', model: M.sonnet45, context: { messages: [user('hi')], tools: [] }, options: { toolChoice: 'any' } },
  { name: 'tool without description', model: M.sonnet45, context: { messages: [user('hi')], tools: [{ name: 'ping', parameters: { type: 'object' } }] } },
  { name: 'maxTokens and temperature', model: M.sonnet45, context: { messages: [user('hi')] }, options: { maxTokens: 1234, temperature: 0.1 + 0.2 } },
  { name: 'temperature 0', model: M.haiku3, context: { messages: [user('hi')] }, options: { temperature: 0 } },
  { name: 'temperature on Opus 4.7', model: M.opus47, context: { messages: [user('hi')] }, options: { maxTokens: 500, temperature: 0.5 }, differences: ['noTemperature'] },
  { name: 'temperature on Claude Sonnet 5', model: M.sonnet5, context: { messages: [user('hi')] }, options: { temperature: 0.5 }, differences: ['noTemperature'] },
  { name: 'temperature on GPT-6', model: M.gpt6, context: { messages: [user('hi')] }, options: { temperature: 0.5 }, differences: ['noTemperature'] },
  { name: 'temperature on gpt-oss is sent', model: M.gptOss, context: { messages: [user('hi')] }, options: { temperature: 0.5 } },
  { name: 'temperature other than 1 with Claude thinking', model: M.sonnet45, context: { messages: [user('hi')] }, options: { temperature: 0.5, reasoning: 'low' }, differences: ['thinkingTemperature'] },
  { name: 'forced tool choice with Claude thinking', model: M.opus46, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'any', reasoning: 'low' }, differences: ['thinkingToolChoice'] },
  { name: 'named tool choice with Claude thinking', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: { type: 'tool', name: 'list_dir' }, reasoning: 'low', maxTokens: 20000 }, differences: ['thinkingToolChoice'] },
  ...['minimal', 'low', 'high', 'xhigh', 'max'].map((level) => ({ name: `adaptive thinking ${level} with block binding (Opus 4.8)`, model: M.opus48, context: { messages: [user('think')] }, options: { reasoning: level } })),
  ...[M.sonnet5, M.haiku55, M.fable5].map((m) => ({ name: `adaptive thinking max with block binding (${m.name})`, model: m, context: { systemPrompt: SYSTEM, messages: [user('think')] }, options: { reasoning: 'max' } })),
  { name: 'block binding skipped on GovCloud', model: M.opus48, context: { messages: [user('think')] }, options: { reasoning: 'high', region: 'us-gov-west-1' } },
  { name: 'thinking max on Opus 4.6 with its level map', model: M.opus46Max, context: { messages: [user('think')] }, options: { reasoning: 'max' } },
  { name: 'thinking max on Opus 4.6 without a level map', model: M.opus46, context: { messages: [user('think')] }, options: { reasoning: 'max' }, differences: ['catalogueEffort'] },
  { name: 'thinking max on a budget model uses the high budget', model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: 'max', maxTokens: 30000 } },
  ...['minimal', 'medium', 'xhigh', 'max'].map((level) => ({ name: `GPT-6 reasoning.effort ${level}`, model: M.gpt6, context: { messages: [user('think')] }, options: { reasoning: level } })),
  ...['minimal', 'high', 'max'].map((level) => ({ name: `gpt-oss reasoning_effort ${level}`, model: M.gptOss, context: { messages: [user('think')] }, options: { reasoning: level } })),
  { name: 'reasoning on a model without a reasoning field (Kimi K3)', model: M.kimi, context: { messages: [user('think')] }, options: { reasoning: 'high' } },
  { name: 'Claude error-result images follow the tool results', model: M.sonnet45, context: { messages: [user('shoot'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't1', name: 'read_file', arguments: {} }, { type: 'toolCall', id: 't2', name: 'read_file', arguments: {} }], 'toolUse'), toolResult('t1', [{ type: 'text', text: 'failed' }, image(), image('image/jpeg')], true), toolResult('t2', [image()])], tools: TOOLS } },
  { name: 'error-result images stay in place for other models', model: M.nova, context: { messages: [user('shoot'), assistantOf(M.nova, [{ type: 'toolCall', id: 't1', name: 'read_file', arguments: {} }], 'toolUse'), toolResult('t1', [{ type: 'text', text: 'failed' }, image()], true)], tools: TOOLS } },
  { name: 'empty keys removed from tool arguments', model: M.sonnet45, context: { messages: [user('go'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't', name: 'read_file', arguments: { '': 1, path: { '': [], deep: [{ '': 2, x: 3 }] } } }], 'toolUse'), toolResult('t', '  ')], tools: TOOLS } },
  { name: 'blank text blocks dropped, <empty> when nothing is left', model: M.nova, context: { messages: [user([{ type: 'text', text: ' ' }]), assistantOf(M.nova, [{ type: 'text', text: 'ok' }]), user([{ type: 'text', text: '\n' }, { type: 'text', text: 'x' }])] } },
  { name: 'unknown roles and block types are skipped', model: M.sonnet45, context: { messages: [user([{ type: 'text', text: 'a' }, { type: 'audio', data: 'x' }]), { role: 'bashExecution', command: 'ls', timestamp: 1 }, assistantOf(M.sonnet45, [{ type: 'text', text: 'b' }, { type: 'citation', id: 'c' }]), user('c')] } },
  { name: 'strict tools on a model with strict mode', model: { ...M.sonnet45, compat: { supportsStrictMode: true } }, context: { messages: [user('hi')], tools: STRICT_TOOLS } },
  { name: 'strict tools on a model without strict mode', model: { ...M.nova, compat: { supportsStrictMode: false } }, context: { messages: [user('hi')], tools: STRICT_TOOLS.filter((t) => t.constrainedSampling?.strict !== 'require') } },
  {
    name: 'transcript: system messages mid-history, sections and tool changes',
    model: M.sonnet45,
    context: {
      messages: [
        { role: 'system', content: SYSTEM, sections: { rules: 'Be terse.', env: 'cwd=/tmp' }, toolsAdded: TOOLS, timestamp: 0 },
        user('first'),
        assistantOf(M.sonnet45, [{ type: 'text', text: 'ok' }]),
        { role: 'system', content: [{ type: 'text', text: 'Later note.' }], sections: { env: 'cwd=/home', rules: null }, toolsRemoved: [{ name: 'read_file' }], toolsAdded: [{ name: 'grep', description: 'Search', parameters: { type: 'object', properties: { q: { type: 'string' } } } }], timestamp: 5 },
        user('second'),
      ],
    },
    options: { toolChoice: 'auto' },
  },
  ...['minimal', 'low', 'medium', 'high', 'xhigh'].map((level) => ({ name: `budget thinking ${level} (Sonnet 4.5)`, model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: level, maxTokens: 32000 } })),
  ...['minimal', 'low', 'medium', 'high', 'xhigh'].map((level) => ({ name: `adaptive thinking ${level} (Opus 4.6)`, model: M.opus46, context: { messages: [user('think')] }, options: { reasoning: level } })),
  { name: 'adaptive thinking xhigh (Opus 4.7)', model: M.opus47, context: { messages: [user('think')] }, options: { reasoning: 'xhigh' } },
  { name: 'adaptive thinking (Sonnet 4.6)', model: M.sonnet46, context: { messages: [user('think')] }, options: { reasoning: 'medium', thinkingDisplay: 'omitted' } },
  { name: 'adaptive effort from thinkingLevelMap', model: M.mappedEffort, context: { messages: [user('think')] }, options: { reasoning: 'high' } },
  { name: 'budget overrides, no interleaved beta, display omitted', model: M.sonnet37, context: { messages: [user('think')] }, options: { reasoning: 'medium', thinkingBudgets: { medium: 3000 }, interleavedThinking: false, thinkingDisplay: 'omitted' } },
  { name: 'xhigh uses the high budget override', model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: 'xhigh', thinkingBudgets: { high: 12000 } } },
  { name: 'reasoning on a non-reasoning Claude model', model: M.haiku35, context: { messages: [user('think')] }, options: { reasoning: 'high' } },
  { name: 'GovCloud region omits thinking display', model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: 'low', region: 'us-gov-west-1' } },
  { name: 'GovCloud model id omits thinking display', model: M.govSonnet, context: { messages: [user('think')] }, options: { reasoning: 'low' } },
  { name: 'application profile ARN named after Claude', model: M.appProfile, context: { systemPrompt: SYSTEM, messages: [user('hi')] }, options: { reasoning: 'medium' } },
  { name: 'requestMetadata', model: M.sonnet45, context: { messages: [user('hi')] }, options: { requestMetadata: { team: 'search', costCenter: '42' } } },
  {
    name: 'guardrail and service tier from the plugin config',
    model: M.sonnet45,
    context: { messages: [user('hi')] },
    options: { guardrail: { guardrailIdentifier: 'gr-abc', guardrailVersion: '3', streamProcessingMode: 'async', trace: 'enabled' }, serviceTier: 'priority' },
    // pi-ai has no such options: the gateway injects them through onPayload today.
    piOnPayload: (p) => ({ ...p, guardrailConfig: { guardrailIdentifier: 'gr-abc', guardrailVersion: '3', trace: 'enabled', streamProcessingMode: 'async' }, serviceTier: { type: 'priority' } }),
  },
  { name: 'everything at once', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [...thinkingHistory(M.sonnet45).slice(0, 2), ...toolTurn(M.sonnet45).slice(0, 4)], tools: TOOLS }, options: { reasoning: 'high', maxTokens: 40000, temperature: 1, toolChoice: 'auto', cacheRetention: 'long', requestMetadata: { a: 'b' } } },
  // Loose JS inputs: pi-ai tests truthiness / `!== undefined` / `??`; so do we.
  { name: 'whitespace-only system prompt is sent', model: M.sonnet45, context: { systemPrompt: '  ', messages: [user('hi')] } },
  { name: 'empty reasoning and cacheRetention strings are unset', model: M.sonnet45, context: { messages: [user('hi')] }, options: { reasoning: '', cacheRetention: '' } },
  { name: 'null budget falls back to the default; null interleaved means on', model: M.sonnet45, context: { messages: [user('hi')] }, options: { reasoning: 'medium', thinkingBudgets: { medium: null }, interleavedThinking: null } },
  { name: 'reasoning off on a budget model', model: M.sonnet45, context: { messages: [user('hi')] }, options: { reasoning: 'off' }, differences: ['offMeansNoThinking'] },
  { name: 'reasoning off on an adaptive model', model: M.opus46, context: { messages: [user('hi')] }, options: { reasoning: 'off' }, differences: ['offMeansNoThinking'] },
  { name: 'reasoning off on Opus 4.8', model: M.opus48, context: { messages: [user('hi')] }, options: { reasoning: 'off' }, differences: ['offMeansNoThinking'] },
  { name: 'unknown toolChoice string and nameless tool choice', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'required' } },
  { name: 'model without a name', model: { ...M.sonnet45, name: '' }, context: { systemPrompt: SYSTEM, messages: [user('hi')] }, options: { reasoning: 'low' } },
  { name: 'application profile named nothing Claude', model: { ...M.appProfile, name: 'team profile' }, context: { systemPrompt: SYSTEM, messages: [user('hi')] }, options: { reasoning: 'low', temperature: 0.2 } },
  { name: 'same model, other provider: treated as cross-model', model: M.sonnet45, context: { messages: [user('q'), { ...assistantOf(M.sonnet45, [{ type: 'thinking', thinking: 'x', thinkingSignature: 's' }, { type: 'toolCall', id: 'id.with.dots', name: 'list_dir', arguments: {} }], 'toolUse'), provider: 'anthropic' }, toolResult('id.with.dots', 'ok')], tools: TOOLS } },
  { name: 'same model keeps odd tool ids as they are', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 'id.with.dots', name: 'list_dir', arguments: {} }], 'toolUse'), toolResult('id.with.dots', 'ok')], tools: TOOLS } },
  { name: 'tool result without a preceding call, first in history', model: M.sonnet45, context: { messages: [toolResult('ghost', 'boo'), assistantOf(M.sonnet45, [{ type: 'text', text: 'hm' }]), user('q')] } },
  { name: 'extra fields on messages are ignored', model: M.sonnet45, context: { messages: [{ ...user('q'), extra: { a: 1 } }, { ...assistantOf(M.sonnet45, [{ type: 'text', text: 'a', textSignature: 'x' }]), responseId: 'r1', diagnostics: [], errorMessage: 'none' }, { ...user('q2') }] } },
  { name: 'placeholder text followed by an image collapses', model: M.textOnlyClaude, context: { messages: [user([{ type: 'text', text: '(image omitted: model does not support images)' }, image(), { type: 'text', text: 'end' }])] } },
  { name: 'float budgets and maxTokens pass through', model: M.sonnet45, context: { messages: [user('hi')] }, options: { reasoning: 'low', thinkingBudgets: { low: 2500.5 }, maxTokens: 4096.25 } },
  { name: 'nested tool arguments and schema pass through', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't', name: 'read_file', arguments: { a: [1, { b: null, c: 'é' }], d: true, e: 1.5e-7 } }], 'toolUse'), toolResult('t', 'ok')], tools: [{ name: 'read_file', description: 'd', parameters: { type: 'object', properties: { a: { type: 'array', items: { anyOf: [{ type: 'number' }, { type: 'object' }] } } }, additionalProperties: false } }] } },
  { name: 'null maxTokens, temperature and requestMetadata', model: M.sonnet45, context: { messages: [user('hi')] }, options: { maxTokens: null, temperature: null, requestMetadata: null } },
  { name: 'unpaired surrogates outside text fields', model: M.sonnet45, context: { messages: [user('q'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't', name: 'read_file', arguments: { path: 'a\uD800b' } }], 'toolUse'), toolResult('t', 'ok')], tools: [{ name: 'read_file', description: 'desc \uDC00', parameters: { type: 'object' } }] }, differences: ['surrogatesEverywhere'] },
  // What pi-ai reads from the environment.
  { name: 'PI_CACHE_RETENTION=long sets the default retention', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [user('hi')] }, env: { PI_CACHE_RETENTION: 'long' } },
  { name: 'PI_CACHE_RETENTION does not override an explicit retention', model: M.sonnet45, context: { systemPrompt: SYSTEM, messages: [user('hi')] }, options: { cacheRetention: 'short' }, env: { PI_CACHE_RETENTION: 'long' }, envMatters: false },
  { name: 'AWS_BEDROCK_FORCE_CACHE=1 adds cache points for non-Claude ids', model: M.nova, context: { systemPrompt: SYSTEM, messages: [user('hi')] }, env: { AWS_BEDROCK_FORCE_CACHE: '1' } },
  { name: 'AWS_REGION in GovCloud omits thinking display', model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: 'high' }, env: { AWS_REGION: 'us-gov-east-1' } },
]

const ERROR_CASES = [
  {
    name: 'unsupported image type',
    model: M.sonnet45,
    context: { messages: [user('hi'), user([{ type: 'text', text: 'see' }, image('image/bmp')])] },
    difference: 'imageTypeRejectedWithPosition',
    piError: /Unknown image type: image\/bmp/,
    ourError: /context\.messages\[1\]\.content\[1\]: unsupported image type "image\/bmp"/,
  },
  {
    name: 'unsupported image type in a tool result',
    model: M.sonnet45,
    context: { messages: [user('go'), assistantOf(M.sonnet45, [{ type: 'toolCall', id: 't', name: 'read_file', arguments: {} }], 'toolUse'), toolResult('t', [image('image/tiff')])] },
    difference: 'imageTypeRejectedWithPosition',
    piError: /Unknown image type: image\/tiff/,
    ourError: /context\.messages\[2\]\.content\[0\]: unsupported image type "image\/tiff"/,
  },
]

// ---------------------------------------------------------------------------------------
// Capture server and runners.
// ---------------------------------------------------------------------------------------

let server
let baseUrl
let captured = []

before(async () => {
  server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      captured.push({ method: req.method, path: req.url, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException', 'x-amzn-requestid': 'capture' })
      res.end('{"message":"captured by request-diff test"}')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${server.address().port}`
})

// Both clients keep idle keep-alive connections (ours for up to 60 s), and one that a pool's
// checkout race opened but never used counts as busy to Node: close them all, or close()
// waits for the clients' idle timeouts.
after(() => new Promise((resolve) => {
  server.close(resolve)
  server.closeAllConnections()
}))

/** Runs pi-ai to the end of its stream; returns the captured request or its error. */
async function runPi(testCase, streamFn = streamBedrock) {
  captured = []
  const m = { ...testCase.model, baseUrl }
  const context = toTranscript(testCase.context)
  let payloadSeen
  const options = {
    ...(testCase.options || {}),
    onPayload: (payload) => {
      payloadSeen = payload
      return testCase.piOnPayload ? testCase.piOnPayload(payload) : undefined
    },
  }
  let errorMessage
  for await (const event of streamFn(m, context, options)) {
    if (event.type === 'error') errorMessage = event.error.errorMessage
  }
  if (captured.length === 0) return { errorMessage, payloadSeen }
  assert.equal(captured.length, 1, 'pi-ai sent exactly one request')
  return { request: captured[0], body: JSON.parse(captured[0].body), raw: captured[0].body, payloadSeen }
}

/** Runs the addon's converseStream to the end; returns the captured request or its error. */
async function runAddon(testCase, { recordPayload = false, onPayload } = {}) {
  captured = []
  let payloadSeen
  const options = { ...(testCase.options || {}) }
  if (recordPayload || onPayload) {
    options.onPayload = (payload) => {
      payloadSeen = payload
      return onPayload ? onPayload(payload) : undefined
    }
  }
  let error
  for await (const event of addon.converseStream({ ...testCase.model, baseUrl }, testCase.context, options)) {
    if (event.type === 'error') error = event // pi-ai's fields plus `code`, `retryable`
  }
  // Intended difference: for an application profile ARN the addon first asks
  // GetInferenceProfile (GET /inference-profiles/...) for the base model's family rules.
  const lookups = captured.filter((r) => r.path.startsWith('/inference-profiles/'))
  const sent = captured.filter((r) => !r.path.startsWith('/inference-profiles/'))
  if (lookups.length > 0) {
    assert.match(testCase.model.id, /:application-inference-profile\//, 'only profile ARNs are looked up')
    assert.equal(lookups.length, 1, 'one GetInferenceProfile per unknown profile')
  }
  if (sent.length === 0) return { error, payloadSeen }
  assert.equal(sent.length, 1, 'the addon sent exactly one request')
  return { request: sent[0], body: JSON.parse(sent[0].body), raw: sent[0].body, payloadSeen }
}

/** A payload without its undefined / null members: pi-ai's object literals carry some
 *  (e.g. `budget_tokens: undefined` for an unknown level, `maxTokens: null` when given
 *  null) that the SDK never sends, and our payload is made from the wire body. */
function withoutEmptyMembers(value) {
  if (Array.isArray(value)) return value.map(withoutEmptyMembers)
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, withoutEmptyMembers(v)]),
    )
  }
  return value
}

/** Runs `fn` with extra process env (pi-ai and the addon both read it). */
async function withEnv(env, fn) {
  if (!env) return fn()
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function runOurs(testCase) {
  const { guardrail, serviceTier, ...rest } = testCase.options || {}
  const options = { ...rest, ...(guardrail && { guardrail }), ...(serviceTier && { serviceTier }) }
  return native.buildConverseRequest({ ...testCase.model, baseUrl }, testCase.context, options)
}

test(`the matrix against ${piAiVersion} has at least 100 cases`, () => {
  assert.ok(CASES.length + ERROR_CASES.length + SIMPLE_CASES.length >= 100, `${CASES.length + ERROR_CASES.length + SIMPLE_CASES.length} cases`)
})


for (const testCase of CASES) {
  test(`same body as pi-ai: ${testCase.name}`, () => withEnv(testCase.env, async () => {
    const pi = await runPi(testCase)
    assert.ok(pi.body, `pi-ai sent no request (${pi.errorMessage})`)
    const ours = runOurs(testCase)
    assert.equal(`/model/${encodeURIComponent(ours.modelId)}/converse-stream`, pi.request.path)
    let expected = pi.body
    for (const key of testCase.differences || []) {
      assert.ok(DIFFERENCES[key], `unknown difference ${key}`)
      expected = DIFFERENCES[key].apply(expected)
    }
    assert.deepStrictEqual(ours.body, expected)
    // Both context shapes build the same request.
    if (toTranscript(testCase.context) !== testCase.context) {
      assert.deepStrictEqual(runOurs({ ...testCase, context: toTranscript(testCase.context) }).body, ours.body)
    }

    // What the addon itself puts on the wire is exactly what buildConverseRequest returns.
    const sent = await runAddon(testCase)
    assert.ok(sent.raw, `the addon sent no request (${sent.error?.error?.errorMessage})`)
    assert.equal(sent.request.path, pi.request.path)
    assert.equal(sent.raw, JSON.stringify(ours.body))
    const hooked = await runAddon(testCase, { recordPayload: true })
    assert.equal(hooked.raw, JSON.stringify(ours.body))
    if (!testCase.differences && !testCase.piOnPayload) {
      assert.deepStrictEqual(withoutEmptyMembers(hooked.payloadSeen), withoutEmptyMembers(pi.payloadSeen))
    }

    if (!testCase.differences) {
      // Same members in the same order: the serialised text is identical too.
      assert.equal(JSON.stringify(ours.body), pi.raw)
    }
    // A listed difference must actually change something, or it is not a difference.
    if (testCase.differences) assert.notDeepStrictEqual(ours.body, pi.body)
  }))
  if (testCase.env && testCase.envMatters !== false) {
    test(`the environment matters: ${testCase.name}`, async () => {
      const withIt = await withEnv(testCase.env, () => runOurs(testCase).body)
      assert.notDeepStrictEqual(withIt, runOurs(testCase).body)
    })
  }
}

for (const testCase of ERROR_CASES) {
  test(`rejected before sending, like pi-ai: ${testCase.name}`, async () => {
    const pi = await runPi(testCase)
    assert.equal(pi.body, undefined, 'pi-ai sent nothing')
    assert.match(pi.errorMessage, testCase.piError)
    assert.ok(DIFFERENCES[testCase.difference])
    const sent = await runAddon(testCase)
    assert.equal(sent.raw, undefined, 'the addon sent nothing')
    assert.equal(sent.error?.code, 'InvalidArgument')
    assert.match(sent.error.error.errorMessage, testCase.ourError)
    assert.throws(
      () => {
        try {
          runOurs(testCase)
        } catch (error) {
          throw decorateError(error)
        }
      },
      (error) => {
        assert.equal(error.code, 'InvalidArgument')
        assert.match(error.message, testCase.ourError)
        return true
      },
    )
  })
}

// pi-ai's `streamSimple` entry point (streamSimpleBedrock) derives the options first.
const SIMPLE_CASES = [
  { name: 'no reasoning: maxTokens defaults to model.maxTokens (no 32,000 cap)', model: M.sonnet45, context: { messages: [user('hi')] } },
  { name: 'maxTokens fitted to a small context window', model: { ...M.nova, contextWindow: 40000 }, context: { systemPrompt: SYSTEM, messages: [user('hi')], tools: TOOLS } },
  { name: 'maxTokens fitted after a long history (last usage)', model: { ...M.opus48, contextWindow: 200000, maxTokens: 190000 }, context: { messages: [user('q'), { ...assistantOf(M.opus48, [{ type: 'text', text: 'a' }]), usage: { ...usage, totalTokens: 150000 } }, user('more '.repeat(500))] } },
  { name: 'toolChoice is forwarded', model: M.nova, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'any' } },
  { name: 'max on a budget model', model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: 'max' } },
  { name: 'adaptive max (Opus 4.8)', model: M.opus48, context: { messages: [user('think')] }, options: { reasoning: 'max' } },
  { name: 'thinking budget floor for a small maxTokens', model: { ...M.sonnet37, maxTokens: 1500 }, context: { messages: [user('think')] }, options: { reasoning: 'low' }, differences: ['thinkingBudgetFloor'] },
  { name: 'reasoning off on a budget model', model: M.sonnet45, context: { messages: [user('hi')] }, options: { reasoning: 'off' }, differences: ['offMeansNoThinkingSimple'] },
  { name: 'reasoning off on an adaptive model', model: M.opus48, context: { messages: [user('hi')] }, options: { reasoning: 'off' }, differences: ['offMeansNoThinking'] },
  { name: 'small model limit', model: { ...M.nova, maxTokens: 5000 }, context: { messages: [user('hi')] }, options: { temperature: 0.3 } },
  { name: 'explicit maxTokens kept', model: M.nova, context: { messages: [user('hi')] }, options: { maxTokens: 777 } },
  ...['minimal', 'low', 'medium', 'high', 'xhigh'].map((level) => ({ name: `budget Claude ${level}: maxTokens grows by the budget`, model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: level } })),
  { name: 'budget capped by the model limit', model: { ...M.sonnet37, maxTokens: 8192 }, context: { messages: [user('think')] }, options: { reasoning: 'high', maxTokens: 4000 } },
  { name: 'budget override through the simple path', model: M.sonnet45, context: { messages: [user('think')] }, options: { reasoning: 'medium', thinkingBudgets: { medium: 3000, low: 5 } } },
  { name: 'adaptive Claude keeps maxTokens', model: M.opus46, context: { messages: [user('think')] }, options: { reasoning: 'high' } },
  { name: 'non-Claude reasoning', model: M.gptOss, context: { messages: [user('think')] }, options: { reasoning: 'low' } },
  { name: 'non-base options are not passed on', model: M.sonnet45, context: { messages: [user('hi')], tools: TOOLS }, options: { toolChoice: 'any', requestMetadata: { a: 'b' }, interleavedThinking: false, thinkingDisplay: 'omitted', region: 'us-gov-west-1', reasoning: 'low', cacheRetention: 'long' }, differences: ['thinkingToolChoice'] },
]

for (const testCase of SIMPLE_CASES) {
  test(`same body as pi-ai streamSimple: ${testCase.name}`, async () => {
    const pi = await runPi(testCase, streamSimpleBedrock)
    assert.ok(pi.body, `pi-ai sent no request (${pi.errorMessage})`)
    const ours = native.buildSimpleConverseRequest({ ...testCase.model, baseUrl }, testCase.context, testCase.options || {})
    let expected = pi.body
    for (const key of testCase.differences || []) expected = DIFFERENCES[key].apply(expected, testCase)
    assert.deepStrictEqual(ours.body, expected)
    if (testCase.differences) assert.notDeepStrictEqual(ours.body, pi.body)
    else assert.equal(JSON.stringify(ours.body), pi.raw)
  })
}

// The same comparison on the Bedrock emulator: both clients sign with SigV4 against it, it
// records what each sent, and the bodies must agree (after the listed differences).
describe('on the emulator', { skip: typeof addon.startEmulator !== 'function' && 'startEmulator is not in this build' }, () => {
  let emu
  before(async () => {
    emu = await addon.startEmulator()
  })
  after(async () => {
    await emu?.close()
  })

  async function recorded(run) {
    emu.clearRequests()
    await run()
    const runtime = emu.requests().filter((r) => r.path.endsWith('/converse-stream'))
    assert.equal(runtime.length, 1, 'exactly one ConverseStream request')
    return runtime[0]
  }

  for (const testCase of CASES) {
    test(`pi-ai and converseStream send the same body: ${testCase.name}`, () => withEnv(testCase.env, async () => {
      const onEmulator = { ...testCase, model: { ...testCase.model, baseUrl: emu.url } }
      const piStream = (m, c, o) => streamBedrock({ ...m, baseUrl: emu.url }, c, o)
      const pi = await recorded(async () => {
        const options = { ...(testCase.options || {}), ...(testCase.piOnPayload && { onPayload: testCase.piOnPayload }) }
        for await (const event of piStream(onEmulator.model, toTranscript(testCase.context), options)) void event
      })
      const ours = await recorded(async () => {
        for await (const event of addon.converseStream(onEmulator.model, testCase.context, testCase.options || {})) void event
      })
      assert.equal(ours.path, pi.path)
      if (!testCase.options?.region && !testCase.env?.AWS_REGION) {
        assert.equal(pi.auth.ok, true, `pi-ai signature: ${pi.auth.message}`)
        assert.equal(ours.auth.ok, true, `our signature: ${ours.auth.message}`)
      }
      if ((testCase.differences || []).includes('surrogatesEverywhere')) {
        // pi-ai's body holds lone-surrogate escapes, which the (Rust) emulator cannot parse
        // or record; this case is compared on the capture server above.
        assert.equal(pi.body, undefined)
        assert.ok(ours.body)
        return
      }
      let expected = pi.body
      for (const key of testCase.differences || []) expected = DIFFERENCES[key].apply(expected)
      assert.deepStrictEqual(ours.body, expected)
    }))
  }
})

test('toPiPayload gives the command input pi-ai hands onPayload', async () => {
  const testCase = CASES.find((c) => c.name === 'tool result with an image')
  const pi = await runPi(testCase)
  const ours = runOurs(testCase)
  const payload = toPiPayload(ours)
  assert.deepStrictEqual(Object.keys(payload), Object.keys(pi.payloadSeen))
  assert.deepStrictEqual(payload, pi.payloadSeen)
  assert.ok(payload.messages[2].content[0].toolResult.content[1].image.source.bytes instanceof Uint8Array)
  // and back: a payload returned by onPayload is sent as the SDK would send it
  assert.deepStrictEqual(fromPiPayload(payload), { modelId: ours.modelId, body: ours.body })
})

test('fromPiPayload sends a replaced payload the way the SDK does', async () => {
  const testCase = { name: 'replaced', model: M.sonnet45, context: { messages: [user('hi')] } }
  const replace = (p) => ({ ...p, inferenceConfig: { maxTokens: 7 }, system: undefined, notAMember: 1 })
  const pi = await runPi({ ...testCase, piOnPayload: replace })
  const sent = fromPiPayload(replace(toPiPayload(runOurs(testCase))))
  assert.deepStrictEqual(sent.body, pi.body)
  assert.equal(JSON.stringify(sent.body), pi.raw)
  // and the addon's converseStream sends the replacement the same way
  const addonSent = await runAddon(testCase, { onPayload: replace })
  assert.equal(addonSent.raw, pi.raw)
})

test('an unknown thinking level is refused before sending; pi-ai sends thinking without a budget', async () => {
  const testCase = { name: 'unknown level', model: M.sonnet45, context: { messages: [user('hi')] }, options: { reasoning: 'extreme' } }
  const pi = await runPi(testCase)
  assert.deepStrictEqual(pi.body.additionalModelRequestFields.thinking, { type: 'enabled', display: 'summarized' })
  assert.throws(() => {
    try {
      runOurs(testCase)
    } catch (error) {
      throw decorateError(error)
    }
  }, (error) => error.code === 'InvalidArgument' && /options\.reasoning: unknown thinking level "extreme"/.test(error.message))
  const sent = await runAddon(testCase)
  assert.equal(sent.raw, undefined, 'the addon sent nothing')
  assert.equal(sent.error?.code, 'InvalidArgument')
})
