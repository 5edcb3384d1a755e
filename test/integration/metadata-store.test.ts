import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../src/errors.js'
import { createFixedClock } from '../../src/lib/clock.js'
import type { MetadataStore } from '../../src/registry/ports.js'
import { STORE_VARIANTS, type OpenedStore } from '../helpers/store-variants.js'

const isConflict = (error: unknown) => error instanceof AppError && error.code === 'conflict'

for (const variant of STORE_VARIANTS) describe(`metadata store (${variant.name})`, { skip: variant.skip }, () => {
  let opened: OpenedStore | undefined
  let store: MetadataStore
  const clock = createFixedClock(Date.parse('2026-11-26T00:00:00Z'))
  before(async () => {
    opened = await variant.open({ clock })
    store = opened.store
  })
  after(async () => {
    await opened?.close()
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

  it('finds the policy in force of every registry of an organization in one read', async () => {
    const org = await store.organizations.create({ slug: 'in-force', name: 'In force' })
    const create = (slug: string) => store.registries.create({ organizationId: org.id, slug, name: slug, ecosystem: 'files', description: null, emoji: null, color: null, public: false })
    const [twice, once, never] = [await create('twice'), await create('once'), await create('never')]
    const save = (registryId: string, source: string, inForce = true) => store.transaction(async (tx) => {
      const saved = await tx.policyVersions.append({ registryId, source, savedBy: 'admin', restoredFrom: null })
      if (inForce) await tx.registries.update(registryId, { policyVersion: saved.version })
    })
    await save(twice.id, '- first')
    await save(twice.id, '- second')
    await save(once.id, '- only')
    await save(never.id, '- saved, never in force', false)
    const current = await store.policyVersions.findCurrent(org.id)
    assert.deepEqual([...current].map(([id, policy]) => [id, policy.version, policy.source]).sort(), [[once.id, 1, '- only'], [twice.id, 2, '- second']].sort())
    assert.equal((await store.policyVersions.findCurrent((await newRegistry('elsewhere')).organizationId)).has(twice.id), false)
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

  it('finds the audit events of one token by its jti or digest, also in coalesced events that list several', async () => {
    const org = await store.organizations.create({ slug: 'token-trail', name: 'Token trail' })
    const decision = (actor: string, code: string | null, detail: Record<string, unknown>) =>
      ({ organizationId: org.id, registryId: null, type: 'auth.decision', outcome: code === null ? 'accepted' as const : 'refused' as const, code, actor, detail })
    await store.transaction((tx) => tx.audit.appendMany([
      decision('oidc:a', null, { jti: 'job-1', subject: 'job-2' }),
      decision('oidc:a', null, { jtis: ['job-2', 'job-3'], count: 2 }),
      decision('oidc:b', 'token_expired', { token_digest: 'd1' }),
      decision('oidc:b', null, { token_digests: ['d0', 'd1'], count: 2 }),
      // A value only elsewhere in the detail, or a prefix of one, is not the token.
      decision('oidc:c', null, { jti: 'job-22', note: 'job-2' }),
    ]))
    const actorsOf = async (filter: Parameters<MetadataStore['audit']['list']>[1]) =>
      (await store.audit.list(org.id, filter, { limit: 10 })).items.map((event) => event.actor)
    assert.deepEqual(await actorsOf({ jti: 'job-1' }), ['oidc:a'])
    assert.deepEqual(await actorsOf({ jti: 'job-2' }), ['oidc:a'])
    assert.deepEqual(await actorsOf({ tokenDigest: 'd1' }), ['oidc:b', 'oidc:b'])
    assert.deepEqual(await actorsOf({ tokenDigest: 'd1', code: 'token_expired' }), ['oidc:b'])
    assert.deepEqual(await actorsOf({ jti: 'd1' }), [])
    assert.deepEqual(await actorsOf({ jti: "x' or 1=1 --" }), [])
  })

  it('counts organizations and keeps a conflict inside a transaction from committing anything', async () => {
    const before = await store.organizations.count()
    assert.equal(typeof before, 'number')
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.organizations.create({ slug: 'in-tx', name: 'In' })
        await tx.organizations.create({ slug: 'in-tx', name: 'Again' })
      }),
      isConflict,
    )
    assert.equal(await store.organizations.count(), before)
    assert.equal(await store.organizations.findBySlug('in-tx'), undefined)
  })

  it('lets exactly one of racing policy saves take each version number, without gaps', async () => {
    const registry = await newRegistry('policy-race')
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
      store.transaction((tx) => tx.policyVersions.append({ registryId: registry.id, source: `- ${String(i)}`, savedBy: 'admin', restoredFrom: null }))))
    const saved = results.filter((r) => r.status === 'fulfilled').length
    assert.ok(saved >= 1)
    assert.ok(results.every((r) => r.status === 'fulfilled' || isConflict(r.reason)))
    const versions = (await store.policyVersions.list(registry.id)).map((v) => v.version)
    assert.deepEqual(versions, Array.from({ length: saved }, (_, i) => saved - i))
    assert.equal((await store.policyVersions.find(registry.id, 1))?.version, 1)
  })

  it('updates, lists and deletes registries, refusing a taken slug', async () => {
    const one = await newRegistry('reg-one')
    await newRegistry('reg-two')
    const updated = await store.registries.update(one.id, { name: 'One', public: true, description: 'd', policyVersion: null })
    assert.ok(updated !== undefined)
    assert.equal(updated.name, 'One')
    assert.equal(updated.public, true)
    await assert.rejects(store.registries.update(one.id, { slug: 'reg-two' }), isConflict)
    const slugs = (await store.registries.list(one.organizationId)).map((r) => r.slug)
    assert.ok(slugs.indexOf('reg-one') < slugs.indexOf('reg-two'))
    await publish(one.id, 'gone', '1.0.0')
    await store.packageRevisions.bump(one.id, 'gone')
    await store.distTags.set(one.id, 'gone', 'latest', '1.0.0')
    assert.equal(await store.registries.delete(one.id), true)
    assert.equal(await store.registries.delete(one.id), false)
    assert.equal(await store.registries.findBySlug(one.organizationId, 'reg-one'), undefined)
  })

  it('finds a registry with its organization by both slugs in one read, and nothing when either is missing', async () => {
    const registry = await newRegistry('joined')
    const other = await store.organizations.create({ slug: 'other-org', name: 'Other' })
    await store.registries.create({ organizationId: other.id, slug: 'only-there', name: 'x', ecosystem: 'files', description: null, emoji: null, color: null, public: true })
    const found = await store.registries.findWithOrganization('acme', 'joined')
    assert.deepEqual(found?.registry, await store.registries.findBySlug(registry.organizationId, 'joined'))
    assert.deepEqual(found?.organization, await store.organizations.findBySlug('acme'))
    assert.equal(await store.registries.findWithOrganization('acme', 'only-there'), undefined)
    assert.equal(await store.registries.findWithOrganization('nobody', 'joined'), undefined)
    assert.equal((await store.registries.findWithOrganization('other-org', 'only-there'))?.registry.public, true)
  })

  it('returns numbers for sizes, sequence numbers and package revisions', async () => {
    const registry = await newRegistry('numbers')
    const stored = await publish(registry.id, 'big', '1.0.0')
    assert.equal((await store.packages.findById(registry.id, stored.id))?.size, 3)
    assert.equal(await store.packageRevisions.get(registry.id, 'big'), undefined)
    await store.packageRevisions.bump(registry.id, 'big')
    await store.packageRevisions.bump(registry.id, 'big')
    assert.equal(await store.packageRevisions.get(registry.id, 'big'), 2)
    const event = await store.audit.append({ organizationId: registry.organizationId, registryId: registry.id, type: 't', outcome: 'done', code: null, actor: 'a', detail: {} })
    assert.equal(typeof event.seq, 'number')
    const page = await store.audit.list(registry.organizationId, { registryId: registry.id }, { limit: 1 })
    assert.equal(page.items[0]?.seq, event.seq)
  })

  it('keeps issuer signing keys newest first, retires and deletes them', async () => {
    const key = (kid: string, createdAt: string) => ({ kid, algorithm: 'ES256' as const, publicJwk: { kty: 'EC', kid }, privateKeyPem: 'pem', createdAt, retiredAt: null })
    await store.issuerKeys.insert(key('k1', '2026-01-01T00:00:00.000Z'))
    await store.issuerKeys.insert(key('k2', '2026-01-01T00:00:00.000Z'))
    await assert.rejects(store.issuerKeys.insert(key('k2', '2026-01-02T00:00:00.000Z')), isConflict)
    assert.deepEqual((await store.issuerKeys.list()).map((k) => k.kid), ['k2', 'k1'])
    assert.deepEqual(await store.issuerKeys.retireAllExcept('k2', '2026-01-03T00:00:00.000Z'), ['k1'])
    assert.equal(await store.issuerKeys.deleteRetiredBefore('2026-01-04T00:00:00.000Z'), 1)
    assert.deepEqual((await store.issuerKeys.list()).map((k) => [k.kid, k.retiredAt]), [['k2', null]])
  })

  it('stores issuer jobs with their claims and revokes them once', async () => {
    const id = '0190a0b0-0000-7000-8000-000000000001'
    const uuid = '0190a0b0-0000-7000-8000-000000000002'
    const claims = {
      organization_slug: 'acme', pipeline_slug: 'web', build_number: 1, build_branch: 'main', build_tag: null,
      build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: null, job_id: id, agent_id: uuid,
      build_source: 'ui' as const, runner_environment: 'self-hosted' as const, organization_id: uuid, pipeline_id: uuid,
      build_id: uuid, cluster_id: null, cluster_name: null, queue_id: null, queue_key: null, agent_tags: { os: 'linux' },
    }
    const job = { id, claims, agentTokenHash: 'agent-hash', createdBy: 'admin', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z', revokedAt: null }
    await store.issuerJobs.insert(job)
    await assert.rejects(store.issuerJobs.insert(job), isConflict)
    assert.deepEqual((await store.issuerJobs.find(id))?.claims, claims)
    assert.equal(await store.issuerJobs.revoke(id, '2026-01-01T01:00:00.000Z'), true)
    assert.equal(await store.issuerJobs.revoke(id, '2026-01-01T02:00:00.000Z'), false)
    assert.equal((await store.issuerJobs.find(id))?.revokedAt, '2026-01-01T01:00:00.000Z')
  })

})
