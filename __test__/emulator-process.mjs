// Runs the Bedrock emulator CLI (crates/emulator) as a child process on a free port and
// drives it through its HTTP control endpoints (docs/CONTRACTS.md). Out of process on
// purpose: the clients under test (pi-ai on Node's HTTP stack, the addon on its own
// runtime) then share nothing with the server but the socket.

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

function hostTriple() {
  const out = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
  return /^host: (\S+)$/m.exec(out.stdout || '')?.[1]
}

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
  const child = spawn(emulatorBinary(), ['--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 20000)
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}: ${out}`)))
  })
  const control = async (method, name, body) => {
    const response = await fetch(`${url}/__emulator/${name}`, {
      method,
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await response.json()
    if (!response.ok) throw new Error(`emulator ${name}: ${JSON.stringify(json)}`)
    return json
  }
  return {
    url,
    script: (modelId, script) => control('POST', 'script', { modelId, script }),
    requests: async () => (await control('GET', 'requests')).requests,
    connections: () => control('GET', 'connections'),
    reset: () => control('POST', 'reset', {}),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill()
      }),
  }
}
