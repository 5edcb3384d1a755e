/**
 * Provenance recorded on every version published with an OIDC token: who vouched for it (issuer, subject, the
 * policy statement and version that accepted the token) and the claims that identify the build.
 */
import type { Principal } from './access-control.js'

/** The claims that identify a build, per preset issuer; other issuers record `sub` only. */
const BUILDKITE_CLAIMS = [
  'organization_slug', 'organization_id', 'pipeline_slug', 'pipeline_id', 'build_number', 'build_branch', 'build_tag',
  'build_commit', 'step_key', 'job_id', 'agent_id', 'build_source', 'runner_environment',
] as const

const IDENTIFYING_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  buildkite: BUILDKITE_CLAIMS,
  // Packyard's embedded issuer (issuer/embedded-trusted-issuer.ts) mints Buildkite-shaped tokens.
  embedded: BUILDKITE_CLAIMS,
  github: [
    'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'ref', 'sha', 'workflow', 'workflow_ref',
    'job_workflow_ref', 'run_id', 'run_attempt', 'event_name', 'runner_environment',
  ],
  gitlab: ['namespace_path', 'namespace_id', 'project_path', 'project_id', 'ref', 'ref_type', 'sha', 'pipeline_id', 'job_id', 'runner_environment'],
  circleci: ['oidc.circleci.com/project-id', 'oidc.circleci.com/vcs-origin', 'oidc.circleci.com/vcs-ref', 'oidc.circleci.com/pipeline-id', 'oidc.circleci.com/job-id'],
}

/** The provenance of a publish by `principal`, or null when it was not an OIDC token. */
export function buildProvenance(principal: Principal): Readonly<Record<string, unknown>> | null {
  if (principal.kind !== 'oidc') return null
  const { claims, issuer } = principal.token
  const names = IDENTIFYING_CLAIMS[issuer.name] ?? []
  const identifying: Record<string, unknown> = {}
  for (const name of names) if (Object.hasOwn(claims, name)) identifying[name] = claims[name]
  return Object.freeze({
    issuer: claims.iss,
    subject: claims.sub ?? null,
    statement: principal.statement,
    policy_version: principal.policyVersion,
    claims: Object.freeze(identifying),
  })
}

/** Who did it, for `publishedBy` and audit `actor`. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case 'server_admin':
      return 'admin'
    case 'api_token':
      return `api_token:${principal.token.id}`
    case 'oidc': {
      const { iss, sub } = principal.token.claims
      return `oidc:${typeof iss === 'string' ? iss : ''}|${typeof sub === 'string' ? sub : ''}`
    }
    case 'anonymous':
      return 'anonymous'
  }
}
