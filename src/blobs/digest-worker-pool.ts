/**
 * sha256 and sha512 of upload streams, computed on a worker thread so that hashing (about 2 ms per MiB here)
 * overlaps with receiving, parsing and writing the body instead of adding to them on the event loop. Bytes
 * go to the worker in batches, copied into buffers transferred with the message and transferred back once
 * hashed, for reuse; at most MAX_IN_FLIGHT_BYTES per stream wait for the worker, so a slow worker slows the
 * upload (backpressure) rather than growing memory.
 */
import { Worker } from 'node:worker_threads'

/** Bytes gathered before they are posted: a few messages per MiB, and a short tail to hash after the last byte. */
const BATCH_BYTES = 128 * 1024
/** Hashed batch buffers kept for reuse (the worker hands each back), so a long upload allocates no more. */
const SPARE_BATCHES = 64
/** Bytes posted to the worker and not yet hashed, per stream, before `update` asks the caller to wait. */
const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024

export interface Digests {
  readonly sha256: string
  readonly sha512: string
}

export interface DigestStream {
  /** Adds bytes (copied; the caller may reuse `chunk`). Returns a promise when the caller should wait for the worker. */
  update(chunk: Uint8Array): Promise<void> | undefined
  /** The digests of everything added. */
  digest(): Promise<Digests>
  /** Drops the stream (an upload that failed). */
  abort(): void
}

export interface DigestWorkerPool {
  open(): DigestStream
  close(): Promise<void>
}

// Plain JavaScript, so the worker needs no TypeScript loader under tsx or in dist/.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const streams = new Map()
parentPort.on('message', (message) => {
  const { type, id } = message
  if (type === 'update') {
    let hashes = streams.get(id)
    if (hashes === undefined) streams.set(id, (hashes = [createHash('sha256'), createHash('sha512')]))
    const bytes = new Uint8Array(message.buffer, 0, message.length)
    hashes[0].update(bytes)
    hashes[1].update(bytes)
    parentPort.postMessage({ type: 'hashed', id, length: message.length, buffer: message.buffer }, [message.buffer])
  } else if (type === 'digest') {
    const hashes = streams.get(id) ?? [createHash('sha256'), createHash('sha512')]
    streams.delete(id)
    parentPort.postMessage({ type: 'digest', id, sha256: hashes[0].digest('hex'), sha512: hashes[1].digest('hex') })
  } else if (type === 'abort') {
    streams.delete(id)
  }
})
`

type WorkerReply =
  | { readonly type: 'hashed'; readonly id: number; readonly length: number; readonly buffer: ArrayBuffer }
  | { readonly type: 'digest'; readonly id: number; readonly sha256: string; readonly sha512: string }

interface StreamState {
  inFlight: number
  waiting: (() => void) | null
  finished: ((digests: Digests) => void) | null
}

export function createDigestWorkerPool(): DigestWorkerPool {
  let worker: Worker | null = null
  let failure: Error | null = null
  let nextId = 0
  const states = new Map<number, StreamState>()
  const failAll = new Set<(error: Error) => void>()
  const spares: ArrayBuffer[] = []
  const takeBatch = () => Buffer.from(spares.pop() ?? new ArrayBuffer(BATCH_BYTES))

  const start = (): Worker => {
    if (worker !== null) return worker
    const started = new Worker(WORKER_SOURCE, { eval: true })
    started.on('message', (reply: WorkerReply) => {
      if (reply.type === 'hashed' && spares.length < SPARE_BATCHES) spares.push(reply.buffer)
      const state = states.get(reply.id)
      if (state === undefined) return
      if (reply.type === 'hashed') {
        state.inFlight -= reply.length
        if (state.waiting !== null && state.inFlight <= MAX_IN_FLIGHT_BYTES) {
          const resume = state.waiting
          state.waiting = null
          resume()
        }
      } else {
        forget(reply.id)
        state.finished?.({ sha256: reply.sha256, sha512: reply.sha512 })
      }
    })
    started.on('error', (error) => {
      failure = error
      for (const fail of failAll) fail(error)
      // Wake uploads waiting for the worker: their next update throws.
      for (const state of states.values()) state.waiting?.()
    })
    // Idle between uploads, the worker must not keep the process alive (unref after the listeners, which ref).
    started.unref()
    worker = started
    return started
  }
  // While a stream is open its answer is awaited, so the worker keeps the process alive; idle, it does not.
  const forget = (id: number) => {
    states.delete(id)
    if (states.size === 0) worker?.unref()
  }

  return {
    open() {
      const id = (nextId += 1)
      const thread = start()
      const state: StreamState = { inFlight: 0, waiting: null, finished: null }
      if (states.size === 0) thread.ref()
      states.set(id, state)
      let batch = takeBatch()
      let filled = 0
      const post = () => {
        if (filled === 0) return
        state.inFlight += filled
        const buffer = batch.buffer
        thread.postMessage({ type: 'update', id, buffer, length: filled }, [buffer])
        batch = takeBatch()
        filled = 0
      }
      return {
        update(chunk) {
          if (failure !== null) throw failure
          for (let offset = 0; offset < chunk.length;) {
            const copied = Math.min(BATCH_BYTES - filled, chunk.length - offset)
            batch.set(chunk.subarray(offset, offset + copied), filled)
            filled += copied
            offset += copied
            if (filled === BATCH_BYTES) post()
          }
          if (state.inFlight <= MAX_IN_FLIGHT_BYTES) return undefined
          return new Promise<void>((resolve) => { state.waiting = resolve })
        },
        digest() {
          if (failure !== null) return Promise.reject(failure)
          post()
          return new Promise<Digests>((resolve, reject) => {
            const fail = (error: Error) => { reject(error) }
            failAll.add(fail)
            state.finished = (digests) => {
              failAll.delete(fail)
              resolve(digests)
            }
            thread.postMessage({ type: 'digest', id })
          })
        },
        abort() {
          forget(id)
          thread.postMessage({ type: 'abort', id })
        },
      }
    },
    async close() {
      const running = worker
      worker = null
      if (running !== null) await running.terminate()
    },
  }
}
