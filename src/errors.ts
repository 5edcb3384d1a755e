/**
 * The one list of stable error codes and the one code → HTTP status table.
 *
 * Codes are part of the contract (DESIGN.md 1.5): clients and scripts match on them, so a code is never
 * renamed or reused once published. The domain raises codes; only the HTTP edge turns them into statuses.
 */

/** Authentication failures (401) and the issuer outage (503), in the order of DESIGN.md 1.5. */
export const AUTHENTICATION_CODES = [
  'token_missing',
  'token_malformed',
  'token_too_large',
  'issuer_not_trusted',
  'algorithm_not_allowed',
  'key_not_found',
  'signature_invalid',
  'token_expired',
  'token_not_yet_valid',
  'token_issued_in_future',
  'token_lifetime_exceeded',
  'claim_invalid',
  'audience_mismatch',
  'api_token_invalid',
  'issuer_unavailable',
] as const

/**
 * Authorization failures (403). The last two are the embedded issuer's: an agent access token that may not claim
 * the job (wrong, revoked or expired), and an organization's API token acting for another organization.
 */
export const AUTHORIZATION_CODES = ['policy_missing', 'policy_no_match', 'scope_missing', 'job_forbidden', 'organization_mismatch'] as const

/** Everything else a caller may see. */
export const OTHER_CODES = [
  'policy_invalid',
  'request_invalid',
  'request_unprocessable',
  'config_invalid',
  'not_found',
  'conflict',
  'payload_too_large',
  'storage_full',
  'internal_error',
] as const

export type AuthenticationCode = (typeof AUTHENTICATION_CODES)[number]
export type AuthorizationCode = (typeof AUTHORIZATION_CODES)[number]
export type ErrorCode = AuthenticationCode | AuthorizationCode | (typeof OTHER_CODES)[number]

/** The HTTP status of every code; the only place statuses are chosen. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  token_missing: 401,
  token_malformed: 401,
  token_too_large: 401,
  issuer_not_trusted: 401,
  algorithm_not_allowed: 401,
  key_not_found: 401,
  signature_invalid: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_issued_in_future: 401,
  token_lifetime_exceeded: 401,
  claim_invalid: 401,
  audience_mismatch: 401,
  api_token_invalid: 401,
  issuer_unavailable: 503,
  policy_missing: 403,
  policy_no_match: 403,
  scope_missing: 403,
  job_forbidden: 403,
  organization_mismatch: 403,
  policy_invalid: 422,
  request_invalid: 400,
  request_unprocessable: 422,
  config_invalid: 500,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  storage_full: 507,
  internal_error: 500,
})

/**
 * A fault or a refusal with a stable code. `message` is safe to show to the caller: it never holds a token,
 * a secret or the detail of a policy decision.
 */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** True when `value` is an AppError, whichever copy of this module created it. */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError
}

/** The HTTP status for a code. */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_BY_CODE[code]
}
