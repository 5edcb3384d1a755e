/**
 * Packages by name, for ecosystems whose clients think in package documents (npm's packument): the live
 * versions of a name, its dist-tags, deprecation messages, unpublishing, and search. Every change is audited in
 * its own transaction. Versions themselves stay immutable: only the deprecation message and tags move.
 */
import { AppError } from '../errors.js'
import type { Principal } from './access-control.js'
import type { MetadataStore } from './ports.js'
import { describePrincipal } from './provenance.js'
import type { Organization, PackageVersion, PackageVersionSummary, Registry } from './records.js'

export interface PackageCatalog {
  /** The live versions of `name`, oldest first; empty when there are none. */
  versionsOf(registry: Registry, name: string): Promise<readonly PackageVersion[]>
  /** The live versions of `name` without their metadata, oldest first: a light read for what a document holds. */
  summariesOf(registry: Registry, name: string): Promise<readonly PackageVersionSummary[]>
  /** Versions of `registry` by id, live or not, in any order; unknown ids are left out. */
  versionsById(registry: Registry, ids: readonly string[]): Promise<readonly PackageVersion[]>
  /**
   * A number that every change to `name` raises (versions, deprecations, tags), for caches of what is built
   * from the name's versions; undefined for a name never published.
   */
  revisionOf(registry: Registry, name: string): Promise<number | undefined>
  /** Tag → version as stored; a tag may point at a version since unpublished (readers filter). */
  tagsOf(registry: Registry, name: string): Promise<Readonly<Record<string, string>>>
  /** Points `tag` at a live version. @throws AppError `not_found` */
  setTag(org: Organization, registry: Registry, principal: Principal, name: string, tag: string, version: string): Promise<void>
  /** @throws AppError `not_found` when the tag does not exist */
  removeTag(org: Organization, registry: Registry, principal: Principal, name: string, tag: string): Promise<void>
  /** Sets (a message) or clears (null) deprecations of live versions; returns how many changed. */
  deprecate(org: Organization, registry: Registry, principal: Principal, name: string, messages: ReadonlyMap<string, string | null>): Promise<number>
  /**
   * Unpublishes live versions (all of them for `'all'`): they disappear, and their name and version stay taken
   * forever. @throws AppError `not_found` when none of them is live
   */
  unpublish(org: Organization, registry: Registry, principal: Principal, name: string, versions: readonly string[] | 'all'): Promise<readonly PackageVersion[]>
  /** The newest live version of each package whose name contains `text`, by name. */
  search(registry: Registry, text: string, page: { limit: number; offset: number }): Promise<readonly PackageVersion[]>
}

export function createPackageCatalog(deps: { store: MetadataStore }): PackageCatalog {
  const { store } = deps
  const audit = (tx: MetadataStore, org: Organization, registry: Registry, principal: Principal, type: string, detail: Record<string, unknown>) =>
    tx.audit.append({ organizationId: org.id, registryId: registry.id, type, outcome: 'done', code: null, actor: describePrincipal(principal), detail })

  return {
    versionsOf: (registry, name) => store.packages.listByName(registry.id, name),
    summariesOf: (registry, name) => store.packages.listSummariesByName(registry.id, name),
    versionsById: (registry, ids) => store.packages.findManyById(registry.id, ids),
    revisionOf: (registry, name) => store.packageRevisions.get(registry.id, name),
    tagsOf: (registry, name) => store.distTags.list(registry.id, name),
    setTag: (org, registry, principal, name, tag, version) =>
      store.transaction(async (tx) => {
        const found = await tx.packages.findByNameVersion(registry.id, name, version)
        if (found === undefined || found.deletedAt !== null) throw new AppError('not_found', `${name}@${version} is not published`)
        await tx.distTags.set(registry.id, name, tag, version)
        await tx.packageRevisions.bump(registry.id, name)
        await audit(tx, org, registry, principal, 'package.tagged', { name, tag, version })
      }),
    removeTag: (org, registry, principal, name, tag) =>
      store.transaction(async (tx) => {
        if (!(await tx.distTags.remove(registry.id, name, tag))) throw new AppError('not_found', `${name} has no dist-tag ${tag}`)
        await tx.packageRevisions.bump(registry.id, name)
        await audit(tx, org, registry, principal, 'package.untagged', { name, tag })
      }),
    deprecate: (org, registry, principal, name, messages) =>
      store.transaction(async (tx) => {
        let changed = 0
        for (const live of await tx.packages.listByName(registry.id, name)) {
          const message = messages.get(live.version)
          if (message === undefined || message === live.deprecated) continue
          await tx.packages.setDeprecated(registry.id, live.id, message)
          await audit(tx, org, registry, principal, 'package.deprecated', { package_id: live.id, name, version: live.version, message })
          changed += 1
        }
        if (changed > 0) await tx.packageRevisions.bump(registry.id, name)
        return changed
      }),
    unpublish: (org, registry, principal, name, versions) =>
      store.transaction(async (tx) => {
        const live = await tx.packages.listByName(registry.id, name)
        const doomed = versions === 'all' ? live : live.filter((pkg) => versions.includes(pkg.version))
        if (doomed.length === 0) throw new AppError('not_found', `${name} has no such published version`)
        const deleted: PackageVersion[] = []
        for (const pkg of doomed) {
          const gone = await tx.packages.markDeleted(registry.id, pkg.id)
          if (gone === undefined) continue
          deleted.push(gone)
          await audit(tx, org, registry, principal, 'package.deleted', { package_id: pkg.id, name, version: pkg.version })
        }
        if (deleted.length > 0) await tx.packageRevisions.bump(registry.id, name)
        return deleted
      }),
    search: (registry, text, page) => store.packages.searchNames(registry.id, text, page),
  }
}
