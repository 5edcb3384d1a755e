/**
 * The blob store on every backend it runs on, for tests of the BlobStore port and garbage collection:
 *
 *   const variants = createBlobStoreVariants()
 *   after(() => variants.close())
 *   for (const variant of variants.all) describe(`... (${variant.name})`, () => { ... })
 *
 * `fs` opens a store in a fresh temporary directory; `s3` one under a fresh prefix of a bucket on an s3rver
 * started on first use (one per test file) and stopped by `close()`. The S3 store gets small parts, so a few
 * MiB exercise multipart uploads (lib-storage's 5 MiB minimum) and multipart copies (above 1 MiB here).
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { openFsBlobStore } from '../../src/blobs/fs-blob-store.js'
import type { OpenedBlobStore } from '../../src/blobs/open-blob-store.js'
import { parseBlobLocation, type S3BlobLocation } from '../../src/blobs/parse-blob-location.js'
import { openS3BlobStore } from '../../src/blobs/s3-blob-store.js'
import { startS3, uniquePrefix, type TestS3 } from './s3.js'

export const S3_TEST_BUCKET = 'packyard-test'
/** lib-storage's minimum part size: a 6 MiB upload is two parts. */
export const S3_TEST_PART_BYTES = 5 * 1024 * 1024
/** Copies above 1 MiB go in 5 MiB parts, so a 6 MiB blob is copied in two. */
const S3_TEST_TUNING = { uploadPartBytes: S3_TEST_PART_BYTES, maxSingleCopyBytes: 1024 * 1024, copyPartBytes: 5 * 1024 * 1024 }

export interface OpenedTestBlobStore {
  readonly blobs: OpenedBlobStore
  /** The `blobs` setting that opens the same store (file:DIR or s3://...). */
  readonly location: string
  /**
   * Leaves what a crashed upload leaves: a temporary file (fs), or a temporary object and an incomplete
   * multipart upload (s3). Resolves to how many leftovers it made.
   */
  plantLeftovers(): Promise<number>
  /** Closes the store and removes what it holds (the directory; an S3 prefix is left to the server's end). */
  close(): Promise<void>
}

export interface BlobStoreVariant {
  readonly name: 'fs' | 's3'
  open(): Promise<OpenedTestBlobStore>
}

export interface BlobStoreVariants {
  readonly all: readonly BlobStoreVariant[]
  /** The S3 server, started on first use. */
  s3(): Promise<TestS3>
  close(): Promise<void>
}

export function createBlobStoreVariants(): BlobStoreVariants {
  let s3: Promise<TestS3> | undefined
  const startedS3 = () => (s3 ??= startS3({ buckets: [S3_TEST_BUCKET] }))
  const fsVariant: BlobStoreVariant = {
    name: 'fs',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'packyard-blobs-'))
      const blobs = await openFsBlobStore(dir)
      return {
        blobs,
        location: `file:${dir}`,
        async plantLeftovers() {
          await writeFile(join(dir, 'tmp', `${randomUUID()}.part`), 'half an upload')
          return 1
        },
        close: async () => { await blobs.close(); await rm(dir, { recursive: true, force: true }) },
      }
    },
  }
  const s3Variant: BlobStoreVariant = {
    name: 's3',
    async open() {
      const server = await startedS3()
      const prefix = uniquePrefix()
      const location = server.blobsUrl(S3_TEST_BUCKET, prefix)
      const blobs = await openS3BlobStore({ location: s3LocationOf(location, server), env: server.env, tuning: S3_TEST_TUNING })
      return {
        blobs,
        location,
        async plantLeftovers() {
          await server.client.send(new PutObjectCommand({ Bucket: S3_TEST_BUCKET, Key: `${prefix}/tmp/${randomUUID()}`, Body: 'half an upload' }))
          await server.client.send(new CreateMultipartUploadCommand({ Bucket: S3_TEST_BUCKET, Key: `${prefix}/tmp/${randomUUID()}` }))
          return 2
        },
        close: () => blobs.close(),
      }
    },
  }
  return {
    all: [fsVariant, s3Variant],
    s3: startedS3,
    async close() {
      if (s3 !== undefined) await (await s3).stop()
    },
  }
}

function s3LocationOf(url: string, server: TestS3): S3BlobLocation {
  const location = parseBlobLocation(url, { dataDir: '.', env: server.env })
  if (location.kind !== 's3') throw new Error(`not an s3 location: ${url}`)
  return location
}
