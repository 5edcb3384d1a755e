/**
 * Content-addressed blobs on the local disk. An upload streams into a temporary file while its sha256 and
 * sha512 are computed; only when the body is complete is the file fsynced and renamed to its digest's path, so
 * a crash at any moment leaves at most a temporary file (removed at the next start), never a partial blob.
 *
 * The steps after the last byte are few, since each is a trip to libuv's thread pool that a small upload waits
 * for: the file is fsynced through the descriptor that wrote it, renamed over any copy of the same content
 * (both are whole, and the rename is atomic), and its directory fsynced through a descriptor kept open.
 */
import { randomUUID } from 'node:crypto'
import { close as closeCallback, createReadStream, createWriteStream, fsync as fsyncCallback, open as openCallback } from 'node:fs'
import { access, constants, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import { UPLOAD_BUFFER_BYTES } from '../lib/upload-buffer.js'
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
  /** Closes the directory descriptors kept for fsync. */
  close(): Promise<void>
}

export async function openFsBlobStore(root: string): Promise<FsBlobStore> {
  const tmpDir = join(root, 'tmp')
  const blobDir = join(root, 'sha256')
  await mkdir(tmpDir, { recursive: true })
  await mkdir(blobDir, { recursive: true })
  const pathOf = (sha256: string) => join(blobDir, requireSha256Hex(sha256).slice(0, 2), sha256)
  const fanOut = createFanOutDirectories(blobDir)

  return {
    async put(body, { maxBytes }) {
      const tmpPath = join(tmpDir, `${randomUUID()}.part`)
      try {
        const digests = await writeDigesting(body, tmpPath, maxBytes)
        const directory = await fanOut.ensure(digests.sha256.slice(0, 2))
        // Over a blob of the same content, if any: content addressing makes them identical, and the new file is
        // young, so that garbage collection's grace period covers this publish as it covers a new blob (git
        // freshens an object it is asked to write again for the same reason).
        await rename(tmpPath, pathOf(digests.sha256))
        await directory.sync()
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
    close: () => fanOut.close(),
  }
}

const openAsync = promisify(openCallback)
const fsyncAsync = promisify(fsyncCallback)
const closeAsync = promisify(closeCallback)

interface FanOutDirectory {
  /** fsync(2) of the directory: a rename into it is durable once its entry is on disk. */
  sync(): Promise<void>
}

/**
 * The 256 `sha256/{xx}` directories, each created once and kept open (a plain descriptor, never closed by the
 * garbage collector) for the fsync that makes a rename into it durable.
 */
function createFanOutDirectories(blobDir: string): { ensure(name: string): Promise<FanOutDirectory>; close(): Promise<void> } {
  const opened = new Map<string, Promise<number>>()
  const ensure = async (name: string): Promise<FanOutDirectory> => {
    let descriptor = opened.get(name)
    if (descriptor === undefined) {
      const path = join(blobDir, name)
      descriptor = mkdir(path, { recursive: true }).then(() => openAsync(path, 'r'))
      opened.set(name, descriptor)
      // A failure (a full disk) is not remembered: the next upload tries again.
      descriptor.catch(() => opened.delete(name))
    }
    const fd = await descriptor
    return { sync: () => fsyncAsync(fd) }
  }
  return {
    ensure,
    async close() {
      const descriptors = [...opened.values()]
      opened.clear()
      await Promise.all(descriptors.map(async (descriptor) => closeAsync(await descriptor).catch(() => undefined)))
    },
  }
}

/**
 * Streams `body` to `path`, hashing as it goes (on the digest worker); the write stream fsyncs its descriptor
 * before closing it (`flush`), and the worker finishes the last bytes meanwhile.
 */
async function writeDigesting(body: Readable, path: string, maxBytes: number): Promise<StoredBlob> {
  const meter = new DigestingMeter(maxBytes)
  await pipeline(body, meter, createWriteStream(path, { flags: 'wx', flush: true, highWaterMark: UPLOAD_BUFFER_BYTES }))
  return meter.result()
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path)
    return info.isFile() ? info.size : undefined
  } catch {
    return undefined
  }
}

