import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPackumentCache } from './packument-cache.js'

/** A built document whose ETag names its body, so a test can tell which one it got. */
const doc = (body: string | Buffer) => ({ body: Buffer.from(body), etag: `"etag of ${Buffer.from(body).toString()}"` })

describe('createPackumentCache', () => {
  it('serves a document only for the revision it was built from', () => {
    const cache = createPackumentCache()
    const kept = cache.set('r|a|full', 3, doc('{"name":"a"}'))
    assert.equal(kept.etag, '"etag of {"name":"a"}"')
    assert.equal(cache.get('r|a|full', 3)?.body.toString(), '{"name":"a"}')
    assert.equal(cache.get('r|a|full', 4), undefined)
    cache.set('r|a|full', 4, doc('{"name":"a","v":2}'))
    assert.equal(cache.get('r|a|full', 3), undefined)
    assert.equal(cache.get('r|a|full', 4)?.body.toString(), '{"name":"a","v":2}')
  })

  it('stays within its byte bound, dropping the oldest first', () => {
    const cache = createPackumentCache(100)
    cache.set('a', 1, doc(Buffer.alloc(40)))
    cache.set('b', 1, doc(Buffer.alloc(40)))
    cache.set('c', 1, doc(Buffer.alloc(40)))
    assert.equal(cache.get('a', 1), undefined)
    assert.ok(cache.get('b', 1))
    assert.ok(cache.get('c', 1))
    // Larger than the whole cache: returned for this answer, never kept.
    assert.ok(cache.set('d', 1, doc(Buffer.alloc(101))).etag)
    assert.equal(cache.get('d', 1), undefined)
    assert.ok(cache.get('c', 1))
  })
})
