/** PackageRepository.findReferencedDigests, which garbage collection asks a page of blobs at a time. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFixedClock } from '../../src/lib/clock.js'
import type { MetadataStore } from '../../src/registry/ports.js'
import { STORE_VARIANTS, type OpenedStore } from '../helpers/store-variants.js'

const digest = (n: number) => n.toString(16).padStart(64, '0')

for (const variant of STORE_VARIANTS) describe(`metadata store: digests that live versions reference (${variant.name})`, { skip: variant.skip }, () => {
  let opened: OpenedStore | undefined
  let store: MetadataStore
  const registries: string[] = []
  const publish = (registryId: string, version: string, sha256: string) =>
    store.packages.insert({ registryId, name: 'tool', version, filename: `tool-${version}.bin`, size: 1, sha256, sha512: 'b'.repeat(128), provenance: null, publishedBy: 'test' })

  before(async () => {
    opened = await variant.open({ clock: createFixedClock(Date.parse('2026-11-26T00:00:00Z')) })
    store = opened.store
    const org = await store.organizations.create({ slug: 'acme', name: 'Acme' })
    for (const slug of ['one', 'two']) {
      registries.push((await store.registries.create({ organizationId: org.id, slug, name: slug, ecosystem: 'files', description: null, emoji: null, color: null, public: false })).id)
    }
    const [one = '', two = ''] = registries
    await publish(one, '1.0.0', digest(1))
    await store.packages.markDeleted(one, (await publish(one, '2.0.0', digest(2))).id)
    // The same bytes in two registries, deleted in one of them only.
    await store.packages.markDeleted(one, (await publish(one, '3.0.0', digest(3))).id)
    await publish(two, '3.0.0', digest(3))
    await publish(two, '4.0.0', digest(4))
    await publish(two, '4.0.1', digest(4))
  })
  after(async () => {
    await opened?.close()
  })

  it('answers the digests of live versions in any registry, once each', async () => {
    const referenced = await store.packages.findReferencedDigests([digest(1), digest(2), digest(3), digest(4), digest(5)])
    assert.deepEqual([...referenced].sort(), [digest(1), digest(3), digest(4)])
  })

  it('answers an empty set for no candidates', async () => {
    assert.equal((await store.packages.findReferencedDigests([])).size, 0)
  })

  it('answers more candidates than one query binds', async () => {
    const candidates = Array.from({ length: 1_203 }, (_, i) => digest(i + 100))
    candidates.splice(700, 0, digest(4))
    candidates.push(digest(1))
    assert.deepEqual([...(await store.packages.findReferencedDigests(candidates))].sort(), [digest(1), digest(4)])
  })
})
