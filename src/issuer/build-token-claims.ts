/**
 * The claims of a token minted for a job, exactly as Buildkite's agent API builds them (reference/buildkite.md
 * §3.3): the composite `sub`, the default audience `https://buildkite.com/{org}`, `build_number` as a number,
 * `build_tag` only when the build has one, `step_key` or null, optional claims on request, a custom subject
 * claim, and AWS session tags. A request that cannot be honoured is a value with a message for the caller.
 */
import { DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS } from './issuer-limits.js'
import { AGENT_TAG_NAME_PATTERN, type JobClaims } from './job-claims.js'

/** The body of `POST /issuer/v3/jobs/{job_id}/oidc/tokens`, every member optional (the agent omits empty ones). */
export interface TokenRequest {
  readonly audience?: string | undefined
  readonly lifetime?: number | undefined
  readonly claims?: readonly string[] | undefined
  readonly subject_claim?: string | undefined
  readonly aws_session_tags?: readonly string[] | undefined
}

export type TokenClaimsResult =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly message: string }

/** Claims every token carries after the registered ones, in Buildkite's order (`build_tag` only when set). */
const JOB_CLAIM_NAMES = [
  'organization_slug', 'pipeline_slug', 'build_number', 'build_branch', 'build_tag', 'build_commit', 'step_key',
  'job_id', 'agent_id', 'build_source', 'runner_environment',
] as const

/** Claims added only on request (`--claim`); `agent_tag:NAME` is the open family next to them. */
export const OPTIONAL_CLAIM_NAMES = ['organization_id', 'pipeline_id', 'build_id', 'cluster_id', 'cluster_name', 'queue_id', 'queue_key'] as const
const AGENT_TAG_PREFIX = 'agent_tag:'

/** The immutable ids `--subject-claim` may name; mutable slugs and branches are excluded on purpose. */
export const SUBJECT_CLAIM_NAMES = ['organization_id', 'pipeline_id', 'cluster_id', 'queue_id', 'build_id', 'job_id', 'agent_id'] as const

/** Where AWS reads session tags from a web identity token. */
export const AWS_SESSION_TAGS_CLAIM = 'https://aws.amazon.com/tags'

type JobValue = string | number | null

/** A request that cannot be honoured, with the message for the caller (422). */
class Refusal {
  constructor(readonly message: string) {}
}

/**
 * Builds the claims for `request` at `nowSeconds`: `iat` = `nbf` = now, `exp` = now + lifetime (0 or absent:
 * 300 s; at most 7200 s).
 */
export function buildTokenClaims(input: { issuer: string; job: JobClaims; request: TokenRequest; nowSeconds: number }): TokenClaimsResult {
  const { job, request } = input
  const lifetime = resolveLifetime(request.lifetime)
  if (lifetime instanceof Refusal) return { ok: false, message: lifetime.message }
  const optional = collectOptionalClaims(job, request.claims ?? [])
  if (optional instanceof Refusal) return { ok: false, message: optional.message }
  const subject = resolveSubject(job, request.subject_claim)
  if (subject instanceof Refusal) return { ok: false, message: subject.message }
  const tags = buildSessionTags(job, request.aws_session_tags ?? [])
  if (tags instanceof Refusal) return { ok: false, message: tags.message }
  const iat = Math.floor(input.nowSeconds)
  const claims: Record<string, unknown> = {
    iss: input.issuer,
    sub: subject.subject,
    aud: request.audience === undefined || request.audience === '' ? `https://buildkite.com/${job.organization_slug}` : request.audience,
    iat,
    nbf: iat,
    exp: iat + lifetime,
  }
  for (const name of JOB_CLAIM_NAMES) {
    if (name === 'build_tag' && job.build_tag === null) continue
    claims[name] = job[name]
  }
  Object.assign(claims, optional, subject.claim)
  if (tags !== null) claims[AWS_SESSION_TAGS_CLAIM] = tags
  return { ok: true, claims: Object.freeze(claims) }
}

/** Buildkite's composite subject; the ref is the tag when the build has one, else the branch. */
export function compositeSubject(job: JobClaims): string {
  const ref = job.build_tag !== null ? `refs/tags/${job.build_tag}` : `refs/heads/${job.build_branch}`
  return `organization:${job.organization_slug}:pipeline:${job.pipeline_slug}:ref:${ref}:commit:${job.build_commit}:step:${job.step_key ?? ''}`
}

function resolveLifetime(lifetime: number | undefined): number | Refusal {
  if (lifetime === undefined || lifetime === 0) return DEFAULT_TOKEN_LIFETIME_SECONDS
  if (!Number.isSafeInteger(lifetime) || lifetime < 0) return new Refusal(`lifetime ${String(lifetime)} must be a non-negative integer`)
  if (lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    return new Refusal(`lifetime ${String(lifetime)} exceeds the maximum of ${String(MAX_TOKEN_LIFETIME_SECONDS)} seconds`)
  }
  return lifetime
}

function collectOptionalClaims(job: JobClaims, names: readonly string[]): Record<string, JobValue> | Refusal {
  const claims: Record<string, JobValue> = {}
  for (const name of names) {
    if (!isOptionalClaimName(name)) {
      return new Refusal(`unknown claim ${JSON.stringify(name)}: the optional claims are ${OPTIONAL_CLAIM_NAMES.join(', ')} and agent_tag:NAME`)
    }
    // A claim the job has no value for (no cluster, no such agent tag) is left out, as for an unclustered agent.
    const value = optionalValue(job, name)
    if (value !== null) claims[name] = value
  }
  return claims
}

function resolveSubject(job: JobClaims, name: string | undefined): { subject: string; claim: Record<string, string> } | Refusal {
  if (name === undefined || name === '') return { subject: compositeSubject(job), claim: {} }
  const allowed = SUBJECT_CLAIM_NAMES.find((candidate) => candidate === name)
  if (allowed === undefined) return new Refusal(`subject_claim ${JSON.stringify(name)} is not allowed: use one of ${SUBJECT_CLAIM_NAMES.join(', ')}`)
  const value = job[allowed]
  if (value === null) return new Refusal(`subject_claim ${allowed}: the job has no ${allowed}`)
  return { subject: value, claim: { [allowed]: value } }
}

/** AWS principal tags: each a list of one string; numbers are stringified and null (or absent) becomes "". */
function buildSessionTags(job: JobClaims, names: readonly string[]): { principal_tags: Record<string, [string]> } | null | Refusal {
  if (names.length === 0) return null
  const tags: Record<string, [string]> = {}
  for (const name of names) {
    const isJobClaim = JOB_CLAIM_NAMES.some((candidate) => candidate === name)
    if (!isJobClaim && !isOptionalClaimName(name)) return new Refusal(`unknown AWS session tag claim ${JSON.stringify(name)}`)
    const value = jobValue(job, name)
    tags[name] = [value === null ? '' : String(value)]
  }
  return { principal_tags: tags }
}

function isOptionalClaimName(name: string): boolean {
  if (OPTIONAL_CLAIM_NAMES.some((candidate) => candidate === name)) return true
  return name.startsWith(AGENT_TAG_PREFIX) && AGENT_TAG_NAME_PATTERN.test(name.slice(AGENT_TAG_PREFIX.length))
}

/** The job's value for an always-present or optional claim name (already checked to be one); null when unset. */
function jobValue(job: JobClaims, name: string): JobValue {
  const jobClaim = JOB_CLAIM_NAMES.find((candidate) => candidate === name)
  return jobClaim !== undefined ? job[jobClaim] : optionalValue(job, name)
}

function optionalValue(job: JobClaims, name: string): JobValue {
  const optional = OPTIONAL_CLAIM_NAMES.find((candidate) => candidate === name)
  if (optional !== undefined) return job[optional]
  const tag = name.slice(AGENT_TAG_PREFIX.length)
  return Object.hasOwn(job.agent_tags, tag) ? (job.agent_tags[tag] ?? null) : null
}
