/** Registries and their OIDC policies: CRUD, history, restore, explain and check (DESIGN.md 1.5). */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { definedOnly } from '../../lib/defined-only.js'
import { describePrincipal } from '../../registry/provenance.js'
import type { Organization, Registry } from '../../registry/records.js'
import type { HttpDeps } from '../http-deps.js'
import { parseInput } from '../parse-input.js'
import { readCredential } from '../read-credential.js'
import { presentPolicyVersion, presentRegistry } from './present.js'
import { resolveOrg } from './route-context.js'
import { explainAgainstPolicy } from './explain-request.js'

const POLICY = z.union([z.string().max(64 * 1024), z.array(z.unknown()).max(1000), z.null()])
const OPTIONAL_TEXT = z.string().max(1000).nullable().optional()
const RegistryBody = z.strictObject({
  name: z.string().min(1).max(200),
  ecosystem: z.string().min(1).max(50),
  description: OPTIONAL_TEXT,
  emoji: z.string().max(100).nullable().optional(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be #RRGGBB').nullable().optional(),
  public: z.boolean().optional(),
  oidc_policy: POLICY.optional(),
  team_ids: z.array(z.string()).optional(),
})
const RegistryUpdateBody = RegistryBody.partial()
const VersionParams = z.object({ org: z.string(), registry: z.string(), version: z.coerce.number().int().min(1) })
const CheckBody = z.strictObject({ policy: z.union([z.string().max(64 * 1024), z.array(z.unknown()).max(1000)]) })

export function registerRegistryRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const base = '/v2/packages/organizations/:org/registries'
  const present = async (org: Organization, registry: Registry) => presentRegistry(deps.publicUrl, org, registry, await policySourceOf(deps, registry))

  app.get(base, async (request) => {
    const { org } = await resolveOrg(deps, request, 'read_registries')
    const registries = await deps.registries.list(org)
    const current = await deps.policyVersions.findCurrent(org.id)
    return Promise.all(registries.map(async (registry) => {
      const policy = current.get(registry.id)
      // Read after the list: a policy saved in between is a newer version, and the registry listed gets its own.
      if (policy === undefined || policy.version !== registry.policyVersion) return present(org, registry)
      return presentRegistry(deps.publicUrl, org, registry, policy.source)
    }))
  })
  app.post(base, async (request, reply) => {
    const { org, principal } = await resolveOrg(deps, request, 'write_registries')
    const body = parseInput(RegistryBody, request.body, 'registry')
    const change = await deps.registries.create(org, { ...toUpdate(body), name: body.name, ecosystem: body.ecosystem }, describePrincipal(principal))
    return reply.code(201).send({ ...(await present(org, change.registry)), oidc_policy_warnings: change.policy?.warnings ?? [] })
  })
  app.get(`${base}/:registry`, async (request) => {
    const { org, registry } = await resolveRegistryForAdmin(deps, request, 'read_registries')
    return present(org, registry)
  })
  const update = async (request: FastifyRequest) => {
    const { org, registry, actor } = await resolveRegistryForAdmin(deps, request, 'write_registries')
    const body = parseInput(RegistryUpdateBody, request.body, 'registry update')
    const change = await deps.registries.update(org, registry.slug, toUpdate(body), actor)
    return { ...(await present(org, change.registry)), oidc_policy_warnings: change.policy?.warnings ?? [] }
  }
  app.patch(`${base}/:registry`, update)
  app.put(`${base}/:registry`, update)
  app.delete(`${base}/:registry`, async (request, reply) => {
    const { org, registry, actor } = await resolveRegistryForAdmin(deps, request, 'delete_registries')
    await deps.registries.delete(org, registry.slug, actor)
    return reply.code(204).send()
  })

  app.get(`${base}/:registry/oidc_policy/versions`, async (request) => {
    const { registry } = await resolveRegistryForAdmin(deps, request, 'read_registries')
    return (await deps.policyVersions.list(registry.id)).map((v) => presentPolicyVersion(v, registry.policyVersion))
  })
  app.post(`${base}/:registry/oidc_policy/versions/:version/restore`, async (request) => {
    const { version } = parseInput(VersionParams, request.params, 'path')
    const { org, registry, actor } = await resolveRegistryForAdmin(deps, request, 'write_registries')
    const change = await deps.registries.restorePolicy(org, registry.slug, version, actor)
    return { ...(await present(org, change.registry)), restored_from: version, oidc_policy_warnings: change.policy?.warnings ?? [] }
  })
  app.post(`${base}/:registry/oidc_policy/explain`, async (request) => {
    const { org, registry } = await resolveRegistryForAdmin(deps, request, 'write_registries')
    return explainAgainstPolicy(deps, org, registry, request.body)
  })
  app.post('/v2/packages/oidc_policy/check', async (request) => {
    await deps.access.authenticateAny(readCredential(request.headers.authorization))
    const body = parseInput(CheckBody, request.body, 'policy check')
    const result = deps.policies.check(body.policy)
    return { valid: result.valid, errors: result.errors, warnings: result.warnings }
  })
}

/** Registry administration is for API tokens and the server admin; OIDC tokens only reach packages. */
async function resolveRegistryForAdmin(deps: HttpDeps, request: FastifyRequest, scope: 'read_registries' | 'write_registries' | 'delete_registries') {
  const { org, principal } = await resolveOrg(deps, request, scope)
  const { registry: slug } = parseInput(z.object({ registry: z.string().min(1).max(100) }), request.params, 'path')
  const registry = await deps.registries.get(org, slug)
  return { org, registry, principal, actor: describePrincipal(principal) }
}

async function policySourceOf(deps: HttpDeps, registry: Registry): Promise<string | null> {
  if (registry.policyVersion === null) return null
  return (await deps.policyVersions.find(registry.id, registry.policyVersion))?.source ?? null
}

function toUpdate(body: z.infer<typeof RegistryUpdateBody>) {
  return definedOnly({
    name: body.name, ecosystem: body.ecosystem, description: body.description, emoji: body.emoji, color: body.color, public: body.public, oidcPolicy: body.oidc_policy,
  })
}
