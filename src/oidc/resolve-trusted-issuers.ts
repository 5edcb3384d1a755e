/**
 * Turns the configured `issuers:` entries into frozen `TrustedIssuer`s: a preset's data with the entry's
 * overrides, or a custom issuer with the documented defaults.
 */
import { AppError } from '../errors.js'
import { isIssuerPattern, matchesIssuerPattern } from '../lib/issuer-pattern.js'
import { ISSUER_PRESETS } from './presets.js'
import type { SigningAlgorithm, TrustedIssuer } from './trusted-issuer.js'

/** The shape of one configured entry (config/issuer-entry.ts validates it; this module needs only the fields). */
export interface IssuerEntryInput {
  readonly preset?: keyof typeof ISSUER_PRESETS
  readonly issuer?: string
  readonly algorithms?: readonly SigningAlgorithm[] | undefined
  readonly max_lifetime_seconds?: number | undefined
  readonly clock_skew_seconds?: number | undefined
  readonly tenant_claims?: readonly string[] | undefined
  readonly jwks_uri?: string | undefined
  readonly allow_insecure_http?: boolean | undefined
  readonly allow_private_addresses?: boolean | undefined
}

const DEFAULT_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256']
const DEFAULT_MAX_LIFETIME_SECONDS = 300
const DEFAULT_CLOCK_SKEW_SECONDS = 30

/**
 * Resolves entries in order. Two entries for the same issuer are a configuration error, since which one
 * applied would otherwise depend on the order.
 * @throws AppError `config_invalid`
 */
export function resolveTrustedIssuers(entries: readonly IssuerEntryInput[]): readonly TrustedIssuer[] {
  const resolved = entries.map(resolveEntry)
  for (const [i, a] of resolved.entries()) {
    for (const b of resolved.slice(i + 1)) {
      if (a.issuer === b.issuer) throw new AppError('config_invalid', `issuer ${a.issuer} is configured twice`)
    }
  }
  return Object.freeze(resolved)
}

/** The trusted issuer whose `issuer` (exact or pattern) matches a token's `iss`, if any. */
export function findTrustedIssuer(issuers: readonly TrustedIssuer[], iss: string): TrustedIssuer | undefined {
  return issuers.find((candidate) => matchesIssuerPattern(candidate.issuer, iss))
}

function resolveEntry(entry: IssuerEntryInput): TrustedIssuer {
  const base = entry.preset !== undefined ? ISSUER_PRESETS[entry.preset] : undefined
  const issuer = base?.issuer ?? entry.issuer
  if (issuer === undefined) throw new AppError('config_invalid', 'an issuer entry needs `preset` or `issuer`')
  if (entry.jwks_uri !== undefined && isIssuerPattern(issuer) && !entry.jwks_uri.includes('{iss}')) {
    throw new AppError('config_invalid', `issuer ${issuer} is a pattern: its jwks_uri must contain {iss}`)
  }
  const trusted: TrustedIssuer = {
    name: base?.name ?? issuer,
    issuer,
    algorithms: Object.freeze([...(entry.algorithms ?? base?.algorithms ?? DEFAULT_ALGORITHMS)]),
    maxLifetimeSeconds: entry.max_lifetime_seconds ?? base?.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS,
    clockSkewSeconds: entry.clock_skew_seconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    tenantClaims: Object.freeze([...(entry.tenant_claims ?? base?.tenantClaims ?? [])]),
    allowInsecureHttp: entry.allow_insecure_http ?? false,
    allowPrivateAddresses: entry.allow_private_addresses ?? false,
    ...optional('jwksUri', entry.jwks_uri ?? base?.jwksUri),
    ...optional('claims', base?.claims),
  }
  return Object.freeze(trusted)
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V })
}
