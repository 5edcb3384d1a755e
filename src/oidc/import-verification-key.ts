/**
 * Turns one JWK of an issuer's JWKS into a node:crypto public `KeyObject`, or says why the key is unusable.
 * Unusable keys are ignored, never fatal: one odd key in a JWKS must not stop the issuer's other keys
 * (catalog G10). The rules are jose's `isUsableJWK` plus the ones jose applies later (RSA size, curve points).
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import { isJsonObject, readOwn } from '../lib/is-json-object.js'
import { MIN_RSA_MODULUS_BITS } from './verification-limits.js'

/** A usable public key, with the JWK members key selection compares. */
export interface VerificationKey {
  readonly kid: string | null
  readonly kty: 'RSA' | 'EC' | 'OKP'
  /** The JWK `crv` (EC and OKP); null for RSA. */
  readonly crv: string | null
  /** The JWK `alg` when the issuer pinned one: the key then serves that algorithm only (RFC 7517 §4.4). */
  readonly alg: string | null
  readonly keyObject: KeyObject
  /** `crypto.verify` input for ECDSA with JOSE's raw R‖S signatures, built once so verification allocates nothing. */
  readonly ecdsaInput: { readonly key: KeyObject; readonly dsaEncoding: 'ieee-p1363' } | null
  /** The RSA modulus's length in bytes, the exact length of its signatures (RFC 8017 §8.2.2 step 1); null for EC and OKP. */
  readonly rsaModulusBytes: number | null
}

export type ImportedKey = { readonly ok: true; readonly key: VerificationKey } | { readonly ok: false; readonly reason: string }

const CURVES: Readonly<Record<string, readonly string[]>> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519', 'Ed448'] }
/** Members that only private or symmetric JWKs have (RFC 7518 §6.2.2, §6.3.2, §6.4.1, RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** Imports `jwk` when it is a public RSA, EC or OKP signature key; never throws. */
export function importVerificationKey(jwk: unknown): ImportedKey {
  if (!isJsonObject(jwk)) return refuse('not a JSON object')
  const kty = readOwn(jwk, 'kty')
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return refuse('kty is not RSA, EC or OKP')
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) return refuse('a private or symmetric key')
  const usage = checkUsage(jwk)
  if (usage !== null) return refuse(usage)
  const kid = readOwn(jwk, 'kid')
  const alg = readOwn(jwk, 'alg')
  const crv = readOwn(jwk, 'crv')
  if (kid !== undefined && typeof kid !== 'string') return refuse('kid is not a string')
  if (alg !== undefined && typeof alg !== 'string') return refuse('alg is not a string')
  if (kty !== 'RSA' && (typeof crv !== 'string' || !(CURVES[kty] ?? []).includes(crv))) return refuse('unsupported crv')
  const keyObject = createKeyObject(jwk)
  if (keyObject === null) return refuse('invalid key material')
  const modulusBits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0
  if (kty === 'RSA' && modulusBits < MIN_RSA_MODULUS_BITS) return refuse(`RSA modulus under ${String(MIN_RSA_MODULUS_BITS)} bits`)
  const key: VerificationKey = {
    kid: kid ?? null,
    kty,
    crv: kty === 'RSA' || typeof crv !== 'string' ? null : crv,
    alg: alg ?? null,
    keyObject,
    ecdsaInput: kty === 'EC' ? Object.freeze({ key: keyObject, dsaEncoding: 'ieee-p1363' }) : null,
    rsaModulusBytes: kty === 'RSA' ? Math.ceil(modulusBits / 8) : null,
  }
  return { ok: true, key: Object.freeze(key) }
}

/** `use` must be `sig` and `key_ops` must include `verify` when present (RFC 7517 §4.2, §4.3). */
function checkUsage(jwk: Readonly<Record<string, unknown>>): string | null {
  const use = readOwn(jwk, 'use')
  if (use !== undefined && use !== 'sig') return 'use is not sig'
  const keyOps = readOwn(jwk, 'key_ops')
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return 'key_ops lacks verify'
  return null
}

/**
 * Imports with node:crypto, which validates the material: an EC point off its curve (catalog A10) or a
 * malformed modulus throws, and is then an unusable key rather than a fault.
 */
function createKeyObject(jwk: Record<string, unknown>): KeyObject | null {
  try {
    const keyObject = createPublicKey({ key: { ...publicMembers(jwk) }, format: 'jwk' })
    return keyObject.type === 'public' ? keyObject : null
  } catch {
    return null
  }
}

/** Only the members node:crypto reads, so that nothing else of an outside object reaches OpenSSL. */
function publicMembers(jwk: Readonly<Record<string, unknown>>): Record<string, string> {
  const members: Record<string, string> = {}
  for (const name of ['kty', 'crv', 'n', 'e', 'x', 'y']) {
    const value = readOwn(jwk, name)
    if (typeof value === 'string') members[name] = value
  }
  return members
}

function refuse(reason: string): ImportedKey {
  return { ok: false, reason }
}
