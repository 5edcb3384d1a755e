/** Garbage collection on the real blob stores (disk, S3) and metadata stores (SQLite, PostgreSQL). */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { createFixedClock, systemClock } from '../../src/lib/clock.js'
import { collectGarbage, type GarbageCollectionReport } from '../../src/registry/collect-garbage.js'
import type { MetadataStore, StoredBlob } from '../../src/registry/ports.js'
import { createBlobStoreVariants, type OpenedTestBlobStore } from '../helpers/blob-store-variants.js'
import { STORE_VARIANTS, type OpenedStore } from '../helpers/store-variants.js'

const HOUR = 3_600_000
const variants = createBlobStoreVariants()
after(() => variants.close())

for (const blobVariant of variants.all) {
  for (const storeVariant of STORE_VARIANTS) {
    describe(`garbage collection (${blobVariant.name} blobs, ${storeVariant.name} metadata)`, { skip: storeVariant.skip }, () => {
      let metadata: OpenedStore | undefined
      let opened: OpenedTestBlobStore | undefined
      let store: MetadataStore
      let plantedLeftovers = 0
      const blobs: Record<'live' | 'orphan' | 'deletedOnly' | 'shared', StoredBlob> = {} as never
      const collect = (nowMs: number, dryRun = false): Promise<GarbageCollectionReport> =>
        collectGarbage({ packages: store.packages, blobs: opened!.blobs, clock: createFixedClock(nowMs) }, { graceMs: HOUR, dryRun })
      const storedDigests = async () => {
        const digests: string[] = []
        for await (const page of opened!.blobs.listBlobs()) digests.push(...page.map((entry) => entry.sha256))
        return digests.sort()
      }
      const leftoverCount = async () => {
        let count = 0
        for await (const page of opened!.blobs.listLeftovers()) count += page.length
        return count
      }

      before(async () => {
        metadata = await storeVariant.open({ clock: systemClock })
        store = metadata.store
        opened = await blobVariant.open()
        const org = await store.organizations.create({ slug: 'acme', name: 'Acme' })
        const registry = await store.registries.create({ organizationId: org.id, slug: 'files', name: 'files', ecosystem: 'files', description: null, emoji: null, color: null, public: false })
        const put = (content: string) => opened!.blobs.put(Readable.from([Buffer.from(content)]), { maxBytes: 1024 })
        const record = (blob: StoredBlob, version: string) => store.packages.insert({
          registryId: registry.id, name: 'tool', version, filename: `tool-${version}.bin`, size: blob.size, sha256: blob.sha256, sha512: blob.sha512, provenance: null, publishedBy: 'test',
        })
        blobs.live = await put('live bytes')
        blobs.orphan = await put('orphan bytes')
        blobs.deletedOnly = await put('deleted bytes')
        blobs.shared = await put('shared bytes')
        await record(blobs.live, '1.0.0')
        await store.packages.markDeleted(registry.id, (await record(blobs.deletedOnly, '1.1.0')).id)
        await store.packages.markDeleted(registry.id, (await record(blobs.shared, '1.2.0')).id)
        await record(blobs.shared, '1.3.0')
        plantedLeftovers = await opened.plantLeftovers()
      })
      after(async () => {
        await opened?.close()
        await metadata?.close()
      })

      it('keeps every blob and leftover younger than the grace period', async () => {
        const report = await collect(Date.now())
        assert.equal(report.blobs.removed, 0)
        assert.equal(report.blobs.keptYoung, 4)
        assert.equal(report.temporary.removed + report.multipartUploads.removed, 0)
        assert.equal(await leftoverCount(), plantedLeftovers)
      })

      it('removes nothing in a dry run, and counts what it would remove', async () => {
        const report = await collect(Date.now() + 2 * HOUR, true)
        assert.equal(report.blobs.removed, 2)
        assert.equal(report.blobs.removedBytes, blobs.orphan.size + blobs.deletedOnly.size)
        assert.equal(report.temporary.removed + report.multipartUploads.removed, plantedLeftovers)
        assert.equal((await storedDigests()).length, 4)
        assert.equal(await leftoverCount(), plantedLeftovers)
      })

      it('removes unreferenced blobs (never published, or of deleted versions only) and stale leftovers', async () => {
        const report = await collect(Date.now() + 2 * HOUR)
        assert.deepEqual(report.blobs, { scanned: 4, removed: 2, removedBytes: blobs.orphan.size + blobs.deletedOnly.size, keptReferenced: 2, keptYoung: 0 })
        assert.deepEqual(await storedDigests(), [blobs.live.sha256, blobs.shared.sha256].sort())
        assert.equal(report.temporary.removed, 1)
        assert.equal(report.multipartUploads.removed, plantedLeftovers - 1)
        assert.equal(await leftoverCount(), 0)
        assert.equal(await text((await opened!.blobs.open(blobs.shared.sha256))!), 'shared bytes')
      })

      it('finds nothing more on a second run', async () => {
        const report = await collect(Date.now() + 2 * HOUR)
        assert.deepEqual(report.blobs, { scanned: 2, removed: 0, removedBytes: 0, keptReferenced: 2, keptYoung: 0 })
      })
    })
  }
}
