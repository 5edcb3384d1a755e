/** A fresh signing key pair for the embedded issuer, with jose over WebCrypto (no blocking of the event loop). */
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from 'jose'
import { RSA_MODULUS_BITS } from './issuer-limits.js'
import type { IssuerSigningAlgorithm, IssuerSigningKey } from './issuer-ports.js'

const PUBLIC_MEMBERS = ['kty', 'crv', 'n', 'e', 'x', 'y'] as const

/**
 * Generates a key for `algorithm` (RSA 2048 for RS256, P-256 for ES256). The `kid` is the public key's RFC 7638
 * thumbprint: unique per key, and the same on every server that reads it from the store.
 */
export async function generateSigningKey(algorithm: IssuerSigningAlgorithm, createdAt: string): Promise<IssuerSigningKey> {
  const pair = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' ? { modulusLength: RSA_MODULUS_BITS } : {}) })
  const exported = await exportJWK(pair.publicKey)
  // Only the public members: WebCrypto's export adds `ext` and `key_ops`, which verifiers need not see.
  const jwk = Object.fromEntries(PUBLIC_MEMBERS.flatMap((name) => (exported[name] === undefined ? [] : [[name, exported[name]]])))
  const kid = await calculateJwkThumbprint(exported, 'sha256')
  const publicJwk = Object.freeze({ ...jwk, kid, alg: algorithm, use: 'sig' })
  return Object.freeze({ kid, algorithm, publicJwk, privateKeyPem: await exportPKCS8(pair.privateKey), createdAt, retiredAt: null })
}
