'use strict'
// Starts a Bedrock emulator in a process of its own and drives it through its HTTP
// control endpoints (docs/CONTRACTS.md). Shared by the out-of-process test suites and the
// benchmarks: the clients under test then share nothing with the server but the socket.

const { spawn } = require('node:child_process')

/**
 * Spawns `command args` (the `bedrock-emulator` binary, or `js/cli.js emulator`), waits
 * for its "listening on <url>" line, and returns `{ url, pid, control, close }`.
 * `control(method, name, body?)` resolves with the response text of `/__emulator/<name>`
 * (`ca`: the PEM CA an https:// emulator's certificate is signed by).
 */
async function spawnEmulator({ command, args = ['--port', '0'], env = {}, cwd, timeoutMs = 30_000, ca }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), timeoutMs)
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (https?:\/\/\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`emulator exited with ${code}: ${out}`))
    })
  })
  // Keep draining stdout so a chatty emulator never blocks on a full pipe.
  child.stdout.resume()
  // An https:// emulator (a throwaway CA's certificate, PEM `ca`): node:https, which takes
  // the CA per request; fetch trusts only what the process started with.
  const controlTls = (method, name, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const headers = { 'content-type': 'application/json', connection: 'close' }
      if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload)
      const request = require('node:https').request(`${url}/__emulator/${name}`, { method, ca, headers }, (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () => {
          if (response.statusCode >= 200 && response.statusCode < 300) resolve(text)
          else reject(new Error(`emulator ${name}: ${response.statusCode} ${text.slice(0, 300)}`))
        })
      })
      request.once('error', reject)
      request.end(payload)
    })
  const control = async (method, name, body) => {
    if (ca !== undefined) return controlTls(method, name, body)
    const response = await fetch(`${url}/__emulator/${name}`, {
      method,
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`emulator ${name}: ${response.status} ${text.slice(0, 300)}`)
    return text
  }
  return {
    url,
    pid: child.pid,
    control,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', resolve)
        child.kill()
      }),
  }
}

module.exports = { spawnEmulator }
