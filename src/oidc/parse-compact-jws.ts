/**
 * Splits and decodes a compact JWS (RFC 7515 §7.1) strictly, before any key or network is involved: size,
 * charset, canonical base64url, JSON objects, and the header parameters Packyard refuses (DESIGN.md 1.4).
 * The signature itself is checked later, against the issuer's key.
 */
import { isUtf8 } from 'node:buffer'
import type { AuthenticationCode } from '../errors.js'
import { isForbiddenAlgorithm } from './algorithm-spec.js'
import { isJsonObject, readOwn } from '../lib/is-json-object.js'
import { MAX_REMEMBERED_HEADERS, MAX_TOKEN_BYTES } from './verification-limits.js'

export interface ParsedJws {
  readonly header: Readonly<Record<string, unknown>>
  readonly alg: string
  readonly kid: string | null
  readonly payload: Record<string, unknown>
  /** The ASCII bytes `BASE64URL(header) || '.' || BASE64URL(payload)` the signature covers (RFC 7515 §5.2 step 8). */
  readonly signingInput: Buffer
  readonly signature: Buffer
}

export type ParseFailure = {
  readonly ok: false
  readonly code: Extract<AuthenticationCode, 'token_too_large' | 'token_malformed' | 'algorithm_not_allowed'>
  readonly message: string
}
export type ParseResult = { readonly ok: true; readonly jws: ParsedJws } | ParseFailure

/** `cty` values announcing a nested JWT (RFC 7519 §5.2), compared as RFC 7515 §4.1.10 says: case-insensitive. */
const NESTED_JWT_CTY = new Set(['jwt', 'application/jwt'])
/** Header parameters that make the token something other than a plain JWS: JWE (`enc`, `zip`) or RFC 7797 `b64`. */
const REFUSED_PARAMETERS = ['crit', 'b64', 'enc', 'zip']

/** Parses compact JWS; one per verifier, because it remembers recently seen headers. */
export interface JwsParser {
  /**
   * Parses `token`. Failures: `token_too_large` (over MAX_TOKEN_BYTES), `token_malformed` (not a strict
   * compact JWS, header or payload not a UTF-8 JSON object, JWE, nested JWT, `crit`, `b64`, non-string `kid`),
   * and `algorithm_not_allowed` for `none` or HMAC, which no configuration can allow. Never throws.
   */
  parse(token: string): ParseResult
}

/**
 * Creates a parser. An issuer's tokens share a handful of headers (one per signing key), so the checked
 * header of a segment seen before is reused instead of decoded again; only headers that passed every check
 * are remembered, at most MAX_REMEMBERED_HEADERS of them.
 */
export function createJwsParser(): JwsParser {
  const headers = new Map<string, HeaderCheck & { ok: true }>()
  function checkHeaderSegment(segment: string): HeaderCheck {
    const remembered = headers.get(segment)
    if (remembered !== undefined) return remembered
    const bytes = decodeStrictBase64url(segment)
    if (bytes === null) return fail('token_malformed', NOT_BASE64URL)
    const header = parseJsonObject(bytes)
    if (header === null) return fail('token_malformed', 'the JWS header is not a UTF-8 JSON object')
    const checked = checkHeader(Object.freeze(header))
    if (!checked.ok) return checked
    if (headers.size >= MAX_REMEMBERED_HEADERS) headers.clear()
    headers.set(segment, checked)
    return checked
  }
  return {
    parse(token) {
      if (token.length > MAX_TOKEN_BYTES) return fail('token_too_large', `the token is longer than ${String(MAX_TOKEN_BYTES)} bytes`)
      const firstDot = token.indexOf('.')
      const secondDot = token.indexOf('.', firstDot + 1)
      if (firstDot <= 0 || secondDot <= firstDot + 1 || token.includes('.', secondDot + 1)) return fail('token_malformed', describeShape(token))
      // RFC 7515 §2: base64url without padding; `+` and `/` (which Node's decoder would take) are standard base64.
      if (token.includes('+') || token.includes('/') || token.includes('=')) return fail('token_malformed', NOT_BASE64URL)
      const bytes = Buffer.from(token, 'utf8')
      // Non-ASCII characters encode to more than one byte; Node's decoder would alias some of them to letters.
      if (bytes.length !== token.length) return fail('token_malformed', NOT_BASE64URL)
      const checked = checkHeaderSegment(token.slice(0, firstDot))
      if (!checked.ok) return checked
      const payloadBytes = decodeStrictBase64url(token.slice(firstDot + 1, secondDot))
      const signature = decodeStrictBase64url(token.slice(secondDot + 1))
      if (payloadBytes === null || signature === null) return fail('token_malformed', NOT_BASE64URL)
      const payload = parseJsonObject(payloadBytes)
      if (payload === null) return fail('token_malformed', 'the JWT claims set is not a UTF-8 JSON object')
      const jws: ParsedJws = { header: checked.header, alg: checked.alg, kid: checked.kid, payload, signingInput: bytes.subarray(0, secondDot), signature }
      return { ok: true, jws }
    },
  }
}

/** Parses `token` with a fresh parser (no remembered headers); see JwsParser.parse. */
export function parseCompactJws(token: string): ParseResult {
  return createJwsParser().parse(token)
}

type HeaderCheck =
  | { readonly ok: true; readonly header: Readonly<Record<string, unknown>>; readonly alg: string; readonly kid: string | null }
  | ParseFailure

function checkHeader(header: Readonly<Record<string, unknown>>): HeaderCheck {
  const alg = readOwn(header, 'alg')
  if (typeof alg !== 'string') return fail('token_malformed', 'the JWS header has no string alg')
  if (isForbiddenAlgorithm(alg)) return fail('algorithm_not_allowed', 'unsigned and HMAC tokens are never accepted')
  const refused = REFUSED_PARAMETERS.find((name) => Object.hasOwn(header, name))
  if (refused !== undefined) return fail('token_malformed', `the JWS header parameter ${refused} is not accepted`)
  const cty = readOwn(header, 'cty')
  if (typeof cty === 'string' && NESTED_JWT_CTY.has(cty.toLowerCase())) return fail('token_malformed', 'nested JWTs are not accepted')
  const kid = readOwn(header, 'kid')
  if (kid !== undefined && typeof kid !== 'string') return fail('token_malformed', 'the JWS header kid is not a string')
  return { ok: true, header, alg, kid: kid ?? null }
}

/**
 * The bytes of `segment` when it is strict, canonical base64url (RFC 7515 §2, RFC 4648 §5), else null. The
 * caller has excluded `+`, `/`, `=` and non-ASCII characters; Node's decoder skips any other character outside
 * the alphabet (whitespace, controls, `*`...), so such a character shows as a shorter result. The unused bits
 * of the last character must be zero: Node ignores them, so without this check one token would have several
 * spellings (catalog A9, C5). The equivalence with a strict regular expression is property-tested.
 */
export function decodeStrictBase64url(segment: string): Buffer | null {
  const rest = segment.length % 4
  if (rest === 1) return null
  if (rest !== 0 && (readBase64urlValue(segment.charCodeAt(segment.length - 1)) & (rest === 2 ? 0x0f : 0x03)) !== 0) return null
  const bytes = Buffer.from(segment, 'base64url')
  return bytes.length === (segment.length * 3) >> 2 ? bytes : null
}

/** The 6-bit value of a base64url character (RFC 4648 §5); anything else maps to -1 (never canonical). */
function readBase64urlValue(code: number): number {
  if (code >= 97 && code <= 122) return code - 71 // a-z: 26..51
  if (code >= 65 && code <= 90) return code - 65 // A-Z: 0..25
  if (code >= 48 && code <= 57) return code + 4 // 0-9: 52..61
  if (code === 45) return 62 // '-'
  return code === 95 ? 63 : -1 // '_'
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> | null {
  // RFC 8725 §3.7: only UTF-8; Buffer#toString would silently replace invalid sequences.
  if (!isUtf8(bytes)) return null
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'))
    return isJsonObject(value) ? value : null
  } catch {
    return null
  }
}

const NOT_BASE64URL = 'the token is not strict base64url (whitespace, padding, +/ or other characters)'

function describeShape(token: string): string {
  if (token.length === 0) return 'the token is empty'
  const parts = token.split('.').length
  if (parts === 5) return 'encrypted tokens (JWE) are not accepted'
  if (parts !== 3) return `a compact JWS has 3 segments, this token has ${String(parts)}`
  return 'a compact JWS has a non-empty header and payload'
}

function fail(code: ParseFailure['code'], message: string): ParseFailure {
  return { ok: false, code, message }
}
