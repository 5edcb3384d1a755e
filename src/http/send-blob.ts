/**
 * Streams a stored package file with the headers downloads need: a strong `ETag` (the sha256), conditional
 * requests, one byte range (RFC 9110 §14), `Content-Disposition: attachment` and `nosniff`, so a browser never
 * renders an uploaded file as a page of ours.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.js'
import type { BlobStore } from '../registry/ports.js'
import type { PackageVersion } from '../registry/records.js'

export interface ByteRange {
  readonly start: number
  readonly end: number
}

/** The single range of a `Range` header, null for none or an unsupported form, `'unsatisfiable'` past the end. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null) return null
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return null
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (start >= size || end < start) return 'unsatisfiable'
  return { start, end }
}

export async function sendBlob(request: FastifyRequest, reply: FastifyReply, blobs: BlobStore, pkg: PackageVersion, onBytes: (bytes: number) => void): Promise<FastifyReply> {
  const etag = `"${pkg.sha256}"`
  void reply
    .header('etag', etag)
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'private, max-age=0, must-revalidate')
    .header('content-disposition', `attachment; filename="${pkg.filename.replace(/["\\]/g, '_')}"`)
    .header('x-content-type-options', 'nosniff')
    .header('content-type', 'application/octet-stream')
  if (request.headers['if-none-match'] === etag) return reply.code(304).send()
  const ifRange = request.headers['if-range']
  const range = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, pkg.size) : null
  if (range === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${String(pkg.size)}`).send()
  }
  const stream = await blobs.open(pkg.sha256, range ?? undefined)
  if (stream === undefined) throw new AppError('internal_error', `the file of ${pkg.name} ${pkg.version} is missing from blob storage`)
  const length = range === null ? pkg.size : range.end - range.start + 1
  onBytes(length)
  if (range !== null) void reply.code(206).header('content-range', `bytes ${String(range.start)}-${String(range.end)}/${String(pkg.size)}`)
  return reply.header('content-length', String(length)).send(stream)
}
