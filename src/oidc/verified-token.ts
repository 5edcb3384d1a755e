/** The result of a successful verification, and how it is built. */
import { hash } from 'node:crypto'
import type { TrustedIssuer } from './trusted-issuer.js'

/** A token that passed every check of DESIGN.md 1.4. */
export interface VerifiedToken {
  readonly issuer: TrustedIssuer
  /** The claims set, frozen; `iss` is the concrete issuer (for a pattern issuer, the token's own). */
  readonly claims: Readonly<Record<string, unknown>>
  readonly algorithm: string
  readonly keyId: string | null
  /** The `jti` claim: with `iss`, the replay and audit key (catalog F8). */
  readonly jti: string | null
  /** SHA-256 of the token, hex: for the audit log when there is no `jti` (never log the token itself). */
  readonly tokenDigest: string
}

type Fields = Omit<VerifiedToken, 'tokenDigest'>

/**
 * A frozen VerifiedToken whose digest is computed on first read: most audit records use `jti` and never need
 * it, and at about 1.5 µs it is a tenth of the verifier's own cost. The token is held in a private field,
 * which neither `util.inspect` nor `JSON.stringify` shows; `toJSON` gives the digest, never the token.
 */
class VerifiedTokenRecord implements VerifiedToken {
  readonly issuer: TrustedIssuer
  readonly claims: Readonly<Record<string, unknown>>
  readonly algorithm: string
  readonly keyId: string | null
  readonly jti: string | null
  readonly #token: string
  #digest: string | null = null

  constructor(fields: Fields, token: string) {
    this.issuer = fields.issuer
    this.claims = fields.claims
    this.algorithm = fields.algorithm
    this.keyId = fields.keyId
    this.jti = fields.jti
    this.#token = token
  }

  get tokenDigest(): string {
    this.#digest ??= hash('sha256', this.#token, 'hex')
    return this.#digest
  }

  toJSON(): VerifiedToken {
    const { issuer, claims, algorithm, keyId, jti, tokenDigest } = this
    return { issuer, claims, algorithm, keyId, jti, tokenDigest }
  }
}

/** The frozen VerifiedToken of `token`. */
export function createVerifiedToken(fields: Fields, token: string): VerifiedToken {
  return Object.freeze(new VerifiedTokenRecord(fields, token))
}
