import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createDigestWorkerPool, type DigestStream } from './digest-worker-pool.js'

const expected = (bytes: Buffer) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  sha512: createHash('sha512').update(bytes).digest('hex'),
})

/** Feeds `bytes` in chunks of `chunkSize`, waiting whenever the stream asks to. Returns how often it asked. */
async function feed(stream: DigestStream, bytes: Buffer, chunkSize: number): Promise<number> {
  let waits = 0
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    const wait = stream.update(bytes.subarray(offset, offset + chunkSize))
    if (wait !== undefined) {
      waits += 1
      await wait
    }
  }
  return waits
}

describe('createDigestWorkerPool', () => {
  const pool = createDigestWorkerPool()
  after(() => pool.close())

  it('gives the digests of node:crypto for empty, small and batch-straddling inputs', async () => {
    for (const size of [0, 1, 1000, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 700_001]) {
      const bytes = randomBytes(size)
      for (const chunkSize of [1 + (size >> 3), 65_536]) {
        const stream = pool.open()
        await feed(stream, bytes, Math.max(1, chunkSize))
        assert.deepEqual(await stream.digest(), expected(bytes), `size ${String(size)}, chunks of ${String(chunkSize)}`)
      }
    }
  })

  it('copies what it is given: the caller may reuse its buffer at once', async () => {
    const bytes = randomBytes(300_000)
    const scratch = Buffer.alloc(1000)
    const stream = pool.open()
    for (let offset = 0; offset < bytes.length; offset += scratch.length) {
      bytes.copy(scratch, 0, offset, offset + scratch.length)
      await stream.update(scratch)
      scratch.fill(0)
    }
    assert.deepEqual(await stream.digest(), expected(bytes))
  })

  it('keeps concurrent streams apart', async () => {
    const inputs = [randomBytes(2_000_000), randomBytes(1_500_000), randomBytes(10)]
    const streams = inputs.map(() => pool.open())
    await Promise.all(inputs.map((bytes, i) => feed(streams[i]!, bytes, 48_000)))
    const digests = await Promise.all(streams.map((stream) => stream.digest()))
    assert.deepEqual(digests, inputs.map(expected))
  })

  it('asks a fast writer to wait instead of queueing without bound', async () => {
    const bytes = randomBytes(24 * 1024 * 1024)
    const stream = pool.open()
    const waits = await feed(stream, bytes, 1024 * 1024)
    assert.ok(waits > 0, 'a 24 MiB burst never had to wait for the worker')
    assert.deepEqual(await stream.digest(), expected(bytes))
  })

  it('forgets an aborted stream and keeps serving others', async () => {
    const aborted = pool.open()
    await feed(aborted, randomBytes(500_000), 65_536)
    aborted.abort()
    const bytes = randomBytes(1234)
    const stream = pool.open()
    await feed(stream, bytes, 100)
    assert.deepEqual(await stream.digest(), expected(bytes))
  })
})
