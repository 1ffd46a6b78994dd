'use strict'
// Client (c): this addon's converseStream (pi-ai's StreamFunction contract), as the
// gateway would call it.

const { run, benchModel, benchContext, consumePiStream } = require('./harness.js')

run((params) => {
  const addon = require('../../js/index.js')
  const models = new Map()
  const model = (id) => models.get(id) ?? models.set(id, benchModel(params.url, id)).get(id)
  return {
    runStream(modelId, { abortAfterFirst, onFirst, onDelta }) {
      const controller = new AbortController()
      const started = performance.now()
      const stream = addon.converseStream(model(modelId), benchContext, { maxTokens: 4096, signal: controller.signal })
      return consumePiStream(stream, started, { abortAfterFirst, onFirst, onDelta, abort: () => controller.abort() })
    },
    discover:
      typeof addon.discoverModels === 'function'
        ? () => addon.discoverModels({ region: 'us-east-1', endpoint: params.url })
        : undefined,
  }
})
