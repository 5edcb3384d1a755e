import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { AppError } from '../errors.js'
import { openFsBlobStore, type FsBlobStore } from './fs-blob-store.js'

describe('openFsBlobStore', () => {
  let root = ''
  let blobs: FsBlobStore
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'packyard-blobs-'))
    blobs = await openFsBlobStore(root)
  })
  after(async () => rm(root, { recursive: true, force: true }))

  it('stores a stream under its sha256 with both digests and the size', async () => {
    const body = 'hello packyard'
    const stored = await blobs.put(Readable.from([Buffer.from('hello '), Buffer.from('packyard')]), { maxBytes: 1024 })
    assert.equal(stored.sha256, createHash('sha256').update(body).digest('hex'))
    assert.equal(stored.sha512, createHash('sha512').update(body).digest('hex'))
    assert.equal(stored.size, body.length)
    assert.equal(await blobs.stat(stored.sha256), body.length)
    assert.equal(await text((await blobs.open(stored.sha256))!), body)
    assert.equal(await text((await blobs.open(stored.sha256, { start: 6, end: 8 }))!), 'pac')
  })

  it('stores identical content once', async () => {
    const a = await blobs.put(Readable.from([Buffer.from('same')]), { maxBytes: 1024 })
    const b = await blobs.put(Readable.from([Buffer.from('same')]), { maxBytes: 1024 })
    assert.equal(a.sha256, b.sha256)
    assert.deepEqual(await readdir(join(root, 'tmp')), [])
  })

  it('makes a stored blob young again when the same content is put again (for the grace period of gc)', async () => {
    const stored = await blobs.put(Readable.from([Buffer.from('again')]), { maxBytes: 1024 })
    const path = join(root, 'sha256', stored.sha256.slice(0, 2), stored.sha256)
    const longAgo = new Date(Date.now() - 24 * 3_600_000)
    await utimes(path, longAgo, longAgo)
    await blobs.put(Readable.from([Buffer.from('again')]), { maxBytes: 1024 })
    assert.ok((await blobs.describeBlob(stored.sha256))!.modifiedAtMs > Date.now() - 60_000)
  })

  it('refuses a body over the cap and leaves nothing behind', async () => {
    await assert.rejects(
      blobs.put(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxBytes: 1000 }),
      (error: unknown) => error instanceof AppError && error.code === 'payload_too_large',
    )
    assert.deepEqual(await readdir(join(root, 'tmp')), [])
  })

  it('leaves no blob when the body fails midway', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'))
        this.destroy(new Error('client went away'))
      },
    })
    await assert.rejects(blobs.put(failing, { maxBytes: 1024 }), /client went away/)
    assert.deepEqual(await readdir(join(root, 'tmp')), [])
    assert.equal(await blobs.stat(createHash('sha256').update('partial').digest('hex')), undefined)
  })

  it('sweeps temporary files left by a crash', async () => {
    await writeFile(join(root, 'tmp', 'orphan.part'), 'half an upload')
    assert.equal(await blobs.sweepTemporaryFiles(), 1)
    assert.deepEqual(await readdir(join(root, 'tmp')), [])
  })

  it('refuses a path that is not a sha256', async () => {
    await assert.rejects(blobs.stat('../../etc/passwd'), (error: unknown) => error instanceof AppError && error.code === 'request_invalid')
  })

  it('returns undefined for a missing blob', async () => {
    assert.equal(await blobs.open('0'.repeat(64)), undefined)
  })
})
