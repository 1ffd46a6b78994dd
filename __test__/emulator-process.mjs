// Runs the Bedrock emulator CLI (crates/emulator) as a child process on a free port and
// drives it through its HTTP control endpoints (docs/CONTRACTS.md). Out of process on
// purpose: the clients under test (pi-ai on Node's HTTP stack, the addon on its own
// runtime) then share nothing with the server but the socket.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { spawnEmulator } = require('../scripts/emulator-process.js')
const { hostTriple } = require('../scripts/ensure-built.js')

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

function emulatorBinary() {
  const exe = process.platform === 'win32' ? 'bedrock-emulator.exe' : 'bedrock-emulator'
  const triple = hostTriple()
  const candidates = [triple && path.join(root, 'target', triple, 'debug', exe), path.join(root, 'target', 'debug', exe)]
  const existing = candidates.filter((p) => p && fs.existsSync(p))
  if (existing.length > 0) {
    // The newest build wins when both exist.
    return existing.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]
  }
  const built = spawnSync('cargo', ['build', '-p', 'bedrock-emulator'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('could not build the bedrock-emulator binary')
  return path.join(root, 'target', 'debug', exe)
}

export async function startEmulatorProcess() {
  const emu = await spawnEmulator({ command: emulatorBinary(), timeoutMs: 20000 })
  const control = async (method, name, body) => JSON.parse(await emu.control(method, name, body))
  return {
    url: emu.url,
    script: (modelId, script) => control('POST', 'script', { modelId, script }),
    requests: async () => (await control('GET', 'requests')).requests,
    connections: () => control('GET', 'connections'),
    reset: () => control('POST', 'reset', {}),
    close: emu.close,
  }
}
