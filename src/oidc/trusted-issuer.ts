/**
 * What Packyard knows about an issuer it trusts: how to verify its tokens, and what its tokens hold (for the
 * policy lints). Built from configuration by `resolveTrustedIssuers`; frozen after that.
 */

/** JWS algorithms an issuer may be configured with. HMAC and `none` can never be listed (DESIGN.md 1.4). */
export const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

/** JSON types a claim may have; a claim's catalog entry lists every type the issuer may emit for it. */
export type ClaimType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object'

/** The claims an issuer is known to emit, for the lints (unknown claim, `matches` on a non-string, ...). */
export interface ClaimCatalog {
  /** Claim name → the JSON types it may have. */
  readonly types: Readonly<Record<string, readonly ClaimType[]>>
  /** Name prefix → types, for open families such as Buildkite's `agent_tag:NAME`. */
  readonly prefixes: Readonly<Record<string, readonly ClaimType[]>>
  /** Mutable name claim → the immutable id claims that pin the same thing (any one of them is enough). */
  readonly immutableAlternatives: Readonly<Record<string, readonly string[]>>
}

export interface TrustedIssuer {
  /** The preset's name, or the issuer URL for a custom issuer; used in messages and metrics. */
  readonly name: string
  /** The exact `iss`, or a pattern with one `*` path segment (see lib/issuer-pattern.ts). */
  readonly issuer: string
  readonly algorithms: readonly SigningAlgorithm[]
  /** Longest accepted `exp - iat`, in seconds. */
  readonly maxLifetimeSeconds: number
  /** Tolerance for `exp`, `nbf` and `iat` against our clock, in seconds (at most 60). */
  readonly clockSkewSeconds: number
  /** Claims of which a policy statement must pin one (with `equals` or `in`) when the issuer serves many tenants. */
  readonly tenantClaims: readonly string[]
  /** Pinned JWKS location; `{iss}` stands for the token's issuer when `issuer` is a pattern. Else discovery. */
  readonly jwksUri?: string
  /** Permits `http:` and loopback addresses: development and tests only. */
  readonly allowInsecureHttp: boolean
  /** Permits private-range addresses (an on-premises issuer); metadata addresses are always refused. */
  readonly allowPrivateAddresses: boolean
  /** Known claims, when the issuer's claim set is documented; absent for custom issuers. */
  readonly claims?: ClaimCatalog
}
