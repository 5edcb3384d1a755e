import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFixedClock } from '../lib/clock.js'
import { openSqliteStore } from '../store/open-sqlite-store.js'
import { createAuditSink } from './audit-sink.js'
import type { MetadataStore } from './ports.js'

describe('createAuditSink', () => {
  const clock = createFixedClock(Date.parse('2026-11-26T00:00:00Z'))
  let store: MetadataStore
  let orgId = ''
  before(async () => {
    store = await openSqliteStore({ path: ':memory:', clock })
    orgId = (await store.organizations.create({ slug: 'acme', name: 'Acme' })).id
  })
  after(async () => store.close())

  const decision = (actor: string) => ({ organizationId: orgId, registryId: null, type: 'auth.decision', outcome: 'accepted' as const, code: null, actor, detail: { jti: actor } })

  it('coalesces repeats of one decision into one event with a count and the last time', async () => {
    const sink = createAuditSink({ store, nowMs: () => clock.nowMs(), onError: (error) => { throw error }, flushIntervalMs: 60_000 })
    for (let i = 0; i < 100; i += 1) {
      sink.record(decision('token-a'), 'key-a')
      clock.advanceMs(10)
    }
    sink.record(decision('token-b'), 'key-b')
    sink.record(decision('unkeyed'))
    sink.record(decision('unkeyed'))
    await sink.close()
    const { items } = await store.audit.list(orgId, {}, { limit: 10 })
    const repeated = items.find((e) => e.actor === 'token-a')
    assert.ok(repeated)
    assert.equal(repeated.detail.count, 100)
    assert.equal(repeated.detail.last_at, '2026-11-26T00:00:00.990Z')
    assert.equal(items.find((e) => e.actor === 'token-b')?.detail.count, undefined)
    assert.equal(items.filter((e) => e.actor === 'unkeyed').length, 2)
  })

  it('writes what is buffered on flush, and nothing twice', async () => {
    const sink = createAuditSink({ store, nowMs: () => clock.nowMs(), onError: (error) => { throw error }, flushIntervalMs: 60_000 })
    sink.record(decision('flushed'), 'k')
    await sink.flush()
    await sink.flush()
    const { items } = await store.audit.list(orgId, { actor: 'flushed' }, { limit: 10 })
    assert.equal(items.length, 1)
    await sink.close()
  })
})
