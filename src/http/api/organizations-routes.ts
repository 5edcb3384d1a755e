/** Organizations (server admin) and their API tokens (organization admin), and the audit log. */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { definedOnly } from '../../lib/defined-only.js'
import { describePrincipal } from '../../registry/provenance.js'
import { API_SCOPES, type ApiToken } from '../../registry/records.js'
import type { HttpDeps } from '../http-deps.js'
import { parseInput } from '../parse-input.js'
import { readCredential } from '../read-credential.js'
import { presentAuditEvent, presentOrganization } from './present.js'
import { resolveOrg } from './route-context.js'

const OrgBody = z.strictObject({ slug: z.string().min(1).max(63), name: z.string().max(200).optional() })
const TokenBody = z.strictObject({
  description: z.string().max(500).default(''),
  scopes: z.array(z.enum(API_SCOPES)).min(1),
})
const TokenParams = z.object({ org: z.string(), id: z.uuid() })
const AuditQuery = z.strictObject({
  registry: z.string().max(100).optional(),
  type: z.string().max(100).optional(),
  outcome: z.enum(['accepted', 'refused', 'done']).optional(),
  actor: z.string().max(500).optional(),
  code: z.string().max(100).optional(),
  jti: z.string().min(1).max(500).optional(),
  token_digest: z.string().min(1).max(200).optional(),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  before: z.string().max(64).optional(),
  after: z.string().max(64).optional(),
  per_page: z.coerce.number().int().min(1).max(100).default(30),
})

export function registerOrganizationRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.post('/v2/organizations', async (request, reply) => {
    deps.access.authorizeServerAdmin(readCredential(request.headers.authorization))
    const body = parseInput(OrgBody, request.body, 'organization')
    const org = await deps.organizations.create(body.slug, 'admin')
    return reply.code(201).send(presentOrganization(deps.publicUrl, org))
  })

  app.post('/v2/organizations/:org/api_tokens', async (request, reply) => {
    const { org, principal } = await resolveOrg(deps, request, 'admin')
    const body = parseInput(TokenBody, request.body, 'API token')
    const issued = await deps.organizations.issueToken(org, body, describePrincipal(principal))
    // The secret is shown this once; only its hash is kept.
    return reply.code(201).send({ ...presentToken(issued.token), token: issued.secret })
  })
  app.get('/v2/organizations/:org/api_tokens', async (request) => {
    const { org } = await resolveOrg(deps, request, 'admin')
    return (await deps.organizations.listTokens(org)).map(presentToken)
  })
  app.delete('/v2/organizations/:org/api_tokens/:id', async (request, reply) => {
    const { id } = parseInput(TokenParams, request.params, 'path')
    const { org, principal } = await resolveOrg(deps, request, 'admin')
    await deps.organizations.revokeToken(org, id, describePrincipal(principal))
    return reply.code(204).send()
  })

  app.get('/v2/packages/organizations/:org/audit_events', async (request) => {
    const { org } = await resolveOrg(deps, request, 'read_registries')
    const query = parseInput(AuditQuery, request.query, 'query')
    await deps.auditSink.flush()
    const registryId = query.registry === undefined ? undefined : (await deps.registries.get(org, query.registry)).id
    const page = await deps.auditLog.list(
      org.id,
      definedOnly({
        registryId, type: query.type, outcome: query.outcome, actor: query.actor, code: query.code, jti: query.jti, tokenDigest: query.token_digest,
        since: query.since, until: query.until,
      }),
      { limit: query.per_page, ...definedOnly({ before: query.before, after: query.after }) },
    )
    const self = `${deps.publicUrl}/v2/packages/organizations/${org.slug}/audit_events`
    // Page links keep the caller's filters, so following `next` stays within the same selection.
    const filters = Object.entries(definedOnly({
      registry: query.registry, type: query.type, outcome: query.outcome, actor: query.actor, code: query.code, jti: query.jti, token_digest: query.token_digest,
      since: query.since, until: query.until,
    }))
    const link = (cursor: [string, string]) => `${self}?${new URLSearchParams([...filters, cursor, ['per_page', String(query.per_page)]]).toString()}`
    return {
      items: page.items.map(presentAuditEvent),
      links: {
        self,
        next: page.next === null ? null : link(['before', page.next]),
        prev: page.previous === null ? null : link(['after', page.previous]),
      },
    }
  })
}

function presentToken(token: ApiToken): Record<string, unknown> {
  return { id: token.id, description: token.description, scopes: token.scopes, created_by: token.createdBy, created_at: token.createdAt, revoked_at: token.revokedAt }
}
