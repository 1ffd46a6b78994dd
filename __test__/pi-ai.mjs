// The pi-ai the differential suites compare against: `@earendil-works/pi-ai` from the
// dev dependencies (1.6.x), or another copy named by BEDROCK_NATIVE_PI_AI_DIR (the folder
// holding its package.json), so a newer release is a measured diff, not a rewrite.
// pi-ai 1.6 needs Node >= 22.19: `npm test` runs the suites under Node 24.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

export const piAiDir = process.env.BEDROCK_NATIVE_PI_AI_DIR
  ? path.resolve(process.env.BEDROCK_NATIVE_PI_AI_DIR)
  : path.join(root, 'node_modules', '@earendil-works', 'pi-ai')

export const piAiPackage = JSON.parse(fs.readFileSync(path.join(piAiDir, 'package.json'), 'utf8'))

/** `name@version` of the pi-ai under comparison, for test titles and messages. */
export const piAiVersion = `${piAiPackage.name}@${piAiPackage.version}`

/** The file an `import` of `<pi-ai><subpath>` loads, per the package's `exports` map. */
export function piAiFile(subpath = '.') {
  const key = subpath === '.' || subpath.startsWith('./') ? subpath : `./${subpath}`
  for (const [pattern, target] of Object.entries(piAiPackage.exports ?? {})) {
    const file = typeof target === 'string' ? target : target.import ?? target.default
    if (pattern === key) return path.join(piAiDir, file)
    const star = pattern.indexOf('*')
    if (star >= 0 && key.startsWith(pattern.slice(0, star)) && key.endsWith(pattern.slice(star + 1))) {
      const middle = key.slice(star, key.length - (pattern.length - star - 1))
      return path.join(piAiDir, file.replace('*', middle))
    }
  }
  throw new Error(`${piAiVersion} exports no ${key}`)
}

/** `import()` of a pi-ai entry point (`'.'`, `'compat'`, `'api/bedrock-converse-stream'`, ...). */
export function importPiAi(subpath = '.') {
  return import(pathToFileURL(piAiFile(subpath)).href)
}

/**
 * Points both sides of a side-by-side run at a loopback Bedrock and nothing else: the
 * AWS SDK for JS under pi-ai and this package read the same process environment, so the
 * credentials are the emulator's, HTTP/1.1 is forced (loopback servers here speak it), and
 * every variable that would add auth, caching or a proxy to one side only is removed.
 */
export function useLoopbackAwsEnv({ accessKeyId = 'AKIDEMULATORTEST0001', secretAccessKey = 'emulator/secret/key/0000000000000000000000', region = 'us-east-1' } = {}) {
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: region,
    AWS_BEDROCK_FORCE_HTTP1: '1',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  })
  for (const name of [
    'AWS_PROFILE',
    'AWS_BEARER_TOKEN_BEDROCK',
    'AWS_SESSION_TOKEN',
    'AWS_DEFAULT_REGION',
    'PI_CACHE_RETENTION',
    'AWS_BEDROCK_FORCE_CACHE',
    'AWS_BEDROCK_SKIP_AUTH',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
  ]) {
    delete process.env[name]
  }
}
