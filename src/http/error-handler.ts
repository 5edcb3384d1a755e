/**
 * Every error leaves as `{"message", "code", "request_id"}` (DESIGN.md 1.5) with the status of its code. An
 * unexpected fault is logged with its stack and answered with `internal_error` and no detail.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, httpStatusOf, type ErrorCode } from '../errors.js'
import { PolicyRejected } from '../registry/policy-book.js'
import { AccessDenied } from '../registry/access-control.js'

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError) {
      if (error instanceof AccessDenied && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds))
      sendError(request, reply, error.code, error.message, extraOf(error))
      return
    }
    const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
    if (statusCode === 413) { sendError(request, reply, 'payload_too_large', 'the request body is too large'); return; }
    if (statusCode >= 400 && statusCode < 500) { sendError(request, reply, 'request_invalid', error.message); return; }
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

function extraOf(error: AppError): Record<string, unknown> {
  if (error instanceof PolicyRejected) return { errors: error.errors }
  return {}
}
