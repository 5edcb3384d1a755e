/**
 * Content-addressed blobs on the local disk. An upload streams into a temporary file while its sha256 and
 * sha512 are computed; only when the body is complete is the file fsynced and renamed to its digest's path, so
 * a crash at any moment leaves at most a temporary file (removed at the next start), never a partial blob.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '../errors.js'
import type { BlobStore, StoredBlob } from '../registry/ports.js'
import { createDigestWorkerPool, type DigestStream } from './digest-worker-pool.js'

const SHA256_HEX = /^[0-9a-f]{64}$/

/** One hashing thread for every store in the process; it starts with the first upload. */
const digestPool = createDigestWorkerPool()

export interface FsBlobStore extends BlobStore {
  /** Removes temporary files left by uploads that never finished (a crash, a kill); returns how many. */
  sweepTemporaryFiles(): Promise<number>
}

export async function openFsBlobStore(root: string): Promise<FsBlobStore> {
  const tmpDir = join(root, 'tmp')
  const blobDir = join(root, 'sha256')
  await mkdir(tmpDir, { recursive: true })
  await mkdir(blobDir, { recursive: true })
  const pathOf = (sha256: string) => {
    if (!SHA256_HEX.test(sha256)) throw new AppError('request_invalid', 'not a sha256 digest')
    return join(blobDir, sha256.slice(0, 2), sha256)
  }

  return {
    async put(body, { maxBytes }) {
      const tmpPath = join(tmpDir, `${randomUUID()}.part`)
      try {
        const digests = await writeDigesting(body, tmpPath, maxBytes)
        const finalPath = pathOf(digests.sha256)
        await mkdir(join(blobDir, digests.sha256.slice(0, 2)), { recursive: true })
        // Same content already stored: keep the existing file (content addressing makes them identical).
        if ((await sizeOf(finalPath)) === digests.size) await rm(tmpPath, { force: true })
        else await rename(tmpPath, finalPath)
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
    async sweepTemporaryFiles() {
      const names = await readdir(tmpDir)
      await Promise.all(names.map((name) => rm(join(tmpDir, name), { force: true })))
      return names.length
    },
  }
}

/** Streams `body` to `path`, hashing as it goes (on the digest worker); fsyncs before resolving. */
async function writeDigesting(body: Readable, path: string, maxBytes: number): Promise<StoredBlob> {
  const digests = digestPool.open()
  const meter = new SizeMeter(maxBytes, digests)
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx' }))
  } catch (error) {
    digests.abort()
    throw error
  }
  // The worker finishes the last bytes while the disk flushes the file.
  const [{ sha256, sha512 }] = await Promise.all([digests.digest(), fsyncPath(path)])
  return Object.freeze({ sha256, sha512, size: meter.size })
}

/** Passes bytes through to the digests and on; errors once the size passes the cap. */
class SizeMeter extends Transform {
  size = 0

  constructor(
    private readonly maxBytes: number,
    private readonly digests: DigestStream,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length
    if (this.size > this.maxBytes) {
      callback(new AppError('payload_too_large', `the upload is larger than ${String(this.maxBytes)} bytes`))
      return
    }
    let wait: Promise<void> | undefined
    try {
      wait = this.digests.update(chunk)
    } catch (error) {
      callback(error as Error)
      return
    }
    if (wait === undefined) callback(null, chunk)
    else wait.then(() => { callback(null, chunk) }, callback)
  }
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
