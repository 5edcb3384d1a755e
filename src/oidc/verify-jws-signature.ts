/**
 * Checks a JWS signature synchronously with node:crypto (RFC 7515 §5.2 step 8, RFC 7518 §3). jose would do
 * the same through WebCrypto, whose promise per call costs about half the throughput (docs/verification.md).
 */
import { verify } from 'node:crypto'
import type { AlgorithmSpec } from './algorithm-spec.js'
import type { VerificationKey } from './import-verification-key.js'
import { verifyRsaPkcs1 } from './verify-rsa-pkcs1.js'

/** The key types and curves `spec` may be used with (catalog A5; RFC 8725 §3.1: one key, one algorithm). */
export function isKeySuitable(key: VerificationKey, spec: AlgorithmSpec): boolean {
  if (key.kty !== spec.kty) return false
  if (key.alg !== null && key.alg !== spec.alg) return false
  return key.crv === null || spec.curves.includes(key.crv)
}

/**
 * True when `signature` is `spec.alg`'s valid signature of `signingInput` under `key`. ECDSA signatures must be
 * raw R‖S of the curve's exact length (RFC 7518 §3.4; DER is refused, catalog A8); RSA-PSS uses a salt as long
 * as the hash (RFC 7518 §3.5). Never throws: a fault in OpenSSL is an invalid signature.
 */
export function verifyJwsSignature(spec: AlgorithmSpec, key: VerificationKey, signingInput: Buffer, signature: Buffer): boolean {
  if (signature.length === 0 || !isKeySuitable(key, spec)) return false
  try {
    if (key.ecdsaInput !== null) {
      return signature.length === spec.signatureBytes && verify(spec.hash, signingInput, key.ecdsaInput, signature)
    }
    if (spec.saltLength !== null) {
      const input = { key: key.keyObject, padding: spec.padding ?? undefined, saltLength: spec.saltLength }
      return verify(spec.hash, signingInput, input, signature)
    }
    // RS256, RS384, RS512: the most common issuer keys (Buildkite, GitHub), so the cheapest path.
    if (key.rsaModulusBytes !== null && spec.hash !== null) return verifyRsaPkcs1(spec.hash, key.keyObject, key.rsaModulusBytes, signingInput, signature)
    return verify(spec.hash, signingInput, key.keyObject, signature)
  } catch {
    return false
  }
}
