import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { createFixedClock } from '../lib/clock.js'
import { collectGarbage, type GarbageCollectionDeps, type RemovedItem } from './collect-garbage.js'
import type { BlobEntry, UploadLeftover } from './ports.js'

const NOW = Date.parse('2026-11-26T12:00:00Z')
const HOUR = 3_600_000
const digest = (char: string) => char.repeat(64)

/** Blobs and leftovers in memory, listed two to a page; `freshen` makes a blob young between list and removal. */
function createFakeBlobs(blobs: readonly BlobEntry[], leftovers: readonly UploadLeftover[] = []) {
  const stored = new Map(blobs.map((entry) => [entry.sha256, entry]))
  const remaining = new Map(leftovers.map((leftover) => [leftover.name, leftover]))
  const freshenOnDescribe = new Set<string>()
  const pagesOf = <T>(items: readonly T[]): AsyncIterable<readonly T[]> => {
    const pages: (readonly T[])[] = []
    for (let start = 0; start < items.length; start += 2) pages.push(items.slice(start, start + 2))
    return Readable.from(pages)
  }
  const fake: GarbageCollectionDeps['blobs'] = {
    put: () => Promise.reject(new Error('not used')),
    stat: (sha256) => Promise.resolve(stored.get(sha256)?.size),
    open: () => Promise.resolve(Readable.from([])),
    delete: (sha256) => { stored.delete(sha256); return Promise.resolve() },
    listBlobs: () => pagesOf([...stored.values()]),
    describeBlob(sha256) {
      const entry = stored.get(sha256)
      if (entry !== undefined && freshenOnDescribe.has(sha256)) stored.set(sha256, { ...entry, modifiedAtMs: NOW })
      return Promise.resolve(stored.get(sha256))
    },
    listLeftovers: () => pagesOf([...remaining.values()]),
    removeLeftover: (leftover) => { remaining.delete(leftover.name); return Promise.resolve() },
  }
  return { fake, stored, remaining, freshenOnDescribe }
}

function referencing(...sha256s: string[]): GarbageCollectionDeps['packages'] {
  const referenced = new Set(sha256s)
  return { findReferencedDigests: (candidates) => Promise.resolve(new Set(candidates.filter((sha256) => referenced.has(sha256)))) }
}

const old = (char: string, size = 10): BlobEntry => ({ sha256: digest(char), size, modifiedAtMs: NOW - 2 * HOUR })
const young = (char: string, size = 10): BlobEntry => ({ sha256: digest(char), size, modifiedAtMs: NOW - 60_000 })

describe('collectGarbage', () => {
  it('removes old unreferenced blobs and keeps referenced and young ones', async () => {
    const blobs = createFakeBlobs([old('a', 5), old('b', 7), old('c'), young('d'), old('e', 11)])
    const removed: RemovedItem[] = []
    const report = await collectGarbage(
      { packages: referencing(digest('c')), blobs: blobs.fake, clock: createFixedClock(NOW) },
      { graceMs: HOUR, dryRun: false, onRemove: (item) => removed.push(item) },
    )
    assert.deepEqual([...blobs.stored.keys()].sort(), [digest('c'), digest('d')])
    assert.deepEqual(report.blobs, { scanned: 5, removed: 3, removedBytes: 23, keptReferenced: 1, keptYoung: 1 })
    assert.deepEqual(removed.map((item) => (item.kind === 'blob' ? item.sha256 : item.name)).sort(), [digest('a'), digest('b'), digest('e')])
  })

  it('keeps everything younger than the grace period', async () => {
    const blobs = createFakeBlobs([old('a'), old('b')])
    const report = await collectGarbage({ packages: referencing(), blobs: blobs.fake, clock: createFixedClock(NOW) }, { graceMs: 3 * HOUR, dryRun: false })
    assert.equal(blobs.stored.size, 2)
    assert.deepEqual(report.blobs, { scanned: 2, removed: 0, removedBytes: 0, keptReferenced: 0, keptYoung: 2 })
  })

  it('keeps a blob that a publish freshened after it was listed', async () => {
    const blobs = createFakeBlobs([old('a'), old('b')])
    blobs.freshenOnDescribe.add(digest('a'))
    const report = await collectGarbage({ packages: referencing(), blobs: blobs.fake, clock: createFixedClock(NOW) }, { graceMs: HOUR, dryRun: false })
    assert.deepEqual([...blobs.stored.keys()], [digest('a')])
    assert.equal(report.blobs.removed, 1)
    assert.equal(report.blobs.keptYoung, 1)
  })

  it('removes old leftovers of unfinished uploads and keeps young ones (uploads in flight)', async () => {
    const leftovers: UploadLeftover[] = [
      { kind: 'temporary', name: 'tmp/old', size: 100, modifiedAtMs: NOW - 2 * HOUR },
      { kind: 'temporary', name: 'tmp/new', size: 100, modifiedAtMs: NOW - 1000 },
      { kind: 'multipart_upload', name: 'tmp/old-mpu', uploadId: 'u1', size: 0, modifiedAtMs: NOW - 2 * HOUR },
      { kind: 'multipart_upload', name: 'tmp/new-mpu', uploadId: 'u2', size: 0, modifiedAtMs: NOW - 1000 },
    ]
    const blobs = createFakeBlobs([], leftovers)
    const report = await collectGarbage({ packages: referencing(), blobs: blobs.fake, clock: createFixedClock(NOW) }, { graceMs: HOUR, dryRun: false })
    assert.deepEqual([...blobs.remaining.keys()].sort(), ['tmp/new', 'tmp/new-mpu'])
    assert.deepEqual(report.temporary, { removed: 1, removedBytes: 100, keptYoung: 1 })
    assert.deepEqual(report.multipartUploads, { removed: 1, removedBytes: 0, keptYoung: 1 })
  })

  it('removes nothing in a dry run, and reports what it would remove', async () => {
    const blobs = createFakeBlobs([old('a', 5), old('b')], [{ kind: 'temporary', name: 'tmp/old', size: 3, modifiedAtMs: NOW - 2 * HOUR }])
    const removed: RemovedItem[] = []
    const report = await collectGarbage(
      { packages: referencing(digest('b')), blobs: blobs.fake, clock: createFixedClock(NOW) },
      { graceMs: HOUR, dryRun: true, onRemove: (item) => removed.push(item) },
    )
    assert.equal(blobs.stored.size, 2)
    assert.equal(blobs.remaining.size, 1)
    assert.equal(report.dryRun, true)
    assert.deepEqual(report.blobs, { scanned: 2, removed: 1, removedBytes: 5, keptReferenced: 1, keptYoung: 0 })
    assert.deepEqual(report.temporary, { removed: 1, removedBytes: 3, keptYoung: 0 })
    assert.deepEqual(removed, [{ kind: 'temporary', name: 'tmp/old', size: 3 }, { kind: 'blob', sha256: digest('a'), size: 5 }])
  })

  it('asks about references one page at a time, never with every digest at once', async () => {
    const blobs = createFakeBlobs([old('a'), old('b'), old('c'), old('d'), old('e')])
    const batches: number[] = []
    const packages: GarbageCollectionDeps['packages'] = {
      findReferencedDigests: (candidates) => { batches.push(candidates.length); return Promise.resolve(new Set<string>()) },
    }
    await collectGarbage({ packages, blobs: blobs.fake, clock: createFixedClock(NOW) }, { graceMs: HOUR, dryRun: true })
    assert.deepEqual(batches, [2, 2, 1])
  })
})
