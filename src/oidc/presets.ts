/**
 * The well-known CI issuers, with their documented claim sets (see shared reference/buildkite.md §3.3 and
 * peers.md §14). A preset's verification settings can be overridden in configuration; its issuer cannot.
 */
import type { ClaimCatalog, ClaimType, TrustedIssuer } from './trusted-issuer.js'

export const PRESET_NAMES = ['buildkite', 'github', 'gitlab', 'circleci'] as const
export type PresetName = (typeof PRESET_NAMES)[number]

const S: readonly ClaimType[] = ['string']
const N: readonly ClaimType[] = ['number']
const B: readonly ClaimType[] = ['boolean']
const S_OR_NULL: readonly ClaimType[] = ['string', 'null']
const AUD: readonly ClaimType[] = ['string', 'array']

/** Claims every OIDC ID token may carry (RFC 7519 §4.1). */
const REGISTERED: Readonly<Record<string, readonly ClaimType[]>> = {
  iss: S, sub: S, aud: AUD, exp: N, nbf: N, iat: N, jti: S,
}

function catalog(
  types: Record<string, readonly ClaimType[]>,
  immutableAlternatives: Record<string, readonly string[]>,
  prefixes: Record<string, readonly ClaimType[]> = {},
): ClaimCatalog {
  return Object.freeze({
    types: Object.freeze({ ...REGISTERED, ...types }),
    prefixes: Object.freeze(prefixes),
    immutableAlternatives: Object.freeze(immutableAlternatives),
  })
}

type Preset = Omit<TrustedIssuer, 'allowInsecureHttp' | 'allowPrivateAddresses' | 'clockSkewSeconds'>

const BUILDKITE: Preset = {
  name: 'buildkite',
  issuer: 'https://agent.buildkite.com',
  jwksUri: 'https://agent.buildkite.com/.well-known/jwks',
  // Buildkite signs with RSA only (chinmina-bridge pins RS256 for that reason).
  algorithms: ['RS256'],
  // Buildkite Package Registries refuse `exp - iat` over five minutes.
  maxLifetimeSeconds: 300,
  tenantClaims: ['organization_slug', 'organization_id'],
  claims: catalog(
    {
      organization_slug: S, pipeline_slug: S, build_number: N, build_branch: S, build_tag: S,
      build_commit: S, step_key: S_OR_NULL, job_id: S, agent_id: S, build_source: S, runner_environment: S,
      organization_id: S, pipeline_id: S, build_id: S, cluster_id: S, cluster_name: S, queue_id: S, queue_key: S,
      'https://aws.amazon.com/tags': ['object'],
    },
    { organization_slug: ['organization_id'], pipeline_slug: ['pipeline_id'] },
    { 'agent_tag:': S },
  ),
}

const GITHUB: Preset = {
  name: 'github',
  issuer: 'https://token.actions.githubusercontent.com',
  jwksUri: 'https://token.actions.githubusercontent.com/.well-known/jwks',
  algorithms: ['RS256'],
  maxLifetimeSeconds: 300,
  tenantClaims: ['repository_owner', 'repository_owner_id', 'repository', 'repository_id'],
  claims: catalog(
    {
      actor: S, actor_id: S, base_ref: S, check_run_id: S, enterprise: S, enterprise_id: S, environment: S,
      environment_node_id: S, event_name: S, head_ref: S, job_workflow_ref: S, job_workflow_sha: S, ref: S,
      ref_protected: S, ref_type: S, repository: S, repository_id: S, repository_owner: S, repository_owner_id: S,
      repository_visibility: S, run_id: S, run_number: S, run_attempt: S, runner_environment: S, workflow: S,
      workflow_ref: S, workflow_sha: S,
    },
    {
      repository: ['repository_id'],
      repository_owner: ['repository_owner_id'],
      actor: ['actor_id'],
      enterprise: ['enterprise_id'],
    },
    { repo_property_: S },
  ),
}

const GITLAB: Preset = {
  name: 'gitlab',
  issuer: 'https://gitlab.com',
  jwksUri: 'https://gitlab.com/oauth/discovery/keys',
  algorithms: ['RS256'],
  // A GitLab ID token lives as long as the job's timeout, one hour by default.
  maxLifetimeSeconds: 3600,
  tenantClaims: ['namespace_path', 'namespace_id', 'project_path', 'project_id'],
  claims: catalog(
    {
      namespace_id: S, namespace_path: S, project_id: S, project_path: S, user_id: S, user_login: S,
      user_email: S, user_identities: ['array'], pipeline_id: S, pipeline_source: S, job_id: S, ref: S,
      ref_type: S, ref_path: S, ref_protected: S, environment: S, environment_protected: S, deployment_tier: S,
      runner_id: N, runner_environment: S, sha: S, ci_config_ref_uri: S, ci_config_sha: S,
      project_visibility: S, user_access_level: S, groups_direct: ['array'], environment_action: S,
      job_namespace_id: S, job_namespace_path: S, job_project_id: S, job_project_path: S, job_source: S,
    },
    {
      namespace_path: ['namespace_id'],
      project_path: ['project_id'],
      job_namespace_path: ['job_namespace_id'],
      job_project_path: ['job_project_id'],
      user_login: ['user_id'],
    },
  ),
}

const CIRCLECI: Preset = {
  name: 'circleci',
  // One issuer per CircleCI organization, named by the organization's id: the issuer itself is the tenant.
  issuer: 'https://oidc.circleci.com/org/*',
  algorithms: ['RS256', 'ES256'],
  // CircleCI documents `exp` one hour after issuance.
  maxLifetimeSeconds: 3600,
  tenantClaims: [],
  claims: catalog(
    {
      'oidc.circleci.com/project-id': S, 'oidc.circleci.com/context-ids': ['array'],
      'oidc.circleci.com/vcs-origin': S, 'oidc.circleci.com/vcs-ref': S, 'oidc.circleci.com/ssh-rerun': B,
      'oidc.circleci.com/org-id': S, 'oidc.circleci.com/pipeline-definition-id': S,
      'oidc.circleci.com/pipeline-id': S, 'oidc.circleci.com/workflow-id': S, 'oidc.circleci.com/job-id': S,
    },
    {},
  ),
}

/** The presets by name, frozen. */
export const ISSUER_PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  buildkite: Object.freeze(BUILDKITE),
  github: Object.freeze(GITHUB),
  gitlab: Object.freeze(GITLAB),
  circleci: Object.freeze(CIRCLECI),
})
