/** Signing keys for the local issuer and hand-built tokens: every algorithm Packyard accepts, plus weak RSA. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { SigningAlgorithm } from '../../src/oidc/trusted-issuer.js'

export interface LocalKey {
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** The public JWK as published: kty, n/e or crv/x/y, kid, alg, use. */
  readonly publicJwk: Readonly<Record<string, unknown>>
  /** The private JWK (with `d`), for the "JWKS holds a private key" tests. */
  readonly privateJwk: Readonly<Record<string, unknown>>
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null
  readonly kind: 'pkcs1' | 'pss' | 'ecdsa' | 'eddsa'
  readonly saltLength: number
}

const HASH_BY_SIZE = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const
const CURVE_BY_ALG: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

/** A fresh key pair for `alg`; RSA keys are 2048 bits unless `modulusLength` says otherwise (1024 for weak-key tests). */
export function generateLocalKey(alg: SigningAlgorithm, kid: string, modulusLength = 2048): LocalKey {
  const size = alg.slice(2)
  const hash = size === '256' || size === '384' || size === '512' ? HASH_BY_SIZE[size] : null
  const pair = generatePair(alg, modulusLength)
  const jwkOf = (key: KeyObject) => ({ ...key.export({ format: 'jwk' }), kid, alg, use: 'sig' })
  const kind = alg.startsWith('PS') ? 'pss' : alg.startsWith('ES') ? 'ecdsa' : alg === 'EdDSA' ? 'eddsa' : 'pkcs1'
  return Object.freeze({
    kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey,
    publicJwk: Object.freeze(jwkOf(pair.publicKey)), privateJwk: Object.freeze(jwkOf(pair.privateKey)),
    hash: alg === 'EdDSA' ? null : hash, kind, saltLength: Number(size) / 8,
  })
}

function generatePair(alg: SigningAlgorithm, modulusLength: number): { publicKey: KeyObject; privateKey: KeyObject } {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519')
  const namedCurve = CURVE_BY_ALG[alg]
  if (namedCurve !== undefined) return generateKeyPairSync('ec', { namedCurve })
  return generateKeyPairSync('rsa', { modulusLength })
}
