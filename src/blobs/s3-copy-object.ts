/**
 * Server-side copy of an object to another key in the same bucket: how a finished upload becomes its
 * content-addressed blob, since S3 cannot rename. One CopyObject up to S3's 5 GiB limit; above it, a multipart
 * upload whose parts are copied by range (UploadPartCopy), completed only when every part is in place and
 * aborted on any failure, so the target key never shows a partial object.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { mapConcurrently } from '../lib/map-concurrently.js'

/** The largest object one CopyObject may copy (S3 API reference, CopyObject). */
export const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3
/** Parts of a multipart copy: 10 for a 5 GiB blob; each at most 5 GiB, at least 5 MiB but the last. */
export const DEFAULT_COPY_PART_BYTES = 512 * 1024 ** 2
/** S3's limit on the parts of one multipart upload. */
const MAX_PARTS = 10_000
/** Part copies in flight at once: each is a server-side copy of up to a part, seconds long. */
const PART_COPIES_IN_FLIGHT = 4

export interface CopyRequest {
  readonly bucket: string
  readonly sourceKey: string
  readonly targetKey: string
  readonly size: number
  /** Above this many bytes the copy goes in parts; S3's limit unless a test lowers it. */
  readonly maxSingleCopyBytes?: number
  readonly copyPartBytes?: number
}

export async function copyObject(client: S3Client, request: CopyRequest): Promise<void> {
  const copySource = copySourceOf(request.bucket, request.sourceKey)
  if (request.size <= (request.maxSingleCopyBytes ?? MAX_SINGLE_COPY_BYTES)) {
    await client.send(new CopyObjectCommand({ Bucket: request.bucket, Key: request.targetKey, CopySource: copySource }))
    return
  }
  await copyInParts(client, request, copySource)
}

async function copyInParts(client: S3Client, request: CopyRequest, copySource: string): Promise<void> {
  const { bucket, targetKey, size } = request
  const partBytes = Math.max(request.copyPartBytes ?? DEFAULT_COPY_PART_BYTES, Math.ceil(size / MAX_PARTS))
  const ranges = Array.from({ length: Math.ceil(size / partBytes) }, (_, index) => ({
    partNumber: index + 1,
    first: index * partBytes,
    last: Math.min(size, (index + 1) * partBytes) - 1,
  }))
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: targetKey, ContentType: 'application/octet-stream' }))
  const uploadId = created.UploadId
  if (uploadId === undefined) throw new Error('S3 answered CreateMultipartUpload without an UploadId')
  try {
    const parts = await mapConcurrently(ranges, PART_COPIES_IN_FLIGHT, async (range) => {
      const copied = await client.send(new UploadPartCopyCommand({
        Bucket: bucket, Key: targetKey, UploadId: uploadId, PartNumber: range.partNumber,
        CopySource: copySource, CopySourceRange: `bytes=${String(range.first)}-${String(range.last)}`,
      }))
      const etag = copied.CopyPartResult?.ETag
      if (etag === undefined) throw new Error(`S3 answered UploadPartCopy for part ${String(range.partNumber)} without an ETag`)
      return { PartNumber: range.partNumber, ETag: etag }
    })
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: targetKey, UploadId: uploadId, MultipartUpload: { Parts: parts } }))
  } catch (error) {
    // Best effort: an upload left behind holds no visible object, and `packyard admin gc` aborts it later.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: targetKey, UploadId: uploadId })).catch(() => undefined)
    throw error
  }
}

/** `bucket/key` with each key segment URL-encoded, as the x-amz-copy-source header requires. */
function copySourceOf(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}
