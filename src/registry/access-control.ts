/**
 * One authentication and authorization layer for every route (DESIGN.md 1.5). A credential is the server
 * admin token, a Packyard API token, or an OIDC token; the last is verified for the addressed registry's
 * audience and then decided by that registry's policy. Refusals carry a code and a short message for the
 * caller; the detail (statement, rule, claims) goes only to the audit log.
 */
import { AppError, type AuthenticationCode, type AuthorizationCode } from '../errors.js'
import { rejectWith, thenMaybe, type MaybePromise } from '../lib/maybe-promise.js'
import type { TokenVerifier, VerifiedToken, VerifyResult } from '../oidc/verify-id-token.js'
import { evaluatePolicy } from '../policy/evaluate-policy.js'
import type { Decision as PolicyDecision } from '../policy/types.js'
import { createSecretMatcher, hashApiTokenSecret, looksLikeApiToken } from './api-token-secret.js'
import type { AuditMember, AuditRecord, AuditSink } from './audit-sink.js'
import type { PolicyBook } from './policy-book.js'
import type { MetadataStore } from './ports.js'
import type { ApiScope, ApiToken, Organization, Registry } from './records.js'

export type Principal =
  | { readonly kind: 'server_admin' }
  | { readonly kind: 'api_token'; readonly token: ApiToken }
  | {
      readonly kind: 'oidc'
      readonly token: VerifiedToken
      readonly registryId: string
      readonly statement: number
      readonly policyVersion: number
      readonly scopes: readonly ApiScope[]
    }
  | { readonly kind: 'anonymous' }

/** A refusal: 401, 403 or 503 by its code. */
export class AccessDenied extends AppError {
  constructor(
    code: AuthenticationCode | AuthorizationCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message)
  }
}

export interface AccessControlDeps {
  readonly store: MetadataStore
  readonly verifier: TokenVerifier
  readonly policies: PolicyBook
  readonly audit: AuditSink
  /** `{public_url}`, without a trailing slash: audiences are `{public_url}/{org}/{registry}`. */
  readonly publicUrl: string
  /** PACKYARD_ADMIN_TOKEN, when set. */
  readonly serverAdminToken?: string | undefined
}

export interface AccessControl {
  /** For organization-level routes: the admin token or an API token of the organization with `scope`. */
  authorizeOrganization(credential: string | undefined, org: Organization, scope: ApiScope): Promise<Principal>
  /**
   * For registry routes: also OIDC tokens for this registry, and anonymous reads of a public registry. The
   * principal at once when nothing had to be fetched (anonymous, admin, a reused OIDC token); refusals are
   * always rejections, never throws.
   */
  authorizeRegistry(credential: string | undefined, org: Organization, registry: Registry, scope: ApiScope): MaybePromise<Principal>
  /** For routes open to any authenticated caller: the server admin or any live API token. */
  authenticateAny(credential: string | undefined): Promise<Principal>
  /** For routes of the server admin only. */
  authorizeServerAdmin(credential: string | undefined): Principal
  /** The audience OIDC tokens for `registry` must carry. */
  audienceOf(org: Organization, registry: Registry): string
}

export function createAccessControl(deps: AccessControlDeps): AccessControl {
  const { audit } = deps
  const matchesAdmin = deps.serverAdminToken === undefined || deps.serverAdminToken === '' ? null : createSecretMatcher(deps.serverAdminToken)
  const isServerAdmin = (credential: string) => matchesAdmin !== null && matchesAdmin(credential)

  const authorizeApiToken = async (credential: string, org: Organization, registry: Registry | null, scope: ApiScope): Promise<Principal> => {
    const token = await deps.store.apiTokens.findByHash(hashApiTokenSecret(credential))
    const record = (outcome: 'accepted' | 'refused', code: string | null) => {
      const actor = token === undefined ? 'api_token:unknown' : `api_token:${token.id}`
      const event = { organizationId: org.id, registryId: registry?.id ?? null, type: 'auth.decision', outcome, code, actor, detail: { method: 'api_token', scope } }
      audit.record(event, [org.id, registry?.id, actor, scope, outcome, code].join('|'))
    }
    if (token === undefined || token.revokedAt !== null || token.organizationId !== org.id) {
      record('refused', 'api_token_invalid')
      throw new AccessDenied('api_token_invalid', 'the API token is not valid for this organization')
    }
    if (!token.scopes.includes(scope) && !token.scopes.includes('admin')) {
      record('refused', 'scope_missing')
      throw new AccessDenied('scope_missing', `the API token lacks the ${scope} scope`)
    }
    record('accepted', null)
    return { kind: 'api_token', token }
  }

  const audienceOf = (org: Organization, registry: Registry) => `${deps.publicUrl}/${org.slug}/${registry.slug}`

  /**
   * Decisions already reached for a reused token, by registry, policy version, statement and scope. The
   * caching verifier hands back the same VerifiedToken each time it recalls a token, so a client that sends
   * one token on every request gets its principal and audit event built once; the policy is still evaluated
   * every time, and a new policy version or another statement is another key. Tokens verified in full (sent
   * once, as most CI tokens are) get no entry: it would only outlive the request and burden the collector.
   * Held weakly: gone with the verifier's entry.
   */
  const decided = new WeakMap<VerifiedToken, OidcDecision[]>()

  const decideOidc = (token: VerifiedToken, reused: boolean, org: Organization, registry: Registry, scope: ApiScope, decision: PolicyDecision | null): OidcDecision => {
    const policyVersion = registry.policyVersion ?? 0
    const statement = decision?.statement ?? null
    const verdict = decision?.code ?? 'no_policy'
    const known = reused ? decided.get(token) : undefined
    // Compared field by field: building a key text per request cost as much as the rest of a reused token's decision.
    const match = known?.find((made) => made.registryId === registry.id && made.policyVersion === policyVersion && made.verdict === verdict && made.statement === statement && made.scope === scope)
    if (match !== undefined) return match
    const outcome = decideFor(token, registry, scope, decision)
    const who = describeToken(token)
    const code = outcome.refusal?.code ?? null
    const { coalesceKey, member } = coalescing(token, who, `${registry.id}|${scope}|${code ?? 'accepted'}|${String(statement)}|${String(policyVersion)}`)
    // Built field by field, not spread: this runs for every fresh token, and spreads cost microseconds here.
    const made: OidcDecision = {
      registryId: registry.id, policyVersion, verdict, statement, scope,
      outcome,
      event: {
        organizationId: org.id, registryId: registry.id, type: 'auth.decision', actor: who.actor,
        detail: auditDetailOf(token, who, scope, statement, registry.policyVersion),
        outcome: code === null ? 'accepted' : 'refused', code,
      },
      coalesceKey,
      member,
    }
    if (!reused) return made
    // A token lives minutes and speaks to a registry or two; the cap only stops a pathological caller.
    if (known === undefined) decided.set(token, [made])
    else if (known.length < DECISIONS_PER_TOKEN) known.push(made)
    return made
  }

  /** The policy's decision on a verified token. */
  const decideVerified = (result: VerifyResult, org: Organization, registry: Registry, scope: ApiScope): MaybePromise<Principal> => {
    if (!result.ok) {
      const actor = `oidc:${result.issuer ?? 'unknown'}`
      const event = { organizationId: org.id, registryId: registry.id, type: 'auth.decision', outcome: 'refused' as const, code: result.code, actor, detail: { method: 'oidc', scope, reason: result.message } }
      audit.record(event, [registry.id, actor, scope, result.code, result.message].join('|'))
      throw new AccessDenied(result.code, result.message, result.retryAfterSeconds)
    }
    return thenMaybe(deps.policies.load(registry), (policy) => {
      const decision = policy === null ? null : evaluatePolicy(policy, result.token.claims)
      const made = decideOidc(result.token, result.reused === true, org, registry, scope, decision)
      audit.record(made.event, made.coalesceKey, made.member)
      const { outcome } = made
      if (outcome.principal === null) throw new AccessDenied(outcome.refusal.code, outcome.refusal.message)
      return outcome.principal
    })
  }

  /**
   * A reused token whose registry's policy is compiled is decided without a promise: that is every request of
   * a client that keeps its token (twine, OCI clients), and each `await` layer costs about a microsecond.
   */
  const authorizeOidc = (credential: string, org: Organization, registry: Registry, scope: ApiScope): MaybePromise<Principal> =>
    thenMaybe(deps.verifier.verify(credential, audienceOf(org, registry)), (result) => decideVerified(result, org, registry, scope))

  return {
    audienceOf,
    authorizeServerAdmin(credential) {
      if (credential === undefined) throw new AccessDenied('token_missing', 'this route needs the server admin token')
      if (!isServerAdmin(credential)) throw new AccessDenied('api_token_invalid', 'this route needs the server admin token')
      return { kind: 'server_admin' }
    },
    async authenticateAny(credential) {
      if (credential === undefined) throw new AccessDenied('token_missing', 'an API token is required')
      if (isServerAdmin(credential)) return { kind: 'server_admin' }
      const token = looksLikeApiToken(credential) ? await deps.store.apiTokens.findByHash(hashApiTokenSecret(credential)) : undefined
      if (token === undefined || token.revokedAt !== null) throw new AccessDenied('api_token_invalid', 'the API token is not valid')
      return { kind: 'api_token', token }
    },
    async authorizeOrganization(credential, org, scope) {
      if (credential === undefined) throw new AccessDenied('token_missing', 'an API token is required')
      if (isServerAdmin(credential)) return { kind: 'server_admin' }
      if (!looksLikeApiToken(credential)) {
        throw new AccessDenied('scope_missing', 'OIDC tokens grant access to one registry\'s packages only; use an API token')
      }
      return authorizeApiToken(credential, org, null, scope)
    },
    authorizeRegistry(credential, org, registry, scope) {
      try {
        if (credential === undefined) {
          if (registry.public && scope === 'read_packages') return ANONYMOUS
          throw new AccessDenied('token_missing', 'a token is required: an OIDC token for this registry, or an API token')
        }
        if (isServerAdmin(credential)) return SERVER_ADMIN
        if (looksLikeApiToken(credential)) return authorizeApiToken(credential, org, registry, scope)
        return authorizeOidc(credential, org, registry, scope)
      } catch (error) {
        // Refusals are rejections, as from the async paths, whichever path refused.
        return rejectWith(error)
      }
    },
  }
}

const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' })
const SERVER_ADMIN: Principal = Object.freeze({ kind: 'server_admin' })

/** At most this many decisions are remembered per token (registries × policy versions × scopes). */
const DECISIONS_PER_TOKEN = 32

interface Refusal {
  readonly code: AuthorizationCode
  readonly message: string
}

type OidcOutcome = { readonly principal: Principal; readonly refusal: null } | { readonly principal: null; readonly refusal: Refusal }

/** An outcome with its audit event, built once per token, registry, policy version, statement and scope. */
interface OidcDecision {
  readonly registryId: string
  readonly policyVersion: number
  readonly verdict: string
  readonly statement: number | null
  readonly scope: ApiScope
  readonly outcome: OidcOutcome
  readonly event: AuditRecord
  readonly coalesceKey: string
  readonly member: AuditMember
}

/** What the registry's policy decided for a verified token and the scope wanted. */
function decideFor(token: VerifiedToken, registry: Registry, scope: ApiScope, decision: PolicyDecision | null): OidcOutcome {
  const refuse = (code: AuthorizationCode, message: string): OidcOutcome => ({ principal: null, refusal: { code, message } })
  if (decision === null || decision.code === 'policy_missing') return refuse('policy_missing', 'the registry has no OIDC policy')
  if (decision.statement === null) return refuse('policy_no_match', 'the token matches no statement of the registry\'s OIDC policy')
  if (!decision.scopes.some((granted) => granted === scope)) {
    return refuse('scope_missing', `the matching policy statement does not grant ${scope}`)
  }
  const principal: Principal = Object.freeze({
    kind: 'oidc', token, registryId: registry.id, statement: decision.statement, policyVersion: registry.policyVersion ?? 0, scopes: decision.scopes,
  })
  return { principal, refusal: null }
}

/** Who a token speaks for, for the audit log: issuer and subject, and `actor`, the two as one text. */
function describeToken(token: VerifiedToken): { iss: string; sub: string | null; actor: string } {
  const iss = typeof token.claims.iss === 'string' ? token.claims.iss : token.issuer.issuer
  const sub = typeof token.claims.sub === 'string' ? token.claims.sub : null
  return { iss, sub, actor: `oidc:${iss}|${sub ?? ''}` }
}

/**
 * How a decision joins others in the audit log (audit-sink.ts): one event per caller (issuer and subject) and
 * decision (`decision`: registry, scope, outcome, statement and policy version) counts its repeats and lists
 * the caller's tokens by `jti` or digest, whether a client reuses one token or requests one per request.
 * Issuer and subject are length-prefixed, so that no two callers' keys can be spelled alike.
 */
function coalescing(token: VerifiedToken, who: { iss: string; sub: string | null }, decision: string): { coalesceKey: string; member: AuditMember } {
  const caller = `${String(who.iss.length)}:${who.iss}|${who.sub === null ? '-' : `${String(who.sub.length)}:${who.sub}`}`
  const member: AuditMember = token.jti !== null
    ? { field: 'jti', listField: 'jtis', value: token.jti }
    : { field: 'token_digest', listField: 'token_digests', value: token.tokenDigest }
  return { coalesceKey: `${decision}|${caller}|${member.field}`, member }
}

/**
 * An OIDC decision's audit detail: issuer, subject, `jti` (or the token's digest), never the token. Two literal
 * shapes rather than spreads: this is built for every fresh token, and spreading a conditional object cost
 * more than the rest of the decision.
 */
function auditDetailOf(token: VerifiedToken, who: { iss: string; sub: string | null }, scope: ApiScope, statement: number | null, policyVersion: number | null): Record<string, unknown> {
  const { iss: issuer, sub: subject } = who
  return token.jti !== null
    ? { method: 'oidc', issuer, subject, jti: token.jti, scope, statement, policy_version: policyVersion }
    : { method: 'oidc', issuer, subject, token_digest: token.tokenDigest, scope, statement, policy_version: policyVersion }
}
