/**
 * The claim checks of DESIGN.md 1.4, run after the signature (RFC 7519 §7.2; OIDC Core §3.1.3.7 steps 3, 9,
 * 10). jose leaves `exp`/`iat` optional, accepts `Infinity`, a future `iat` and an `aud` array with other
 * members (catalog §0 items 1-4); these checks close those gaps.
 */
import type { AuthenticationCode } from '../errors.js'

export interface ClaimRules {
  /** The registry's audience, compared exactly (RFC 7519 §4.1.3: no normalization). */
  readonly audience: string
  /** Our clock, in seconds since the epoch (may be fractional). */
  readonly nowSeconds: number
  readonly clockSkewSeconds: number
  readonly maxLifetimeSeconds: number
}

export type ClaimFailure = {
  readonly code: Extract<AuthenticationCode,
    'claim_invalid' | 'audience_mismatch' | 'token_expired' | 'token_not_yet_valid' | 'token_issued_in_future' | 'token_lifetime_exceeded'>
  readonly message: string
}

/**
 * The first failed check, or null when `claims` pass. Order: types (`claim_invalid`), audience
 * (`audience_mismatch`), `exp` (`token_expired`), `nbf` (`token_not_yet_valid`), `iat`
 * (`token_issued_in_future`), lifetime (`token_lifetime_exceeded`).
 */
export function validateClaims(claims: Readonly<Record<string, unknown>>, rules: ClaimRules): ClaimFailure | null {
  // Registered names are read directly: JSON.parse makes own members, and Object.prototype has none of these.
  const { exp, iat, nbf } = claims
  if (!isNumericDate(exp)) return fail('claim_invalid', 'exp must be a finite number')
  if (!isNumericDate(iat)) return fail('claim_invalid', 'iat must be a finite number')
  if (nbf !== undefined && !isNumericDate(nbf)) return fail('claim_invalid', 'nbf must be a finite number')
  const typeProblem = checkStringClaims(claims)
  if (typeProblem !== null) return typeProblem
  if (!isExactAudience(claims.aud, rules.audience)) return fail('audience_mismatch', 'the token is for another audience')
  const { nowSeconds, clockSkewSeconds: skew } = rules
  // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after `exp` (jose's `exp <= now - tolerance`).
  if (exp <= nowSeconds - skew) return fail('token_expired', 'the token has expired')
  if (nbf !== undefined && nbf > nowSeconds + skew) return fail('token_not_yet_valid', 'the token is not valid yet (nbf)')
  if (iat > nowSeconds + skew) return fail('token_issued_in_future', 'the token was issued in the future (iat)')
  if (exp - iat > rules.maxLifetimeSeconds) {
    return fail('token_lifetime_exceeded', `the token lives longer than ${String(rules.maxLifetimeSeconds)} seconds (exp - iat)`)
  }
  return null
}

/** RFC 7519 §2 NumericDate, finite: `1e400` parses to Infinity (catalog D9), which would never expire. */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** `sub` and `jti` are StringOrURI / string when present (RFC 7519 §4.1.2, §4.1.7); the policy compares them by type. */
function checkStringClaims(claims: Readonly<Record<string, unknown>>): ClaimFailure | null {
  const { sub, jti } = claims
  if (sub !== undefined && typeof sub !== 'string') return fail('claim_invalid', 'sub must be a string')
  if (jti !== undefined && typeof jti !== 'string') return fail('claim_invalid', 'jti must be a string')
  return null
}

/** `aud` is our audience, or an array of exactly that one string (OIDC Core §3.1.3.7 step 3; catalog E4, E5). */
function isExactAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience
  return Array.isArray(aud) && aud.length === 1 && aud[0] === audience
}

function fail(code: ClaimFailure['code'], message: string): ClaimFailure {
  return { code, message }
}
