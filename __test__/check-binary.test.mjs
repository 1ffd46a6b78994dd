// scripts/check-binary.js, the release check of a built binary: it must read each
// format's CPU from the header and refuse a binary of the wrong kind, so a mislabelled
// artifact never reaches a platform package.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const { checkBinary, readHeader } = createRequire(import.meta.url)('../scripts/check-binary.js')
const built = path.join(root, 'bedrock-native.linux-x64-gnu.node')
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

function withFile(bytes, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bedrock-native-check-'))
  try {
    const file = path.join(dir, 'x.node')
    fs.writeFileSync(file, bytes)
    return fn(file)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

test('the built addon is read as a 64-bit x64 ELF shared object, and refused as arm64', { skip: !onLinuxX64 && 'built binary named for linux-x64-gnu' }, () => {
  assert.deepEqual(readHeader(built), { format: 'elf', bits: 64, arch: 'x64', shared: true })
  assert.throws(() => checkBinary(built, 'aarch64-unknown-linux-gnu'), /is built for x64, expected arm64/)
  assert.throws(() => checkBinary(built, 'x86_64-apple-darwin'), /is elf, expected macho/)
})

test('Mach-O and PE headers give their CPU; other files are refused', () => {
  const macho = Buffer.alloc(32)
  macho.writeUInt32LE(0xfeedfacf, 0)
  macho.writeUInt32LE(0x0100000c, 4) // CPU_TYPE_ARM64
  macho.writeUInt32LE(6, 12) // MH_DYLIB
  withFile(macho, (file) => assert.deepEqual(readHeader(file), { format: 'macho', bits: 64, arch: 'arm64', shared: true }))

  const pe = Buffer.alloc(256)
  pe.write('MZ', 0, 'latin1')
  pe.writeUInt32LE(128, 60)
  pe.write('PE\0\0', 128, 'latin1')
  pe.writeUInt16LE(0x8664, 132)
  pe.writeUInt16LE(0x2000 | 0x0002, 150) // IMAGE_FILE_DLL | EXECUTABLE_IMAGE
  withFile(pe, (file) => {
    assert.deepEqual(readHeader(file), { format: 'pe', bits: 64, arch: 'x64', shared: true })
    assert.throws(() => checkBinary(file, 'aarch64-apple-darwin'), /is pe, expected macho/)
  })

  withFile('not a binary', (file) => {
    assert.deepEqual(readHeader(file), { format: 'unknown' })
    assert.throws(() => checkBinary(file, 'x86_64-unknown-linux-musl'), /is unknown, expected elf/)
    assert.throws(() => checkBinary(file), /cannot tell the target from the name/)
  })
})
