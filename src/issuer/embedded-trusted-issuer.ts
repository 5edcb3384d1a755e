/**
 * The embedded issuer as the server's own verifier trusts it: Buildkite's claim catalog (its tokens have
 * Buildkite's shape), and `organization_slug` or `organization_id` as tenant claims, because one issuer serves
 * every organization on the server: a policy that pinned neither would accept another organization's jobs.
 */
import type { KeySource } from '../oidc/key-source.js'
import { ISSUER_PRESETS } from '../oidc/presets.js'
import type { TrustedIssuer } from '../oidc/trusted-issuer.js'
import { ISSUER_SIGNING_ALGORITHMS } from './issuer-ports.js'

/** Name of the embedded issuer in messages, metrics and provenance. */
export const EMBEDDED_ISSUER_NAME = 'embedded'

/** Verifier defaults, as for any configured issuer (DESIGN.md 1.2): Buildkite Package Registries' 5 minutes. */
const MAX_LIFETIME_SECONDS = 300
const CLOCK_SKEW_SECONDS = 30

/** `{public_url}/issuer`. */
export function embeddedIssuerUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/issuer`
}

export function createEmbeddedTrustedIssuer(issuerUrl: string): TrustedIssuer {
  const buildkite = ISSUER_PRESETS.buildkite.claims
  return Object.freeze({
    name: EMBEDDED_ISSUER_NAME,
    issuer: issuerUrl,
    algorithms: Object.freeze([...ISSUER_SIGNING_ALGORITHMS]),
    maxLifetimeSeconds: MAX_LIFETIME_SECONDS,
    clockSkewSeconds: CLOCK_SKEW_SECONDS,
    tenantClaims: Object.freeze(['organization_slug', 'organization_id']),
    // Keys come from memory (issuer-key-source.ts), never over HTTP: these two are unused.
    allowInsecureHttp: false,
    allowPrivateAddresses: false,
    // Slugs are the identity here (the ids derive from them), so pinning a slug without its id is no weakness.
    ...(buildkite === undefined ? {} : { claims: Object.freeze({ ...buildkite, immutableAlternatives: Object.freeze({}) }) }),
  })
}

/**
 * The trusted issuers with the embedded one added, and its key source. An `issuers:` entry naming the embedded
 * issuer's URL sets its verification settings (algorithms, a longer `max_lifetime_seconds`, the skew) and
 * nothing else: the issuer keeps its name (which provenance records by), its claim catalog and its tenant
 * claims, and its keys still come from memory, never over HTTP.
 */
export function trustEmbeddedIssuer(
  configured: readonly TrustedIssuer[],
  embedded: { readonly issuerUrl: string; readonly keySource: KeySource },
): { issuers: readonly TrustedIssuer[]; keySources: Readonly<Record<string, KeySource>> } {
  const own = createEmbeddedTrustedIssuer(embedded.issuerUrl)
  const listed = configured.some((issuer) => issuer.issuer === embedded.issuerUrl)
  const issuers = listed
    ? configured.map((issuer) => issuer.issuer !== embedded.issuerUrl ? issuer : Object.freeze({
      ...own, algorithms: issuer.algorithms, maxLifetimeSeconds: issuer.maxLifetimeSeconds, clockSkewSeconds: issuer.clockSkewSeconds,
    }))
    : [...configured, own]
  return { issuers: Object.freeze(issuers), keySources: Object.freeze({ [embedded.issuerUrl]: embedded.keySource }) }
}
