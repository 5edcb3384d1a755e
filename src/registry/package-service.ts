/**
 * Packages of a registry: publish (streamed into the blob store, then recorded; the unique constraint makes
 * versions immutable even under racing publishes), list, get, delete, and the bytes for download.
 */
import type { Readable } from 'node:stream'
import { AppError } from '../errors.js'
import type { Principal } from './access-control.js'
import type { BlobStore, MetadataStore, Page, PageRequest, StoredBlob } from './ports.js'
import { buildProvenance, describePrincipal } from './provenance.js'
import type { Organization, PackageVersion, Registry } from './records.js'

/** A version to record: its identity, what the ecosystem read from it, and the dist-tags to point at it. */
export interface PackageRecord {
  readonly name: string
  readonly version: string
  readonly filename: string
  readonly metadata?: Readonly<Record<string, unknown>> | null
  /** Tags (npm dist-tags) set to this version in the publish's own transaction, so a losing racer sets none. */
  readonly tags?: readonly string[]
}

export interface PackageFile extends PackageRecord {
  readonly body: Readable
}

export interface PackageService {
  /** @throws AppError `conflict` (version exists), `payload_too_large` */
  publish(org: Organization, registry: Registry, principal: Principal, file: PackageFile): Promise<PackageVersion>
  /**
   * Records a file already streamed into the blob store, for ecosystems that learn a file's identity only from
   * its content (npm reads package.json from the tarball as it streams). @throws AppError `conflict`
   */
  publishStored(org: Organization, registry: Registry, principal: Principal, file: PackageRecord, blob: StoredBlob): Promise<PackageVersion>
  list(registry: Registry, filter: { name?: string }, page: PageRequest): Promise<Page<PackageVersion>>
  /** @throws AppError `not_found` */
  get(registry: Registry, id: string): Promise<PackageVersion>
  /** @throws AppError `not_found` */
  delete(org: Organization, registry: Registry, principal: Principal, id: string): Promise<PackageVersion>
  /** The live version stored under `filename`, or undefined. */
  findFile(registry: Registry, filename: string): Promise<PackageVersion | undefined>
}

export function createPackageService(deps: { store: MetadataStore; blobs: BlobStore; maxUploadBytes: number }): PackageService {
  const { store, blobs } = deps
  const publishStored = (org: Organization, registry: Registry, principal: Principal, file: PackageRecord, blob: StoredBlob) => {
    const actor = describePrincipal(principal)
    // The blob is complete and durable before the row that makes it visible is written. If the insert loses
    // a race, the blob stays (content-addressed, maybe shared) until garbage collection finds it unreferenced.
    return store.transaction(async (tx) => {
      const version = await tx.packages.insert({
        registryId: registry.id,
        name: file.name,
        version: file.version,
        filename: file.filename,
        size: blob.size,
        sha256: blob.sha256,
        sha512: blob.sha512,
        provenance: buildProvenance(principal),
        publishedBy: actor,
        metadata: file.metadata ?? null,
      })
      for (const tag of file.tags ?? []) await tx.distTags.set(registry.id, file.name, tag, file.version)
      await tx.packageRevisions.bump(registry.id, file.name)
      await tx.audit.append({
        organizationId: org.id, registryId: registry.id, type: 'package.published', outcome: 'done', code: null, actor,
        detail: { package_id: version.id, name: version.name, version: version.version, sha256: version.sha256, size: version.size },
      })
      return version
    })
  }
  return {
    async publish(org, registry, principal, file) {
      const existing = await store.packages.findByNameVersion(registry.id, file.name, file.version)
      if (existing !== undefined) {
        file.body.resume()
        throw new AppError('conflict', `${file.name} ${file.version} already exists: published versions are immutable`)
      }
      const blob = await blobs.put(file.body, { maxBytes: deps.maxUploadBytes })
      return publishStored(org, registry, principal, file, blob)
    },
    publishStored,
    list: (registry, filter, page) => store.packages.list(registry.id, filter, page),
    async get(registry, id) {
      const found = await store.packages.findById(registry.id, id)
      if (found === undefined) throw new AppError('not_found', `package ${id} not found`)
      return found
    },
    delete: (org, registry, principal, id) =>
      store.transaction(async (tx) => {
        const deleted = await tx.packages.markDeleted(registry.id, id)
        if (deleted === undefined) throw new AppError('not_found', `package ${id} not found`)
        await tx.packageRevisions.bump(registry.id, deleted.name)
        await tx.audit.append({
          organizationId: org.id, registryId: registry.id, type: 'package.deleted', outcome: 'done', code: null, actor: describePrincipal(principal),
          detail: { package_id: id, name: deleted.name, version: deleted.version },
        })
        return deleted
      }),
    findFile: (registry, filename) => store.packages.findByFilename(registry.id, filename),
  }
}
