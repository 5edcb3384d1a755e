import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { joinUtf8 } from './join-utf8.js'

describe('joinUtf8', () => {
  it('writes the pieces\' UTF-8 bytes one after another, multi-byte characters included', () => {
    const pieces = ['{"a":', '"héllo ✓ 𝄞"', ',"b":[]', '', '}']
    const joined = joinUtf8(pieces)
    assert.deepEqual(joined, Buffer.from(pieces.join('')))
    assert.equal(joined.length, Buffer.byteLength(pieces.join('')))
  })

  it('makes an empty buffer of no pieces', () => {
    assert.equal(joinUtf8([]).length, 0)
  })
})
