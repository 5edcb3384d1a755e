/**
 * ListMultipartUploads and AbortMultipartUpload for s3rver 4, which answers both with NotImplemented and
 * MethodNotAllowed. Real S3, MinIO and the others have them, and Packyard relies on them: an upload that fails
 * aborts its multipart upload, and `packyard admin gc` lists and aborts stale ones. So the tests run those code
 * paths, this middleware serves the two calls from s3rver's own upload directories
 * (`{directory}/{bucket}/._S3rver_uploads/{uploadId}/key`, the key file's time being the upload's start).
 * Path-style requests only, no pagination (tests hold a handful of uploads).
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3rverContext, S3rverMiddleware } from '@20minutes/s3rver'

const UPLOAD_ID = /^[0-9a-f]{1,64}$/
const BUCKET_PATH = /^\/([^/]+)\/?$/
const OBJECT_PATH = /^\/([^/]+)\/(.+)$/

interface PendingUpload {
  readonly key: string
  readonly uploadId: string
  readonly initiated: Date
}

export function createMultipartListingMiddleware(directory: string): S3rverMiddleware {
  const uploadsDir = (bucket: string) => join(directory, bucket, '._S3rver_uploads')
  return async (context, next) => {
    const bucketMatch = BUCKET_PATH.exec(context.path)
    if (context.method === 'GET' && bucketMatch !== null && 'uploads' in context.query) {
      await listUploads(context, bucketMatch[1] ?? '', uploadsDir(bucketMatch[1] ?? ''))
      return
    }
    const objectMatch = OBJECT_PATH.exec(context.path)
    const uploadId = context.query.uploadId
    if (context.method === 'DELETE' && objectMatch !== null && typeof uploadId === 'string') {
      await abortUpload(context, uploadsDir(objectMatch[1] ?? ''), decodeURIComponent(objectMatch[2] ?? ''), uploadId)
      return
    }
    await next()
  }
}

async function listUploads(context: S3rverContext, bucket: string, dir: string): Promise<void> {
  const prefix = typeof context.query.prefix === 'string' ? context.query.prefix : ''
  const uploads = (await readUploads(dir)).filter((upload) => upload.key.startsWith(prefix))
  uploads.sort((a, b) => a.key.localeCompare(b.key) || a.uploadId.localeCompare(b.uploadId))
  context.status = 200
  context.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: bucket,
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads.map((upload) => ({ Key: upload.key, UploadId: upload.uploadId, Initiated: upload.initiated.toISOString() })),
    },
  }
}

async function abortUpload(context: S3rverContext, dir: string, key: string, uploadId: string): Promise<void> {
  const upload = (await readUploads(dir)).find((candidate) => candidate.uploadId === uploadId && candidate.key === key)
  if (!UPLOAD_ID.test(uploadId) || upload === undefined) {
    context.status = 404
    context.body = { Error: { Code: 'NoSuchUpload', Message: 'The specified multipart upload does not exist.', UploadId: uploadId } }
    return
  }
  await rm(join(dir, uploadId), { recursive: true, force: true })
  context.status = 204
  context.body = ''
}

async function readUploads(dir: string): Promise<PendingUpload[]> {
  let ids: string[]
  try {
    ids = (await readdir(dir)).filter((id) => UPLOAD_ID.test(id))
  } catch {
    return []
  }
  const uploads = await Promise.all(ids.map(async (uploadId): Promise<PendingUpload | undefined> => {
    try {
      const keyFile = join(dir, uploadId, 'key')
      const [key, info] = await Promise.all([readFile(keyFile, 'utf8'), stat(keyFile)])
      return { key, uploadId, initiated: info.mtime }
    } catch {
      return undefined
    }
  }))
  return uploads.filter((upload) => upload !== undefined)
}
