'use strict'
// pi-ai compatible event stream fed by the native ConverseStream.
//
// The native side maps Bedrock's events to pi-ai's and hands over compact ops in
// batches, through the process's StreamHub: one wake-up of the JS thread for every stream
// that has ops, bounded in time under load (see crates/core/src/stream/hub.rs). Here each
// op updates ONE
// partial message object in place and, where pi-ai emits an event, queues that event.
// Like pi-ai's AssistantMessageEventStream the stream is pumped eagerly (a caller who
// only awaits result() still gets it) and events wait in a queue for the iterator.

// Op codes: keep in sync with `write_op_json` in crates/core/src/stream.rs.
const OP = {
  START: 0,
  TEXT_START: 1,
  TEXT_DELTA: 2,
  TEXT_END: 3,
  THINKING_START: 4,
  THINKING_DELTA: 5,
  THINKING_SIGNATURE: 6,
  THINKING_REDACTED: 7,
  THINKING_END: 8,
  TOOLCALL_START: 9,
  TOOLCALL_DELTA: 10,
  TOOLCALL_END: 11,
  USAGE: 12,
  STOP_REASON: 13,
  DONE: 14,
  ERROR: 15,
  RAW: 16,
  RESPONSE: 17,
  THINKING_REDACTED_DATA: 18,
  STRICT_TOOLS_FALLBACK: 19,
}

// The diagnostic pi-ai 1.6 appends when a stream fails, for a value it may carry: over-long
// or blank values are dropped, as pi-ai's `normalizeDiagnosticValue` does.
const MAX_DIAGNOSTIC_VALUE_CHARS = 200
function diagnosticValue(value) {
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed.length === 0 || trimmed.length > MAX_DIAGNOSTIC_VALUE_CHARS ? undefined : trimmed
}

/** pi-ai 1.6 `appendBedrockFailureDiagnostic`: `bedrock_response_failure` with what is known
 *  of the failed response: the HTTP status of an error response, the AWS error code (an
 *  exception name, from the response or an exception frame), the request id. */
function appendFailureDiagnostic(output, info, responseRequestId) {
  const details = {}
  if (typeof info.httpStatus === 'number') details.status = info.httpStatus
  const errorCode = typeof info.awsType === 'string' && info.awsType.endsWith('Exception') ? diagnosticValue(info.awsType) : undefined
  if (errorCode !== undefined) details.errorCode = errorCode
  const requestId = diagnosticValue(info.requestId) ?? responseRequestId
  if (requestId !== undefined) details.requestId = requestId
  if (Object.keys(details).length === 0) return
  output.diagnostics = [...(output.diagnostics ?? []), { type: 'bedrock_response_failure', timestamp: Date.now(), details }]
}

/** The assistant message pi-ai starts every stream with. */
function newAssistantMessage(model) {
  return {
    role: 'assistant',
    content: [],
    api: 'bedrock-converse-stream',
    provider: model?.provider,
    model: model?.id,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: 'pending',
    timestamp: Date.now(),
  }
}

/** Extra fields on our error events (absent in pi-ai): a stable code and what a gateway
 *  needs to decide on a retry. */
function errorInfo(info) {
  const out = { code: info.code, retryable: Boolean(info.retryable) }
  if (info.httpStatus != null) out.httpStatus = info.httpStatus
  if (info.requestId != null) out.requestId = info.requestId
  if (info.awsType != null) out.awsType = info.awsType
  return out
}

/** A Bedrock event op as the AWS SDK for JS yields it to pi-ai: `{ [eventType]: payload }`
 *  without the members the SDK does not model (the padding `p`), blobs as bytes. */
function providerEvent(op) {
  const payload = op[2]
  if (payload !== null && typeof payload === 'object') {
    delete payload.p
    const reasoning = payload.delta?.reasoningContent
    if (typeof reasoning?.redactedContent === 'string') {
      reasoning.redactedContent = new Uint8Array(Buffer.from(reasoning.redactedContent, 'base64'))
    }
  }
  return { [op[1]]: payload }
}

// Streams fed through the process's StreamHub, by hub id. One hub per JS realm (each
// worker thread loads this module, and so gets its own): one wake-up of the JS thread
// drains the ops of every stream that has some, instead of a promise per stream per batch.
let hub = null
const hubStreams = new Map()

function streamHub() {
  if (hub === null) hub = new (require('../index.js').StreamHub)(drainHub)
  return hub
}

/** The hub's callback: hands each stream its ops (`[id, ops, id, ops, ...]`). It runs
 *  outside any caller's try/catch, so nothing may escape it: a failure ends the streams
 *  it concerns with an error event instead of crashing the process. */
function drainHub() {
  let batch
  try {
    batch = JSON.parse(hub.drain())
  } catch (error) {
    for (const stream of [...hubStreams.values()]) stream.failWith(error)
    return
  }
  for (let i = 0; i < batch.length; i += 2) {
    const stream = hubStreams.get(batch[i])
    if (stream === undefined) continue
    try {
      stream.applyHubOps(batch[i + 1])
    } catch (error) {
      stream.failWith(error)
    }
  }
}

class AssistantMessageEventStream {
  constructor(model) {
    this.output = newAssistantMessage(model)
    // Events not yet taken by the iterator, from `head` on. A head index instead of
    // shift(): shift() copies the array, so a consumer lagging behind a fast stream would
    // pay for the whole backlog on every event.
    this.queue = []
    this.head = 0
    this.waiting = []
    this.done = false
    this.native = null
    // pi-ai 1.6 times every response from the stream's creation (`durationMs`).
    this.startedAt = performance.now()
    // The request id of Bedrock's 200, for the failure diagnostic.
    this.responseRequestId = undefined
    // Per content block: deltas appended, and since the text was last flattened.
    this.ropeCounts = []
    this.finalResult = new Promise((resolve) => {
      this.resolveFinal = resolve
    })
  }

  /** Queues an event for the iterator (pi-ai `push`). */
  push(event) {
    if (this.done) return
    if (event.type === 'done' || event.type === 'error') {
      const message = event.type === 'done' ? event.message : event.error
      message.durationMs ??= Math.max(0, Math.round(performance.now() - this.startedAt))
      this.done = true
      this.resolveFinal(event.type === 'done' ? event.message : event.error)
    }
    const waiter = this.waiting.shift()
    if (waiter) waiter({ value: event, done: false })
    else this.queue.push(event)
  }

  end() {
    this.done = true
    while (this.waiting.length > 0) this.waiting.shift()({ value: undefined, done: true })
  }

  /** Ends the stream with an error event (pi-ai's catch block). */
  fail(reason, message, info) {
    if (this.done) return
    const output = this.output
    output.stopReason = reason
    output.errorMessage = message
    if (reason === 'error') appendFailureDiagnostic(output, info, this.responseRequestId)
    this.push({ type: 'error', reason, error: output, ...errorInfo(info) })
    this.end()
  }

  /**
   * Counts `n` more deltas appended to block `index`; true when its text should be
   * flattened now. `text += delta` builds a rope: a 32-byte node per delta, kept alive
   * with the delta's own string for as long as the message lives (~56 bytes per delta
   * for ~6 characters of text). Reading a character makes V8 flatten the rope into one
   * string in place. Flattening once the unflattened deltas reach an eighth of the block
   * (at least 64) keeps the copying linear overall and the rope short.
   */
  grown(index, n) {
    const c = (this.ropeCounts[index] ??= { total: 0, since: 0 })
    c.total += n
    c.since += n
    if (c.since < 16 || c.since < c.total >> 3) return false
    c.since = 0
    return true
  }

  /** A run of deltas, [code, index, delta, delta, ...] (consecutive deltas of one block):
   *  appends each to the block's `field` and queues a `type` event for it. */
  applyDeltaRun(op, field, type) {
    const index = op[1]
    const block = this.output.content[index]
    for (let i = 2; i < op.length && !this.done; i++) {
      block[field] += op[i]
      this.push({ type, contentIndex: index, delta: op[i], partial: this.output })
    }
    if (this.grown(index, op.length - 2)) block[field].charCodeAt(0)
  }

  /** Applies one op to the partial message; queues the event pi-ai emits for it. */
  apply(op) {
    const output = this.output
    const content = output.content
    switch (op[0]) {
      case OP.START:
        this.push({ type: 'start', partial: output })
        break
      case OP.TEXT_START:
        content.push({ type: 'text', text: '' })
        this.push({ type: 'text_start', contentIndex: op[1], partial: output })
        break
      case OP.TEXT_DELTA:
        this.applyDeltaRun(op, 'text', 'text_delta')
        break
      case OP.TEXT_END: {
        const block = content[op[1]]
        this.push({ type: 'text_end', contentIndex: op[1], content: block.text, partial: output })
        break
      }
      case OP.THINKING_START:
        content.push({ type: 'thinking', thinking: '', thinkingSignature: '' })
        this.push({ type: 'thinking_start', contentIndex: op[1], partial: output })
        break
      case OP.THINKING_DELTA:
        this.applyDeltaRun(op, 'thinking', 'thinking_delta')
        break
      case OP.THINKING_SIGNATURE: {
        const block = content[op[1]]
        block.thinkingSignature = (block.thinkingSignature || '') + op[2]
        break
      }
      case OP.THINKING_REDACTED: {
        // The placeholder text follows as a thinking delta; the bytes come at the block's end.
        const block = content[op[1]]
        block.redacted = true
        block.thinkingSignature = ''
        break
      }
      case OP.THINKING_REDACTED_DATA:
        content[op[1]].thinkingSignature = op[2]
        break
      case OP.THINKING_END: {
        const block = content[op[1]]
        this.push({ type: 'thinking_end', contentIndex: op[1], content: block.thinking, partial: output })
        break
      }
      case OP.TOOLCALL_START:
        content.push({ type: 'toolCall', id: op[2], name: op[3], arguments: {} })
        this.push({ type: 'toolcall_start', contentIndex: op[1], partial: output })
        break
      case OP.TOOLCALL_DELTA: {
        const block = content[op[1]]
        block.arguments = op[3]
        this.push({ type: 'toolcall_delta', contentIndex: op[1], delta: op[2], partial: output })
        break
      }
      case OP.TOOLCALL_END: {
        const block = content[op[1]]
        block.arguments = op[2]
        if (op.length > 3) block.argumentsError = op[3]
        this.push({ type: 'toolcall_end', contentIndex: op[1], toolCall: block, partial: output })
        break
      }
      case OP.USAGE: {
        const usage = output.usage
        usage.input = op[1]
        usage.output = op[2]
        usage.cacheRead = op[3]
        usage.cacheWrite = op[4]
        usage.totalTokens = op[5]
        usage.cost.input = op[6]
        usage.cost.output = op[7]
        usage.cost.cacheRead = op[8]
        usage.cost.cacheWrite = op[9]
        usage.cost.total = op[10]
        // pi-ai sets the key even when Bedrock sent no cacheDetails (then undefined).
        usage.cacheWrite1h = op.length > 11 ? op[11] : undefined
        usage.cost.totalFromProvider = false
        break
      }
      case OP.STOP_REASON:
        output.rawStopReason = op[2] ?? undefined
        output.stopReason = op[1]
        if (op.length > 3) output.errorMessage = op[3]
        break
      case OP.DONE:
        this.push({ type: 'done', reason: op[1], message: output })
        this.end()
        break
      case OP.ERROR:
        this.fail(op[1], op[2], op[3])
        break
      case OP.RESPONSE:
        break
      case OP.STRICT_TOOLS_FALLBACK:
        // pi-ai 1.6's note that the request went again without strict "prefer" tools.
        output.diagnostics = [
          ...(output.diagnostics ?? []),
          { type: 'bedrock_strict_tools_fallback', timestamp: Date.now(), error: { message: op[1] }, details: { reason: 'strict_tool_limits_exceeded' } },
        ]
        break
      default:
        // An op this file does not know means the addon and its JS are out of step.
        this.fail('error', `bedrock-native: unknown stream op ${JSON.stringify(op[0])}`, {
          code: 'InternalError',
          retryable: false,
        })
    }
  }

  /** Feeds the stream from the native one until it ends, through the process's
   *  StreamHub: one wake-up of the JS thread hands every stream its ready ops, instead of
   *  a promise per stream per batch. `onResponse(op)` is awaited when Bedrock's 200
   *  arrives, before any event (pi-ai's `options.onResponse`); `onProviderEvent(event)`
   *  for each Bedrock event, before the events mapped from it (pi-ai's
   *  `options.onProviderStreamEvent`). Ops that arrive while a callback's promise is
   *  pending wait, in order, until it settles. Resolves once the stream has ended. */
  pump(native, onResponse, onProviderEvent) {
    this.native = native
    this.onResponse = onResponse
    this.onProviderEvent = onProviderEvent
    // Batches waiting for a callback's promise; null while none is pending.
    this.held = null
    this.hubFinished = false
    const ended = new Promise((resolve) => {
      this.hubEnded = resolve
    })
    try {
      this.hubId = native.deliverTo(streamHub())
    } catch (error) {
      native.abort()
      this.failWith(error)
      return ended
    }
    hubStreams.set(this.hubId, this)
    return ended
  }

  /** Ops for this stream from the hub. */
  applyHubOps(ops) {
    if (this.held !== null) this.held.push(ops)
    else this.applyBatch(ops, 0)
  }

  /** Applies `ops` from index `from`; stops at a callback that returns a promise and
   *  resumes (with the batches queued meanwhile) once it settles. */
  applyBatch(ops, from) {
    const final = ops[ops.length - 1][0] === OP.DONE || ops[ops.length - 1][0] === OP.ERROR
    try {
      for (let i = from; i < ops.length && !this.done; i++) {
        const op = ops[i]
        let pending
        if (op[0] === OP.RESPONSE) {
          this.responseRequestId = diagnosticValue(op[2]?.['x-amzn-requestid'])
          if (this.onResponse) pending = this.onResponse(op)
        } else if (op[0] === OP.RAW) {
          if (this.onProviderEvent) pending = this.onProviderEvent(providerEvent(op))
        } else {
          this.apply(op)
          continue
        }
        if (pending !== null && typeof pending?.then === 'function') {
          this.held = []
          pending.then(
            () => this.resume(ops, i + 1),
            (error) => this.failWith(error),
          )
          return
        }
      }
    } catch (error) {
      this.failWith(error)
      return
    }
    if (final || this.done) this.finishHub(final)
  }

  /** After a callback's promise: the rest of its batch, then the batches queued behind it. */
  resume(ops, from) {
    const queued = this.held
    this.held = null
    this.applyBatch(ops, from)
    for (let k = 0; k < queued.length; k++) {
      if (this.held !== null) {
        // Another callback is pending: keep the rest queued behind it, in order.
        this.held.push(...queued.slice(k))
        return
      }
      this.applyBatch(queued[k], 0)
    }
  }

  /** A throwing (or rejecting) callback ends the stream as in pi-ai, as does an op that
   *  cannot be applied; the connection goes with it. */
  failWith(error) {
    this.held = null
    const message = error instanceof Error ? error.message : JSON.stringify(error)
    this.fail('error', message, { code: error?.code ?? 'InternalError', retryable: false })
    this.finishHub(false)
  }

  /** The stream is over here: forget it in the hub map; if the native side has not ended
   *  it (an op could not be applied), stop the network. */
  finishHub(nativeEnded) {
    if (this.hubFinished) return
    this.hubFinished = true
    hubStreams.delete(this.hubId)
    if (!nativeEnded) this.native.abort()
    if (!this.done) {
      this.fail('error', 'bedrock-native: the stream ended without a final event', {
        code: 'InternalError',
        retryable: false,
      })
    }
    this.hubEnded()
  }

  /** Stops the network now; the stream ends with an `aborted` error event. */
  abort() {
    if (this.native) this.native.abort()
  }

  /**
   * A hand-written async iterator rather than an async generator: a generator step
   * costs several promise hops per event, this one resolves `next()` at once when an
   * event is queued. Leaving early (break/return/throw in `for await`) calls `return()`,
   * which closes the connection at once instead of downloading the rest (pi-ai keeps
   * downloading).
   */
  [Symbol.asyncIterator]() {
    const stream = this
    let closed = false
    return {
      next() {
        if (closed) return Promise.resolve({ value: undefined, done: true })
        if (stream.head < stream.queue.length) {
          const event = stream.queue[stream.head]
          stream.queue[stream.head++] = undefined
          if (stream.head === stream.queue.length) {
            stream.queue.length = 0
            stream.head = 0
          }
          return Promise.resolve({ value: event, done: false })
        }
        if (stream.done) {
          closed = true
          return Promise.resolve({ value: undefined, done: true })
        }
        return new Promise((resolve) => stream.waiting.push(resolve))
      },
      return(value) {
        closed = true
        if (!stream.done) {
          stream.abort()
          if (!stream.native) stream.fail('aborted', 'Request aborted', { code: 'Aborted', retryable: false })
        }
        return Promise.resolve({ value, done: true })
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }

  result() {
    return this.finalResult
  }
}

module.exports = { AssistantMessageEventStream, OP, newAssistantMessage }
