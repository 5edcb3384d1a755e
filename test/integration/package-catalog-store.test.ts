/** The store behind the npm ecosystem: versions by name, search, deprecations, dist-tags, registry tokens. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFixedClock } from '../../src/lib/clock.js'
import type { MetadataStore } from '../../src/registry/ports.js'
import { STORE_VARIANTS, type OpenedStore } from '../helpers/store-variants.js'

for (const variant of STORE_VARIANTS) describe(`metadata store: packages by name, dist-tags and registry tokens (${variant.name})`, { skip: variant.skip }, () => {
  let opened: OpenedStore | undefined
  let store: MetadataStore
  let registryId = ''
  let organizationId = ''
  const clock = createFixedClock(Date.parse('2026-11-26T00:00:00Z'))
  const publish = (name: string, version: string) =>
    store.packages.insert({ registryId, name, version, filename: `${name}-${version}.tgz`, size: 1, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), provenance: null, publishedBy: 'test', metadata: { manifest: { name } } })

  before(async () => {
    opened = await variant.open({ clock })
    store = opened.store
    const org = await store.organizations.create({ slug: 'acme', name: 'Acme' })
    organizationId = org.id
    registryId = (await store.registries.create({ organizationId, slug: 'js', name: 'js', ecosystem: 'npm', description: null, emoji: null, color: null, public: false })).id
  })
  after(async () => {
    await opened?.close()
  })

  it('lists the live versions of a name, oldest first, with their metadata', async () => {
    await publish('lib', '1.0.0')
    const gone = await publish('lib', '1.1.0')
    await publish('lib', '2.0.0')
    await store.packages.markDeleted(registryId, gone.id)
    const versions = await store.packages.listByName(registryId, 'lib')
    assert.deepEqual(versions.map((pkg) => pkg.version), ['1.0.0', '2.0.0'])
    assert.deepEqual(versions[0]!.metadata, { manifest: { name: 'lib' } })
  })

  it('lists the same live versions as light summaries, and finds versions by id, live or not, past one query\'s worth of ids', async () => {
    // A deprecated live version carries its message (read through its own index); a deleted one is left out.
    const live = (await store.packages.findByNameVersion(registryId, 'lib', '2.0.0'))!
    assert.equal(await store.packages.setDeprecated(registryId, live.id, 'use 3'), true)
    const versions = await store.packages.listByName(registryId, 'lib')
    const summaries = await store.packages.listSummariesByName(registryId, 'lib')
    assert.deepEqual(summaries, versions.map((pkg) => ({ id: pkg.id, version: pkg.version, createdAt: pkg.createdAt, deprecated: pkg.deprecated })))
    assert.deepEqual(summaries.map((summary) => summary.deprecated), [null, 'use 3'])
    const deleted = (await store.packages.findByNameVersion(registryId, 'lib', '1.1.0'))!
    // The real ids come after more unknown ones than one `in (...)` list holds.
    const ids = [...Array.from({ length: 1_500 }, (_, i) => `absent-${String(i)}`), ...summaries.map((summary) => summary.id), deleted.id]
    const found = await store.packages.findManyById(registryId, ids)
    assert.deepEqual(found.map((pkg) => pkg.version).sort(), ['1.0.0', '1.1.0', '2.0.0'])
    assert.deepEqual(found.find((pkg) => pkg.version === '1.0.0')!.metadata, { manifest: { name: 'lib' } })
    assert.deepEqual(await store.packages.findManyById('another-registry', ids), [])
  })

  it('sets and clears deprecations of live versions only', async () => {
    const [live] = await store.packages.listByName(registryId, 'lib')
    assert.equal(await store.packages.setDeprecated(registryId, live!.id, 'old'), true)
    assert.equal((await store.packages.findById(registryId, live!.id))!.deprecated, 'old')
    assert.equal(await store.packages.setDeprecated(registryId, live!.id, null), true)
    const deleted = (await store.packages.findByNameVersion(registryId, 'lib', '1.1.0'))!
    assert.equal(await store.packages.setDeprecated(registryId, deleted.id, 'x'), false)
  })

  it('searches names by substring, any case, treating % and _ literally, newest version each', async () => {
    await publish('@acme/widget', '1.0.0')
    await publish('@acme/widget', '1.2.0')
    await publish('my_lib', '1.0.0')
    await publish('myxlib', '1.0.0')
    const found = await store.packages.searchNames(registryId, 'WIDGET', { limit: 10, offset: 0 })
    assert.deepEqual(found.map((pkg) => [pkg.name, pkg.version]), [['@acme/widget', '1.2.0']])
    assert.deepEqual((await store.packages.searchNames(registryId, 'y_l', { limit: 10, offset: 0 })).map((pkg) => pkg.name), ['my_lib'])
    assert.deepEqual((await store.packages.searchNames(registryId, '%', { limit: 10, offset: 0 })).map((pkg) => pkg.name), [])
    assert.deepEqual((await store.packages.searchNames(registryId, '', { limit: 2, offset: 1 })).map((pkg) => pkg.name), ['lib', 'my_lib'])
  })

  it('creates, moves and removes dist-tags', async () => {
    await store.distTags.set(registryId, 'lib', 'latest', '1.0.0')
    await store.distTags.set(registryId, 'lib', 'latest', '2.0.0')
    await store.distTags.set(registryId, 'lib', 'beta', '2.0.0')
    assert.deepEqual(await store.distTags.list(registryId, 'lib'), { beta: '2.0.0', latest: '2.0.0' })
    assert.equal(await store.distTags.remove(registryId, 'lib', 'beta'), true)
    assert.equal(await store.distTags.remove(registryId, 'lib', 'beta'), false)
    assert.deepEqual(await store.distTags.list(registryId, 'other'), {})
  })

  it('stores registry tokens by hash and deletes expired ones', async () => {
    const base = { organizationId, registryId, scopes: ['read_packages', 'write_packages'] as const, grant: { statement: 0 } }
    await store.registryTokens.create({ ...base, tokenHash: 'h-old', expiresAt: '2026-11-25T00:00:00.000Z' })
    await store.registryTokens.create({ ...base, tokenHash: 'h-new', expiresAt: '2026-11-27T00:00:00.000Z' })
    const found = await store.registryTokens.findByHash('h-new')
    assert.ok(found !== undefined)
    assert.deepEqual(found.scopes, ['read_packages', 'write_packages'])
    assert.deepEqual(found.grant, { statement: 0 })
    assert.equal(await store.registryTokens.deleteExpired('2026-11-26T00:00:00.000Z'), 1)
    assert.equal(await store.registryTokens.findByHash('h-old'), undefined)
  })
})
