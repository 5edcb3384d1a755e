/**
 * What each accepted JWS algorithm (RFC 7518 §3, RFC 8037 §3.1) needs from a key and a signature. The
 * verifier checks keys and signatures against this table itself, because it verifies synchronously with
 * node:crypto instead of through jose (see docs/verification.md).
 */
import { constants } from 'node:crypto'
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './trusted-issuer.js'

export interface AlgorithmSpec {
  readonly alg: SigningAlgorithm
  /** The JWK `kty` the key must have. */
  readonly kty: 'RSA' | 'EC' | 'OKP'
  /** The JWK `crv` values the key may have; empty for RSA. */
  readonly curves: readonly string[]
  /** The digest passed to `crypto.verify`; null for EdDSA, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null
  /** RSA padding; null for EC and OKP. */
  readonly padding: number | null
  /** PSS salt length in bytes, equal to the hash length (RFC 7518 §3.5); null when not PSS. */
  readonly saltLength: number | null
  /** The exact ECDSA signature length in bytes, R‖S (RFC 7518 §3.4); null when not ECDSA. */
  readonly signatureBytes: number | null
}

const PKCS1 = constants.RSA_PKCS1_PADDING
const PSS = constants.RSA_PKCS1_PSS_PADDING

function spec(
  alg: SigningAlgorithm,
  kty: AlgorithmSpec['kty'],
  hash: AlgorithmSpec['hash'],
  rest: Partial<Pick<AlgorithmSpec, 'curves' | 'padding' | 'saltLength' | 'signatureBytes'>> = {},
): AlgorithmSpec {
  return Object.freeze({
    alg, kty, hash,
    curves: rest.curves ?? [], padding: rest.padding ?? null, saltLength: rest.saltLength ?? null,
    signatureBytes: rest.signatureBytes ?? null,
  })
}

const SPECS: ReadonlyMap<string, AlgorithmSpec> = new Map([
  ['RS256', spec('RS256', 'RSA', 'sha256', { padding: PKCS1 })],
  ['RS384', spec('RS384', 'RSA', 'sha384', { padding: PKCS1 })],
  ['RS512', spec('RS512', 'RSA', 'sha512', { padding: PKCS1 })],
  ['PS256', spec('PS256', 'RSA', 'sha256', { padding: PSS, saltLength: 32 })],
  ['PS384', spec('PS384', 'RSA', 'sha384', { padding: PSS, saltLength: 48 })],
  ['PS512', spec('PS512', 'RSA', 'sha512', { padding: PSS, saltLength: 64 })],
  ['ES256', spec('ES256', 'EC', 'sha256', { curves: ['P-256'], signatureBytes: 64 })],
  ['ES384', spec('ES384', 'EC', 'sha384', { curves: ['P-384'], signatureBytes: 96 })],
  ['ES512', spec('ES512', 'EC', 'sha512', { curves: ['P-521'], signatureBytes: 132 })],
  ['EdDSA', spec('EdDSA', 'OKP', null, { curves: ['Ed25519', 'Ed448'] })],
])

/** The spec of `alg` when it is one of SIGNING_ALGORITHMS (exact, case-sensitive: RFC 7515 §4.1.1); else null. */
export function findAlgorithmSpec(alg: string): AlgorithmSpec | null {
  return SPECS.get(alg) ?? null
}

/**
 * True for values that are never acceptable whatever the configuration: `none` in any casing (RFC 8725 §3.1)
 * and HMAC (`HS*`), which with a public key would be the RS→HS confusion (catalog A3).
 */
export function isForbiddenAlgorithm(alg: string): boolean {
  const lower = alg.toLowerCase()
  return lower === 'none' || lower.startsWith('hs')
}

/** Every algorithm the table knows; equal to SIGNING_ALGORITHMS, checked by the tests. */
export const KNOWN_ALGORITHMS: readonly SigningAlgorithm[] = SIGNING_ALGORITHMS
