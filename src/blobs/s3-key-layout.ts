/**
 * Where things live in the bucket, under the location's prefix: blobs at `sha256/{xx}/{sha256}` (the fan-out
 * of the file store, so listings by range stay cheap), uploads in flight at `tmp/{uuid}`. Nothing else under
 * the prefix is ours, and garbage collection touches only keys of these two shapes.
 */
import { randomUUID } from 'node:crypto'
import { isSha256Hex, requireSha256Hex } from './sha256-hex.js'

const TEMPORARY_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export interface S3KeyLayout {
  /** Every key of ours starts with it: the location's prefix ('' for a whole bucket). */
  readonly root: string
  readonly blobsPrefix: string
  readonly temporaryPrefix: string
  /** @throws AppError `request_invalid` when `sha256` is not a digest. */
  blobKey(sha256: string): string
  newTemporaryKey(): string
  /** The digest a key stores, or undefined when the key is not a blob of ours. */
  sha256Of(key: string): string | undefined
  isTemporaryKey(key: string): boolean
}

export function createS3KeyLayout(prefix: string): S3KeyLayout {
  const blobsPrefix = `${prefix}sha256/`
  const temporaryPrefix = `${prefix}tmp/`
  return Object.freeze({
    root: prefix,
    blobsPrefix,
    temporaryPrefix,
    blobKey: (sha256: string) => `${blobsPrefix}${requireSha256Hex(sha256).slice(0, 2)}/${sha256}`,
    newTemporaryKey: () => `${temporaryPrefix}${randomUUID()}`,
    sha256Of(key: string) {
      if (!key.startsWith(blobsPrefix)) return undefined
      const [dir = '', sha256 = '', ...rest] = key.slice(blobsPrefix.length).split('/')
      return rest.length === 0 && isSha256Hex(sha256) && sha256.startsWith(dir) && dir.length === 2 ? sha256 : undefined
    },
    isTemporaryKey: (key: string) => key.startsWith(temporaryPrefix) && TEMPORARY_NAME.test(key.slice(temporaryPrefix.length)),
  })
}
