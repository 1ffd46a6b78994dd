// describeModel: the core's model table and family rules as host adapters see them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { importPiAi } from './pi-ai.mjs'

const require = createRequire(import.meta.url)
const { describeModel } = require('../js/models.js')
const api = require('../js/index.js')

const { AMAZON_BEDROCK_MODELS } = await importPiAi('providers/amazon-bedrock.models')
const { getSupportedThinkingLevels } = await importPiAi('models')

test('every Bedrock model of pi-ai 1.6 is known with its limits, input, cost and thinking levels', () => {
  const models = Object.values(AMAZON_BEDROCK_MODELS)
  assert.equal(models.length, 208)
  for (const m of models) {
    const d = describeModel(m.id)
    assert.equal(d.known, true, m.id)
    assert.equal(d.catalogueId, m.id.toLowerCase(), m.id)
    assert.deepEqual([d.contextWindow, d.maxTokens, d.reasoning], [m.contextWindow, m.maxTokens, m.reasoning], m.id)
    assert.deepEqual(d.input, m.input.includes('image') ? ['text', 'image'] : ['text'], m.id)
    assert.deepEqual(d.cost, m.cost, m.id)
    assert.deepEqual(d.thinkingLevels, getSupportedThinkingLevels(m), m.id)
    assert.equal(d.strictTools, m.compat?.supportsStrictMode === true, m.id)
  }
})

test('thinking styles, cache points and temperature follow the family rules', () => {
  const opus48 = describeModel('global.anthropic.claude-opus-4-8')
  assert.equal(opus48.thinking, 'adaptive')
  assert.deepEqual(opus48.thinkingLevels, ['off', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])
  assert.equal(opus48.cachePoints, true)
  assert.equal(opus48.temperature, false)
  const sonnet45 = describeModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0')
  assert.deepEqual([sonnet45.thinking, sonnet45.temperature], ['budget', true])
  assert.deepEqual(sonnet45.thinkingLevels, ['off', 'minimal', 'low', 'medium', 'high'])
  assert.equal(describeModel('openai.gpt-oss-120b-1:0').thinking, 'effort')
  assert.equal(describeModel('global.openai.gpt-6-sol').temperature, false)
  const nova = describeModel('amazon.nova-micro-v1:0')
  assert.deepEqual([nova.thinking, nova.cachePoints, nova.thinkingLevels], ['none', false, ['off']])
  // Another geography of a known family; an app profile through its base model.
  assert.equal(describeModel('ca.anthropic.claude-opus-4-8').contextWindow, 1000000)
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x'
  assert.equal(describeModel(arn, 'team', 'anthropic.claude-opus-4-8').thinking, 'adaptive')
  const unknown = describeModel('acme.model-x', 'X Thinking')
  assert.deepEqual([unknown.known, unknown.contextWindow, unknown.cost, unknown.reasoning], [false, null, null, true])
})

test('bad ids are InvalidArgument; the same function is on the package entry', () => {
  for (const bad of [undefined, null, 5, '', '  ']) {
    assert.throws(() => describeModel(bad), (e) => e.code === 'InvalidArgument' && /modelId/.test(e.message))
  }
  assert.throws(() => describeModel('x', 5), (e) => e.code === 'InvalidArgument' && /name/.test(e.message))
  assert.equal(api.describeModel, describeModel)
})
