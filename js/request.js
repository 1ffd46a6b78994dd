'use strict'
// Converts between the two shapes of a ConverseStream request:
// - the wire request `{ modelId, body }` that `buildConverseRequest` returns (body = the
//   JSON the AWS SDK for JS puts on the wire: no modelId, image bytes as base64 strings);
// - pi-ai's `onPayload` payload: the SDK command input (`modelId` first, then pi-ai's
//   members in pi-ai's order, binary members as Uint8Array).
// The stream wrapper calls `toPiPayload` before `onPayload(payload, model)` and, if the
// callback returns a replacement, `fromPiPayload` to get what to send.

// pi-ai 0.73 builds its command input with these keys, in this order.
const PI_KEYS = ['messages', 'system', 'inferenceConfig', 'toolConfig', 'additionalModelRequestFields']

// ConverseStreamRequest members in the SDK's schema order (modelId is the URL path label).
const WIRE_KEYS = [
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'promptVariables',
  'additionalModelResponseFieldPaths',
  'requestMetadata',
  'performanceConfig',
  'serviceTier',
  'outputConfig',
]

function base64ToBytes(text) {
  return new Uint8Array(Buffer.from(text, 'base64'))
}

function bytesToBase64(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Applies `convert` to every binary member of Converse content blocks (images, documents,
 *  videos, redacted reasoning), at any depth of tool results. */
function mapBinary(content, convert) {
  if (!Array.isArray(content)) return content
  return content.map((block) => {
    if (!block || typeof block !== 'object') return block
    const out = { ...block }
    for (const kind of ['image', 'document', 'video']) {
      const source = block[kind]?.source
      if (source && source.bytes !== undefined) {
        out[kind] = { ...block[kind], source: { ...source, bytes: convert(source.bytes) } }
      }
    }
    if (block.reasoningContent?.redactedContent !== undefined) {
      out.reasoningContent = { ...block.reasoningContent, redactedContent: convert(block.reasoningContent.redactedContent) }
    }
    if (block.toolResult && Array.isArray(block.toolResult.content)) {
      out.toolResult = { ...block.toolResult, content: mapBinary(block.toolResult.content, convert) }
    }
    return out
  })
}

function mapMessages(messages, convert) {
  if (!Array.isArray(messages)) return messages
  return messages.map((m) => (m && typeof m === 'object' ? { ...m, content: mapBinary(m.content, convert) } : m))
}

/** `{ modelId, body }` -> the command input pi-ai hands `onPayload`. Equal to pi-ai's
 *  except for members pi-ai sets to undefined/null that the SDK never sends anyway (e.g.
 *  `budget_tokens: undefined` for an unknown reasoning level, `maxTokens: null`). */
function toPiPayload(request) {
  const body = request.body || {}
  const payload = { modelId: request.modelId }
  for (const key of PI_KEYS) payload[key] = body[key]
  payload.messages = mapMessages(body.messages, (b) => (typeof b === 'string' ? base64ToBytes(b) : b))
  if (body.toolConfig) {
    // pi-ai's object literals carry these members even when undefined.
    const tools = (body.toolConfig.tools || []).map((t) =>
      t.toolSpec
        ? {
            ...t,
            toolSpec: {
              name: t.toolSpec.name,
              description: t.toolSpec.description,
              inputSchema: t.toolSpec.inputSchema,
              ...(t.toolSpec.strict !== undefined && { strict: t.toolSpec.strict }),
            },
          }
        : t,
    )
    payload.toolConfig = { ...body.toolConfig, tools, toolChoice: body.toolConfig.toolChoice }
  }
  for (const [key, value] of Object.entries(body)) {
    if (!(key in payload)) payload[key] = value
  }
  return payload
}

/** A (possibly replaced) pi-ai payload -> `{ modelId, body }` as the SDK would send it:
 *  schema members only, in schema order, `undefined` dropped, binaries as base64. */
function fromPiPayload(payload) {
  const body = {}
  for (const key of WIRE_KEYS) {
    if (payload[key] === undefined || payload[key] === null) continue
    body[key] = key === 'messages' ? mapMessages(payload[key], (b) => (typeof b === 'string' ? b : bytesToBase64(b))) : payload[key]
  }
  return { modelId: payload.modelId, body: JSON.parse(JSON.stringify(body)) }
}

module.exports = { toPiPayload, fromPiPayload }
