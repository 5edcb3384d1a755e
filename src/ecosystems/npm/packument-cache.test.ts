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

  it('builds a document once for the requests that arrive while it is built, and again for a new revision', async () => {
    const cache = createPackumentCache()
    let builds = 0
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    const build = async () => {
      builds += 1
      await gate
      return doc(`{"build":${String(builds)}}`)
    }
    const waiting = [cache.getOrBuild('k', 1, build), cache.getOrBuild('k', 1, build), cache.getOrBuild('k', 1, build)]
    release()
    const answers = await Promise.all(waiting)
    assert.equal(builds, 1)
    assert.deepEqual(answers.map((answer) => answer?.body.toString()), ['{"build":1}', '{"build":1}', '{"build":1}'])
    assert.equal((await cache.getOrBuild('k', 1, build))?.body.toString(), '{"build":1}', 'then served from the cache')
    assert.equal((await cache.getOrBuild('k', 2, build))?.body.toString(), '{"build":2}')
    assert.equal(builds, 2)
  })

  it('shares a failed build\'s error with its waiters, and tries again on the next request', async () => {
    const cache = createPackumentCache()
    let fail = true
    const build = () => (fail ? Promise.reject(new Error('database down')) : Promise.resolve(doc('{}')))
    await assert.rejects(Promise.all([cache.getOrBuild('k', 1, build), cache.getOrBuild('k', 1, build)]), /database down/)
    fail = false
    assert.equal((await cache.getOrBuild('k', 1, build))?.body.toString(), '{}')
    assert.equal(await cache.getOrBuild('gone', 1, () => Promise.resolve(undefined)), undefined)
  })
})
