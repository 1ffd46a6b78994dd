'use strict'
// Client (b): the AWS SDK for JS alone: one warm BedrockRuntimeClient and a
// ConverseStreamCommand loop over `response.stream`, no event mapping on top.
// Transport as pi-ai's: HTTP/2 (the SDK's default) unless AWS_BEDROCK_FORCE_HTTP1=1.

const { run } = require('./harness.js')

run((params) => {
  const { BedrockRuntimeClient, ConverseStreamCommand } = require('@aws-sdk/client-bedrock-runtime')
  const config = { region: 'us-east-1', endpoint: params.url }
  if (process.env.AWS_BEDROCK_FORCE_HTTP1 === '1') {
    const { NodeHttpHandler } = require('@smithy/node-http-handler')
    config.requestHandler = new NodeHttpHandler()
  }
  const client = new BedrockRuntimeClient(config)
  return {
    async runStream(modelId, { abortAfterFirst, onFirst, onDelta }) {
      const controller = new AbortController()
      const started = performance.now()
      let deltas = 0
      let firstEventMs = null
      try {
        const response = await client.send(
          new ConverseStreamCommand({
            modelId,
            system: [{ text: 'You are a benchmark.' }],
            messages: [{ role: 'user', content: [{ text: 'Say many small things.' }] }],
            inferenceConfig: { maxTokens: 4096 },
          }),
          { abortSignal: controller.signal },
        )
        for await (const item of response.stream) {
          if (firstEventMs === null) {
            firstEventMs = performance.now() - started
            onFirst?.()
            if (abortAfterFirst) controller.abort()
          }
          if (item.contentBlockDelta) {
            deltas++
            onDelta?.()
          }
        }
      } catch (error) {
        if (!abortAfterFirst) throw error
      }
      return { deltas, firstEventMs }
    },
  }
})
