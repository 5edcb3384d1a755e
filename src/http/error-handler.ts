/**
 * Every error leaves as `{"message", "code", "request_id"}` (DESIGN.md 1.5) with the status of its code. An
 * unexpected fault is logged with its stack and answered with `internal_error` and no detail; a full disk or
 * database is logged the same way, and answered 507 `storage_full`, which a client can tell its user about.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, httpStatusOf, type ErrorCode } from '../errors.js'
import { PolicyRejected } from '../registry/policy-book.js'
import { AccessDenied } from '../registry/access-control.js'

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError && !(error.code === 'internal_error' && isStorageFull(error.cause))) {
      if (error instanceof AccessDenied && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds))
      sendError(request, reply, error.code, error.message, extraOf(error))
      return
    }
    const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
    if (statusCode === 413) { sendError(request, reply, 'payload_too_large', 'the request body is too large'); return; }
    if (statusCode >= 400 && statusCode < 500) { sendError(request, reply, 'request_invalid', error.message); return; }
    if (isStorageFull(error)) {
      request.log.error({ err: error }, 'storage full')
      sendError(request, reply, 'storage_full', 'the registry\'s storage is full: nothing was stored; retry once an operator has made room')
      return
    }
    request.log.error({ err: error }, 'request failed')
    sendError(request, reply, 'internal_error', 'internal error; quote the request_id when reporting it')
  })
  app.setNotFoundHandler((request, reply) => {
    sendError(request, reply, 'not_found', `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`)
  })
}

/** Sends an error body; also used by routes that refuse without throwing. */
export function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): void {
  if (reply.sent) return
  const status = httpStatusOf(code)
  // Clients that put tokens in Basic credentials (pip, gem, apt) only send them after a challenge.
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="packyard", Basic realm="packyard"')
  void reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ message, code, request_id: request.id, ...extra })
}

/** Error codes of a full disk or database: the file system's, SQLite's and PostgreSQL's (SQLSTATE disk_full). */
const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100'])

/** True when `error`, or an error it was caused by, says the storage is full. */
function isStorageFull(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth += 1) {
    if ('code' in cause && typeof cause.code === 'string' && STORAGE_FULL_CODES.has(cause.code)) return true
  }
  return false
}

function extraOf(error: AppError): Record<string, unknown> {
  if (error instanceof PolicyRejected) return { errors: error.errors }
  return {}
}
