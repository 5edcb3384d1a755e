import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { issuerConfigFor, LOCAL_AUDIENCE, startLocalIssuer, type LocalIssuer } from '../../test/helpers/local-issuer.js'
import { generateLocalKey } from '../../test/helpers/local-key.js'
import { createFixedClock } from '../lib/clock.js'
import { createLocalKeySource } from './local-key-source.js'
import type { TrustedIssuer } from './trusted-issuer.js'
import { createTokenVerifier, type TokenVerifierDeps, type VerifyResult } from './verify-id-token.js'

const START_MS = Date.UTC(2026, 0, 1)

describe('createTokenVerifier', () => {
  const clock = createFixedClock(START_MS)
  let issuer: LocalIssuer
  let other: LocalIssuer

  before(async () => {
    issuer = await startLocalIssuer({ clock, algorithms: ['RS256', 'ES256', 'PS256', 'ES384', 'EdDSA'] })
    other = await startLocalIssuer({ clock })
  })
  after(async () => {
    await issuer.close()
    await other.close()
  })

  function verifierFor(overrides: Partial<TrustedIssuer> = {}, deps: Partial<TokenVerifierDeps> = {}) {
    return createTokenVerifier({ issuers: [issuerConfigFor(issuer, overrides), issuerConfigFor(other, { name: 'other' })], clock, ...deps })
  }

  async function codeOf(token: string, overrides: Partial<TrustedIssuer> = {}, audience = LOCAL_AUDIENCE): Promise<string> {
    const result = await verifierFor(overrides).verify(token, audience)
    return result.ok ? 'ok' : result.code
  }

  describe('accepting', () => {
    it('accepts a valid RS256 token and returns its issuer, claims, algorithm, kid, jti and digest', async () => {
      const token = issuer.sign({ pipeline_slug: 'web' })
      const result = await verifierFor().verify(token, LOCAL_AUDIENCE)
      assert.ok(result.ok)
      assert.equal(result.token.issuer.issuer, issuer.url)
      assert.equal(result.token.claims.pipeline_slug, 'web')
      assert.equal(result.token.algorithm, 'RS256')
      assert.equal(result.token.keyId, 'rs256-1')
      assert.equal(result.token.jti, result.token.claims.jti)
      assert.match(result.token.tokenDigest, /^[0-9a-f]{64}$/)
      assert.ok(Object.isFrozen(result.token) && Object.isFrozen(result.token.claims))
    })

    for (const alg of ['ES256', 'PS256', 'ES384', 'EdDSA'] as const) {
      it(`accepts a valid ${alg} token when the issuer allows ${alg}`, async () => {
        assert.equal(await codeOf(issuer.sign({}, { alg }), { algorithms: [alg] }), 'ok')
      })
    }

    it('accepts a token without jti (jti null) and one without kid when one key suits the alg (catalog B7)', async () => {
      const result = await verifierFor().verify(issuer.sign({ jti: undefined }, { alg: 'ES256', kid: null }), LOCAL_AUDIENCE)
      assert.ok(result.ok)
      assert.equal(result.token.jti, null)
      assert.equal(result.token.keyId, null)
    })

    it('never shows the token in the result, its inspection or its JSON', async () => {
      const token = issuer.sign()
      const result = await verifierFor().verify(token, LOCAL_AUDIENCE)
      assert.ok(result.ok)
      const signature = token.slice(token.lastIndexOf('.') + 1)
      assert.ok(!inspect(result, { depth: 5 }).includes(signature))
      assert.ok(!JSON.stringify(result).includes(signature))
      assert.match(JSON.stringify(result), /"tokenDigest":"[0-9a-f]{64}"/)
    })
  })

  describe('format and size', () => {
    it('rejects a token over 16 KiB with token_too_large', async () => {
      assert.equal(await codeOf(issuer.sign({ padding: 'x'.repeat(16 * 1024) })), 'token_too_large')
    })

    it('rejects a JWE, a truncated token and a token with whitespace as token_malformed', async () => {
      const token = issuer.sign()
      assert.equal(await codeOf(`${token}.x.y`), 'token_malformed')
      assert.equal(await codeOf(token.split('.').slice(0, 2).join('.')), 'token_malformed')
      assert.equal(await codeOf(`${token}\n`), 'token_malformed')
      assert.equal(await codeOf(''), 'token_malformed')
    })

    it('rejects crit, b64 and nested-JWT headers even when the issuer signed them (catalog B9, B10, C2)', async () => {
      assert.equal(await codeOf(issuer.sign({}, { header: { crit: ['exp'], exp: 1 } })), 'token_malformed')
      assert.equal(await codeOf(issuer.sign({}, { header: { b64: false } })), 'token_malformed')
      assert.equal(await codeOf(issuer.sign({}, { header: { cty: 'JWT' } })), 'token_malformed')
    })

    it('rejects a payload that is not valid UTF-8, signed by the issuer (catalog C7)', async () => {
      const token = issuer.signRaw('{"alg":"RS256","kid":"rs256-1"}', '{"iss":"x"}')
      const [header = '', , ] = token.split('.')
      const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')
      assert.equal(await codeOf(`${header}.${bad}.${token.split('.')[2] ?? ''}`), 'token_malformed')
    })

    it('returns a value, never a rejection, when the token is not even a string', async () => {
      const notAString: unknown = 42
      // A JavaScript caller (or a parsed body) can pass anything: the verifier still answers with a value.
      const result: VerifyResult = await verifierFor().verify(notAString as string, LOCAL_AUDIENCE)
      assert.equal(result.ok ? 'ok' : result.code, 'token_malformed')
    })
  })

  describe('issuer (catalog E8-E10)', () => {
    it('rejects a token from an unconfigured issuer without any request to it', async () => {
      const stranger = await startLocalIssuer({ clock })
      try {
        assert.equal(await codeOf(stranger.sign()), 'issuer_not_trusted')
        assert.equal(stranger.requestCount(), 0)
      } finally {
        await stranger.close()
      }
    })

    for (const [name, iss] of [
      ['a trailing slash', (url: string) => `${url}/`], ['another case', (url: string) => url.toUpperCase()],
      ['https instead of http', (url: string) => url.replace('http:', 'https:')], ['a Cyrillic letter', (url: string) => url.replace('127', '12\u0437')],
    ] as const) {
      it(`rejects an iss that differs from the configured issuer by ${name}`, async () => {
        assert.equal(await codeOf(issuer.sign({ iss: iss(issuer.url) })), 'issuer_not_trusted')
      })
    }

    it('rejects a token without iss as issuer_not_trusted, and a non-string iss as claim_invalid', async () => {
      assert.equal(await codeOf(issuer.sign({ iss: undefined })), 'issuer_not_trusted')
      assert.equal(await codeOf(issuer.sign({ iss: 1 })), 'claim_invalid')
      assert.equal(await codeOf(issuer.sign({ iss: [issuer.url] })), 'claim_invalid')
    })

    it('rejects a token claiming one trusted issuer but signed with another trusted issuer\'s key (catalog E10)', async () => {
      const otherKey = other.addKey('RS256', { kid: 'only-at-other' })
      assert.equal(await codeOf(other.sign({}, { key: otherKey })), 'ok')
      assert.equal(await codeOf(issuer.sign({}, { key: otherKey })), 'key_not_found')
      assert.equal(await codeOf(issuer.sign({}, { key: otherKey, kid: 'rs256-1' })), 'signature_invalid')
    })
  })

  describe('algorithm (catalog A1, A3, A4)', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`rejects alg ${alg} with an empty signature as algorithm_not_allowed`, async () => {
        assert.equal(await codeOf(issuer.forgeUnsigned({}, alg)), 'algorithm_not_allowed')
      })
    }

    for (const form of ['pem', 'der', 'jwk', 'n'] as const) {
      it(`rejects HS256 keyed with the issuer's public key (${form}) as algorithm_not_allowed`, async () => {
        assert.equal(await codeOf(issuer.forgeHmac({}, form)), 'algorithm_not_allowed')
      })
    }

    it('rejects a validly signed token whose alg the issuer is not configured with, before fetching keys', async () => {
      const fresh = await startLocalIssuer({ clock, algorithms: ['ES256', 'PS256'] })
      try {
        const verifier = createTokenVerifier({ issuers: [issuerConfigFor(fresh, { algorithms: ['RS256'] })], clock })
        for (const alg of ['ES256', 'PS256'] as const) {
          const result = await verifier.verify(fresh.sign({}, { alg }), LOCAL_AUDIENCE)
          assert.equal(result.ok ? 'ok' : result.code, 'algorithm_not_allowed')
        }
        assert.equal(fresh.requestCount(), 0)
      } finally {
        await fresh.close()
      }
    })

    it('rejects an alg outside the supported set even when configured by mistake', async () => {
      assert.equal(await codeOf(issuer.sign({}, { header: { alg: 'RS1' } }), { algorithms: ['RS256'] }), 'algorithm_not_allowed')
    })
  })

  describe('keys (catalog A5, B1-B6, B8)', () => {
    it('rejects a token whose kid the issuer does not publish as key_not_found', async () => {
      assert.equal(await codeOf(issuer.sign({}, { kid: 'no-such-kid' })), 'key_not_found')
    })

    for (const kid of ['../../../../dev/null', '/dev/null', "x' UNION SELECT '1';--", '| curl http://127.0.0.1:1/RCE', '']) {
      it(`rejects the injection kid ${JSON.stringify(kid)} as key_not_found`, async () => {
        assert.equal(await codeOf(issuer.sign({}, { kid })), 'key_not_found')
      })
    }

    it('rejects a key used with another algorithm than its JWK alg, type or curve (catalog A5)', async () => {
      const rsa = issuer.keys.find((key) => key.alg === 'RS256')
      const p384 = issuer.keys.find((key) => key.alg === 'ES384')
      assert.ok(rsa && p384)
      assert.equal(await codeOf(issuer.sign({}, { key: rsa, alg: 'PS256' }), { algorithms: ['PS256'] }), 'key_not_found')
      assert.equal(await codeOf(issuer.sign({}, { alg: 'RS256', kid: 'es256-2' }), { algorithms: ['RS256'] }), 'key_not_found')
      assert.equal(await codeOf(issuer.sign({}, { alg: 'ES256', kid: p384.kid }), { algorithms: ['ES256'] }), 'key_not_found')
    })

    it('ignores jwk, jku, x5u and x5c header parameters and never fetches them (catalog B1-B3)', async () => {
      const attacker = generateLocalKey('RS256', 'rs256-1')
      const before = other.requestCount()
      const header = { jwk: attacker.publicJwk, jku: `${other.url}/.well-known/jwks`, x5u: 'http://169.254.169.254/', x5c: ['MIIB'] }
      assert.equal(await codeOf(issuer.sign({}, { key: attacker, header })), 'signature_invalid')
      assert.equal(other.requestCount(), before)
      assert.equal(await codeOf(issuer.sign({}, { header })), 'ok')
    })

    it('tries each candidate when the token has no kid and several keys suit its alg (catalog B8)', async () => {
      const second = issuer.addKey('ES256', { kid: 'es256-second' })
      try {
        assert.equal(await codeOf(issuer.sign({}, { alg: 'ES256', kid: null })), 'ok')
        assert.equal(await codeOf(issuer.sign({}, { key: second, kid: null })), 'ok')
      } finally {
        issuer.removeKey('es256-second')
      }
    })

    it('serves an issuer from a local key source without any HTTP request', async () => {
      const local = await startLocalIssuer({ clock })
      try {
        const keySource = createLocalKeySource({ jwks: local.jwks() })
        const verifier = createTokenVerifier({ issuers: [issuerConfigFor(local)], clock, keySources: { [local.issuer]: keySource } })
        const result = await verifier.verify(local.sign(), LOCAL_AUDIENCE)
        assert.ok(result.ok)
        const rotated = local.rotateKey('RS256')
        const unknown = await verifier.verify(local.sign({}, { key: rotated }), LOCAL_AUDIENCE)
        assert.equal(unknown.ok ? 'ok' : unknown.code, 'key_not_found')
        keySource.replaceJwks(local.jwks())
        assert.ok((await verifier.verify(local.sign({}, { key: rotated }), LOCAL_AUDIENCE)).ok)
        assert.equal(local.requestCount(), 0)
      } finally {
        await local.close()
      }
    })

    it('refuses a key source for an issuer that is not configured', () => {
      assert.throws(() => createTokenVerifier({ issuers: [], clock, keySources: { 'https://x.example': createLocalKeySource({ jwks: { keys: [] } }) } }))
    })
  })

  describe('signature (catalog A2, A7, A8)', () => {
    it('rejects an empty, truncated, flipped or foreign signature as signature_invalid', async () => {
      const token = issuer.sign()
      assert.equal(await codeOf(`${token.slice(0, token.lastIndexOf('.'))}.`), 'signature_invalid')
      assert.equal(await codeOf(issuer.forgeSignature(token, (sig) => sig.subarray(0, sig.length - 3))), 'signature_invalid')
      assert.equal(await codeOf(issuer.forgeSignature(token, (sig) => Buffer.from(sig.map((byte, i) => (i === 10 ? byte ^ 1 : byte))))), 'signature_invalid')
      const foreign = generateLocalKey('RS256', 'rs256-1')
      assert.equal(await codeOf(issuer.sign({}, { key: foreign })), 'signature_invalid')
    })

    it('rejects a modified payload under the original signature', async () => {
      const [header, , signature] = issuer.sign().split('.')
      const payload = Buffer.from(JSON.stringify(issuer.claims({ organization_slug: 'evil' }))).toString('base64url')
      assert.equal(await codeOf(`${header ?? ''}.${payload}.${signature ?? ''}`), 'signature_invalid')
    })

    it('rejects the ECDSA psychic signature (r = s = 0) and an ES256 signature of the wrong length (catalog A7, A2)', async () => {
      const token = issuer.sign({}, { alg: 'ES256' })
      assert.equal(await codeOf(issuer.forgeSignature(token, () => Buffer.alloc(64))), 'signature_invalid')
      assert.equal(await codeOf(issuer.forgeSignature(token, (sig) => Buffer.concat([sig, Buffer.from([0])]))), 'signature_invalid')
    })

    it('rejects an ES256 signature in DER instead of raw R‖S (catalog A8)', async () => {
      const token = issuer.sign({}, { alg: 'ES256' })
      const der = issuer.forgeSignature(token, (sig) => encodeDer(sig))
      assert.equal(await codeOf(der), 'signature_invalid')
    })
  })

  describe('claims (catalog D, E1-E7)', () => {
    const now = Math.floor(START_MS / 1000)

    it('rejects a token whose aud is another registry, and one listing other audiences too', async () => {
      assert.equal(await codeOf(issuer.sign({ aud: 'http://127.0.0.1:8080/acme/other' })), 'audience_mismatch')
      assert.equal(await codeOf(issuer.sign({ aud: ['https://other.example', LOCAL_AUDIENCE] })), 'audience_mismatch')
      assert.equal(await codeOf(issuer.sign({ aud: undefined })), 'audience_mismatch')
      assert.equal(await codeOf(issuer.sign({ aud: [LOCAL_AUDIENCE] })), 'ok')
      assert.equal(await codeOf(issuer.sign(), {}, 'http://127.0.0.1:8080/acme/other'), 'audience_mismatch')
    })

    it('rejects missing, non-finite and wrongly typed time claims as claim_invalid', async () => {
      assert.equal(await codeOf(issuer.sign({ exp: undefined })), 'claim_invalid')
      assert.equal(await codeOf(issuer.sign({ iat: undefined })), 'claim_invalid')
      assert.equal(await codeOf(issuer.sign({ exp: String(now + 300) })), 'claim_invalid')
      assert.equal(await codeOf(issuer.sign({ nbf: null })), 'claim_invalid')
      const infinite = issuer.signRaw('{"alg":"RS256","kid":"rs256-1"}', JSON.stringify(issuer.claims()).replace(/"exp":\d+/, '"exp":1e400'))
      assert.equal(await codeOf(infinite), 'claim_invalid')
    })

    it('rejects a non-string sub or jti as claim_invalid', async () => {
      assert.equal(await codeOf(issuer.sign({ sub: 123 })), 'claim_invalid')
      assert.equal(await codeOf(issuer.sign({ jti: { id: 1 } })), 'claim_invalid')
    })

    it('rejects an expired token, and accepts one expired within the skew', async () => {
      assert.equal(await codeOf(issuer.sign({ iat: now - 200, nbf: now - 200, exp: now - 31 })), 'token_expired')
      assert.equal(await codeOf(issuer.sign({ iat: now - 200, nbf: now - 200, exp: now - 20 })), 'ok')
    })

    it('rejects a token not valid yet, or issued in the future, beyond the skew', async () => {
      assert.equal(await codeOf(issuer.sign({ nbf: now + 120 })), 'token_not_yet_valid')
      assert.equal(await codeOf(issuer.sign({ iat: now + 3600, nbf: undefined, exp: now + 3700 })), 'token_issued_in_future')
      assert.equal(await codeOf(issuer.sign({ iat: now + 20, nbf: now + 20, exp: now + 300 })), 'ok')
    })

    it('rejects a token living longer than the issuer allows, and accepts it under a larger cap', async () => {
      const long = issuer.sign({ exp: now + 3600 })
      assert.equal(await codeOf(long), 'token_lifetime_exceeded')
      assert.equal(await codeOf(long, { maxLifetimeSeconds: 3600 }), 'ok')
    })

    it('uses the last of duplicate claims, as JSON.parse does and the policy will (catalog C8)', async () => {
      const payload = JSON.stringify(issuer.claims()).replace('"organization_slug":"acme"', '"organization_slug":"acme","organization_slug":"evil"')
      const result = await verifierFor().verify(issuer.signRaw('{"alg":"RS256","kid":"rs256-1"}', payload), LOCAL_AUDIENCE)
      assert.ok(result.ok)
      assert.equal(result.token.claims.organization_slug, 'evil')
    })
  })

  describe('messages', () => {
    it('never echoes the token or claim values in a refusal', async () => {
      const token = issuer.sign({ aud: 'https://secret-audience.example', organization_slug: 'secret-org' })
      const result = await verifierFor().verify(token, LOCAL_AUDIENCE)
      assert.ok(!result.ok)
      const text = JSON.stringify(result)
      for (const secret of ['secret-audience', 'secret-org', token.slice(-20)]) assert.ok(!text.includes(secret), text)
    })
  })
})

/** ASN.1 DER of a raw R‖S ECDSA signature, as `crypto.sign` produces by default. */
function encodeDer(raw: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let trimmed = bytes
    while (trimmed.length > 1 && trimmed[0] === 0) trimmed = trimmed.subarray(1)
    const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const half = raw.length / 2
  const sequence = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))])
  return Buffer.concat([Buffer.from([0x30, sequence.length]), sequence])
}
