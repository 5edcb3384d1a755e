/**
 * Jobs of the embedded issuer: registering one (its claims, ids and agent access token), finding the job an agent
 * token may claim, and revoking a job's token. Creation and revocation are audit events of the organization the
 * job names, when Packyard has an organization with that slug.
 */
import { randomUUID } from 'node:crypto'
import { AppError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { MetadataStore } from '../registry/ports.js'
import { generateAgentAccessToken, hashAgentAccessToken, matchesAgentAccessToken } from './agent-access-token.js'
import { deriveBuildId, deriveOrganizationId, derivePipelineId } from './derive-stable-id.js'
import type { IssuerJob } from './issuer-ports.js'
import type { JobClaims } from './job-claims.js'
import type { NewJobRequest } from './job-request.js'

export interface CreatedJob {
  readonly job: IssuerJob
  /** Shown once: only its hash is stored. */
  readonly agentAccessToken: string
}

export interface IssuerJobs {
  create(request: NewJobRequest, actor: string): Promise<CreatedJob>
  /** @throws AppError `not_found` */
  get(jobId: string): Promise<IssuerJob>
  /**
   * The job, when `agentToken` may claim it: the job's own token, neither revoked nor expired.
   * @throws AppError `not_found` for an unknown job, `job_forbidden` for any other refusal (one message for all).
   */
  authorizeAgent(jobId: string, agentToken: string): Promise<IssuerJob>
  /** @throws AppError `not_found` when there is no live job `jobId` */
  revoke(jobId: string, actor: string): Promise<void>
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function createIssuerJobs(deps: { store: MetadataStore; clock: Clock }): IssuerJobs {
  const { store, clock } = deps
  const nowIso = () => new Date(clock.nowMs()).toISOString()
  const auditJob = async (on: MetadataStore, job: IssuerJob, type: string, actor: string, detail: Record<string, unknown>) => {
    const org = await on.organizations.findBySlug(job.claims.organization_slug)
    if (org === undefined) return
    await on.audit.append({ organizationId: org.id, registryId: null, type, outcome: 'done', code: null, actor, detail: { job_id: job.id, ...detail } })
  }
  const get = async (jobId: string) => {
    // Not a UUID: no job has that id, and the store is not asked.
    const job = UUID_PATTERN.test(jobId) ? await store.issuerJobs.find(jobId.toLowerCase()) : undefined
    if (job === undefined) throw new AppError('not_found', `job ${jobId} not found`)
    return job
  }
  return {
    async create(request, actor) {
      const agentAccessToken = generateAgentAccessToken()
      const createdAtMs = clock.nowMs()
      const id = randomUUID()
      const job: IssuerJob = Object.freeze({
        id,
        claims: buildJobClaims(request, id),
        agentTokenHash: hashAgentAccessToken(agentAccessToken),
        createdBy: actor,
        createdAt: new Date(createdAtMs).toISOString(),
        expiresAt: new Date(createdAtMs + request.expires_in * 1000).toISOString(),
        revokedAt: null,
      })
      await store.transaction(async (tx) => {
        await tx.issuerJobs.insert(job)
        const { pipeline_slug, build_number, build_branch, build_tag, build_commit, step_key } = job.claims
        await auditJob(tx, job, 'issuer.job_created', actor, { pipeline_slug, build_number, build_branch, build_tag, build_commit, step_key, expires_at: job.expiresAt })
      })
      return { job, agentAccessToken }
    },
    get,
    async authorizeAgent(jobId, agentToken) {
      const job = await get(jobId)
      const live = job.revokedAt === null && clock.nowMs() < Date.parse(job.expiresAt)
      // Hash compared first and always, so the answer's timing says nothing about which check failed.
      const matches = matchesAgentAccessToken(agentToken, job.agentTokenHash)
      if (!matches || !live) throw new AppError('job_forbidden', 'the agent access token may not claim this job')
      return job
    },
    async revoke(jobId, actor) {
      const job = await get(jobId)
      await store.transaction(async (tx) => {
        if (!(await tx.issuerJobs.revoke(job.id, nowIso()))) throw new AppError('not_found', `job ${jobId} is already revoked`)
        await auditJob(tx, job, 'issuer.job_revoked', actor, {})
      })
    },
  }
}

/** The stored claims: the request's, the job's id, a new agent id, and the ids derived from the slugs. */
function buildJobClaims(request: NewJobRequest, jobId: string): JobClaims {
  const { organization_slug: org, pipeline_slug: pipeline, build_number: buildNumber } = request
  return {
    organization_slug: org,
    pipeline_slug: pipeline,
    build_number: buildNumber,
    build_branch: request.build_branch,
    build_tag: request.build_tag,
    build_commit: request.build_commit,
    step_key: request.step_key,
    job_id: jobId,
    agent_id: randomUUID(),
    build_source: request.build_source,
    runner_environment: request.runner_environment,
    organization_id: deriveOrganizationId(org),
    pipeline_id: derivePipelineId(org, pipeline),
    build_id: deriveBuildId(org, pipeline, buildNumber),
    cluster_id: request.cluster_id,
    cluster_name: request.cluster_name,
    queue_id: request.queue_id,
    queue_key: request.queue_key,
    agent_tags: { ...request.agent_tags },
  }
}
