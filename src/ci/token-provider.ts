/** What a CI job asks for when it wants an OIDC token, and the one shape every provider (Buildkite, GitHub) has. */

export type ProviderName = 'buildkite' | 'github'

/**
 * A token request. Unset fields are left to the provider: the Buildkite agent API then picks its default
 * audience (`https://buildkite.com/{org}`) and lifetime (5 minutes).
 */
export interface TokenRequest {
  readonly audience?: string
  readonly lifetimeSeconds?: number
  /** Optional claims to add (`organization_id`, `agent_tag:NAME`, ...): Buildkite's `--claim`. */
  readonly claims: readonly string[]
  readonly awsSessionTags: readonly string[]
  readonly subjectClaim?: string
}

/** A token, or why none came; the reason never holds a token or a credential. */
export type TokenResult = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly message: string }

export interface TokenProvider {
  readonly name: ProviderName
  request(request: TokenRequest): Promise<TokenResult>
}

/**
 * The failure message of `buildkite-agent oidc request-token` (AGENT clicommand/oidc_request_token.go), with
 * the reason appended so the user sees it on one line.
 */
export function describeTokenFailure(audience: string | undefined, reason: string): string {
  const target = audience === undefined || audience === '' ? 'default audience' : `audience ${audience}`
  return `could not obtain OIDC token for ${target}: ${reason}`
}
