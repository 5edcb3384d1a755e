/**
 * A package document, built from the store with as little reading as the cache of version entries
 * allows: one light query for the live versions (ids, versions, times, deprecations), the entries of versions
 * rendered before from the cache, and the whole rows of the others only. After a publish to a package of 5,000
 * versions, the next document reads one row's metadata, not 5,000.
 */
import type { PackageCatalog } from '../../registry/package-catalog.js'
import type { Registry } from '../../registry/records.js'
import { assembleAbbreviatedPackument, assembleFullPackument, buildVersionEntries, type PackumentDocument, type VersionEntries } from './build-packument.js'
import type { VersionEntryCache } from './version-entry-cache.js'

export interface PackumentSource {
  readonly catalog: Pick<PackageCatalog, 'summariesOf' | 'versionsById' | 'tagsOf'>
  readonly entries: VersionEntryCache
}

export interface PackumentRequest {
  readonly registry: Registry
  readonly name: string
  /** `{public_url}/{org}/{registry}/npm`: tarball URLs hang below it. */
  readonly registryUrl: string
  readonly form: 'abbreviated' | 'full'
}

/** The document (its JSON text, UTF-8, and ETag), or undefined when the name has no live version. */
export async function readPackument(source: PackumentSource, request: PackumentRequest): Promise<PackumentDocument | undefined> {
  const { catalog } = source
  const { registry, name, registryUrl } = request
  const [versions, tags] = await Promise.all([catalog.summariesOf(registry, name), catalog.tagsOf(registry, name)])
  if (versions.length === 0) return undefined
  // Held here for this document, so that entries the bounded cache drops meanwhile still count.
  const entries = new Map<string, VersionEntries>()
  const missing: string[] = []
  for (const version of versions) {
    const found = source.entries.get(registryUrl, version)
    if (found === undefined) missing.push(version.id)
    else entries.set(version.id, found)
  }
  if (missing.length > 0) {
    for (const pkg of await catalog.versionsById(registry, missing)) {
      if (pkg.name !== name) continue
      const built = buildVersionEntries({ name, registryUrl }, pkg)
      entries.set(pkg.id, built)
      // Cached under the row's own deprecation, which the entries show: if it changed since the summaries were
      // read, the revision has moved on too, and the next document asks again.
      source.entries.set(registryUrl, pkg, built)
    }
  }
  const parts = { name, versions, entries, tags }
  return request.form === 'abbreviated' ? assembleAbbreviatedPackument(parts) : assembleFullPackument(parts)
}
