/**
 * Garbage collection of the blob store (`packyard admin gc`). Removes what is older than the grace period and:
 * - is a leftover of an upload that never finished: a temporary file or object, an incomplete multipart upload;
 * - or is a blob that no live package version references: its versions were deleted, or its publish lost a race
 *   or failed after the blob was stored.
 *
 * The grace period is what makes it safe beside running servers: a publish stores its blob before it commits
 * the row that references it, and a blob put again with the same content is freshened (made young), so a
 * blob in the middle of a publish is always young. Each blob is re-checked just before removal; the one window
 * left is a publish of the same bytes as an old unreferenced blob landing between that re-check and the delete,
 * milliseconds wide. The grace period must exceed the longest upload (2 GiB over a slow link) plus its commit.
 *
 * Memory stays flat: blobs come a listing page at a time, and each page's references are asked of the
 * metadata store in one batch, so a million versions are never all in memory.
 */
import type { Clock } from '../lib/clock.js'
import { mapConcurrently } from '../lib/map-concurrently.js'
import type { BlobEntry, BlobInventory, BlobStore, PackageRepository, UploadLeftover } from './ports.js'

/** Removals in flight at once: S3 answers a delete in milliseconds, and a long list one by one takes hours. */
const REMOVALS_IN_FLIGHT = 8

export interface GarbageCollectionOptions {
  readonly graceMs: number
  /** Report what would be removed; remove nothing. */
  readonly dryRun: boolean
  /** Told of each removal (or, in a dry run, each removal it would make), as it happens. */
  readonly onRemove?: (item: RemovedItem) => void
}

export type RemovedItem =
  | { readonly kind: 'blob'; readonly sha256: string; readonly size: number }
  | { readonly kind: UploadLeftover['kind']; readonly name: string; readonly size: number }

export interface RemovalCounts {
  /** Removed, or in a dry run found removable. */
  removed: number
  removedBytes: number
  /** Kept because they are younger than the grace period. */
  keptYoung: number
}

export interface GarbageCollectionReport {
  readonly dryRun: boolean
  readonly graceMs: number
  readonly blobs: RemovalCounts & { scanned: number; keptReferenced: number }
  readonly temporary: RemovalCounts
  readonly multipartUploads: RemovalCounts
}

export interface GarbageCollectionDeps {
  /** The metadata store's packages: which digests live versions reference. */
  readonly packages: Pick<PackageRepository, 'findReferencedDigests'>
  readonly blobs: BlobStore & BlobInventory
  readonly clock: Clock
}

export async function collectGarbage(deps: GarbageCollectionDeps, options: GarbageCollectionOptions): Promise<GarbageCollectionReport> {
  const cutoffMs = deps.clock.nowMs() - options.graceMs
  const report = {
    dryRun: options.dryRun,
    graceMs: options.graceMs,
    blobs: { scanned: 0, removed: 0, removedBytes: 0, keptYoung: 0, keptReferenced: 0 },
    temporary: { removed: 0, removedBytes: 0, keptYoung: 0 },
    multipartUploads: { removed: 0, removedBytes: 0, keptYoung: 0 },
  }
  const notify = options.onRemove ?? (() => undefined)
  for await (const page of deps.blobs.listLeftovers()) {
    await mapConcurrently(page, REMOVALS_IN_FLIGHT, async (leftover) => {
      const counts = leftover.kind === 'temporary' ? report.temporary : report.multipartUploads
      if (leftover.modifiedAtMs > cutoffMs) {
        counts.keptYoung += 1
        return
      }
      if (!options.dryRun) await deps.blobs.removeLeftover(leftover)
      count(counts, leftover.size)
      notify({ kind: leftover.kind, name: leftover.name, size: leftover.size })
    })
  }
  for await (const page of deps.blobs.listBlobs()) {
    report.blobs.scanned += page.length
    const old = page.filter((entry) => entry.modifiedAtMs <= cutoffMs)
    report.blobs.keptYoung += page.length - old.length
    const referenced = old.length === 0 ? new Set<string>() : await deps.packages.findReferencedDigests(old.map((entry) => entry.sha256))
    const unreferenced = old.filter((entry) => !referenced.has(entry.sha256))
    report.blobs.keptReferenced += old.length - unreferenced.length
    await mapConcurrently(unreferenced, REMOVALS_IN_FLIGHT, async (listed) => {
      const removed = options.dryRun ? listed : await removeIfStillOld(deps.blobs, listed.sha256, cutoffMs)
      if (removed === 'young') report.blobs.keptYoung += 1
      if (removed === 'young' || removed === undefined) return
      count(report.blobs, removed.size)
      notify({ kind: 'blob', sha256: removed.sha256, size: removed.size })
    })
  }
  return report
}

/**
 * Removes a blob unless a publish freshened it since it was listed; undefined when it is already gone (another
 * collector), 'young' when it was kept.
 */
async function removeIfStillOld(blobs: BlobStore & BlobInventory, sha256: string, cutoffMs: number): Promise<BlobEntry | 'young' | undefined> {
  const current = await blobs.describeBlob(sha256)
  if (current === undefined) return undefined
  if (current.modifiedAtMs > cutoffMs) return 'young'
  await blobs.delete(sha256)
  return current
}

function count(counts: RemovalCounts, size: number): void {
  counts.removed += 1
  counts.removedBytes += size
}
