/**
 * Each version's rendered entries in the package documents (build-packument.ts), kept across document
 * revisions: a version never changes after publish but for its deprecation message, so when one version of a
 * package with thousands is published, the next document reads and renders that one version, not all of them.
 * Keyed by the registry's npm URL (in every tarball URL) and the package id; an entry rendered with another
 * deprecation message is not served. Bounded by bytes; the least recently used go first (approximately: CLOCK).
 */
import type { PackageVersionSummary } from '../../registry/records.js'
import type { VersionEntries } from './build-packument.js'

/** Memory for entries: both forms of ~30,000 versions of a typical manifest. */
const MAX_CACHED_BYTES = 64 * 1024 * 1024

export interface VersionEntryCache {
  /** The entries of `version` rendered for `registryUrl`, if cached and rendered with its current deprecation. */
  get(registryUrl: string, version: PackageVersionSummary): VersionEntries | undefined
  set(registryUrl: string, version: PackageVersionSummary, entries: VersionEntries): void
}

interface Cached {
  readonly deprecated: string | null
  readonly entries: VersionEntries
  readonly bytes: number
  /** Read since eviction last passed it: it gets a second chance (the CLOCK approximation of LRU). */
  used: boolean
}

export function createVersionEntryCache(maxBytes = MAX_CACHED_BYTES): VersionEntryCache {
  const cached = new Map<string, Cached>()
  let bytes = 0
  const keyOf = (registryUrl: string, version: PackageVersionSummary) => `${registryUrl}\n${version.id}`
  const drop = (key: string) => {
    const old = cached.get(key)
    if (old === undefined) return
    cached.delete(key)
    bytes -= old.bytes
  }
  return {
    get(registryUrl, version) {
      const key = keyOf(registryUrl, version)
      const found = cached.get(key)
      if (found?.deprecated !== version.deprecated) return undefined
      // A flag, not a move to the end of the map: a document reads thousands of entries, and moving each one
      // cost more than the rest of the lookup.
      found.used = true
      return found.entries
    },
    set(registryUrl, version, entries) {
      const key = keyOf(registryUrl, version)
      const size = key.length + entries.abbreviated.length + entries.full.length + JSON.stringify(entries.documentFields).length
      drop(key)
      if (size > maxBytes) return
      // Oldest first; one read since eviction last came by moves to the end instead (and is visited again there).
      for (const [oldestKey, oldest] of cached) {
        if (bytes + size <= maxBytes) break
        if (oldest.used) {
          oldest.used = false
          cached.delete(oldestKey)
          cached.set(oldestKey, oldest)
        } else {
          drop(oldestKey)
        }
      }
      cached.set(key, { deprecated: version.deprecated, entries, bytes: size, used: false })
      bytes += size
    },
  }
}
