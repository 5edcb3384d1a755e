/**
 * Copies the blobs that package versions record from one blob store to another, through the BlobStore port
 * only, so any pair of stores works (disk to S3, disk to disk). Each blob streams through the destination's
 * `put`, which hashes while it stores; the result must equal what the package rows record (sha256, sha512,
 * size), so a blob corrupted at rest in the source is caught, never copied as if it were good. A blob already
 * in the destination (a rerun after an interruption) is read back and hashed instead of copied again.
 */
import { isAppError } from '../errors.js'
import { mapConcurrently } from '../lib/map-concurrently.js'
import type { BlobStore } from '../registry/ports.js'
import { digestStream } from './digesting-meter.js'

/** A blob as the package rows record it. */
export interface RecordedBlob {
  readonly sha256: string
  readonly sha512: string
  readonly size: number
  /** False when rows with this sha256 disagree about its sha512 or size. */
  readonly consistent: boolean
  /** False when only deleted versions record it. */
  readonly live: boolean
}

export interface CopyBlobsDeps {
  readonly source: Pick<BlobStore, 'open'>
  readonly destination: BlobStore
  /** The recorded blobs after `after` (null: from the first), in sha256 order; an empty page ends the copy. */
  readonly recordedBlobs: (after: string | null, limit: number) => readonly RecordedBlob[] | Promise<readonly RecordedBlob[]>
  /** Whether a package version records this sha256: a stray blob left by a corrupt source is deleted only if not. */
  readonly isRecorded: (sha256: string) => boolean | Promise<boolean>
  readonly onProgress?: (message: string) => void
}

export interface BlobCopyResult {
  /** Distinct blobs the package rows record. */
  readonly recorded: number
  readonly copied: number
  /** Already in the destination, and verified by reading them back. */
  readonly present: number
  readonly bytesCopied: number
  readonly bytesVerified: number
  /** Recorded by deleted versions only and gone from the source (garbage collection removes such blobs): not copied. */
  readonly goneDeleted: number
  readonly problems: readonly string[]
  /** How many problems there were, listed or not. */
  readonly problemCount: number
}

/** Blobs listed per page, and copied at once: a few parallel streams keep a remote store busy. */
const BLOBS_PER_PAGE = 256
export const BLOB_CONCURRENCY = 4

/** Problems listed in full; the rest are counted (a missing blob directory would otherwise list every blob). */
export const MAX_LISTED_PROBLEMS = 50

type Outcome =
  | { readonly kind: 'copied' | 'present'; readonly bytes: number }
  | { readonly kind: 'gone_deleted' }
  | { readonly kind: 'problem'; readonly message: string }

export async function copyBlobs(deps: CopyBlobsDeps): Promise<BlobCopyResult> {
  const totals: Totals = { recorded: 0, copied: 0, present: 0, bytesCopied: 0, bytesVerified: 0, goneDeleted: 0, problemCount: 0 }
  const problems: string[] = []
  let after: string | null = null
  for (;;) {
    const page = await deps.recordedBlobs(after, BLOBS_PER_PAGE)
    if (page.length === 0) break
    const outcomes = await mapConcurrently(page, BLOB_CONCURRENCY, (blob) => copyOne(deps, blob))
    for (const outcome of outcomes) count(totals, problems, outcome)
    totals.recorded += page.length
    deps.onProgress?.(`blobs: ${String(totals.recorded)} checked, ${String(totals.copied)} copied, ${String(totals.present)} already present`)
    after = page.at(-1)?.sha256 ?? null
  }
  return { ...totals, problems }
}

type Totals = { -readonly [K in Exclude<keyof BlobCopyResult, 'problems'>]: number }

function count(totals: Totals, problems: string[], outcome: Outcome): void {
  switch (outcome.kind) {
    case 'problem':
      totals.problemCount += 1
      if (problems.length < MAX_LISTED_PROBLEMS) problems.push(outcome.message)
      return
    case 'copied':
      totals.copied += 1
      totals.bytesCopied += outcome.bytes
      return
    case 'present':
      totals.present += 1
      totals.bytesVerified += outcome.bytes
      return
    case 'gone_deleted':
      totals.goneDeleted += 1
  }
}

async function copyOne(deps: CopyBlobsDeps, blob: RecordedBlob): Promise<Outcome> {
  const problem = (message: string): Outcome => ({ kind: 'problem', message: `blob ${blob.sha256}: ${message}` })
  if (!blob.consistent) return problem('package versions with this sha256 record different sha512 digests or sizes')
  if ((await deps.destination.stat(blob.sha256)) === blob.size) {
    const existing = await deps.destination.open(blob.sha256)
    if (existing !== undefined && matches(blob, await digestStream(existing))) return { kind: 'present', bytes: blob.size }
    return problem('the destination already holds different bytes under this digest; delete that blob from the destination and rerun')
  }
  const body = await deps.source.open(blob.sha256)
  if (body === undefined) return blob.live ? problem('missing from the source blob store') : { kind: 'gone_deleted' }
  let stored
  try {
    stored = await deps.destination.put(body, { maxBytes: blob.size })
  } catch (error) {
    if (isAppError(error) && error.code === 'payload_too_large') return problem(`the source's bytes are longer than the ${String(blob.size)} bytes recorded: the source blob is corrupt`)
    throw error
  }
  if (matches(blob, stored)) return { kind: 'copied', bytes: blob.size }
  // The bad bytes landed under their own digest; remove them unless that digest is a blob some package records.
  if (stored.sha256 !== blob.sha256 && !(await deps.isRecorded(stored.sha256))) await deps.destination.delete(stored.sha256)
  return problem(`the source's bytes hash to sha256 ${stored.sha256} (${String(stored.size)} bytes), not what the package rows record: the source blob is corrupt`)
}

/** Checks that every blob the destination's package rows record is in the destination store, with its size. */
export async function verifyBlobsPresent(
  destination: Pick<BlobStore, 'stat'>,
  recordedBlobs: (after: string | null, limit: number) => Promise<readonly { sha256: string; size: number }[]>,
): Promise<{ checked: number; problems: readonly string[]; problemCount: number }> {
  const problems: string[] = []
  let checked = 0
  let problemCount = 0
  let after: string | null = null
  for (;;) {
    const page = await recordedBlobs(after, BLOBS_PER_PAGE)
    if (page.length === 0) break
    const sizes = await mapConcurrently(page, BLOB_CONCURRENCY * 2, (blob) => destination.stat(blob.sha256))
    page.forEach((blob, index) => {
      const size = sizes[index]
      if (size === blob.size) return
      problemCount += 1
      if (problems.length < MAX_LISTED_PROBLEMS) problems.push(`blob ${blob.sha256}: ${size === undefined ? 'missing from' : `${String(size)} bytes, not ${String(blob.size)}, in`} the destination blob store`)
    })
    checked += page.length
    after = page.at(-1)?.sha256 ?? null
  }
  return { checked, problems, problemCount }
}

function matches(blob: RecordedBlob, actual: { sha256: string; sha512: string; size: number }): boolean {
  return actual.sha256 === blob.sha256 && actual.sha512 === blob.sha512 && actual.size === blob.size
}
