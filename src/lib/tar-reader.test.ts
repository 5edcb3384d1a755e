import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildTar } from '../../test/helpers/npm-tarball.js'
import { AppError } from '../errors.js'
import { createTarParser, type TarEntry } from './tar-reader.js'

interface Read { entries: TarEntry[]; contents: Map<string, string> }

function read(archive: Buffer, options: { chunk?: number; maxEntries?: number; maxPathBytes?: number } = {}): Read {
  const entries: TarEntry[] = []
  const contents = new Map<string, string>()
  const parser = createTarParser({
    maxEntries: options.maxEntries ?? 100,
    maxPathBytes: options.maxPathBytes ?? 4096,
    onEntry(entry) {
      entries.push(entry)
      contents.set(entry.path, '')
      return (chunk) => { contents.set(entry.path, (contents.get(entry.path) ?? '') + chunk.toString('utf8')) }
    },
  })
  const step = options.chunk ?? archive.length
  for (let offset = 0; offset < archive.length; offset += step) parser.write(archive.subarray(offset, offset + step))
  parser.end()
  return { entries, contents }
}

const isInvalid = (pattern: RegExp) => (error: unknown) => error instanceof AppError && error.code === 'request_invalid' && pattern.test(error.message)

describe('createTarParser', () => {
  const archive = buildTar([
    { path: 'package/package.json', content: '{"name":"x"}' },
    { path: 'package/lib', type: '5' },
    { path: `package/${'deep/'.repeat(30)}file.js`, content: 'long path via pax' },
    { path: 'package/empty.txt', content: '' },
  ])

  it('reads entries, their types and contents, with pax paths longer than 100 bytes', () => {
    const { entries, contents } = read(archive)
    assert.deepEqual(entries.map((entry) => [entry.path, entry.type, entry.size]), [
      ['package/package.json', 'file', 12],
      ['package/lib', 'directory', 0],
      [`package/${'deep/'.repeat(30)}file.js`, 'file', 17],
      ['package/empty.txt', 'file', 0],
    ])
    assert.equal(contents.get('package/package.json'), '{"name":"x"}')
  })

  for (const chunk of [1, 7, 511, 512, 513]) {
    it(`gives the same result fed ${String(chunk)} bytes at a time`, () => {
      assert.deepEqual(read(archive, { chunk }), read(archive))
    })
  }

  it('reads what GNU tar writes, in pax and gnu formats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-reader-'))
    try {
      const long = `package/${'x'.repeat(120)}/${'y'.repeat(120)}.js`
      mkdirSync(join(dir, long, '..'), { recursive: true })
      writeFileSync(join(dir, long), 'gnu')
      writeFileSync(join(dir, 'package/package.json'), '{}')
      // Not ustar: it cannot hold a 250-byte path.
      for (const format of ['pax', 'gnu']) {
        const tar = execFileSync('tar', [`--format=${format}`, '-cf', '-', '-C', dir, 'package'])
        const { entries, contents } = read(tar, { chunk: 1000 })
        assert.ok(entries.some((entry) => entry.path === long), format)
        assert.equal(contents.get(long), 'gnu')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses a header whose checksum does not match', () => {
    const broken = Buffer.from(archive)
    broken[0] = 0x41
    assert.throws(() => read(broken), isInvalid(/checksum/))
  })

  it('refuses an archive that ends inside an entry', () => {
    assert.throws(() => read(archive.subarray(0, 700)), isInvalid(/ends inside an entry/))
  })

  it('refuses more entries than allowed, and paths longer than allowed', () => {
    assert.throws(() => read(archive, { maxEntries: 3 }), isInvalid(/more than 3 entries/))
    assert.throws(() => read(archive, { maxPathBytes: 50 }), isInvalid(/path is too long/))
  })

  it('accepts an archive without the end-of-archive blocks, as GNU tar does', () => {
    assert.equal(read(archive.subarray(0, archive.length - 1024)).entries.length, 4)
  })

  it('reads a GNU base-256 size', () => {
    const single = buildTar([{ path: 'a', content: 'abc' }])
    single.fill(0, 124, 136)
    single[124] = 0x80
    single[135] = 3
    single.fill(0x20, 148, 156)
    let sum = 0
    for (const byte of single.subarray(0, 512)) sum += byte
    single.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    assert.equal(read(single).contents.get('a'), 'abc')
  })
})
