/**
 * Content-addressed blobs on the local disk. An upload streams into a temporary file while its sha256 and
 * sha512 are computed; only when the body is complete is the file fsynced and renamed to its digest's path, so
 * a crash at any moment leaves at most a temporary file (removed at the next start), never a partial blob.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { access, constants, mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { BlobInventory, BlobStore, StoredBlob } from '../registry/ports.js'
import { DigestingMeter } from './digesting-meter.js'
import { createFsBlobInventory } from './fs-blob-inventory.js'
import { requireSha256Hex } from './sha256-hex.js'

export interface FsBlobStore extends BlobStore, BlobInventory {
  /**
   * Removes every temporary file (a crash, a kill); returns how many. Only for a store no other live server
   * writes to: it cannot tell another server's upload in flight from a leftover.
   */
  sweepTemporaryFiles(): Promise<number>
  /** Resolves when the blob and temporary directories are there and searchable (a mount that went away fails). */
  ping(): Promise<void>
  /** Nothing to release: files are opened per call. */
  close(): Promise<void>
}

export async function openFsBlobStore(root: string): Promise<FsBlobStore> {
  const tmpDir = join(root, 'tmp')
  const blobDir = join(root, 'sha256')
  await mkdir(tmpDir, { recursive: true })
  await mkdir(blobDir, { recursive: true })
  const pathOf = (sha256: string) => join(blobDir, requireSha256Hex(sha256).slice(0, 2), sha256)

  return {
    async put(body, { maxBytes }) {
      const tmpPath = join(tmpDir, `${randomUUID()}.part`)
      try {
        const digests = await writeDigesting(body, tmpPath, maxBytes)
        const finalPath = pathOf(digests.sha256)
        await mkdir(join(blobDir, digests.sha256.slice(0, 2)), { recursive: true })
        if ((await sizeOf(finalPath)) === digests.size) {
          // Same content already stored: keep it (content addressing makes them identical), but make it young
          // again, so that garbage collection's grace period covers this publish as it covers a new blob
          // (git freshens an object it is asked to write again for the same reason).
          await rm(tmpPath, { force: true })
          const now = new Date()
          await utimes(finalPath, now, now)
        } else {
          await rename(tmpPath, finalPath)
        }
        await fsyncPath(join(blobDir, digests.sha256.slice(0, 2)))
        return digests
      } catch (error) {
        await rm(tmpPath, { force: true })
        throw error
      }
    },
    stat: async (sha256) => sizeOf(pathOf(sha256)),
    async open(sha256, range) {
      const path = pathOf(sha256)
      if ((await sizeOf(path)) === undefined) return undefined
      return createReadStream(path, range === undefined ? {} : { start: range.start, end: range.end })
    },
    delete: async (sha256) => rm(pathOf(sha256), { force: true }),
    ...createFsBlobInventory({ blobDir, tmpDir }),
    async sweepTemporaryFiles() {
      const names = await readdir(tmpDir)
      await Promise.all(names.map((name) => rm(join(tmpDir, name), { force: true })))
      return names.length
    },
    async ping() {
      await Promise.all([access(blobDir, constants.R_OK | constants.X_OK), access(tmpDir, constants.W_OK | constants.X_OK)])
    },
    close: () => Promise.resolve(),
  }
}

/** Streams `body` to `path`, hashing as it goes (on the digest worker); fsyncs before resolving. */
async function writeDigesting(body: Readable, path: string, maxBytes: number): Promise<StoredBlob> {
  const meter = new DigestingMeter(maxBytes)
  await pipeline(body, meter, createWriteStream(path, { flags: 'wx' }))
  // The worker finishes the last bytes while the disk flushes the file.
  const [digests] = await Promise.all([meter.result(), fsyncPath(path)])
  return digests
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path)
    return info.isFile() ? info.size : undefined
  } catch {
    return undefined
  }
}

/**
 * fsync(2) of a file (its data is on disk) or a directory (a rename in it is durable only once its entry is on
 * disk). A read-only descriptor is enough: fsync flushes the inode, whichever descriptor wrote to it.
 */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
