// Client (a): pi-ai's `bedrock-converse-stream` provider (streamBedrock on the AWS SDK for
// JS), what the gateway runs today. It creates a BedrockRuntimeClient per stream, as
// pi-ai does; nothing here changes that.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { run, benchModel, benchContext, consumePiStream } = require('./harness.js')

run(async (params) => {
  const { bedrockProviderModule } = await import('@mariozechner/pi-ai/bedrock-provider')
  const { streamBedrock } = bedrockProviderModule
  const models = new Map()
  const model = (id) => models.get(id) ?? models.set(id, benchModel(params.url, id)).get(id)
  return {
    runStream(modelId, { abortAfterFirst, onFirst }) {
      const controller = new AbortController()
      const started = performance.now()
      const stream = streamBedrock(model(modelId), benchContext, { maxTokens: 4096, signal: controller.signal })
      return consumePiStream(stream, started, { abortAfterFirst, onFirst, abort: () => controller.abort() })
    },
  }
})
