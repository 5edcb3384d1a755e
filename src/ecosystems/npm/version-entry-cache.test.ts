import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { VersionEntries } from './build-packument.js'
import { createVersionEntryCache } from './version-entry-cache.js'

const URL_A = 'https://p.example/acme/js/npm'
const URL_B = 'https://q.example/acme/js/npm'
const summary = (id: string, deprecated: string | null = null) => ({ id, version: '1.0.0', createdAt: '2026-01-01T00:00:00.000Z', deprecated })
const entries = (text: string): VersionEntries => ({ abbreviated: text, full: text, documentFields: {}, abbreviatedDigest: Buffer.alloc(20), fullDigest: Buffer.alloc(20) })

describe('createVersionEntryCache', () => {
  it('serves entries only for the deprecation and the registry URL they were rendered with', () => {
    const cache = createVersionEntryCache()
    cache.set(URL_A, summary('a'), entries('{"v":1}'))
    assert.equal(cache.get(URL_A, summary('a'))?.full, '{"v":1}')
    assert.equal(cache.get(URL_A, summary('a', 'use 2')), undefined)
    assert.equal(cache.get(URL_B, summary('a')), undefined)
    cache.set(URL_A, summary('a', 'use 2'), entries('{"v":1,"deprecated":"use 2"}'))
    assert.equal(cache.get(URL_A, summary('a', 'use 2'))?.full, '{"v":1,"deprecated":"use 2"}')
    assert.equal(cache.get(URL_A, summary('a')), undefined)
  })

  it('stays within its byte bound, dropping the least recently used first', () => {
    const cache = createVersionEntryCache(200)
    cache.set(URL_A, summary('a'), entries('x'.repeat(30)))
    cache.set(URL_A, summary('b'), entries('x'.repeat(30)))
    assert.ok(cache.get(URL_A, summary('a')))
    cache.set(URL_A, summary('c'), entries('x'.repeat(30)))
    assert.equal(cache.get(URL_A, summary('b')), undefined)
    assert.ok(cache.get(URL_A, summary('a')))
    assert.ok(cache.get(URL_A, summary('c')))
    // Larger than the whole cache: never kept, and nothing else is dropped for it.
    cache.set(URL_A, summary('d'), entries('x'.repeat(200)))
    assert.equal(cache.get(URL_A, summary('d')), undefined)
    assert.ok(cache.get(URL_A, summary('a')))
  })
})
