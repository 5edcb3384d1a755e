/**
 * The Transform every blob store puts between an upload's body and where its bytes go: it counts them, refuses
 * the upload once it passes its cap, and feeds them to the digest worker, so a store learns a blob's identity
 * while streaming it, never by reading it back.
 */
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError } from '../errors.js'
import { UPLOAD_BUFFER_BYTES } from '../lib/upload-buffer.js'
import type { StoredBlob } from '../registry/ports.js'
import { createDigestWorkerPool, type Digests, type DigestStream } from './digest-worker-pool.js'

/** One hashing thread for every store in the process; it starts with the first upload. */
const digestPool = createDigestWorkerPool()

export class DigestingMeter extends Transform {
  /**
   * Bytes passed so far. Not named `size` or `length`: lib-storage's Upload reads a body's length from those,
   * and would take 0 for the length of the whole upload.
   */
  private bytesPassed = 0
  private readonly digests: DigestStream = digestPool.open()
  private pendingDigests: Promise<Digests> | undefined

  constructor(private readonly maxBytes: number) {
    super({ highWaterMark: UPLOAD_BUFFER_BYTES })
  }

  /**
   * The digests and size of everything that passed. Call after the stream ended.
   * @throws Error when the stream has not ended (a caller bug), or the digest worker failed.
   */
  async result(): Promise<StoredBlob> {
    if (this.pendingDigests === undefined) throw new Error('DigestingMeter.result() before the stream ended')
    const { sha256, sha512 } = await this.pendingDigests
    return Object.freeze({ sha256, sha512, size: this.bytesPassed })
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytesPassed += chunk.length
    if (this.bytesPassed > this.maxBytes) {
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

  override _flush(callback: TransformCallback): void {
    // Asked now, so the worker hashes the last batch while the store finishes writing (fsync, multipart complete).
    this.pendingDigests = this.digests.digest()
    // Handled here too: a store that fails after the end never asks for the result.
    this.pendingDigests.catch(() => undefined)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A failed or abandoned upload frees its hashing state; one that ended has already asked for its digests.
    if (this.pendingDigests === undefined) this.digests.abort()
    callback(error)
  }
}

/** The digests and size of a stored blob read back (`admin migrate-store` verifies copies with it). */
export async function digestStream(stream: Readable): Promise<StoredBlob> {
  const meter = new DigestingMeter(Number.MAX_SAFE_INTEGER)
  await pipeline(stream, meter, new Writable({ write: (_chunk, _encoding, done) => { done() } }))
  return meter.result()
}
