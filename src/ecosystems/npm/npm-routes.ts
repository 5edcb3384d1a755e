/**
 * The npm registry API under `{public_url}/{org}/{registry}/npm/`, and npm's trusted-publishing exchange at the
 * host root (npm builds that URL with `new URL('/-/npm/…', registry)`, dropping our path). Bodies reach these
 * routes as raw streams: a publish is scanned as it arrives, never parsed whole. Errors carry npm's `error`
 * field besides `message` and `code`, since npm prints `error` after the status line.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { resolveRegistryBySlugs, type RegistryContext } from '../../http/api/route-context.js'
import type { HttpDeps } from '../../http/http-deps.js'
import { parseInput } from '../../http/parse-input.js'
import { readCredential } from '../../http/read-credential.js'
import { AccessDenied } from '../../registry/access-control.js'
import type { ApiScope } from '../../registry/records.js'
import { handleDistTags, handlePackagePut, handleUnpublish } from './npm-write-handlers.js'
import { sendPackument, sendSearch, sendTarball, describeUser } from './npm-read-handlers.js'
import { assertNpmName } from './npm-names.js'
import { createPackumentCache, type PackumentCache } from './packument-cache.js'
import { parseNpmPath, type NpmPath } from './parse-npm-path.js'
import { createVersionEntryCache, type VersionEntryCache } from './version-entry-cache.js'

const SLUG = z.string().min(1).max(100)
const NpmParams = z.object({ org: SLUG, registry: SLUG, '*': z.string().max(2048) })
const ExchangeParams = z.object({ '*': z.string().min(1).max(512) })

/** The methods each kind of path answers. */
const METHODS: Readonly<Record<NpmPath['kind'], readonly string[]>> = {
  ping: ['GET', 'HEAD'],
  whoami: ['GET', 'HEAD'],
  search: ['GET', 'HEAD'],
  audit: ['POST'],
  'dist-tags': ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
  package: ['GET', 'HEAD', 'PUT'],
  'package-revision': ['PUT', 'DELETE'],
  tarball: ['GET', 'HEAD'],
  'tarball-revision': ['DELETE'],
  unknown: [],
}

/** What a handler gets: the addressed registry's resolver, and where its npm API lives. */
export interface NpmRequestContext {
  readonly deps: HttpDeps
  readonly request: FastifyRequest
  readonly reply: FastifyReply
  /** `{public_url}/{org}/{registry}/npm` */
  readonly registryUrl: string
  /** This server's built package documents. */
  readonly packuments: PackumentCache
  /** This server's rendered version entries, reused across document revisions. */
  readonly versionEntries: VersionEntryCache
  /** Resolves the registry and authorizes the caller for `scope`; refuses registries of another ecosystem. */
  resolve(scope: ApiScope): Promise<RegistryContext>
  /** The request body as a stream (empty when there is none). */
  body(): Readable
}

export function registerNpmRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const packuments = createPackumentCache()
  const versionEntries = createVersionEntryCache()
  void app.register((scope, _options, done) => {
    // Every body stays a stream here: publishes are scanned as they arrive (see scan-publish-body.ts).
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, payload, next) => { next(null, payload) })
    scope.addHook('preSerialization', (_request, reply, payload, next) => {
      next(null, reply.statusCode >= 400 && isErrorBody(payload) ? { error: payload.message, ...payload } : payload)
    })
    scope.route({
      method: ['GET', 'PUT', 'POST', 'DELETE'],
      url: '/:org/:registry/npm/*',
      handler: (request, reply) => handleNpmRequest(deps, { packuments, versionEntries }, request, reply),
    })
    // A refusal in the middle of an upload leaves the rest of the body unread: close the connection after the
    // answer, so the client neither waits to finish sending nor reuses a socket in that state.
    scope.addHook('onError', (request, reply, _error, next) => {
      if (!request.raw.complete) void reply.header('connection', 'close')
      next()
    })
    scope.post('/-/npm/v1/oidc/token/exchange/package/*', async (request, reply) => {
      const { '*': name } = parseInput(ExchangeParams, request.params, 'path')
      assertNpmName(name)
      const credential = readCredential(request.headers.authorization)
      if (credential === undefined) throw new AccessDenied('token_missing', 'send the CI job\'s OIDC ID token as a Bearer token')
      const minted = await deps.registryTokens.exchange(credential, { ecosystem: 'npm' })
      return reply.code(201).send({
        token: minted.token,
        expires_at: minted.expiresAt,
        registry: `${deps.publicUrl}/${minted.organization.slug}/${minted.registry.slug}/npm/`,
      })
    })
    done()
  })
}

async function handleNpmRequest(
  deps: HttpDeps,
  caches: Pick<NpmRequestContext, 'packuments' | 'versionEntries'>,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const params = parseInput(NpmParams, request.params, 'path')
  const path = parseNpmPath(params['*'])
  if (!METHODS[path.kind].includes(request.method)) throw new AppError('not_found', `no npm route for ${request.method} ${request.url.split('?')[0] ?? ''}`)
  const context: NpmRequestContext = {
    deps, request, reply, ...caches,
    registryUrl: `${deps.publicUrl}/${params.org}/${params.registry}/npm`,
    async resolve(scope) {
      const resolved = await resolveRegistryBySlugs(deps, request, params.org, params.registry, scope)
      if (resolved.registry.ecosystem !== 'npm') throw new AppError('not_found', `${params.org}/${params.registry} is not an npm registry`)
      return resolved
    },
    body: () => (request.body instanceof Readable ? request.body : Readable.from([])),
  }
  switch (path.kind) {
    case 'ping':
      await context.resolve('read_packages')
      return {}
    case 'whoami':
      return { username: describeUser((await context.resolve('read_packages')).principal) }
    case 'search':
      return sendSearch(context)
    case 'audit':
      await context.resolve('read_packages')
      context.body().resume()
      // No advisory database here: an empty report, so that `npm install` and `npm audit` finish cleanly.
      return {}
    case 'dist-tags':
      return handleDistTags(context, path.name, path.tag)
    case 'package':
      return request.method === 'PUT' ? handlePackagePut(context, path.name, { revision: false }) : sendPackument(context, path.name)
    case 'package-revision':
      return request.method === 'PUT' ? handlePackagePut(context, path.name, { revision: true }) : handleUnpublish(context, path.name, null)
    case 'tarball':
      return sendTarball(context, path.name, path.file)
    case 'tarball-revision':
      return handleUnpublish(context, path.name, path.file)
    case 'unknown':
      throw new AppError('not_found', `no npm route for ${request.method} ${request.url.split('?')[0] ?? ''}`)
  }
}

function isErrorBody(payload: unknown): payload is { message: string } & Record<string, unknown> {
  return typeof payload === 'object' && payload !== null && 'message' in payload && typeof payload.message === 'string' && !('error' in payload)
}
