#!/usr/bin/env node
'use strict'
// `npm run demo`: start the loopback Bedrock emulator, show which credentials were found,
// discover models and print them like `openclaw models list`, then stream a reply to the
// terminal as it arrives. Everything runs against 127.0.0.1; no AWS account is needed.

const bedrock = require('./index.js')
const { painter, modelRows, renderTable, MODEL_COLUMNS } = require('./format.js')

async function main() {
  const paint = painter(process.stdout)
  const emulator = await bedrock.startEmulator()
  try {
    // The demo authenticates with the emulator's test identity, exactly as a gateway host
    // with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY exported would.
    process.env.AWS_ACCESS_KEY_ID = emulator.accessKeyId
    process.env.AWS_SECRET_ACCESS_KEY = emulator.secretAccessKey
    process.env.AWS_REGION = emulator.region
    delete process.env.AWS_SESSION_TOKEN
    delete process.env.AWS_BEARER_TOKEN_BEDROCK
    delete process.env.AWS_PROFILE

    console.log(paint.bold(`Bedrock emulator listening on ${emulator.url} (region ${emulator.region})`))
    const marker = bedrock.detectAuthMarker()
    const probe = await bedrock.probeCredentials({ region: emulator.region, timeoutMs: 2000 })
    console.log(
      `Credentials: ${marker.label} — probe: ${probe.available ? `available from ${probe.source}` : 'none found'}, region ${probe.region}`,
    )
    console.log('')

    const discovered = await bedrock.discoverModels({ region: emulator.region, endpoint: emulator.url })
    const models = Array.isArray(discovered) ? discovered : discovered.models
    console.log(renderTable(modelRows(models, { authAvailable: probe.available }), MODEL_COLUMNS))
    console.log(paint.dim(`${models.length} models`))
    console.log('')

    const wanted = process.argv[2]
    const chosen =
      (wanted && models.find((m) => m.id === wanted)) ||
      models.find((m) => /claude-sonnet-4-5/.test(m.id)) ||
      models.find((m) => /anthropic\.claude/.test(m.id)) ||
      models[0]
    const model = {
      ...chosen,
      api: 'bedrock-converse-stream',
      provider: 'amazon-bedrock',
      baseUrl: emulator.url,
    }
    const prompt = 'In two sentences, why stream model output instead of waiting for the whole reply?'
    console.log(`${paint.bold('amazon-bedrock/' + model.id)} ← ${prompt}`)
    const context = {
      systemPrompt: 'You are a concise assistant.',
      messages: [{ role: 'user', content: prompt, timestamp: Date.now() }],
    }
    // Pace the emulator's frames so the reply visibly arrives as a stream, as from Bedrock.
    await emulator.script('*', { faults: { delayBetweenFramesMs: 40 } })
    const stream = bedrock.converseStream(model, context, { reasoning: model.reasoning ? 'low' : undefined })
    for await (const event of stream) {
      if (event.type === 'text_delta') process.stdout.write(event.delta)
      else if (event.type === 'thinking_delta') process.stdout.write(paint.dim(event.delta))
      else if (event.type === 'thinking_end') process.stdout.write('\n')
      else if (event.type === 'error') {
        process.stdout.write('\n')
        throw Object.assign(new Error(event.error.errorMessage || 'stream failed'), { code: event.error.code })
      }
    }
    const message = await stream.result()
    process.stdout.write('\n')
    const usage = message.usage || {}
    console.log(paint.dim(`stop: ${message.stopReason} · tokens in ${usage.input ?? 0} / out ${usage.output ?? 0}`))
  } finally {
    await emulator.close()
  }
}

main().catch((error) => {
  console.error(`demo failed: ${error.code ? `[${error.code}] ` : ''}${error.message}`)
  process.exit(1)
})
