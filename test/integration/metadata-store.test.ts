import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../src/errors.js'
import { createFixedClock } from '../../src/lib/clock.js'
import type { MetadataStore } from '../../src/registry/ports.js'
import { openSqliteStore } from '../../src/store/open-sqlite-store.js'

const isConflict = (error: unknown) => error instanceof AppError && error.code === 'conflict'

describe('metadata store (sqlite)', () => {
  let dir = ''
  let store: MetadataStore
  const clock = createFixedClock(Date.parse('2026-11-26T00:00:00Z'))
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'packyard-store-'))
    store = await openSqliteStore({ path: join(dir, 'packyard.db'), clock })
  })
  after(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const newRegistry = async (slug: string) => {
    const org = (await store.organizations.findBySlug('acme')) ?? (await store.organizations.create({ slug: 'acme', name: 'Acme' }))
    return store.registries.create({ organizationId: org.id, slug, name: slug, ecosystem: 'files', description: null, emoji: null, color: null, public: false })
  }
  const publish = (registryId: string, name: string, version: string) =>
    store.packages.insert({ registryId, name, version, filename: `${name}-${version}.tgz`, size: 3, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), provenance: { issuer: 'x' }, publishedBy: 'test' })

  it('refuses a second organization with the same slug', async () => {
    await store.organizations.create({ slug: 'dup', name: 'One' })
    await assert.rejects(store.organizations.create({ slug: 'dup', name: 'Two' }), isConflict)
  })

  it('finds an API token by its hash until it is revoked', async () => {
    const org = await store.organizations.create({ slug: 'tokens', name: 'Tokens' })
    const token = await store.apiTokens.create({ organizationId: org.id, description: 'ci', scopes: ['read_packages'], tokenHash: 'h1', createdBy: 'admin' })
    assert.deepEqual((await store.apiTokens.findByHash('h1'))?.scopes, ['read_packages'])
    assert.equal(await store.apiTokens.revoke(org.id, token.id), true)
    assert.notEqual((await store.apiTokens.findByHash('h1'))?.revokedAt, null)
    assert.equal(await store.apiTokens.revoke(org.id, token.id), false)
  })

  it('numbers policy versions 1, 2, 3 without gaps', async () => {
    const registry = await newRegistry('policies')
    for (const source of ['- a', '- b', '- c']) {
      await store.transaction(async (tx) => {
        const saved = await tx.policyVersions.append({ registryId: registry.id, source, savedBy: 'admin', restoredFrom: null })
        await tx.registries.update(registry.id, { policyVersion: saved.version })
      })
    }
    assert.deepEqual((await store.policyVersions.list(registry.id)).map((v) => v.version), [3, 2, 1])
    assert.equal((await store.registries.findBySlug(registry.organizationId, 'policies'))?.policyVersion, 3)
  })

  it('rolls back every write of a failed transaction', async () => {
    const registry = await newRegistry('rollback')
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.policyVersions.append({ registryId: registry.id, source: '- x', savedBy: 'admin', restoredFrom: null })
        throw new Error('boom')
      }),
    )
    assert.deepEqual(await store.policyVersions.list(registry.id), [])
  })

  it('refuses to publish a version twice, also after it was deleted', async () => {
    const registry = await newRegistry('immutable')
    const first = await publish(registry.id, 'app', '1.0.0')
    await assert.rejects(publish(registry.id, 'app', '1.0.0'), isConflict)
    assert.ok(await store.packages.markDeleted(registry.id, first.id))
    assert.equal(await store.packages.findById(registry.id, first.id), undefined)
    await assert.rejects(publish(registry.id, 'app', '1.0.0'), isConflict)
  })

  it('lets exactly one of 20 racing publishes of one version win', async () => {
    const registry = await newRegistry('race')
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => publish(registry.id, 'app', '2.0.0')))
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    assert.ok(results.every((r) => r.status === 'fulfilled' || isConflict(r.reason)))
  })

  it('pages packages newest first with before and after cursors', async () => {
    const registry = await newRegistry('paging')
    for (let i = 1; i <= 5; i += 1) await publish(registry.id, i % 2 === 0 ? 'even' : 'odd', `1.0.${String(i)}`)
    const first = await store.packages.list(registry.id, {}, { limit: 2 })
    assert.deepEqual(first.items.map((p) => p.version), ['1.0.5', '1.0.4'])
    assert.equal(first.previous, null)
    assert.ok(first.next)
    const second = await store.packages.list(registry.id, {}, { limit: 2, before: first.next })
    assert.deepEqual(second.items.map((p) => p.version), ['1.0.3', '1.0.2'])
    assert.ok(second.previous)
    const back = await store.packages.list(registry.id, {}, { limit: 2, after: second.previous })
    assert.deepEqual(back.items.map((p) => p.version), ['1.0.5', '1.0.4'])
    assert.equal(back.previous, null)
    const last = await store.packages.list(registry.id, {}, { limit: 2, before: second.next ?? '' })
    assert.deepEqual(last.items.map((p) => p.version), ['1.0.1'])
    assert.equal(last.next, null)
    const odd = await store.packages.list(registry.id, { name: 'odd' }, { limit: 10 })
    assert.deepEqual(odd.items.map((p) => p.version), ['1.0.5', '1.0.3', '1.0.1'])
  })

  it('refuses a cursor it did not make', async () => {
    const registry = await newRegistry('cursors')
    await assert.rejects(store.packages.list(registry.id, {}, { limit: 2, before: 'nonsense!' }), (e: unknown) => e instanceof AppError && e.code === 'request_invalid')
  })

  it('appends a batch of audit events larger than one insert, in order', async () => {
    const org = await store.organizations.create({ slug: 'batched', name: 'Batched' })
    const events = Array.from({ length: 450 }, (_, i) => ({ organizationId: org.id, registryId: null, type: 'auth.decision', outcome: 'accepted' as const, code: null, actor: `a${String(i)}`, detail: { i } }))
    await store.transaction((tx) => tx.audit.appendMany(events))
    const page = await store.audit.list(org.id, {}, { limit: 100 })
    assert.equal(page.items[0]?.actor, 'a449')
    let count = page.items.length
    let next = page.next
    while (next !== null) {
      const more = await store.audit.list(org.id, {}, { limit: 100, before: next })
      count += more.items.length
      next = more.next
    }
    assert.equal(count, 450)
  })

  it('lists audit events newest first with filters', async () => {
    const org = await store.organizations.create({ slug: 'audited', name: 'Audited' })
    for (const outcome of ['accepted', 'refused', 'accepted'] as const) {
      await store.audit.append({ organizationId: org.id, registryId: null, type: 'auth.decision', outcome, code: outcome === 'refused' ? 'policy_no_match' : null, actor: 'oidc:x', detail: { n: 1 } })
    }
    const refused = await store.audit.list(org.id, { outcome: 'refused' }, { limit: 10 })
    assert.deepEqual(refused.items.map((e) => e.code), ['policy_no_match'])
    const all = await store.audit.list(org.id, {}, { limit: 10 })
    assert.equal(all.items.length, 3)
    assert.ok((all.items[0]?.seq ?? 0) > (all.items[2]?.seq ?? 0))
  })
})
