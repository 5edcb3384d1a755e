/**
 * The key source of remote issuers: one cache entry per concrete issuer, filled lazily on the first token (an
 * issuer that is down never stops startup), refreshed after JWKS_MAX_AGE_MS, refetched on an unknown `kid` at
 * most once per JWKS_REFETCH_COOLDOWN_MS with concurrent refetches sharing one fetch, and served stale for up
 * to JWKS_MAX_STALE_MS while the issuer cannot be reached (DESIGN.md 1.4; catalog G1-G3, G9).
 */
import type { Clock } from '../lib/clock.js'
import type { KeyLookup, KeySource } from './key-source.js'
import type { LoadedKeys, LoadKeys } from './load-issuer-keys.js'
import {
  JWKS_FAILURE_BACKOFF_MS, JWKS_MAX_AGE_MS, JWKS_MAX_STALE_MS, JWKS_REFETCH_COOLDOWN_MS, MAX_CACHED_ISSUERS,
} from './verification-limits.js'

export interface JwksCacheSettings {
  readonly maxAgeMs: number
  readonly refetchCooldownMs: number
  readonly failureBackoffMs: number
  readonly maxStaleMs: number
  /** Concrete issuers kept (least recently used evicted first). */
  readonly maxIssuers: number
}

export interface JwksCacheDeps {
  readonly loadKeys: LoadKeys
  readonly clock: Clock
  readonly settings?: Partial<JwksCacheSettings>
}

interface CacheEntry {
  /** The last good keys as a ready lookup; null before the first success or after they went too stale. */
  lookup: (KeyLookup & { ok: true }) | null
  jwksUri: string | null
  fetchedAtMs: number
  attemptedAtMs: number
  failedAtMs: number | null
  failureMessage: string
  pending: Promise<KeyLookup> | null
}

export interface JwksCache extends KeySource {
  /** How many concrete issuers are cached (for tests and metrics). */
  size(): number
}

/** Creates the cache for one configured issuer (its `loadKeys` knows the issuer's pinned or discovered JWKS). */
export function createJwksCache(deps: JwksCacheDeps): JwksCache {
  const { loadKeys, clock } = deps
  const settings: JwksCacheSettings = {
    maxAgeMs: JWKS_MAX_AGE_MS, refetchCooldownMs: JWKS_REFETCH_COOLDOWN_MS, failureBackoffMs: JWKS_FAILURE_BACKOFF_MS,
    maxStaleMs: JWKS_MAX_STALE_MS, maxIssuers: MAX_CACHED_ISSUERS, ...deps.settings,
  }
  const entries = new Map<string, CacheEntry>()

  function touchEntry(iss: string): CacheEntry {
    const existing = entries.get(iss)
    if (existing !== undefined) {
      if (entries.size > 1) {
        entries.delete(iss)
        entries.set(iss, existing)
      }
      return existing
    }
    if (entries.size >= settings.maxIssuers) {
      const oldest = entries.keys().next()
      if (oldest.done !== true) entries.delete(oldest.value)
    }
    const created: CacheEntry = {
      lookup: null, jwksUri: null, fetchedAtMs: 0, attemptedAtMs: 0, failedAtMs: null, failureMessage: '', pending: null,
    }
    entries.set(iss, created)
    return created
  }

  function startFetch(entry: CacheEntry, iss: string): Promise<KeyLookup> {
    entry.attemptedAtMs = clock.nowMs()
    const loading = loadKeys(iss, entry.jwksUri).catch((): LoadedKeys => ({ ok: false, message: 'unexpected fault while loading keys' }))
    const pending = loading.then((loaded) => {
      const nowMs = clock.nowMs()
      if (loaded.ok) {
        entry.lookup = Object.freeze({ ok: true, keys: loaded.keys })
        entry.jwksUri = loaded.jwksUri
        entry.fetchedAtMs = nowMs
        entry.failedAtMs = null
        return entry.lookup
      }
      entry.failedAtMs = nowMs
      entry.failureMessage = loaded.message
      entry.jwksUri = null // rediscover next time: the failure may be a moved jwks_uri
      return serveStaleOrRefuse(entry, nowMs)
    })
    entry.pending = pending
    void pending.finally(() => {
      if (entry.pending === pending) entry.pending = null
    })
    return pending
  }

  function serveStaleOrRefuse(entry: CacheEntry, nowMs: number): KeyLookup {
    if (entry.lookup !== null && nowMs - entry.fetchedAtMs < settings.maxAgeMs + settings.maxStaleMs) return entry.lookup
    entry.lookup = null
    const waitMs = (entry.failedAtMs ?? nowMs) + settings.failureBackoffMs - nowMs
    return { ok: false, message: `the issuer's keys cannot be fetched (${entry.failureMessage})`, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
  }

  return {
    getKeys(iss) {
      const entry = touchEntry(iss)
      const nowMs = clock.nowMs()
      if (entry.lookup !== null && nowMs - entry.fetchedAtMs < settings.maxAgeMs) return entry.lookup
      if (entry.pending !== null) return entry.pending
      if (entry.failedAtMs !== null && nowMs - entry.failedAtMs < settings.failureBackoffMs) return serveStaleOrRefuse(entry, nowMs)
      return startFetch(entry, iss)
    },
    refreshKeys(iss) {
      const entry = touchEntry(iss)
      if (entry.pending !== null) return entry.pending
      const nowMs = clock.nowMs()
      if (nowMs - entry.attemptedAtMs < settings.refetchCooldownMs) return null
      return startFetch(entry, iss)
    },
    size: () => entries.size,
  }
}
