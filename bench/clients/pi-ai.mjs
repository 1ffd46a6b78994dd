// Client (a): pi-ai 1.6's `bedrock-converse-stream` provider (`@earendil-works/pi-ai`,
// its streaming function on the AWS SDK for JS), what the gateway runs today. It creates
// a BedrockRuntimeClient per stream, as pi-ai does; nothing here changes that. Client
// (a1) is the same with AWS_BEDROCK_FORCE_HTTP1=1, pi-ai's switch to the SDK's HTTP/1.1
// handler (NodeHttpHandler) instead of its default HTTP/2 one (NodeHttp2Handler).

import { createRequire } from 'node:module'
import { importPiAi } from '../../__test__/pi-ai.mjs'

const require = createRequire(import.meta.url)
const { run, benchModel, benchContext, consumePiStream } = require('./harness.js')

run(async (params) => {
  const { bedrockProviderModule } = await importPiAi('bedrock-provider')
  const streamBedrock = bedrockProviderModule.stream
  const models = new Map()
  const model = (id) => models.get(id) ?? models.set(id, benchModel(params.url, id)).get(id)
  return {
    runStream(modelId, { abortAfterFirst, onFirst, onDelta }) {
      const controller = new AbortController()
      const started = performance.now()
      const stream = streamBedrock(model(modelId), benchContext, { maxTokens: 4096, signal: controller.signal })
      return consumePiStream(stream, started, { abortAfterFirst, onFirst, onDelta, abort: () => controller.abort() })
    },
  }
})
