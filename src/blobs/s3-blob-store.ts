/**
 * Content-addressed blobs in an S3 bucket (AWS, or any S3-compatible server). S3 cannot rename, so an upload
 * streams to a temporary key (`tmp/{uuid}`) as a multipart upload of unknown length while the digest worker
 * hashes it; once the body is complete, a server-side copy puts it under its digest (`sha256/{xx}/{sha256}`)
 * and the temporary object is deleted. A blob key therefore only ever holds a whole, hashed upload.
 *
 * An upload that fails aborts its multipart upload; what a crash or a lost abort leaves (a temporary object,
 * an incomplete multipart upload) is invisible to readers and removed by `packyard admin gc` once older than
 * its grace period. Nothing is swept at start: several servers may share the bucket, and a starting server
 * cannot tell their uploads in flight from leftovers.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { Readable, pipeline } from 'node:stream'
import type { BlobInventory, BlobStore } from '../registry/ports.js'
import { DigestingMeter } from './digesting-meter.js'
import { checkBucketReachable, createS3Client } from './create-s3-client.js'
import type { S3BlobLocation } from './parse-blob-location.js'
import { createS3BlobInventory, isNotFound } from './s3-blob-inventory.js'
import { copyObject } from './s3-copy-object.js'
import { createS3KeyLayout } from './s3-key-layout.js'

/**
 * Bytes per part of an upload. With UPLOAD_PARTS_IN_FLIGHT parts uploading and one filling, an upload holds
 * about 24 MiB however large it is; a larger cap than 10,000 parts allow raises the part size (S3's limit).
 */
const DEFAULT_UPLOAD_PART_BYTES = 8 * 1024 * 1024
const UPLOAD_PARTS_IN_FLIGHT = 2
/** S3's limits: at least 5 MiB per part but the last, at most 10,000 parts. */
const MIN_PART_BYTES = 5 * 1024 * 1024
const MAX_PARTS = 10_000

export interface S3BlobStore extends BlobStore, BlobInventory {
  /** Sweeps nothing and returns 0: other live servers may be uploading to the same bucket (see above). */
  sweepTemporaryFiles(): Promise<number>
  /** Resolves when the bucket answers a listing, as at start. */
  ping(): Promise<void>
  /** Closes the client's sockets. */
  close(): Promise<void>
}

export interface S3BlobStoreOptions {
  readonly location: S3BlobLocation
  /** Where the AWS_* credentials are read from (the server's environment). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Smaller parts and copies, so tests exercise multipart paths with a few MiB; production uses the defaults. */
  readonly tuning?: {
    readonly uploadPartBytes?: number
    readonly maxSingleCopyBytes?: number
    readonly copyPartBytes?: number
  }
}

/**
 * Opens the store once its bucket has answered.
 * @throws AppError `config_invalid` when the bucket is missing, denied or unreachable.
 */
export async function openS3BlobStore(options: S3BlobStoreOptions): Promise<S3BlobStore> {
  const { location, tuning = {} } = options
  const client = createS3Client(location, options.env)
  try {
    await checkBucketReachable(client, location)
  } catch (error) {
    client.destroy()
    throw error
  }
  const bucket = location.bucket
  const keys = createS3KeyLayout(location.prefix)
  return {
    async put(body, { maxBytes }) {
      const temporaryKey = keys.newTemporaryKey()
      const meter = await uploadDigesting(client, { bucket, key: temporaryKey, body, maxBytes, partBytes: tuning.uploadPartBytes })
      try {
        const blob = await meter.result()
        // Always copied, even over an existing blob of the same content: the copy makes the blob young again,
        // so garbage collection's grace period covers this publish (git freshens re-written objects alike).
        await copyObject(client, {
          bucket, sourceKey: temporaryKey, targetKey: keys.blobKey(blob.sha256), size: blob.size,
          ...(tuning.maxSingleCopyBytes === undefined ? {} : { maxSingleCopyBytes: tuning.maxSingleCopyBytes }),
          ...(tuning.copyPartBytes === undefined ? {} : { copyPartBytes: tuning.copyPartBytes }),
        })
        return blob
      } finally {
        // Best effort: a temporary object left behind is invisible, and `packyard admin gc` removes it.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: temporaryKey })).catch(() => undefined)
      }
    },
    async stat(sha256) {
      try {
        return (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keys.blobKey(sha256) }))).ContentLength
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },
    async open(sha256, range) {
      const rangeHeader = range === undefined ? {} : { Range: `bytes=${String(range.start)}-${String(range.end)}` }
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keys.blobKey(sha256), ...rangeHeader }))
        if (!(object.Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body')
        return object.Body
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },
    async delete(sha256) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keys.blobKey(sha256) }))
    },
    ...createS3BlobInventory({ client, bucket, keys }),
    sweepTemporaryFiles: () => Promise.resolve(0),
    ping: () => checkBucketReachable(client, location),
    close() {
      client.destroy()
      return Promise.resolve()
    },
  }
}

interface UploadRequest {
  readonly bucket: string
  readonly key: string
  readonly body: Readable
  readonly maxBytes: number
  readonly partBytes: number | undefined
}

/**
 * Streams `body` to `key` through the meter; resolves to the ended meter once the object is complete. On any
 * failure the multipart upload is aborted (by lib-storage) and the body is dropped; the body's own error (the
 * client went away, `payload_too_large`) wins over the S3 errors it causes.
 */
async function uploadDigesting(client: S3Client, request: UploadRequest): Promise<DigestingMeter> {
  const meter = new DigestingMeter(request.maxBytes)
  let bodyError: unknown
  pipeline(request.body, meter, (error) => { bodyError ??= error ?? undefined })
  const upload = new Upload({
    client,
    params: { Bucket: request.bucket, Key: request.key, Body: meter, ContentType: 'application/octet-stream' },
    partSize: partBytesFor(request.maxBytes, request.partBytes),
    queueSize: UPLOAD_PARTS_IN_FLIGHT,
  })
  try {
    await upload.done()
  } catch (error) {
    meter.destroy()
    throw bodyError ?? error
  }
  return meter
}

/** The part size: the configured one, raised so that an upload of `maxBytes` fits in S3's 10,000 parts. */
function partBytesFor(maxBytes: number, configured: number | undefined): number {
  return Math.max(MIN_PART_BYTES, configured ?? DEFAULT_UPLOAD_PART_BYTES, Math.ceil(maxBytes / MAX_PARTS))
}
