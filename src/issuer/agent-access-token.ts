/**
 * Agent access tokens: what a job's agent presents to the token API. 256 random bits behind a recognisable prefix
 * (for secret scanners), shown once; only the SHA-256 is stored, and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** Distinct from API tokens' `pky_`, so that an agent token is never mistaken for one. */
export const AGENT_TOKEN_PREFIX = 'pkyagent_'
/** 32 bytes: guessing is hopeless. */
const AGENT_TOKEN_BYTES = 32

export function generateAgentAccessToken(): string {
  return `${AGENT_TOKEN_PREFIX}${randomBytes(AGENT_TOKEN_BYTES).toString('base64url')}`
}

/** The stored form: SHA-256, hex. A database leak reveals no usable token. */
export function hashAgentAccessToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** True when `candidate` hashes to `storedHash`; the time taken does not depend on where they differ. */
export function matchesAgentAccessToken(candidate: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex')
  const actual = createHash('sha256').update(candidate, 'utf8').digest()
  return expected.length === actual.length && timingSafeEqual(actual, expected)
}
