/**
 * The ports the domain needs from the outside world. `store/` implements the metadata ports on Kysely (SQLite,
 * PostgreSQL), `blobs/` the blob store (local disk, S3). The domain imports only these interfaces.
 *
 * Refusals that callers expect are values (`undefined`, `false`); a broken invariant such as a duplicate
 * name and version is an AppError with code `conflict`, raised by the store's own unique constraints so that
 * it holds across processes and servers.
 */
import type { Readable } from 'node:stream'
import type { IssuerJobRepository, IssuerKeyRepository } from '../issuer/issuer-ports.js'
import type { ApiScope, ApiToken, AuditEvent, Organization, PackageVersion, PackageVersionSummary, PolicyVersion, Registry, RegistryToken } from './records.js'

export interface OrganizationRepository {
  /** @throws AppError `conflict` when the slug is taken. */
  create(input: { slug: string; name: string }): Promise<Organization>
  findBySlug(slug: string): Promise<Organization | undefined>
  count(): Promise<number>
}

export interface ApiTokenRepository {
  create(input: { organizationId: string; description: string; scopes: readonly ApiScope[]; tokenHash: string; createdBy: string }): Promise<ApiToken>
  findByHash(tokenHash: string): Promise<ApiToken | undefined>
  list(organizationId: string): Promise<readonly ApiToken[]>
  /** Revokes a live token; false when there is none with that id in the organization. */
  revoke(organizationId: string, id: string): Promise<boolean>
}

export interface RegistryPatch {
  readonly slug?: string
  readonly name?: string
  readonly description?: string | null
  readonly emoji?: string | null
  readonly color?: string | null
  readonly public?: boolean
  readonly policyVersion?: number | null
}

export interface RegistryRepository {
  /** @throws AppError `conflict` when the slug is taken in the organization. */
  create(input: Omit<Registry, 'id' | 'createdAt' | 'updatedAt' | 'policyVersion'>): Promise<Registry>
  findBySlug(organizationId: string, slug: string): Promise<Registry | undefined>
  /**
   * The organization `orgSlug` and its registry `slug` in one read (every registry route starts with these two:
   * one round trip less to PostgreSQL); undefined when either does not exist.
   */
  findWithOrganization(orgSlug: string, slug: string): Promise<{ readonly organization: Organization; readonly registry: Registry } | undefined>
  list(organizationId: string): Promise<readonly Registry[]>
  /** @throws AppError `conflict` when a new slug is taken. */
  update(id: string, patch: RegistryPatch): Promise<Registry | undefined>
  delete(id: string): Promise<boolean>
}

export interface PolicyVersionRepository {
  /** Appends the next version (1, 2, ... without gaps). Run inside a transaction with the registry update. */
  append(input: { registryId: string; source: string; savedBy: string; restoredFrom: number | null }): Promise<PolicyVersion>
  find(registryId: string, version: number): Promise<PolicyVersion | undefined>
  list(registryId: string): Promise<readonly PolicyVersion[]>
  /** The policy in force of each registry of the organization that has one, by registry id: one read. */
  findCurrent(organizationId: string): Promise<ReadonlyMap<string, PolicyVersion>>
}

/** A page of a newest-first listing; cursors are opaque positions. */
export interface Page<T> {
  readonly items: readonly T[]
  /** Cursor for the next (older) page, or null at the end. */
  readonly next: string | null
  /** Cursor for the previous (newer) page, or null at the start. */
  readonly previous: string | null
}

export interface PageRequest {
  readonly before?: string
  readonly after?: string
  readonly limit: number
}

/** What a publish records; `metadata` defaults to null. */
export type NewPackageVersion = Omit<PackageVersion, 'id' | 'createdAt' | 'deletedAt' | 'metadata' | 'deprecated'> & {
  readonly metadata?: Readonly<Record<string, unknown>> | null
}

export interface PackageRepository {
  /** @throws AppError `conflict` when the name and version exist, deleted ones included. */
  insert(input: NewPackageVersion): Promise<PackageVersion>
  findById(registryId: string, id: string): Promise<PackageVersion | undefined>
  findByNameVersion(registryId: string, name: string, version: string): Promise<PackageVersion | undefined>
  findByFilename(registryId: string, filename: string): Promise<PackageVersion | undefined>
  list(registryId: string, filter: { name?: string }, page: PageRequest): Promise<Page<PackageVersion>>
  markDeleted(registryId: string, id: string): Promise<PackageVersion | undefined>
  /** The live versions of one package name, oldest first. */
  listByName(registryId: string, name: string): Promise<readonly PackageVersion[]>
  /** The same versions as `listByName` without their metadata, provenance or digests: a light read. */
  listSummariesByName(registryId: string, name: string): Promise<readonly PackageVersionSummary[]>
  /** Versions of the registry by id, live or not, in any order; unknown ids are left out. */
  findManyById(registryId: string, ids: readonly string[]): Promise<readonly PackageVersion[]>
  /** The newest live version of each name containing `text` (any case), by name. */
  searchNames(registryId: string, text: string, page: { limit: number; offset: number }): Promise<readonly PackageVersion[]>
  /** Sets or clears (null) a live version's deprecation message; false when there is no such live version. */
  setDeprecated(registryId: string, id: string, message: string | null): Promise<boolean>
  /**
   * Of `sha256s`, the digests that at least one live (not deleted) version references, in any registry. Garbage
   * collection asks it a page of candidate blobs at a time, so no caller ever holds every digest in memory.
   */
  findReferencedDigests(sha256s: readonly string[]): Promise<ReadonlySet<string>>
}

/** Named pointers to versions of a package (npm dist-tags: `latest`, `beta`, ...). */
/** A number per package name that every change to the name raises (see migrations/0004-package-revisions.ts). */
export interface PackageRevisionRepository {
  /** The current revision, or undefined for a name never published. */
  get(registryId: string, name: string): Promise<number | undefined>
  /** Raises the name's revision; call it in the transaction of the change. */
  bump(registryId: string, name: string): Promise<void>
}

export interface DistTagRepository {
  /** Tag → version for one package name. */
  list(registryId: string, name: string): Promise<Readonly<Record<string, string>>>
  /** Creates or moves a tag. */
  set(registryId: string, name: string, tag: string, version: string): Promise<void>
  /** False when the tag did not exist. */
  remove(registryId: string, name: string, tag: string): Promise<boolean>
}

export interface RegistryTokenRepository {
  create(input: Omit<RegistryToken, 'id' | 'createdAt'>): Promise<RegistryToken>
  findByHash(tokenHash: string): Promise<RegistryToken | undefined>
  /** Removes tokens that expired before `beforeIso`; returns how many. */
  deleteExpired(beforeIso: string): Promise<number>
}

export interface AuditFilter {
  readonly registryId?: string
  readonly type?: string
  readonly outcome?: AuditEvent['outcome']
  readonly actor?: string
  readonly code?: string
  /** Events of the OIDC token with this `jti`: it is their `jti`, or one of their `jtis` (coalesced events). */
  readonly jti?: string
  /** Events of the token with this digest (tokens without a `jti`): `token_digest`, or one of `token_digests`. */
  readonly tokenDigest?: string
  readonly since?: string
  readonly until?: string
}

export interface AuditRepository {
  append(event: Omit<AuditEvent, 'id' | 'seq' | 'createdAt'>): Promise<AuditEvent>
  /** Appends several events in one statement per chunk; run inside a transaction for all-or-nothing. */
  appendMany(events: readonly Omit<AuditEvent, 'id' | 'seq' | 'createdAt'>[]): Promise<void>
  list(organizationId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>>
}

export interface MetadataStore {
  readonly organizations: OrganizationRepository
  readonly apiTokens: ApiTokenRepository
  readonly registries: RegistryRepository
  readonly policyVersions: PolicyVersionRepository
  readonly packages: PackageRepository
  readonly audit: AuditRepository
  readonly distTags: DistTagRepository
  readonly packageRevisions: PackageRevisionRepository
  readonly registryTokens: RegistryTokenRepository
  /** The embedded issuer's signing keys and jobs (issuer/issuer-ports.ts). */
  readonly issuerKeys: IssuerKeyRepository
  readonly issuerJobs: IssuerJobRepository
  /** Runs `work` in one transaction: all of its writes land, or none. */
  transaction<T>(work: (store: MetadataStore) => Promise<T>): Promise<T>
  /** Resolves once the database answers a trivial query: the readiness check's probe. */
  ping(): Promise<void>
  close(): Promise<void>
}

/** Where a stored blob is and what it is. */
export interface StoredBlob {
  readonly sha256: string
  readonly sha512: string
  readonly size: number
}

export interface BlobStore {
  /**
   * Streams `body` into the store while computing its digests; the blob becomes visible under its sha256 only
   * once complete and durable. Aborts (and leaves nothing) if the body errors or exceeds `maxBytes`.
   * @throws AppError `payload_too_large`
   */
  put(body: Readable, options: { maxBytes: number }): Promise<StoredBlob>
  /** Size of a stored blob, or undefined. */
  stat(sha256: string): Promise<number | undefined>
  /** A stream of the blob, or of the inclusive byte range. */
  open(sha256: string, range?: { start: number; end: number }): Promise<Readable | undefined>
  delete(sha256: string): Promise<void>
}

/** A stored blob as garbage collection sees it. */
export interface BlobEntry {
  readonly sha256: string
  readonly size: number
  /** When it was last written, or freshened by a put of the same content: its age for the grace period. */
  readonly modifiedAtMs: number
}

/** What an interrupted upload left behind: a temporary file or object, or an incomplete S3 multipart upload. */
export interface UploadLeftover {
  readonly kind: 'temporary' | 'multipart_upload'
  /** Where it is (a file name, an object key): for the report, and for `removeLeftover`. */
  readonly name: string
  /** The multipart upload's id; set for `multipart_upload` only. */
  readonly uploadId?: string
  /** The bytes it holds, when known; 0 for a multipart upload, whose parts are not listed. */
  readonly size: number
  /** When it was started or last written. */
  readonly modifiedAtMs: number
}

/** The listings garbage collection needs from a blob store, a page at a time so memory stays flat. */
export interface BlobInventory {
  /** Every stored blob, in pages, in no particular order. */
  listBlobs(): AsyncIterable<readonly BlobEntry[]>
  /** One blob's entry as it is now (re-checked just before removal), or undefined. */
  describeBlob(sha256: string): Promise<BlobEntry | undefined>
  /** Every leftover of an unfinished upload, in pages, young ones (uploads in flight) included. */
  listLeftovers(): AsyncIterable<readonly UploadLeftover[]>
  removeLeftover(leftover: UploadLeftover): Promise<void>
}
