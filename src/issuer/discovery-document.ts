/**
 * The issuer's OpenID Provider Metadata (OpenID Connect Discovery 1.0 §3), served at
 * `{issuer}/.well-known/openid-configuration`: what another Packyard server, or any OIDC verifier, needs to
 * trust it as an ordinary configured issuer. The JWKS path is Buildkite's (`/.well-known/jwks`).
 */
import { AWS_SESSION_TAGS_CLAIM, OPTIONAL_CLAIM_NAMES } from './build-token-claims.js'
import { ISSUER_SIGNING_ALGORITHMS } from './issuer-ports.js'

const CLAIMS_SUPPORTED = [
  'iss', 'sub', 'aud', 'iat', 'nbf', 'exp',
  'organization_slug', 'pipeline_slug', 'build_number', 'build_branch', 'build_tag', 'build_commit', 'step_key',
  'job_id', 'agent_id', 'build_source', 'runner_environment',
  ...OPTIONAL_CLAIM_NAMES, AWS_SESSION_TAGS_CLAIM,
] as const

export function jwksUriOf(issuerUrl: string): string {
  return `${issuerUrl}/.well-known/jwks`
}

export function buildDiscoveryDocument(issuerUrl: string): Readonly<Record<string, unknown>> {
  return Object.freeze({
    issuer: issuerUrl,
    jwks_uri: jwksUriOf(issuerUrl),
    // Tokens are minted by the agent API, not by an authorization endpoint; these are the fields verifiers read.
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...ISSUER_SIGNING_ALGORITHMS],
    scopes_supported: ['openid'],
    claims_supported: [...CLAIMS_SUPPORTED],
  })
}
