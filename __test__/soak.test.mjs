// 60-second soak in `npm test` (the 30-minute one: `node scripts/soak.js --minutes 30`):
// mixed converseStream traffic (replies, tool calls, HTTP errors, drops, corrupt frames,
// stalls, aborts, early breaks) against an out-of-process emulator, sampling RSS and
// open fds each second. After a 20 s warm-up, RSS must stay within 48 MiB of its first
// post-warm-up window and fds within 64 of the warm-up peak; every stream must end with
// exactly one terminal event.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { runSoak, summary } = require('../scripts/soak.js')

test('60 s of mixed traffic: RSS and open fds stay flat after warm-up', { timeout: 150000 }, async () => {
  const outcome = await runSoak({ seconds: 60, concurrency: 24, warmupSeconds: 20, sampleMs: 1000 })
  const text = summary(outcome)
  console.log(text.split('\n').map((l) => `# soak: ${l}`).join('\n'))
  assert.deepEqual(outcome.anomalies, [])
  assert.ok(outcome.verdict.requests > 100, 'the soak did too little to mean anything')
  assert.ok(outcome.verdict.ok, text)
})
