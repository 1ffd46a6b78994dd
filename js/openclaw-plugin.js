'use strict'
// OpenClaw plugin entry (package.json `openclaw.extensions`): this package registers
// itself as OpenClaw's `amazon-bedrock` provider, in place of the official
// `@openclaw/amazon-bedrock-provider`. The hooks only adapt OpenClaw's names and shapes;
// discovery, credentials, request building and streaming are the native core's.

const native = require('../index.js')
const {
  PROVIDER_ID,
  pluginConfigOf,
  stringEnv,
  runCatalog,
  runStaticCatalog,
  resolveDynamicModel,
  prepareDynamicModel,
} = require('./openclaw-catalog.js')
const { openClawStream, serviceTierFor } = require('./openclaw-stream.js')

/** The `apiKey` OpenClaw passes for providers on AWS SDK auth: a marker, never sent. */
const AWS_SDK_MARKER = '__aws_sdk_auth__'

/** OpenClaw failover reasons for this package's stable error codes. */
const FAILOVER_REASONS = {
  ThrottlingException: 'rate_limit',
  ServiceQuotaExceededException: 'rate_limit',
  ModelNotReadyException: 'overloaded',
  ServiceUnavailableException: 'overloaded',
  ModelTimeoutException: 'timeout',
  Timeout: 'timeout',
  InternalServerException: 'server_error',
  ExpiredTokenException: 'auth',
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  NoCredentials: 'auth',
  CredentialsTimeout: 'auth',
}

// Bedrock's wording for a prompt over the model's context window (ValidationException
// before the stream, ModelStreamErrorException inside it).
const OVERFLOW_CODES = /\b(?:ValidationException|ModelStreamErrorException)\b/
const OVERFLOW_TEXT =
  /input is too long|too many input tokens|prompt is too long|max(?:imum)? input tokens?|input tokens? (?:count )?exceeds?|exceeds? the (?:maximum|max) (?:number of )?(?:input )?tokens/i

/** The stable code of a failure OpenClaw reports: its `code`/`errorType` when it kept
 *  them, else the code our stream put in front of `errorMessage`, else one named in it. */
function errorCode({ code, errorType, errorMessage } = {}) {
  for (const candidate of [code, errorType]) {
    if (typeof candidate === 'string' && Object.prototype.hasOwnProperty.call(FAILOVER_REASONS, candidate)) return candidate
  }
  const text = String(errorMessage ?? '')
  const leading = /^([A-Za-z]+):/.exec(text)?.[1]
  if (leading && Object.prototype.hasOwnProperty.call(FAILOVER_REASONS, leading)) return leading
  return Object.keys(FAILOVER_REASONS).find((name) => name.endsWith('Exception') && text.includes(name))
}

/** Hook `classifyFailoverReason`. */
function classifyFailoverReason(ctx) {
  if (matchesContextOverflowError(ctx)) return 'context_overflow'
  const code = errorCode(ctx)
  return code ? FAILOVER_REASONS[code] : undefined
}

/** Hook `matchesContextOverflowError`. */
function matchesContextOverflowError({ code, errorType, errorMessage } = {}) {
  const text = String(errorMessage ?? '')
  const bedrockError = OVERFLOW_CODES.test(`${code ?? ''} ${errorType ?? ''} ${text}`)
  return bedrockError && OVERFLOW_TEXT.test(text)
}

/** `describeModel` from js/models.js, or null when this build has no such module. */
function coreDescribeModel() {
  try {
    return require('./models.js').describeModel ?? null
  } catch (error) {
    if (error?.code === 'MODULE_NOT_FOUND' && String(error.message).includes('models.js')) return null
    throw error
  }
}

/** Hook `resolveThinkingProfile`: the `/think` levels a model accepts, from the core's
 *  model facts (`describeModel`). */
function resolveThinkingProfile({ modelId } = {}) {
  const describeModel = coreDescribeModel()
  // Without the core's model facts (a build older than `describeModel`), OpenClaw's own
  // default ladder applies.
  if (!describeModel) return undefined
  const facts = describeModel(String(modelId ?? ''))
  if (!facts || !facts.reasoning || facts.thinking === 'none') return { levels: [{ id: 'off' }] }
  const levels = [{ id: 'off' }, ...facts.thinkingLevels.filter((id) => id !== 'off').map((id) => ({ id }))]
  if (facts.thinking === 'adaptive') {
    if (!levels.some((level) => level.id === 'adaptive')) levels.push({ id: 'adaptive' })
    return { levels, defaultLevel: 'adaptive' }
  }
  return { levels }
}

/**
 * The plugin: `register(api)` registers the `amazon-bedrock` provider. Exported pieces
 * (`hooks`) are the same functions, for tests and for hosts that wire them by hand.
 */
function createPlugin() {
  // Whether the real credential chain (EC2/ECS role, SSO, ...) has credentials, for
  // `resolveConfigApiKey`, which is synchronous: a probe started at registration and
  // refreshed by every live discovery.
  let chainAvailable = false

  function probeChain(env) {
    native
      .probeCredentials({ env: stringEnv(env) })
      .then((result) => {
        if (result.available) chainAvailable = true
      })
      .catch(() => {})
  }

  function register(api) {
    const startupConfig = api?.pluginConfig ?? {}
    const currentPluginConfig = (config) => pluginConfigOf(config) ?? (config ? undefined : startupConfig)
    probeChain(process.env)

    api.registerProvider({
      id: PROVIDER_ID,
      label: 'Amazon Bedrock',
      docsPath: '/providers/bedrock',
      auth: [],
      catalog: {
        order: 'simple',
        run: async (ctx) => {
          const result = await runCatalog(ctx)
          if (result) chainAvailable = true
          return result
        },
      },
      staticCatalog: { order: 'simple', run: runStaticCatalog },
      resolveDynamicModel,
      prepareDynamicModel,
      resolveConfigApiKey: ({ env } = {}) => {
        const marker = native.detectAuthMarker(stringEnv(env)).marker
        if (marker) return marker
        // OpenClaw's own marker for AWS SDK auth (what it hands a stream as `apiKey`).
        return chainAvailable ? AWS_SDK_MARKER : undefined
      },
      createStreamFn: (ctx) => {
        const guardrail = currentPluginConfig(ctx?.config)?.guardrail
        return (model, context, options) =>
          openClawStream(model, context, options, {
            guardrail,
            serviceTier: serviceTierFor(options, ctx?.config, ctx?.provider ?? PROVIDER_ID, ctx?.modelId ?? model?.id),
          })
      },
      matchesContextOverflowError,
      classifyFailoverReason,
      resolveThinkingProfile,
    })
  }

  return {
    id: PROVIDER_ID,
    name: 'Amazon Bedrock (bedrock-native)',
    description: 'Amazon Bedrock provider on a native (Rust) core: discovery, credentials, streaming Converse.',
    register,
  }
}

module.exports = createPlugin()
module.exports.createPlugin = createPlugin
module.exports.hooks = {
  classifyFailoverReason,
  matchesContextOverflowError,
  resolveThinkingProfile,
  runCatalog,
  runStaticCatalog,
  resolveDynamicModel,
  prepareDynamicModel,
}
