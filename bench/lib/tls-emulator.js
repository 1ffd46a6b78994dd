'use strict'
// The emulator of W6/W7, serving HTTPS (ALPN h2 and http/1.1) with the throwaway CA's
// server certificate: `node bench/lib/tls-emulator.js <options.json>`, the options being
// the emulator's JSON config (its `tls` field holds the PEMs). The emulator compiled into
// the addon (NAPI_RS_NATIVE_LIBRARY_PATH pins which), as `js/cli.js emulator` runs it,
// in a process of its own; prints "listening on <url>" and runs until SIGTERM.

const fs = require('node:fs')
const { startEmulator } = require('../../js/index.js')

async function main() {
  const options = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  const emu = await startEmulator(options)
  process.stdout.write(`Bedrock emulator listening on ${emu.url}\n`)
  // The server runs on the addon's threads, which do not keep the event loop alive.
  const keepAlive = setInterval(() => {}, 1 << 30)
  await new Promise((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(keepAlive)
  await emu.close()
}

main().catch((error) => {
  process.stderr.write(`tls-emulator: ${error?.stack ?? error}\n`)
  process.exit(1)
})
