import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { digestStream } from './digesting-meter.js'

describe('digestStream', () => {
  it('gives the sha256, sha512 and size of a stream read to its end, as node:crypto does', async () => {
    const chunks = [Buffer.alloc(70_000, 1), Buffer.from('tail'), Buffer.alloc(0)]
    const whole = Buffer.concat(chunks)
    assert.deepEqual({ ...(await digestStream(Readable.from(chunks))) }, {
      sha256: createHash('sha256').update(whole).digest('hex'),
      sha512: createHash('sha512').update(whole).digest('hex'),
      size: whole.length,
    })
  })
})
