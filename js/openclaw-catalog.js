'use strict'
// OpenClaw `amazon-bedrock` catalogue hooks: what the plugin publishes into
// `models.providers["amazon-bedrock"]`.
//
// - `runCatalog` (hook `catalog.run`): live discovery through `resolveBedrockProvider`
//   (plugin config `plugins.entries["amazon-bedrock"].config.discovery`, env markers,
//   then the real credential chain), with the native discovery cache file in the
//   OpenClaw state folder so every Gateway worker and CLI process on the host shares
//   one fetched list.
// - `runStaticCatalog` (hook `staticCatalog.run`): the same list read from that cache
//   file only, no network and no credentials. Headless runs (`openclaw agent exec`,
//   `--local`) never run live discovery; this is how they know the discovered models.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const native = require('../index.js')
const { decorateError } = require('./errors.js')
const { describeModel } = require('./models.js')

const PROVIDER_ID = 'amazon-bedrock'
const API = 'bedrock-converse-stream'
const CACHE_FORMAT = 'bedrock-native/discovery-cache'

/** `plugins.entries["amazon-bedrock"].config` of an OpenClaw config, if any. */
function pluginConfigOf(config) {
  const entry = config?.plugins?.entries?.[PROVIDER_ID]?.config
  return entry && typeof entry === 'object' && !Array.isArray(entry) ? entry : undefined
}

/** A process env as the native layer takes it: string values only. */
function stringEnv(env) {
  const out = {}
  for (const [key, value] of Object.entries(env ?? process.env)) {
    if (typeof value === 'string') out[key] = value
  }
  return out
}

/** Where the shared discovery cache lives: `discovery.cacheFile` from the plugin config,
 *  else `$XDG_CACHE_HOME/bedrock-native/openclaw-discovery.json` (`~/.cache/...`). Not in
 *  the OpenClaw state folder: `openclaw agent exec` runs on a temporary one, and must still
 *  find what the Gateway discovered. */
function cacheFileFor(config, env) {
  const configured = pluginConfigOf(config)?.discovery?.cacheFile
  if (typeof configured === 'string' && configured.trim() !== '') return configured.trim()
  const home = env.HOME || os.homedir()
  const cacheHome = env.XDG_CACHE_HOME?.trim() || path.join(home, '.cache')
  return path.join(cacheHome, 'bedrock-native', 'openclaw-discovery.json')
}

/** `config` with the plugin's `discovery.cacheFile` filled in (a copy; `config` is the
 *  Gateway's live object and stays untouched). */
function withCacheFile(config, cacheFile) {
  const entries = config?.plugins?.entries ?? {}
  const entry = entries[PROVIDER_ID] ?? {}
  const pluginConfig = pluginConfigOf(config) ?? {}
  return {
    ...config,
    plugins: {
      ...config?.plugins,
      entries: {
        ...entries,
        [PROVIDER_ID]: { ...entry, config: { ...pluginConfig, discovery: { ...pluginConfig.discovery, cacheFile } } },
      },
    },
  }
}

// OpenClaw levels above `high` that its catalogue rows declare per model.
const ADVANCED_LEVELS = ['xhigh', 'max']

/** A discovered model with the thinking levels above `high` it accepts (the core's
 *  facts) as OpenClaw's `compat.supportedReasoningEfforts` + `thinkingLevelMap`: OpenClaw's
 *  level check reads the catalogue row, not only the plugin's thinking profile. */
function withThinkingCompat(model) {
  if (!model || typeof model.id !== 'string' || model.compat?.supportedReasoningEfforts) return model
  const advanced = describeModel(model.id, model.name).thinkingLevels.filter((level) => ADVANCED_LEVELS.includes(level))
  if (advanced.length === 0) return model
  // `thinkingLevelMap` makes OpenClaw pass the level itself on (without it, `max` is
  // clamped to `high` before the stream sees it).
  const thinkingLevelMap = { ...Object.fromEntries(advanced.map((level) => [level, level])), ...model.thinkingLevelMap }
  return { ...model, compat: { ...model.compat, supportedReasoningEfforts: advanced }, thinkingLevelMap }
}

/** The provider entry OpenClaw merges: the operator's explicit entry wins key by key,
 *  discovered models fill in when the operator listed none. */
function providerEntry(existing, resolved) {
  const explicit = existing && typeof existing === 'object' ? existing : {}
  const models = Array.isArray(explicit.models) && explicit.models.length > 0 ? explicit.models : resolved.models.map(withThinkingCompat)
  return { ...explicit, baseUrl: explicit.baseUrl ?? resolved.baseUrl, api: explicit.api ?? API, auth: explicit.auth ?? 'aws-sdk', models }
}

/** Hook `catalog.run`. */
async function runCatalog(ctx) {
  const env = stringEnv(ctx?.env)
  const config = ctx?.config ?? {}
  let resolved
  try {
    resolved = await native.resolveBedrockProvider({ config: withCacheFile(config, cacheFileFor(config, env)), env, mode: 'strict' })
  } catch (error) {
    throw decorateError(error)
  }
  if (!resolved) return null
  return { provider: providerEntry(config.models?.providers?.[PROVIDER_ID], resolved) }
}

/** The last discovered list on this host, from the cache file: `{ region, models }`, or
 *  null when there is none (or the file is not a discovery cache). Sync: no network. */
function readCachedModels(config, env) {
  const file = cacheFileFor(config, env)
  let cached
  try {
    cached = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    if (error.code === 'ENOENT') return null
    throw Object.assign(new Error(`amazon-bedrock: cannot read the discovery cache ${file}: ${error.message}`), { code: 'ConfigSyntax' })
  }
  if (cached?.format !== CACHE_FORMAT || !Array.isArray(cached.models) || cached.models.length === 0) return null
  const region = typeof cached.region === 'string' && cached.region ? cached.region : 'us-east-1'
  return { baseUrl: `https://bedrock-runtime.${region}.amazonaws.com`, models: cached.models }
}

/** Hook `staticCatalog.run`: the cached list (display surfaces; no network). */
async function runStaticCatalog(ctx) {
  const config = ctx?.config ?? {}
  const cached = readCachedModels(config, stringEnv(ctx?.env))
  return cached && { provider: providerEntry(config.models?.providers?.[PROVIDER_ID], cached) }
}

/** A discovered model as OpenClaw's runtime takes it (provider, api and endpoint filled). */
function runtimeModel(model, provider) {
  return { ...withThinkingCompat(model), provider: PROVIDER_ID, api: provider.api ?? API, baseUrl: provider.baseUrl }
}

/** Hook `resolveDynamicModel` (sync): a model id the runtime registry does not hold,
 *  looked up in the discovery cache. Headless runs (`agent exec`, `--local`) resolve
 *  models here: they do not run `catalog.run`. */
function resolveDynamicModel(ctx) {
  const config = ctx?.config ?? {}
  const cached = readCachedModels(config, stringEnv(process.env))
  const model = cached?.models.find((m) => m.id === ctx?.modelId)
  if (!model) return undefined
  return runtimeModel(model, providerEntry({ ...config.models?.providers?.[PROVIDER_ID], ...ctx?.providerConfig }, cached))
}

/** Hook `prepareDynamicModel` (async): discovery now (cache or AWS), then the model. */
async function prepareDynamicModel(ctx) {
  const result = await runCatalog({ config: ctx?.config ?? {}, env: process.env })
  const model = result?.provider.models.find((m) => m.id === ctx?.modelId)
  if (!model) return undefined
  return runtimeModel(model, { ...result.provider, ...ctx?.providerConfig })
}

module.exports = {
  PROVIDER_ID,
  pluginConfigOf,
  stringEnv,
  cacheFileFor,
  runCatalog,
  runStaticCatalog,
  resolveDynamicModel,
  prepareDynamicModel,
}
