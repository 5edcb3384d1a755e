/**
 * What garbage collection lists in a bucket, a page (up to 1,000 keys, one request) at a time: the blobs under
 * `sha256/`, the temporary objects under `tmp/`, and the incomplete multipart uploads under the prefix (an
 * upload that died before completing, or a multipart copy that failed). Keys not of our two shapes are never
 * listed, so garbage collection never removes what another application keeps in the same bucket.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { BlobEntry, BlobInventory, UploadLeftover } from '../registry/ports.js'
import type { S3KeyLayout } from './s3-key-layout.js'

/** S3's own maximum per listing request. */
const PAGE_SIZE = 1000

export function createS3BlobInventory(deps: { client: S3Client; bucket: string; keys: S3KeyLayout }): BlobInventory {
  const { client, bucket, keys } = deps
  const pageSize = PAGE_SIZE
  const listObjects = (prefix: string) => paginateListObjectsV2({ client, pageSize }, { Bucket: bucket, Prefix: prefix })
  return {
    async *listBlobs() {
      for await (const page of listObjects(keys.blobsPrefix)) {
        yield (page.Contents ?? []).flatMap((object): BlobEntry[] => {
          const sha256 = keys.sha256Of(object.Key ?? '')
          if (sha256 === undefined || object.LastModified === undefined) return []
          return [Object.freeze({ sha256, size: object.Size ?? 0, modifiedAtMs: object.LastModified.getTime() })]
        })
      }
    },
    async describeBlob(sha256) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keys.blobKey(sha256) }))
        return Object.freeze({ sha256, size: head.ContentLength ?? 0, modifiedAtMs: head.LastModified?.getTime() ?? 0 })
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    },
    async *listLeftovers() {
      for await (const page of listObjects(keys.temporaryPrefix)) {
        yield (page.Contents ?? []).flatMap((object): UploadLeftover[] => {
          const key = object.Key ?? ''
          if (!keys.isTemporaryKey(key) || object.LastModified === undefined) return []
          return [Object.freeze({ kind: 'temporary', name: key, size: object.Size ?? 0, modifiedAtMs: object.LastModified.getTime() })]
        })
      }
      yield* listIncompleteUploads(client, bucket, keys, pageSize)
    },
    async removeLeftover(leftover) {
      if (leftover.kind === 'temporary' && keys.isTemporaryKey(leftover.name)) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: leftover.name }))
      } else if (leftover.kind === 'multipart_upload' && leftover.uploadId !== undefined && isOurs(keys, leftover.name)) {
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: leftover.name, UploadId: leftover.uploadId }))
        } catch (error) {
          // Completed or aborted since it was listed: nothing left to remove.
          if (!isNotFound(error)) throw error
        }
      }
    },
  }
}

async function* listIncompleteUploads(client: S3Client, bucket: string, keys: S3KeyLayout, pageSize: number): AsyncGenerator<readonly UploadLeftover[]> {
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {}
  for (;;) {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: keys.root, MaxUploads: pageSize, ...markers }))
    yield (page.Uploads ?? []).flatMap((upload): UploadLeftover[] => {
      const key = upload.Key ?? ''
      if (!isOurs(keys, key) || upload.UploadId === undefined || upload.Initiated === undefined) return []
      return [Object.freeze({ kind: 'multipart_upload', name: key, uploadId: upload.UploadId, size: 0, modifiedAtMs: upload.Initiated.getTime() })]
    })
    if (page.IsTruncated !== true || page.NextKeyMarker === undefined) return
    markers = { KeyMarker: page.NextKeyMarker, ...(page.NextUploadIdMarker === undefined ? {} : { UploadIdMarker: page.NextUploadIdMarker }) }
  }
}

function isOurs(keys: S3KeyLayout, key: string): boolean {
  return keys.isTemporaryKey(key) || keys.sha256Of(key) !== undefined
}

/** NoSuchKey, NotFound (HEAD has no body to name the error), NoSuchUpload: the thing is not there. */
export function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NoSuchUpload')
}
