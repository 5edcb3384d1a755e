/**
 * Registry tokens minted by an OIDC token exchange (npm's trusted publishing, `POST /-/npm/v1/oidc/token/
 * exchange/package/<name>`): the client presents a CI job's ID token, and gets a short-lived secret bound to the
 * registry the token's audience names and to the scopes of the policy statement that accepted it. The secret
 * then acts as that OIDC token did: same identity, same provenance, same registry, same scopes, until it
 * expires or the registry's policy changes. Only its SHA-256 is stored.
 */
import { randomBytes } from 'node:crypto'
import { AppError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { isJsonObject, readOwn } from '../lib/is-json-object.js'
import type { TrustedIssuer } from '../oidc/trusted-issuer.js'
import type { TokenVerifier, VerifiedToken } from '../oidc/verify-id-token.js'
import { AccessDenied, type AccessControl, type Principal } from './access-control.js'
import { hashApiTokenSecret, looksLikeApiToken } from './api-token-secret.js'
import type { AuditSink } from './audit-sink.js'
import type { MetadataStore } from './ports.js'
import type { ApiScope, Organization, Registry, RegistryToken } from './records.js'

/** Distinct from API tokens (`pky_`), so secret scanners and our own code tell the two apart. */
export const REGISTRY_TOKEN_PREFIX = 'pkyx_'
/** 15 minutes, PyPI's choice: enough for one publish of a large package, short enough to be worthless when leaked. */
export const REGISTRY_TOKEN_LIFETIME_SECONDS = 900
/** 32 random bytes, as for API tokens. */
const REGISTRY_TOKEN_BYTES = 32

export interface MintedRegistryToken {
  readonly token: string
  readonly expiresAt: string
  readonly organization: Organization
  readonly registry: Registry
  readonly scopes: readonly ApiScope[]
}

export interface RegistryTokenService {
  /**
   * Exchanges an OIDC ID token for a registry token. The registry is the one the token's audience names
   * (`{public_url}/{org}/{registry}`); the token must then pass that registry's policy with `write_packages`.
   * @throws AccessDenied (401/403/503 codes of DESIGN.md 1.5), AppError `request_invalid`, `not_found`
   */
  exchange(credential: string, options: { ecosystem: string }): Promise<MintedRegistryToken>
  /** True for a credential shaped like a minted registry token. */
  recognizes(credential: string | undefined): boolean
  /** The principal of a minted token on `registry` for `scope`. @throws AccessDenied */
  authorize(credential: string, org: Organization, registry: Registry, scope: ApiScope): Promise<Principal>
}

export interface RegistryTokenDeps {
  readonly store: MetadataStore
  readonly access: AccessControl
  /** Checks the presented token before its audience is used to look a registry up. */
  readonly verifier: TokenVerifier
  readonly audit: AuditSink
  readonly clock: Clock
  /** `{public_url}` without a trailing slash. */
  readonly publicUrl: string
  /** The issuers trusted now: a token whose issuer has since been removed from the configuration stops working. */
  readonly issuers: readonly TrustedIssuer[]
}

export function createRegistryTokenService(deps: RegistryTokenDeps): RegistryTokenService {
  const { store, clock } = deps
  const recognizes = (credential: string | undefined) => credential?.startsWith(REGISTRY_TOKEN_PREFIX) === true

  const refuse = (token: RegistryToken | undefined, org: Organization, registry: Registry, scope: ApiScope, code: ConstructorParameters<typeof AccessDenied>[0], message: string) => {
    const actor = token === undefined ? 'registry_token:unknown' : `registry_token:${token.id}`
    deps.audit.record(
      { organizationId: org.id, registryId: registry.id, type: 'auth.decision', outcome: 'refused', code, actor, detail: { method: 'registry_token', scope } },
      [registry.id, actor, scope, code].join('|'),
    )
    return new AccessDenied(code, message)
  }

  return {
    recognizes,
    async exchange(credential, options) {
      if (looksLikeApiToken(credential) || recognizes(credential)) {
        throw new AppError('request_invalid', 'the token exchange takes an OIDC ID token from your CI provider, not a Packyard token')
      }
      const { org, registry } = await findAudienceRegistry(store, deps.publicUrl, credential, deps.verifier)
      if (registry.ecosystem !== options.ecosystem) {
        throw new AppError('request_invalid', `${org.slug}/${registry.slug} is a ${registry.ecosystem} registry, not ${options.ecosystem}`)
      }
      const principal = await deps.access.authorizeRegistry(credential, org, registry, 'write_packages')
      if (principal.kind !== 'oidc') throw new AppError('request_invalid', 'the token exchange takes an OIDC ID token from your CI provider')
      return mint(deps, org, registry, principal)
    },
    async authorize(credential, org, registry, scope) {
      const token = await store.registryTokens.findByHash(hashApiTokenSecret(credential))
      if (token === undefined) throw refuse(token, org, registry, scope, 'api_token_invalid', 'the registry token is not valid')
      if (Date.parse(token.expiresAt) <= clock.nowMs()) throw refuse(token, org, registry, scope, 'token_expired', 'the registry token has expired; exchange a new OIDC token')
      if (token.registryId !== registry.id) throw refuse(token, org, registry, scope, 'audience_mismatch', 'the registry token was minted for another registry')
      const grant = readGrant(token.grant)
      if (grant === null || grant.policyVersion !== (registry.policyVersion ?? 0)) {
        throw refuse(token, org, registry, scope, 'token_expired', 'the registry\'s OIDC policy changed since this token was minted; exchange a new OIDC token')
      }
      const issuer = deps.issuers.find((candidate) => candidate.name === grant.issuerName)
      if (issuer === undefined) throw refuse(token, org, registry, scope, 'issuer_not_trusted', 'the issuer of the exchanged OIDC token is no longer trusted')
      if (!token.scopes.includes(scope)) throw refuse(token, org, registry, scope, 'scope_missing', `the registry token does not grant ${scope}`)
      const actor = `registry_token:${token.id}`
      deps.audit.record(
        { organizationId: org.id, registryId: registry.id, type: 'auth.decision', outcome: 'accepted', code: null, actor, detail: { method: 'registry_token', scope } },
        [registry.id, actor, scope, 'accepted'].join('|'),
      )
      const verified: VerifiedToken = Object.freeze({
        issuer, claims: grant.claims, algorithm: grant.algorithm, keyId: grant.keyId, jti: grant.jti, tokenDigest: grant.tokenDigest,
      })
      return { kind: 'oidc', token: verified, registryId: registry.id, statement: grant.statement, policyVersion: grant.policyVersion, scopes: token.scopes }
    },
  }
}

/** `access` that also accepts minted registry tokens wherever a registry's packages are authorized. */
export function withRegistryTokens(access: AccessControl, tokens: RegistryTokenService): AccessControl {
  return Object.freeze({
    ...access,
    authorizeRegistry: (credential: string | undefined, org: Organization, registry: Registry, scope: ApiScope) =>
      credential !== undefined && tokens.recognizes(credential) ? tokens.authorize(credential, org, registry, scope) : access.authorizeRegistry(credential, org, registry, scope),
  })
}

async function mint(deps: RegistryTokenDeps, org: Organization, registry: Registry, principal: Extract<Principal, { kind: 'oidc' }>): Promise<MintedRegistryToken> {
  const secret = `${REGISTRY_TOKEN_PREFIX}${randomBytes(REGISTRY_TOKEN_BYTES).toString('base64url')}`
  const nowMs = deps.clock.nowMs()
  const expiresAt = new Date(nowMs + REGISTRY_TOKEN_LIFETIME_SECONDS * 1000).toISOString()
  const { token } = principal
  const grant = {
    issuer_name: token.issuer.name, claims: token.claims, algorithm: token.algorithm, key_id: token.keyId, jti: token.jti,
    token_digest: token.tokenDigest, statement: principal.statement, policy_version: principal.policyVersion,
  }
  const created = await deps.store.transaction(async (tx) => {
    await tx.registryTokens.deleteExpired(new Date(nowMs).toISOString())
    const record = await tx.registryTokens.create({
      organizationId: org.id, registryId: registry.id, scopes: principal.scopes, tokenHash: hashApiTokenSecret(secret), grant, expiresAt,
    })
    const sub = typeof token.claims.sub === 'string' ? token.claims.sub : null
    await tx.audit.append({
      organizationId: org.id, registryId: registry.id, type: 'registry_token.minted', outcome: 'done', code: null,
      actor: `oidc:${String(token.claims.iss)}|${sub ?? ''}`,
      detail: { token_id: record.id, scopes: principal.scopes, statement: principal.statement, policy_version: principal.policyVersion, expires_at: expiresAt, ...(token.jti === null ? {} : { jti: token.jti }) },
    })
    return record
  })
  return Object.freeze({ token: secret, expiresAt: created.expiresAt, organization: org, registry, scopes: principal.scopes })
}

/**
 * The registry a token's audience names. The token is not verified here (that is the policy's job, for the
 * audience found): this only decides which registry to verify it for.
 */
async function findAudienceRegistry(store: MetadataStore, publicUrl: string, credential: string, verifier: TokenVerifier): Promise<{ org: Organization; registry: Registry }> {
  const audience = readUnverifiedAudience(credential)
  const expected = `request the ID token with the audience ${publicUrl}/{org}/{registry} of the registry to publish to`
  if (audience === null) throw new AccessDenied('audience_mismatch', `the token names no single audience; ${expected}`)
  // Verified (for the audience it names) before any lookup: a forged token must not learn which registries exist.
  const verified = await verifier.verify(credential, audience)
  if (!verified.ok) throw new AccessDenied(verified.code, verified.message, verified.retryAfterSeconds)
  const prefix = `${publicUrl}/`
  const slugs = audience.startsWith(prefix) ? audience.slice(prefix.length).split('/') : []
  const [orgSlug, registrySlug] = slugs
  if (slugs.length !== 2 || orgSlug === undefined || registrySlug === undefined || orgSlug === '' || registrySlug === '') {
    throw new AccessDenied('audience_mismatch', `the token's audience ${audience.slice(0, 200)} is not a registry of this server; ${expected}`)
  }
  const org = await store.organizations.findBySlug(orgSlug)
  const registry = org === undefined ? undefined : await store.registries.findBySlug(org.id, registrySlug)
  if (org === undefined || registry === undefined) throw new AppError('not_found', `the token's audience names the registry ${orgSlug}/${registrySlug}, which does not exist`)
  return { org, registry }
}

/** The `aud` of a compact JWT (a string, or an array of exactly one string), without verifying it; else null. */
export function readUnverifiedAudience(jwt: string): string | null {
  const parts = jwt.split('.')
  if (parts.length !== 3 || parts[1] === undefined) return null
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!isJsonObject(payload)) return null
  const aud = readOwn(payload, 'aud')
  if (typeof aud === 'string') return aud
  if (Array.isArray(aud) && aud.length === 1 && typeof aud[0] === 'string') return aud[0]
  return null
}

interface Grant {
  readonly issuerName: string
  readonly claims: Readonly<Record<string, unknown>>
  readonly algorithm: string
  readonly keyId: string | null
  readonly jti: string | null
  readonly tokenDigest: string
  readonly statement: number
  readonly policyVersion: number
}

function readGrant(grant: Readonly<Record<string, unknown>>): Grant | null {
  const { issuer_name: issuerName, claims, algorithm, key_id: keyId, jti, token_digest: tokenDigest, statement, policy_version: policyVersion } = grant
  if (typeof issuerName !== 'string' || !isJsonObject(claims) || typeof algorithm !== 'string' || typeof tokenDigest !== 'string') return null
  if (typeof statement !== 'number' || typeof policyVersion !== 'number') return null
  const optional = (value: unknown) => (typeof value === 'string' ? value : null)
  return { issuerName, claims: Object.freeze(claims), algorithm, keyId: optional(keyId), jti: optional(jti), tokenDigest, statement, policyVersion }
}
