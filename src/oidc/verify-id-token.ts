/**
 * Token verification (DESIGN.md 1.4): a compact JWS from a trusted CI issuer, signed by one of its keys, for
 * this registry's audience, within its time bounds. The result feeds the policy (DESIGN.md 1.3).
 *
 * Order, each step before any costlier one: size and shape, header, payload, issuer (from the unverified
 * `iss`, before any network I/O), algorithm (before any key lookup), keys, signature, claims.
 */
import type { AuthenticationCode } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import { thenMaybe, type MaybePromise } from '../lib/maybe-promise.js'
import { findAlgorithmSpec, type AlgorithmSpec } from './algorithm-spec.js'
import type { VerificationKey } from './import-verification-key.js'
import { createIssuerRoutes, type IssuerRoute, type IssuerRoutes, type IssuerRoutesDeps } from './issuer-routes.js'
import type { KeyLookup } from './key-source.js'
import { createJwsParser, type JwsParser, type ParsedJws } from './parse-compact-jws.js'
import { createVerifiedToken, type VerifiedToken } from './verified-token.js'
import { validateClaims } from './validate-claims.js'
import { MAX_KEY_CANDIDATES } from './verification-limits.js'
import { isKeySuitable, verifyJwsSignature } from './verify-jws-signature.js'

export type { VerifiedToken } from './verified-token.js'

/** A refusal is a value; `message` is safe for the caller (no token, no claim values). */
export type VerifyResult =
  | {
      ok: true
      token: VerifiedToken
      /**
       * True when a cache holds the token: its next use returns this same VerifiedToken, so per-token memos
       * may be hung on it (access-control.ts). Absent for a token verified in full.
       */
      reused?: true
    }
  | { ok: false; code: AuthenticationCode; message: string; issuer?: string; retryAfterSeconds?: number }

export interface TokenVerifier {
  /**
   * Verifies `token` for `audience` (`{public_url}/{org}/{registry}`). Never throws, never rejects. The result
   * itself when no I/O was needed (keys cached), a promise of it otherwise.
   */
  verify(token: string, audience: string): MaybePromise<VerifyResult>
}

/** Everything the verifier needs; only `issuers` and `clock` are required. */
export type TokenVerifierDeps = IssuerRoutesDeps

/**
 * Creates a verifier over the configured issuers. Keys are fetched lazily, per concrete issuer, through the
 * guarded fetch (or `deps.fetchJson`), unless `deps.keySources` holds a source for the issuer.
 *
 * Failure codes: `token_malformed`, `token_too_large`, `issuer_not_trusted`, `algorithm_not_allowed`,
 * `key_not_found`, `signature_invalid`, `claim_invalid`, `audience_mismatch`, `token_expired`,
 * `token_not_yet_valid`, `token_issued_in_future`, `token_lifetime_exceeded`, and `issuer_unavailable` (with
 * `retryAfterSeconds`) when the issuer's keys cannot be fetched and none are cached.
 * @throws AppError `config_invalid` at creation when a key source names an unconfigured issuer.
 */
export function createTokenVerifier(deps: TokenVerifierDeps): TokenVerifier {
  const routes = createIssuerRoutes(deps)
  const parser = createJwsParser()
  const { clock } = deps
  return {
    verify(token, audience) {
      // Not `async`: with cached keys the whole check runs synchronously and costs no promise.
      try {
        const outcome = startVerification(token, audience, { routes, parser, clock })
        return outcome instanceof Promise ? outcome.catch(reportFault) : outcome
      } catch {
        return reportFault()
      }
    },
  }
}

/** What the steps after the issuer lookup share; one object per verification. */
interface Verification {
  readonly token: string
  readonly audience: string
  readonly jws: ParsedJws
  readonly iss: string
  readonly route: IssuerRoute
  readonly spec: AlgorithmSpec
  readonly clock: Clock
}

type Outcome = MaybePromise<VerifyResult>

interface VerifierParts {
  readonly routes: IssuerRoutes
  readonly parser: JwsParser
  readonly clock: Clock
}

function startVerification(token: string, audience: string, { routes, parser, clock }: VerifierParts): Outcome {
  if (typeof token !== 'string') return refuse('token_malformed', 'the token is not a string')
  const parsed = parser.parse(token)
  if (!parsed.ok) return refuse(parsed.code, parsed.message)
  const { jws } = parsed
  // Registered claim names are read directly: JSON.parse makes own members, and Object.prototype has none of them.
  const { iss } = jws.payload
  if (iss === undefined) return refuse('issuer_not_trusted', 'the token has no iss')
  if (typeof iss !== 'string') return refuse('claim_invalid', 'iss must be a string')
  // Decided on the unverified `iss`, before any network I/O: an untrusted issuer is never fetched (catalog E9).
  const route = routes.find(iss)
  if (route === null) return refuse('issuer_not_trusted', 'the token issuer is not configured')
  // Before any key lookup (RFC 8725 §3.1): the header's alg must be one the issuer is configured with.
  const spec = findAlgorithmSpec(jws.alg)
  if (spec === null || !route.algorithms.has(jws.alg)) {
    return refuse('algorithm_not_allowed', `${route.issuer.name} tokens may not use this alg`, iss)
  }
  if (jws.signature.length === 0) return refuse('signature_invalid', 'the token has no signature', iss)
  const verification: Verification = { token, audience, jws, iss, route, spec, clock }
  const lookup = route.keySource.getKeys(iss)
  return thenMaybe(lookup, (keys) => continueWithKeys(verification, keys))
}

/**
 * Tries the keys matching `kid` (string equality, RFC 7515 §4.1.4), or every key when the token has none,
 * that suit the algorithm. When none match, one refetch (key rotation, catalog G1), within the cooldown.
 */
function continueWithKeys(verification: Verification, lookup: KeyLookup): Outcome {
  if (!lookup.ok) return unavailable(lookup, verification.iss)
  const candidates = selectCandidates(lookup.keys, verification)
  if (candidates.length > 0) return finishVerification(verification, candidates)
  const refreshed = verification.route.keySource.refreshKeys(verification.iss)
  if (refreshed === null) return refuse('key_not_found', 'no key of the issuer matches the token', verification.iss)
  return refreshed.then((relookup) => {
    if (!relookup.ok) return unavailable(relookup, verification.iss)
    const retried = selectCandidates(relookup.keys, verification)
    if (retried.length === 0) return refuse('key_not_found', 'no key of the issuer matches the token', verification.iss)
    return finishVerification(verification, retried)
  })
}

function finishVerification(verification: Verification, candidates: readonly VerificationKey[]): VerifyResult {
  const { jws, iss, route, spec } = verification
  // Several candidates (no kid, or a kid shared by keys) are each tried, up to a bound (catalog B8).
  if (candidates.length > MAX_KEY_CANDIDATES) return refuse('key_not_found', 'too many keys match the token (no kid?)', iss)
  if (!verifyWithAny(candidates, spec, jws)) return refuse('signature_invalid', 'the signature does not verify', iss)
  const { issuer } = route
  const rules = {
    audience: verification.audience, nowSeconds: verification.clock.nowMs() / 1000,
    clockSkewSeconds: issuer.clockSkewSeconds, maxLifetimeSeconds: issuer.maxLifetimeSeconds,
  }
  const failure = validateClaims(jws.payload, rules)
  if (failure !== null) return refuse(failure.code, failure.message, iss)
  const { jti } = jws.payload
  const fields = { issuer, claims: Object.freeze(jws.payload), algorithm: jws.alg, keyId: jws.kid, jti: typeof jti === 'string' ? jti : null }
  return { ok: true, token: createVerifiedToken(fields, verification.token) }
}

function verifyWithAny(candidates: readonly VerificationKey[], spec: AlgorithmSpec, jws: ParsedJws): boolean {
  for (const key of candidates) {
    if (verifyJwsSignature(spec, key, jws.signingInput, jws.signature)) return true
  }
  return false
}

function selectCandidates(keys: readonly VerificationKey[], { jws, spec }: Verification): VerificationKey[] {
  const candidates: VerificationKey[] = []
  for (const key of keys) {
    if ((jws.kid === null || key.kid === jws.kid) && isKeySuitable(key, spec)) candidates.push(key)
  }
  return candidates
}

/** Every expected refusal is a value; reaching this is our fault, and still never a 500 nor a leaked detail. */
function reportFault(): VerifyResult {
  return { ok: false, code: 'token_malformed', message: 'the token could not be verified' }
}

function unavailable(lookup: KeyLookup & { ok: false }, iss: string): VerifyResult {
  return { ok: false, code: 'issuer_unavailable', message: lookup.message, issuer: iss, retryAfterSeconds: lookup.retryAfterSeconds }
}

function refuse(code: AuthenticationCode, message: string, issuer?: string): VerifyResult {
  return issuer === undefined ? { ok: false, code, message } : { ok: false, code, message, issuer }
}
