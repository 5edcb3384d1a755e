/**
 * The tables as Kysely sees them. One schema for SQLite and PostgreSQL: ids are UUID text, times ISO-8601 text
 * (sortable), booleans 0/1 integers and JSON text, so every query runs unchanged on both dialects.
 */
import type { Generated } from 'kysely'

export interface OrganizationsTable {
  id: string
  slug: string
  name: string
  created_at: string
}

export interface ApiTokensTable {
  id: string
  organization_id: string
  description: string
  scopes: string
  token_hash: string
  created_by: string
  created_at: string
  revoked_at: string | null
}

export interface RegistriesTable {
  id: string
  organization_id: string
  slug: string
  name: string
  ecosystem: string
  description: string | null
  emoji: string | null
  color: string | null
  public: number
  policy_version: number | null
  created_at: string
  updated_at: string
}

export interface PolicyVersionsTable {
  registry_id: string
  version: number
  source: string
  saved_by: string
  saved_at: string
  restored_from: number | null
}

export interface PackagesTable {
  seq: Generated<number>
  id: string
  registry_id: string
  name: string
  version: string
  filename: string
  size: number
  sha256: string
  sha512: string
  provenance: string | null
  published_by: string
  created_at: string
  deleted_at: string | null
  /** JSON text (migration 0003). */
  metadata: string | null
  /** Migration 0003. */
  deprecated: string | null
}

/** npm dist-tags (migration 0003): one row per registry, package name and tag. */
export interface PackageRevisionsTable {
  registry_id: string
  name: string
  revision: number
}

export interface DistTagsTable {
  registry_id: string
  name: string
  tag: string
  version: string
  updated_at: string
}

/** Registry tokens minted by OIDC exchanges (migration 0003); `scopes` and `oidc_grant` are JSON text. */
export interface RegistryTokensTable {
  id: string
  organization_id: string
  registry_id: string
  token_hash: string
  scopes: string
  oidc_grant: string
  created_at: string
  expires_at: string
}

export interface AuditEventsTable {
  seq: Generated<number>
  id: string
  organization_id: string
  registry_id: string | null
  type: string
  outcome: string
  code: string | null
  actor: string
  detail: string
  created_at: string
}

/** The embedded issuer's signing keys (migration 0002); `seq` orders them by creation. */
export interface IssuerSigningKeysTable {
  seq: Generated<number>
  kid: string
  algorithm: string
  public_jwk: string
  private_key_pem: string
  created_at: string
  retired_at: string | null
}

/** Jobs registered with the embedded issuer (migration 0002); `claims` is JSON text. */
export interface IssuerJobsTable {
  id: string
  organization_slug: string
  claims: string
  agent_token_hash: string
  created_by: string
  created_at: string
  expires_at: string
  revoked_at: string | null
}

export interface Database {
  organizations: OrganizationsTable
  api_tokens: ApiTokensTable
  registries: RegistriesTable
  policy_versions: PolicyVersionsTable
  packages: PackagesTable
  audit_events: AuditEventsTable
  issuer_signing_keys: IssuerSigningKeysTable
  issuer_jobs: IssuerJobsTable
  dist_tags: DistTagsTable
  package_revisions: PackageRevisionsTable
  registry_tokens: RegistryTokensTable
}
