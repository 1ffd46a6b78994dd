// ESM entry: the same API as the CommonJS entry (js/index.js), as named exports. The
// CommonJS module is loaded once, so `import` and `require` in one process share the
// native addon, the discovery cache and pi-ai registrations.
//
// Keep this list in step with js/index.js: __test__/esm-cjs.test.mjs fails when an
// export exists on one side only.

import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const api = require('./index.js')

export default api

export const {
  // streaming (pi-ai StreamFunction contract)
  converseStream,
  converseStreamSimple,
  complete,
  converseStreamRaw,
  AssistantMessageEventStream,
  // pi-ai registry drop-in
  registerBedrockNative,
  bedrockNativeStreams,
  BEDROCK_API,
  // model discovery and the gateway's provider entry
  discoverModels,
  discoverModelsDetailed,
  clearDiscoveryCache,
  resolveBedrockProvider,
  // credentials and configuration
  detectAuthMarker,
  probeCredentials,
  loadConfig,
  // request building
  buildConverseRequest,
  buildSimpleConverseRequest,
  // model facts (js/models.js)
  describeModel,
  // emulator
  startEmulator,
  Emulator,
  JsEmulator,
  // low level
  startConverseStream,
  JsConverseStream,
  StreamHub,
  JsStreamHub,
  decorateError,
  __napiBindingTarget,
} = api
