import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFixedClock } from '../lib/clock.js'
import { openSqliteStore } from '../store/open-sqlite-store.js'
import { createAuditSink, MAX_MEMBERS_PER_EVENT } from './audit-sink.js'
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

  const decisionWithJti = (actor: string, jti: string) => ({
    organizationId: orgId, registryId: null, type: 'auth.decision', outcome: 'accepted' as const, code: null, actor, detail: { subject: actor, jti },
  })
  const jtiOf = (jti: string) => ({ field: 'jti', listField: 'jtis', value: jti })

  it('stores one event per caller that lists its distinct tokens in order; one token keeps its field', async () => {
    const sink = createAuditSink({ store, nowMs: () => clock.nowMs(), onError: (error) => { throw error }, flushIntervalMs: 60_000 })
    const started = clock.nowMs()
    const at = (ms: number) => new Date(started + ms).toISOString()
    for (const jti of ['j0', 'j1', 'j0', 'j2', 'j3']) {
      sink.record(decisionWithJti('job-1', jti), 'job-1', jtiOf(jti))
      clock.advanceMs(10)
    }
    sink.record(decisionWithJti('job-2', 'lone'), 'job-2', jtiOf('lone'))
    for (let i = 0; i < 3; i += 1) sink.record(decisionWithJti('job-3', 'kept'), 'job-3', jtiOf('kept'))
    await sink.close()
    const { items } = await store.audit.list(orgId, {}, { limit: 10 })
    const listed = items.find((e) => e.actor === 'job-1')
    assert.deepEqual(listed?.detail, { subject: 'job-1', count: 5, last_at: at(40), jtis: ['j0', 'j1', 'j2', 'j3'] })
    assert.deepEqual(items.find((e) => e.actor === 'job-2')?.detail, { subject: 'job-2', jti: 'lone' })
    assert.deepEqual(items.find((e) => e.actor === 'job-3')?.detail, { subject: 'job-3', jti: 'kept', count: 3, last_at: at(50) })
  })

  it(`starts a new event after ${String(MAX_MEMBERS_PER_EVENT)} tokens, losing none`, async () => {
    const sink = createAuditSink({ store, nowMs: () => clock.nowMs(), onError: (error) => { throw error }, flushIntervalMs: 60_000 })
    const total = MAX_MEMBERS_PER_EVENT * 2 + 3
    for (let i = 0; i < total; i += 1) sink.record(decisionWithJti('busy-job', `t${String(i)}`), 'busy-job', jtiOf(`t${String(i)}`))
    await sink.close()
    const { items } = await store.audit.list(orgId, { actor: 'busy-job' }, { limit: 10 })
    assert.deepEqual(items.map((e) => e.detail.count).sort((a, b) => Number(a) - Number(b)), [3, MAX_MEMBERS_PER_EVENT, MAX_MEMBERS_PER_EVENT])
    const listed = items.flatMap((e) => e.detail.jtis as string[])
    assert.equal(new Set(listed).size, total)
  })
})
