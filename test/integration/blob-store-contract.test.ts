import { after, afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { buffer, text } from 'node:stream/consumers'
import { AppError } from '../../src/errors.js'
import type { BlobEntry, UploadLeftover } from '../../src/registry/ports.js'
import { createBlobStoreVariants, type OpenedTestBlobStore } from '../helpers/blob-store-variants.js'

const MIB = 1024 * 1024
const variants = createBlobStoreVariants()
after(() => variants.close())

const sha256Of = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')
const sha512Of = (bytes: Buffer | string) => createHash('sha512').update(bytes).digest('hex')
const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code

/** `bytes` in chunks of 64 KiB, as a socket delivers them. */
function chunked(bytes: Buffer): Readable {
  const chunks: Buffer[] = []
  for (let offset = 0; offset < bytes.length; offset += 65_536) chunks.push(bytes.subarray(offset, offset + 65_536))
  return Readable.from(chunks)
}

/** Sends `bytes`, then fails like a client that went away. */
function failingAfter(bytes: Buffer): Readable {
  let sent = false
  return new Readable({
    read() {
      if (sent) {
        this.destroy(new Error('client went away'))
        return
      }
      sent = true
      for (let offset = 0; offset < bytes.length; offset += 65_536) this.push(bytes.subarray(offset, offset + 65_536))
    },
  })
}

async function all<T>(pages: AsyncIterable<readonly T[]>): Promise<T[]> {
  const items: T[] = []
  for await (const page of pages) items.push(...page)
  return items
}

for (const variant of variants.all) {
  describe(`blob store contract (${variant.name})`, () => {
    let opened: OpenedTestBlobStore
    const leftovers = (): Promise<UploadLeftover[]> => all(opened.blobs.listLeftovers())
    const listed = (): Promise<BlobEntry[]> => all(opened.blobs.listBlobs())
    beforeEach(async () => { opened = await variant.open() })
    afterEach(() => opened.close())

    it('stores a stream under its sha256 with both digests and the size, and reads it whole or by range', async () => {
      const body = 'hello packyard'
      const stored = await opened.blobs.put(Readable.from([Buffer.from('hello '), Buffer.from('packyard')]), { maxBytes: 1024 })
      assert.deepEqual(stored, { sha256: sha256Of(body), sha512: sha512Of(body), size: body.length })
      assert.equal(await opened.blobs.stat(stored.sha256), body.length)
      assert.equal(await text((await opened.blobs.open(stored.sha256))!), body)
      assert.equal(await text((await opened.blobs.open(stored.sha256, { start: 6, end: 8 }))!), 'pac')
      assert.equal(await text((await opened.blobs.open(stored.sha256, { start: 13, end: 13 }))!), 'd')
      assert.deepEqual(await leftovers(), [])
    })

    it('stores an empty body', async () => {
      const stored = await opened.blobs.put(Readable.from([]), { maxBytes: 1024 })
      assert.deepEqual(stored, { sha256: sha256Of(''), sha512: sha512Of(''), size: 0 })
      assert.equal(await opened.blobs.stat(stored.sha256), 0)
    })

    it('stores identical content once and leaves no temporary upload', async () => {
      const a = await opened.blobs.put(Readable.from([Buffer.from('same')]), { maxBytes: 1024 })
      const b = await opened.blobs.put(Readable.from([Buffer.from('same')]), { maxBytes: 1024 })
      assert.deepEqual(a, b)
      assert.deepEqual((await listed()).map((entry) => entry.sha256), [a.sha256])
      assert.deepEqual(await leftovers(), [])
    })

    it('stores a multi-part upload of 6 MiB with the digests of node:crypto', async () => {
      const bytes = randomBytes(6 * MIB)
      const stored = await opened.blobs.put(chunked(bytes), { maxBytes: 8 * MIB })
      assert.deepEqual(stored, { sha256: sha256Of(bytes), sha512: sha512Of(bytes), size: bytes.length })
      assert.equal(sha256Of(await buffer((await opened.blobs.open(stored.sha256))!)), stored.sha256)
      // A range across the 5 MiB part boundary.
      const across = await buffer((await opened.blobs.open(stored.sha256, { start: 5 * MIB - 10, end: 5 * MIB + 9 }))!)
      assert.deepEqual(across, bytes.subarray(5 * MIB - 10, 5 * MIB + 10))
      assert.deepEqual(await leftovers(), [])
    })

    it('refuses a body over the cap and leaves nothing behind', async () => {
      await assert.rejects(opened.blobs.put(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { maxBytes: 1000 }), isCode('payload_too_large'))
      assert.deepEqual(await leftovers(), [])
      assert.deepEqual(await listed(), [])
    })

    it('refuses a multi-part body over the cap and aborts what it had uploaded', async () => {
      await assert.rejects(opened.blobs.put(chunked(randomBytes(6 * MIB)), { maxBytes: 5 * MIB + 65_536 }), isCode('payload_too_large'))
      assert.deepEqual(await leftovers(), [])
      assert.deepEqual(await listed(), [])
    })

    it('leaves nothing when the body fails midway, in the first part or after several', async () => {
      await assert.rejects(opened.blobs.put(failingAfter(Buffer.from('partial')), { maxBytes: 1024 }), /client went away/)
      await assert.rejects(opened.blobs.put(failingAfter(randomBytes(6 * MIB)), { maxBytes: 8 * MIB }), /client went away/)
      assert.deepEqual(await leftovers(), [])
      assert.deepEqual(await listed(), [])
      assert.equal(await opened.blobs.stat(sha256Of('partial')), undefined)
    })

    it('answers undefined for a missing blob, and deletes idempotently', async () => {
      const missing = '0'.repeat(64)
      assert.equal(await opened.blobs.open(missing), undefined)
      assert.equal(await opened.blobs.stat(missing), undefined)
      assert.equal(await opened.blobs.describeBlob(missing), undefined)
      await opened.blobs.delete(missing)
      const stored = await opened.blobs.put(Readable.from([Buffer.from('doomed')]), { maxBytes: 1024 })
      await opened.blobs.delete(stored.sha256)
      assert.equal(await opened.blobs.stat(stored.sha256), undefined)
      assert.equal(await opened.blobs.open(stored.sha256), undefined)
    })

    it('refuses a name that is not a sha256', async () => {
      for (const name of ['../../etc/passwd', 'A'.repeat(64), `${'0'.repeat(63)}/`]) {
        await assert.rejects(opened.blobs.stat(name), isCode('request_invalid'), name)
        await assert.rejects(opened.blobs.open(name), isCode('request_invalid'), name)
        await assert.rejects(opened.blobs.delete(name), isCode('request_invalid'), name)
      }
    })

    it('lists and describes stored blobs with their size and age', async () => {
      const before = Date.now()
      const stored = await opened.blobs.put(Readable.from([Buffer.from('listed')]), { maxBytes: 1024 })
      const entries = await listed()
      assert.deepEqual(entries.map(({ sha256, size }) => ({ sha256, size })), [{ sha256: stored.sha256, size: 6 }])
      const described = await opened.blobs.describeBlob(stored.sha256)
      assert.equal(described?.size, 6)
      // S3 keeps whole seconds.
      assert.ok(described.modifiedAtMs >= before - 1000 && described.modifiedAtMs <= Date.now() + 1000)
    })
  })
}
