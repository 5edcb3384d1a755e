import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateLocalKey } from '../../test/helpers/local-key.js'
import { findAlgorithmSpec, isForbiddenAlgorithm, KNOWN_ALGORITHMS } from './algorithm-spec.js'
import { importVerificationKey } from './import-verification-key.js'
import { readJwks } from './read-jwks.js'
import { SIGNING_ALGORITHMS } from './trusted-issuer.js'
import { verifyJwsSignature } from './verify-jws-signature.js'

const RSA = generateLocalKey('RS256', 'rsa')
const EC = generateLocalKey('ES256', 'ec')
const ED = generateLocalKey('EdDSA', 'ed')

function reasonOf(jwk: unknown): string {
  const imported = importVerificationKey(jwk)
  return imported.ok ? 'ok' : imported.reason
}

describe('importVerificationKey', () => {
  it('imports public RSA, EC and OKP signature keys', () => {
    for (const key of [RSA, EC, ED]) assert.equal(reasonOf(key.publicJwk), 'ok')
  })

  it('refuses a private key, and a symmetric key (catalog A11, G10)', () => {
    assert.match(reasonOf(RSA.privateJwk), /private/)
    assert.match(reasonOf(EC.privateJwk), /private/)
    assert.match(reasonOf({ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }), /kty/)
  })

  it('refuses an RSA key under 2048 bits (catalog A6)', () => {
    assert.match(reasonOf(generateLocalKey('RS256', 'weak', 1024).publicJwk), /2048/)
  })

  it('refuses an EC point that is not on its curve (catalog A10)', () => {
    const y = String(EC.publicJwk.y)
    const flipped = `${y.slice(0, -2)}${y.at(-2) === 'A' ? 'B' : 'A'}${y.slice(-1)}`
    assert.match(reasonOf({ ...EC.publicJwk, y: flipped }), /invalid key material/)
  })

  it('refuses keys meant for encryption or without the verify operation', () => {
    assert.match(reasonOf({ ...RSA.publicJwk, use: 'enc' }), /use/)
    assert.match(reasonOf({ ...RSA.publicJwk, key_ops: ['sign'] }), /key_ops/)
    assert.match(reasonOf({ ...RSA.publicJwk, key_ops: 'verify' }), /key_ops/)
    assert.equal(reasonOf({ ...RSA.publicJwk, use: undefined, key_ops: ['verify'] }), 'ok')
  })

  it('refuses non-string kid and alg members, and curves that are not for signatures', () => {
    assert.match(reasonOf({ ...RSA.publicJwk, kid: 1 }), /kid/)
    assert.match(reasonOf({ ...RSA.publicJwk, alg: ['RS256'] }), /alg/)
    assert.match(reasonOf({ ...EC.publicJwk, crv: 'secp256k1' }), /crv/)
    assert.match(reasonOf({ kty: 'OKP', crv: 'X25519', x: String(ED.publicJwk.x) }), /crv/)
    assert.match(reasonOf(null), /object/)
  })
})

describe('readJwks', () => {
  it('keeps the usable keys and ignores the rest (catalog G10)', () => {
    const contents = readJwks({ keys: [RSA.publicJwk, RSA.privateJwk, { kty: 'oct', k: 'AA' }, { ...EC.publicJwk, use: 'enc' }, 'junk', EC.publicJwk] })
    assert.ok(contents)
    assert.deepEqual(contents.keys.map((key) => key.kid), ['rsa', 'ec'])
    assert.equal(contents.ignored, 4)
  })

  it('caps the number of keys considered', () => {
    const contents = readJwks({ keys: Array.from({ length: 150 }, (_, i) => ({ ...EC.publicJwk, kid: `k${String(i)}` })) })
    assert.equal(contents?.keys.length, 100)
  })

  it('refuses documents that are not a JWK Set', () => {
    for (const document of [null, [], {}, { keys: {} }, { keys: 'x' }]) assert.equal(readJwks(document), null)
  })
})

describe('algorithm table and signature checks', () => {
  it('knows every configurable algorithm and refuses none and HMAC in any casing', () => {
    assert.deepEqual(KNOWN_ALGORITHMS, SIGNING_ALGORITHMS)
    for (const alg of SIGNING_ALGORITHMS) assert.equal(findAlgorithmSpec(alg)?.alg, alg)
    for (const alg of ['none', 'NoNe', 'HS256', 'hs512', 'rs256', 'RS1']) {
      assert.equal(findAlgorithmSpec(alg), null)
    }
    assert.ok(isForbiddenAlgorithm('None') && isForbiddenAlgorithm('HS384') && !isForbiddenAlgorithm('RS256'))
  })

  it('refuses a key of a suitable type whose JWK alg names another algorithm', () => {
    const imported = importVerificationKey({ ...RSA.publicJwk, alg: 'PS256' })
    const spec = findAlgorithmSpec('RS256')
    assert.ok(imported.ok && spec)
    assert.equal(verifyJwsSignature(spec, imported.key, Buffer.from('x'), Buffer.alloc(256, 1)), false)
  })
})
