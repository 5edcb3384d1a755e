/**
 * One pass over an npm tarball as it arrives: the bytes go to the blob store, through SHA-1 (npm's `shasum`)
 * and through the tarball inspector at once, so nothing is buffered and nothing is read twice. The caller
 * pushes chunks and awaits `drain()` between them, which propagates the slowest consumer's backpressure.
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { AppError } from '../../errors.js'
import type { BlobStore, StoredBlob } from '../../registry/ports.js'
import { createTarballInspector, type NpmTarballFacts } from './inspect-npm-tarball.js'

export interface ReceivedTarball {
  readonly blob: StoredBlob
  readonly facts: NpmTarballFacts
  /** SHA-1, hex. */
  readonly shasum: string
}

export interface TarballReceiver {
  /** Takes the next bytes. @throws AppError `payload_too_large` */
  write(chunk: Buffer): void
  /** Resolves when every consumer can take more. @throws what a consumer failed with */
  drain(): Promise<void>
  /** Ends the tarball and waits for the blob and the inspection. @throws AppError */
  finish(): Promise<ReceivedTarball>
  /** Abandons the upload: the blob store discards its partial file. */
  abort(error: unknown): Promise<void>
}

export function createTarballReceiver(deps: { blobs: BlobStore; maxBytes: number }): TarballReceiver {
  const body = new PassThrough()
  const blobPut = deps.blobs.put(body, { maxBytes: deps.maxBytes })
  // Observed below; a rejection before then must not count as unhandled.
  blobPut.catch(() => undefined)
  const sha1 = createHash('sha1')
  const inspector = createTarballInspector()
  let bytes = 0
  let pending: Promise<unknown>[] = []
  const track = (promise: Promise<unknown>) => {
    // Awaited by the next drain(); until then (or when the upload is abandoned first) it must not count as unhandled.
    promise.catch(() => undefined)
    pending.push(promise)
  }
  const drain = async () => {
    const waiting = pending
    pending = []
    // The blob store failing (disk full) must end the wait for a drain that will never come.
    await Promise.race([Promise.all(waiting), blobPut.then(() => new Promise(() => undefined))])
  }

  return {
    write(chunk) {
      bytes += chunk.length
      if (bytes > deps.maxBytes) throw new AppError('payload_too_large', `the tarball is larger than ${String(deps.maxBytes)} bytes`)
      sha1.update(chunk)
      if (!body.write(chunk)) track(once(body, 'drain'))
      track(inspector.write(chunk))
    },
    drain,
    async finish() {
      await drain()
      body.end()
      const [blob, facts] = await Promise.all([blobPut, inspector.finish()])
      return { blob, facts, shasum: sha1.digest('hex') }
    },
    async abort(error) {
      inspector.abort()
      body.destroy(error instanceof Error ? error : new Error('upload aborted'))
      await blobPut.catch(() => undefined)
    },
  }
}
