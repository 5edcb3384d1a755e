import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { definedOnly } from './defined-only.js'

describe('definedOnly', () => {
  it('drops the undefined properties and keeps every other value, null and false included', () => {
    const kept = definedOnly({ a: 'x', b: undefined, c: null, d: false, e: 0, f: '' })
    assert.deepEqual(kept, { a: 'x', c: null, d: false, e: 0, f: '' })
    assert.equal(Object.hasOwn(kept, 'b'), false)
  })
})
