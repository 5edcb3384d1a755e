/** Opens the blob store a `blobs` location names: a directory on the local disk, or an S3 bucket. */
import type { BlobInventory, BlobStore } from '../registry/ports.js'
import { openFsBlobStore } from './fs-blob-store.js'
import type { BlobLocation } from './parse-blob-location.js'
import { openS3BlobStore } from './s3-blob-store.js'

/** A blob store as the composition root holds it: the port, the listings of gc, and its lifecycle. */
export interface OpenedBlobStore extends BlobStore, BlobInventory {
  /** Removes leftovers of this server's own interrupted uploads where that is safe at start; returns how many. */
  sweepTemporaryFiles(): Promise<number>
  /** Resolves once the storage answers (the directory exists, the bucket lists): the readiness check's probe. */
  ping(): Promise<void>
  close(): Promise<void>
}

/**
 * @param deps.env where S3 credentials (AWS_ACCESS_KEY_ID, ...) are read from
 * @throws AppError `config_invalid` when an S3 bucket is missing, denied or unreachable.
 */
export async function openBlobStore(location: BlobLocation, deps: { env: Readonly<Record<string, string | undefined>> }): Promise<OpenedBlobStore> {
  switch (location.kind) {
    case 'file':
      return openFsBlobStore(location.root)
    case 's3':
      return openS3BlobStore({ location, env: deps.env })
  }
}
