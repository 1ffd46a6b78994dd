'use strict'
// What the core's model table and family rules say about a Bedrock model, for host
// adapters (e.g. an OpenClaw plugin's thinking profile). The facts live once in the core
// (crates/core/src/model_family.rs); this file only exposes them. Host files import this
// file, never js/index.js.

const native = require('../index.js')
const { decorateError, invalidArgument } = require('./errors.js')

function optionalString(name, value) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidArgument(`${name}: expected a string, got ${value === null ? 'null' : typeof value}`)
  return value
}

/**
 * `describeModel(modelId, name?, baseModelId?)` ->
 * `{ id, known, catalogueId, reasoning, input, contextWindow, maxTokens, cost, thinking,
 *    thinkingLevels, cachePoints, strictTools, temperature }`.
 * `thinking` is `"adaptive" | "budget" | "effort" | "none"`; `thinkingLevels` are the
 * levels the model accepts (`off` … `max`). Geography prefixes, `:0` suffixes and dates
 * are ignored; for an application inference profile ARN pass its base model id. Unknown
 * ids: `known: false`, `contextWindow`/`maxTokens`/`cost` null, rules from the id.
 */
function describeModel(modelId, name, baseModelId) {
  if (typeof modelId !== 'string' || modelId.trim() === '') {
    throw invalidArgument(`modelId: expected a non-empty string, got ${typeof modelId === 'string' ? 'an empty string' : typeof modelId}`)
  }
  try {
    return native.describeModel(modelId, optionalString('name', name), optionalString('baseModelId', baseModelId))
  } catch (error) {
    throw decorateError(error)
  }
}

module.exports = { describeModel }
