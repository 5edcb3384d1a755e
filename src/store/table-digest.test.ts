import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTableDigest, toCell, type Cell } from './table-digest.js'

const digestOf = (rows: readonly Cell[][]) => {
  const digest = createTableDigest()
  for (const row of rows) digest.add(row)
  return digest.value()
}

describe('table digests', () => {
  it('carries integers from either dialect as the same decimal text, exactly beyond 2^53', () => {
    assert.equal(toCell(9_007_199_254_740_993n, 't.c'), '9007199254740993')
    assert.equal(toCell('9007199254740993', 't.c'), '9007199254740993')
    assert.equal(toCell(42, 't.c'), '42')
    assert.equal(toCell(null, 't.c'), null)
    assert.equal(toCell('{"a":"ü"}', 't.c'), '{"a":"ü"}')
  })

  it('refuses values no column of the schema holds instead of converting them', () => {
    assert.throws(() => toCell(1.5, 'packages.size'), /packages.size holds the number 1.5/)
    assert.throws(() => toCell(Buffer.from('x'), 'packages.metadata'), /binary data/)
  })

  it('does not depend on row order, and counts duplicates', () => {
    const rows: Cell[][] = [['1', 'a'], ['2', 'b'], ['3', null]]
    assert.equal(digestOf(rows), digestOf([...rows].reverse()))
    assert.notEqual(digestOf(rows), digestOf([...rows, ['1', 'a']]))
  })

  it('tells null from the text "null", and cell boundaries from the cells\' contents', () => {
    assert.notEqual(digestOf([['x', null]]), digestOf([['x', 'null']]))
    assert.notEqual(digestOf([['ab', 'c']]), digestOf([['a', 'bc']]))
  })
})
