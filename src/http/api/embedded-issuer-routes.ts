/**
 * The embedded issuer's HTTP edge (DESIGN.md 1.5, docs/issuer.md): discovery and JWKS (public), job registration
 * and revocation (server admin, or an organization's `admin` API token for that organization's jobs), the
 * Buildkite agent token API (the job's agent access token), and key rotation (server admin).
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { EmbeddedIssuer } from '../../issuer/embedded-issuer.js'
import { ISSUER_SIGNING_ALGORITHMS } from '../../issuer/issuer-ports.js'
import { NewJobRequest } from '../../issuer/job-request.js'
import { AccessDenied } from '../../registry/access-control.js'
import type { HttpDeps } from '../http-deps.js'
import { parseInput } from '../parse-input.js'
import { readCredential } from '../read-credential.js'
import { authenticateJobAdmin, authorizeJobOrganization } from './authorize-job-admin.js'

/**
 * What `buildkite-agent oidc request-token` sends, every member optional. Unknown members are ignored rather
 * than refused, so that a newer agent's additions do not break it; wrong types are 400, values that cannot be
 * honoured (a negative lifetime, an unknown claim) 422.
 */
const TokenRequestBody = z.object({
  audience: z.string().max(1024).optional(),
  lifetime: z.number().optional(),
  claims: z.array(z.string().max(200)).max(100).optional(),
  subject_claim: z.string().max(200).optional(),
  aws_session_tags: z.array(z.string().max(200)).max(100).optional(),
})
const JobParams = z.object({ job_id: z.string().max(100) })
const RotateBody = z.strictObject({ algorithm: z.enum(ISSUER_SIGNING_ALGORITHMS).optional() })

/** Discovery changes only with the public URL; keys change on rotation, and verifiers refetch on an unknown kid. */
const DISCOVERY_MAX_AGE_SECONDS = 3600
const JWKS_MAX_AGE_SECONDS = 60

export function registerEmbeddedIssuerRoutes(app: FastifyInstance, deps: HttpDeps, issuer: EmbeddedIssuer): void {
  app.get('/issuer/.well-known/openid-configuration', (_request, reply) =>
    reply.header('cache-control', `public, max-age=${String(DISCOVERY_MAX_AGE_SECONDS)}`).send(issuer.discoveryDocument()))
  app.get('/issuer/.well-known/jwks', async (_request, reply) =>
    reply.header('cache-control', `public, max-age=${String(JWKS_MAX_AGE_SECONDS)}`).send(await issuer.jwks()))

  app.post('/issuer/v3/jobs', async (request, reply) => {
    const principal = await authenticateJobAdmin(deps, readCredential(request.headers.authorization))
    const body = parseInput(NewJobRequest, request.body ?? {}, 'job')
    const actor = await authorizeJobOrganization(deps, principal, body.organization_slug)
    const { job, agentAccessToken } = await issuer.jobs.create(body, actor)
    request.log.info({ job_id: job.id, organization_slug: job.claims.organization_slug, actor }, 'issuer job created')
    // The agent access token is shown this once; only its hash is kept.
    return reply.code(201).send({ job_id: job.id, agent_access_token: agentAccessToken, endpoint: issuer.agentEndpoint, expires_at: job.expiresAt })
  })

  app.delete('/issuer/v3/jobs/:job_id', async (request, reply) => {
    const principal = await authenticateJobAdmin(deps, readCredential(request.headers.authorization))
    const { job_id: jobId } = parseInput(JobParams, request.params, 'path')
    const job = await issuer.jobs.get(jobId)
    const actor = await authorizeJobOrganization(deps, principal, job.claims.organization_slug)
    await issuer.jobs.revoke(job.id, actor)
    return reply.code(204).send()
  })

  app.post('/issuer/v3/jobs/:job_id/oidc/tokens', async (request) => {
    const credential = readCredential(request.headers.authorization)
    if (credential === undefined) throw new AccessDenied('token_missing', 'an agent access token is required: Authorization: Token <token>')
    const { job_id: jobId } = parseInput(JobParams, request.params, 'path')
    const body = parseInput(TokenRequestBody, request.body ?? {}, 'token request')
    const minted = await issuer.mintToken(jobId, credential, body)
    // Logged without the token: who asked, for what audience, with which key, until when.
    request.log.info({ job_id: minted.jobId, kid: minted.kid, aud: minted.audience, sub: minted.subject, exp: minted.expiresAt }, 'issuer token minted')
    return { token: minted.token }
  })

  app.post('/issuer/keys/rotate', async (request) => {
    deps.access.authorizeServerAdmin(readCredential(request.headers.authorization))
    const body = parseInput(RotateBody, request.body ?? {}, 'rotation')
    const rotation = await issuer.rotateKey(body.algorithm)
    request.log.info({ kid: rotation.kid, algorithm: rotation.algorithm, retired: rotation.retired.map((key) => key.kid) }, 'issuer signing key rotated')
    return {
      kid: rotation.kid,
      algorithm: rotation.algorithm,
      created_at: rotation.createdAt,
      retired: rotation.retired.map((key) => ({ kid: key.kid, published_until: key.publishedUntil })),
    }
  })
}
