/** Packages of a registry over the REST API: publish (multipart `file`, streamed), list, get, delete. */
import type {} from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../errors.js'
import type { EcosystemAdapters } from '../../ecosystems/ecosystem-adapter.js'
import { definedOnly } from '../../lib/defined-only.js'
import { UPLOAD_BUFFER_BYTES } from '../../lib/upload-buffer.js'
import type { Organization, PackageVersion, Registry } from '../../registry/records.js'
import type { HttpDeps } from '../http-deps.js'
import { parseInput } from '../parse-input.js'
import { presentPackage, registryApiUrl } from './present.js'
import { resolveRegistry } from './route-context.js'

/** Buildkite's default page size, and the largest we serve. */
const DEFAULT_PER_PAGE = 30
const MAX_PER_PAGE = 100

const ListQuery = z.strictObject({
  name: z.string().min(1).max(500).optional(),
  before: z.string().max(64).optional(),
  after: z.string().max(64).optional(),
  per_page: z.coerce.number().int().min(1).max(MAX_PER_PAGE).default(DEFAULT_PER_PAGE),
})
const PackageParams = z.object({ org: z.string(), registry: z.string(), id: z.uuid() })

export function registerPackageRoutes(app: FastifyInstance, deps: HttpDeps, adapters: EcosystemAdapters): void {
  const base = '/v2/packages/organizations/:org/registries/:registry/packages'
  const present = (org: Organization, registry: Registry, pkg: PackageVersion) =>
    presentPackage(deps.publicUrl, org, registry, pkg, adapters.downloadPath(registry.ecosystem, pkg))

  app.post(base, async (request, reply) => {
    const { org, registry, principal } = await resolveRegistry(deps, request, 'write_packages')
    if (!request.isMultipart()) throw new AppError('request_invalid', 'send the package as multipart/form-data with a `file` field')
    // One byte over the cap: busboy silently truncates a file at its limit, and a truncated file would be stored
    // as if whole; past the cap, the blob store refuses the upload (payload_too_large) and keeps nothing.
    const part = await request.file({ fileHwm: UPLOAD_BUFFER_BYTES, limits: { fileSize: deps.maxUploadBytes + 1, files: 1, fields: 20 } })
    if (part === undefined || part.fieldname !== 'file') throw new AppError('request_invalid', 'the multipart body needs a `file` field')
    const published = await adapters.publishUpload(deps, { org, registry, principal, filename: part.filename, body: part.file })
    deps.metrics.packagesPublished.inc({ ecosystem: registry.ecosystem })
    deps.metrics.bytesUploaded.inc({}, published.size)
    return reply.code(201).send(present(org, registry, published))
  })

  app.get(base, async (request) => {
    const { org, registry } = await resolveRegistry(deps, request, 'read_packages')
    const query = parseInput(ListQuery, request.query, 'query')
    const page = await deps.packages.list(registry, definedOnly({ name: query.name }), { limit: query.per_page, ...definedOnly({ before: query.before, after: query.after }) })
    const url = (cursor: { before: string } | { after: string }) => {
      const params = new URLSearchParams({ ...cursor, per_page: String(query.per_page), ...definedOnly({ name: query.name }) })
      return `${registryApiUrl(deps.publicUrl, org, registry)}/packages?${params.toString()}`
    }
    return {
      items: page.items.map((pkg) => present(org, registry, pkg)),
      links: {
        self: `${registryApiUrl(deps.publicUrl, org, registry)}/packages`,
        next: page.next === null ? null : url({ before: page.next }),
        prev: page.previous === null ? null : url({ after: page.previous }),
      },
    }
  })

  app.get(`${base}/:id`, async (request) => {
    const { id } = parseInput(PackageParams, request.params, 'path')
    const { org, registry } = await resolveRegistry(deps, request, 'read_packages')
    return present(org, registry, await deps.packages.get(registry, id))
  })

  app.delete(`${base}/:id`, async (request, reply) => {
    const { id } = parseInput(PackageParams, request.params, 'path')
    const { org, registry, principal } = await resolveRegistry(deps, request, 'delete_packages')
    await deps.packages.delete(org, registry, principal, id)
    return reply.code(204).send()
  })
}
