/**
 * A streaming multipart upload over `node:http`, as `curl -F file=@big.tgz` sends it: one `file` part, a
 * Content-Length up front, the body generated from a repeated chunk so that neither side of the benchmark
 * ever holds the whole file (a 1 GiB upload costs the client one chunk of memory).
 */
import { randomUUID } from 'node:crypto'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface UploadOptions {
  /** Where to POST, e.g. `{server}/v2/packages/organizations/default/registries/bench/packages`. */
  readonly url: string
  readonly token: string | null
  readonly filename: string
  readonly sizeBytes: number
  /** The file's content is this chunk repeated (the last copy cut short). */
  readonly chunk: Buffer
}

export interface UploadResult {
  readonly status: number
  readonly body: string
  /** From the first byte sent to the last byte of the answer received. */
  readonly elapsedMs: number
}

function* generateFileBytes(chunk: Buffer, sizeBytes: number): Generator<Buffer> {
  for (let sent = 0; sent < sizeBytes; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, sizeBytes - sent))
}

function* generateMultipart(head: Buffer, options: UploadOptions, tail: Buffer): Generator<Buffer> {
  yield head
  yield* generateFileBytes(options.chunk, options.sizeBytes)
  yield tail
}

async function readText(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const part of response) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(String(part)))
  return Buffer.concat(parts).toString('utf8')
}

/** Uploads and resolves with the answer, whatever its status; rejects on a network error. */
export async function uploadMultipart(options: UploadOptions): Promise<UploadResult> {
  const boundary = `packyard-bench-${randomUUID()}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const headers: Record<string, string> = {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': String(head.length + options.sizeBytes + tail.length),
  }
  if (options.token !== null) headers.authorization = `Bearer ${options.token}`
  const started = performance.now()
  const request = httpRequest(options.url, { method: 'POST', headers })
  const answered = new Promise<UploadResult>((resolve, reject) => {
    request.once('error', reject)
    request.once('response', (response) => {
      readText(response).then((body) => { resolve({ status: response.statusCode ?? 0, body, elapsedMs: performance.now() - started }) }, reject)
    })
  })
  const body = Readable.from(generateMultipart(head, options, tail), { objectMode: false })
  // A server may answer (an error) before reading the whole body; the answer is what counts then.
  const sent = pipeline(body, request).catch(() => undefined)
  const result = await answered
  await sent
  return result
}
