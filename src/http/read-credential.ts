/**
 * The credential of a request, in every form clients send it (DESIGN.md 1.5): `Bearer T`, `Token T`, or HTTP
 * Basic with any username and the password `T` (pip, twine, gem and apt put tokens there).
 */
import { AccessDenied } from '../registry/access-control.js'

/** Past this, a header is not a credential but an attack on our parser; the JWT cap is 16 KiB. */
const MAX_AUTHORIZATION_LENGTH = 24 * 1024

/** The credential, or undefined when there is none. @throws AccessDenied `token_malformed`, `token_too_large` */
export function readCredential(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.trim() === '') return undefined
  if (authorization.length > MAX_AUTHORIZATION_LENGTH) throw new AccessDenied('token_too_large', 'the Authorization header is too large')
  const space = authorization.indexOf(' ')
  const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase()
  const value = space === -1 ? '' : authorization.slice(space + 1).trim()
  if (value === '') throw new AccessDenied('token_malformed', 'the Authorization header has no credential')
  if (scheme === 'bearer' || scheme === 'token') return value
  if (scheme === 'basic') return readBasicPassword(value)
  throw new AccessDenied('token_malformed', 'the Authorization scheme must be Bearer, Token or Basic')
}

function readBasicPassword(encoded: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new AccessDenied('token_malformed', 'the Basic credential is not base64')
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const password = colon === -1 ? '' : decoded.slice(colon + 1)
  if (password === '') throw new AccessDenied('token_malformed', 'the Basic credential has no password; put the token there')
  return password
}
