import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { uuidV7 } from './uuid-v7.js'

describe('uuidV7', () => {
  it('is a version 7, variant 10 UUID carrying the time', () => {
    const id = uuidV7(0x0190a3c27b4e)
    assert.match(id, /^0190a3c2-7b4e-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('sorts by time, and is unique within a millisecond', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidV7(1_700_000_000_000 + Math.floor(i / 100)))
    assert.equal(new Set(ids).size, ids.length)
    for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 100]! < ids[i]!, 'a later millisecond sorts after an earlier one')
  })
})
