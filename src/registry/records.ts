/**
 * The registry's records as the domain sees them: plain frozen values, independent of how the store keeps them.
 * Times are ISO-8601 strings in UTC with milliseconds, so they sort as text in every store.
 */

/**
 * Scopes of an API token: Buildkite's six, and `admin` for an organization admin (every scope, and managing the
 * organization's API tokens). An OIDC statement grants only the three package scopes.
 */
export const API_SCOPES = [
  'admin',
  'read_registries',
  'write_registries',
  'delete_registries',
  'read_packages',
  'write_packages',
  'delete_packages',
] as const
export type ApiScope = (typeof API_SCOPES)[number]

export interface Organization {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly createdAt: string
}

export interface ApiToken {
  readonly id: string
  readonly organizationId: string
  readonly description: string
  readonly scopes: readonly ApiScope[]
  /** sha256 of the secret, hex; the secret itself is never stored. */
  readonly tokenHash: string
  readonly createdBy: string
  readonly createdAt: string
  readonly revokedAt: string | null
}

export interface Registry {
  readonly id: string
  readonly organizationId: string
  readonly slug: string
  readonly name: string
  readonly ecosystem: string
  readonly description: string | null
  readonly emoji: string | null
  readonly color: string | null
  readonly public: boolean
  /** The policy version in force, or null when no policy was ever saved (every token is refused). */
  readonly policyVersion: number | null
  readonly createdAt: string
  readonly updatedAt: string
}

export interface PolicyVersion {
  readonly registryId: string
  readonly version: number
  /** The policy as saved, YAML text (a JSON array is stored as its YAML rendering); empty for "no policy". */
  readonly source: string
  readonly savedBy: string
  readonly savedAt: string
  /** The version this one restored, if it was a restore. */
  readonly restoredFrom: number | null
}

export interface PackageVersion {
  readonly id: string
  readonly registryId: string
  readonly name: string
  readonly version: string
  readonly filename: string
  readonly size: number
  readonly sha256: string
  readonly sha512: string
  readonly provenance: Readonly<Record<string, unknown>> | null
  readonly publishedBy: string
  readonly createdAt: string
  /** Set when deleted; the row stays so that the name and version can never be published again. */
  readonly deletedAt: string | null
  /** What the ecosystem read from the file at publish (npm: the tarball's package.json and dist facts), or null. */
  readonly metadata: Readonly<Record<string, unknown>> | null
  /** The deprecation message (npm `deprecate`), or null; the only part of a version that changes after publish. */
  readonly deprecated: string | null
}

/**
 * A live version without what was read from its file: enough to tell which versions a package document holds
 * and whether a cached rendering of one is still current (`deprecated` is all that changes after publish).
 */
export type PackageVersionSummary = Pick<PackageVersion, 'id' | 'version' | 'createdAt' | 'deprecated'>

/**
 * A short-lived registry token minted by an OIDC token exchange (npm trusted publishing): bound to one registry,
 * the scopes of the policy statement that accepted the OIDC token, and that token's identity for provenance.
 */
export interface RegistryToken {
  readonly id: string
  readonly organizationId: string
  readonly registryId: string
  readonly scopes: readonly ApiScope[]
  /** sha256 of the secret, hex. */
  readonly tokenHash: string
  /** The exchanged OIDC token as verified: issuer name, claims, statement and policy version (JSON). */
  readonly grant: Readonly<Record<string, unknown>>
  readonly createdAt: string
  readonly expiresAt: string
}

export interface AuditEvent {
  readonly id: string
  /** Monotonic position, for ordering and cursors. */
  readonly seq: number
  readonly organizationId: string
  readonly registryId: string | null
  /** What happened, e.g. `auth.decision`, `registry.created`, `policy.saved`, `package.published`. */
  readonly type: string
  readonly outcome: 'accepted' | 'refused' | 'done'
  /** The refusal's code, or null. */
  readonly code: string | null
  /** Who: `api_token:<id>`, `oidc:<iss>|<sub>`, `admin`, `anonymous`. */
  readonly actor: string
  readonly detail: Readonly<Record<string, unknown>>
  readonly createdAt: string
}
