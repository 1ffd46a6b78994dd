'use strict'
// A small in-process memo in front of the native discovery cache.
//
// A native cache hit is cheap in Rust (a few µs) but crossing into JS is not: every call
// is an async napi task plus building ~70 model objects, hundreds of µs. A gateway asks
// for its model list on every config reload and many requests, so a fresh answer is kept
// here for the same TTL (`refreshInterval`) and the same key (the options and the
// credential/region environment the native key is built from). Everything else — stale
// fallbacks, partial results, the disk cache, single-flight fetches — stays native: only
// a complete, freshly fetched list is memoised, and only until it would expire natively.
// Cache hits share the model objects (a new array each time, like the gateway's own cache).

const DEFAULT_REFRESH_SECONDS = 3600

// What the native cache key takes from the process environment (credential identity and
// region). Values stay in this process's memory, as in process.env itself.
// Each process.env read is a getenv through V8's interceptor (~0.5-1 µs), so only the
// variables that pick the credential identity and the region are read.
const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK', 'AWS_REGION', 'AWS_DEFAULT_REGION']

function memoKey(options) {
  let text
  try {
    text = JSON.stringify(options ?? null)
  } catch {
    return undefined // cyclic or BigInt: the native call reports it
  }
  return `${text}\u0001${ENV_KEYS.map((k) => process.env[k] ?? '').join('\u0000')}`
}

/** Milliseconds a fresh list may be served, as the native cache computes it (0 = never). */
function ttlMs(options) {
  const r = options?.refreshInterval
  if (r === undefined || r === null) return DEFAULT_REFRESH_SECONDS * 1000
  if (typeof r !== 'number' || Number.isNaN(r) || r < 1) return 0
  return Number.isFinite(r) ? Math.floor(r) * 1000 : Infinity
}

function createDiscovery({ discoverModelsDetailed: nativeDetailed, clearDiscoveryCache: nativeClear }) {
  const memo = new Map()

  async function discoverModelsDetailed(options) {
    const key = memoKey(options)
    if (key !== undefined) {
      const hit = memo.get(key)
      if (hit && hit.expiresAt > Date.now()) {
        return { ...hit.result, models: hit.result.models.slice(), fromCache: true }
      }
    }
    const result = await nativeDetailed(options)
    if (key !== undefined) {
      const ttl = ttlMs(options)
      if (ttl > 0 && !result.fromCache && !result.stale && !result.partial) {
        memo.set(key, { expiresAt: Date.now() + ttl, result: { ...result, models: result.models.slice() } })
      } else {
        memo.delete(key)
      }
    }
    return result
  }

  async function discoverModels(options) {
    return (await discoverModelsDetailed(options)).models
  }

  function clearDiscoveryCache() {
    memo.clear()
    return nativeClear()
  }

  return { discoverModels, discoverModelsDetailed, clearDiscoveryCache }
}

module.exports = { createDiscovery }
