/**
 * The Fastify server: logging with credentials redacted, request ids, body limits, multipart streaming, the
 * error handler, health, metrics and every route. Fastify is a transport here; the routes call the domain.
 */
import { randomUUID } from 'node:crypto'
import multipart from '@fastify/multipart'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { EcosystemAdapters } from '../ecosystems/ecosystem-adapter.js'
import { registerEmbeddedIssuerRoutes } from './api/embedded-issuer-routes.js'
import { registerOrganizationRoutes } from './api/organizations-routes.js'
import { registerPackageRoutes } from './api/packages-routes.js'
import { registerRegistryRoutes } from './api/registries-routes.js'
import { registerErrorHandler } from './error-handler.js'
import type { HttpDeps } from './http-deps.js'

/**
 * Node refuses headers over 16 KiB with a bare 431; tokens may be up to 16 KiB on their own, so the limit is
 * raised to let an oversized token reach our check and get its `token_too_large` answer.
 */
const MAX_HEADER_BYTES = 32 * 1024

/** JSON bodies are policies and small objects; a megabyte is generous (policies are capped at 64 KiB). */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024

export async function createHttpServer(deps: HttpDeps, options: { logger: FastifyBaseLogger; ecosystems: EcosystemAdapters }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: () => randomUUID(),
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  })
  await app.register(multipart, { limits: { fileSize: deps.maxUploadBytes, files: 1, fields: 20, parts: 30 }, throwFileSizeLimit: true })
  registerErrorHandler(app)
  app.addHook('onResponse', (request, reply, done) => {
    deps.metrics.httpRequests.inc({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) })
    done()
  })
  app.get('/healthz', async (_request, reply) => {
    const { ready, checks } = await deps.readiness()
    return reply.code(ready ? 200 : 503).header('cache-control', 'no-store').send({ status: ready ? 'ok' : 'unavailable', checks })
  })
  app.get('/metrics', (_request, reply) => reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.render()))
  registerOrganizationRoutes(app, deps)
  registerRegistryRoutes(app, deps)
  registerPackageRoutes(app, deps, options.ecosystems)
  options.ecosystems.registerRoutes(app, deps)
  if (deps.embeddedIssuer !== undefined) registerEmbeddedIssuerRoutes(app, deps, deps.embeddedIssuer)
  return app
}
