/** Packyard API tokens: `pky_` and 256 random bits; only their SHA-256 is stored, and compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const API_TOKEN_PREFIX = 'pky_'
/** 32 bytes: guessing is hopeless, and the base64url form stays short enough to paste. */
const API_TOKEN_BYTES = 32

export function generateApiTokenSecret(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(API_TOKEN_BYTES).toString('base64url')}`
}

/** True for text shaped like a Packyard API token (as opposed to a JWT). */
export function looksLikeApiToken(credential: string): boolean {
  return credential.startsWith(API_TOKEN_PREFIX)
}

/** The stored form of a secret: SHA-256, hex. A database leak then reveals no usable token. */
export function hashApiTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/**
 * A test for one fixed secret that leaks nothing through timing about its content: candidates of the secret's
 * length are compared as SHA-256 digests (the secret's computed once), in constant time. Other lengths are
 * refused at once, which reveals only the length — no help to a guesser of a long random secret — and spares
 * hashing every kilobyte-long JWT that passes by the server-admin check.
 */
export function createSecretMatcher(secret: string): (candidate: string) => boolean {
  const expected = createHash('sha256').update(secret).digest()
  return (candidate) => candidate.length === secret.length && timingSafeEqual(createHash('sha256').update(candidate).digest(), expected)
}
