/**
 * Maps a token's unverified `iss` to the trusted issuer and the key source that verify it. The lookup is by
 * exact string (or one-segment pattern) on configured issuers only, so an untrusted `iss` never reaches the
 * network (catalog E9) and each issuer only ever uses its own keys (E10).
 */
import { AppError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { isIssuerPattern, matchesIssuerPattern } from '../lib/issuer-pattern.js'
import { createGuardedFetch, type FetchJson } from './guarded-fetch.js'
import { createJwksCache, type JwksCacheSettings } from './jwks-cache.js'
import type { KeySource } from './key-source.js'
import { createIssuerKeysLoader } from './load-issuer-keys.js'
import type { TrustedIssuer } from './trusted-issuer.js'

export interface IssuerRoute {
  readonly issuer: TrustedIssuer
  readonly keySource: KeySource
  /** `issuer.algorithms` as a set, for the per-token check. */
  readonly algorithms: ReadonlySet<string>
}

export interface IssuerRoutes {
  /** The route of `iss`, or null when no configured issuer matches it. */
  find(iss: string): IssuerRoute | null
}

export interface IssuerRoutesDeps {
  readonly issuers: readonly TrustedIssuer[]
  readonly clock: Clock
  /** Key sources by configured `issuer`, replacing the JWKS fetch for those issuers. */
  readonly keySources?: Readonly<Record<string, KeySource>>
  readonly fetchJson?: FetchJson
  readonly fetchTimeoutMs?: number
  readonly jwksCache?: Partial<JwksCacheSettings>
}

/**
 * Builds one route per configured issuer: its local key source when given, else a JWKS cache over the
 * guarded fetch. Nothing is fetched here (keys load lazily on the first token).
 * @throws AppError `config_invalid` when a key source names an issuer that is not configured.
 */
export function createIssuerRoutes(deps: IssuerRoutesDeps): IssuerRoutes {
  const keySources = deps.keySources ?? {}
  for (const name of Object.keys(keySources)) {
    if (!deps.issuers.some((issuer) => issuer.issuer === name)) throw new AppError('config_invalid', `a key source names an unconfigured issuer: ${name}`)
  }
  const fetchJson = deps.fetchJson ?? createGuardedFetch(deps.fetchTimeoutMs === undefined ? {} : { timeoutMs: deps.fetchTimeoutMs })
  const exact = new Map<string, IssuerRoute>()
  const patterns: IssuerRoute[] = []
  for (const issuer of deps.issuers) {
    const keySource = Object.hasOwn(keySources, issuer.issuer) ? keySources[issuer.issuer] : undefined
    const route: IssuerRoute = Object.freeze({
      issuer,
      keySource: keySource ?? createRemoteKeySource(issuer, fetchJson, deps),
      algorithms: new Set(issuer.algorithms),
    })
    if (isIssuerPattern(issuer.issuer)) patterns.push(route)
    else exact.set(issuer.issuer, route)
  }
  return {
    find: (iss) => exact.get(iss) ?? patterns.find((route) => matchesPattern(route.issuer.issuer, iss)) ?? null,
  }
}

function createRemoteKeySource(issuer: TrustedIssuer, fetchJson: FetchJson, deps: IssuerRoutesDeps): KeySource {
  const loadKeys = createIssuerKeysLoader({ issuer, fetchJson })
  return createJwksCache({ loadKeys, clock: deps.clock, ...(deps.jwksCache === undefined ? {} : { settings: deps.jwksCache }) })
}

/**
 * A pattern's concrete issuer must also be a canonical URL (the WHATWG parser would read `\` as `/`, or
 * percent-decode), so that the discovery URL built from it stays where the pattern says.
 */
function matchesPattern(pattern: string, iss: string): boolean {
  return matchesIssuerPattern(pattern, iss) && URL.canParse(iss) && new URL(iss).href.replace(/\/$/, '') === iss.replace(/\/$/, '')
}
