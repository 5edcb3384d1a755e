import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encode } from '../../test/helpers/local-issuer.js'
import { parseCompactJws } from './parse-compact-jws.js'
import { MAX_TOKEN_BYTES } from './verification-limits.js'

const HEADER = encode('{"alg":"RS256","kid":"k1"}')
const PAYLOAD = encode('{"iss":"https://ci.example.com","sub":"x"}')
const SIGNATURE = Buffer.alloc(256, 7).toString('base64url')
const TOKEN = `${HEADER}.${PAYLOAD}.${SIGNATURE}`

function codeOf(token: string): string {
  const result = parseCompactJws(token)
  return result.ok ? 'ok' : result.code
}

function withHeader(header: string): string {
  return `${encode(header)}.${PAYLOAD}.${SIGNATURE}`
}

function withPayload(payload: string | Buffer): string {
  const segment = typeof payload === 'string' ? encode(payload) : payload.toString('base64url')
  return `${HEADER}.${segment}.${SIGNATURE}`
}

describe('parseCompactJws', () => {
  it('accepts a compact JWS and exposes alg, kid, claims, signing input and signature', () => {
    const result = parseCompactJws(TOKEN)
    assert.ok(result.ok)
    assert.equal(result.jws.alg, 'RS256')
    assert.equal(result.jws.kid, 'k1')
    assert.equal(result.jws.payload.iss, 'https://ci.example.com')
    assert.equal(result.jws.signingInput.toString('latin1'), `${HEADER}.${PAYLOAD}`)
    assert.equal(result.jws.signature.length, 256)
  })

  describe('size (catalog C10)', () => {
    it('accepts a token of exactly the maximum size', () => {
      const signature = 'A'.repeat(MAX_TOKEN_BYTES - HEADER.length - PAYLOAD.length - 2)
      assert.equal(`${HEADER}.${PAYLOAD}.${signature}`.length, MAX_TOKEN_BYTES)
      assert.notEqual(codeOf(`${HEADER}.${PAYLOAD}.${signature}`), 'token_too_large')
    })

    it('rejects a token over 16 KiB before decoding anything', () => {
      const big = withPayload(JSON.stringify({ iss: 'https://ci.example.com', pad: 'x'.repeat(MAX_TOKEN_BYTES) }))
      assert.equal(codeOf(big), 'token_too_large')
    })
  })

  describe('serialization (catalog C1, C3, C4, C5)', () => {
    it('rejects a JWE (five segments)', () => {
      const result = parseCompactJws(`${HEADER}.a.b.c.d`)
      assert.ok(!result.ok)
      assert.equal(result.code, 'token_malformed')
      assert.match(result.message, /JWE/)
    })

    for (const [name, token] of [
      ['empty', ''], ['two segments', `${HEADER}.${PAYLOAD}`], ['four segments', `${TOKEN}.x`], ['only dots', '....'],
      ['JSON serialization', JSON.stringify({ protected: HEADER, payload: PAYLOAD, signature: SIGNATURE })],
      ['a leading space', ` ${TOKEN}`], ['a trailing newline', `${TOKEN}\n`], ['a trailing space', `${TOKEN} `],
      ['embedded whitespace in the signature', `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, 10)} ${SIGNATURE.slice(10)}`],
      ['= padding', `${TOKEN}==`], ['standard base64 +/', `${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, -2)}+/`],
      ['an empty header', `.${PAYLOAD}.${SIGNATURE}`], ['an empty payload', `${HEADER}..${SIGNATURE}`],
    ] as const) {
      it(`rejects a token with ${name}`, () => {
        assert.equal(codeOf(token), 'token_malformed')
      })
    }

    it('rejects a segment whose length is impossible in base64url (1 mod 4)', () => {
      const aligned = Buffer.alloc(255, 7).toString('base64url')
      assert.equal(codeOf(`${HEADER}.${PAYLOAD}.${aligned}`), 'ok')
      assert.equal(codeOf(`${HEADER}.${PAYLOAD}.${aligned}A`), 'token_malformed')
    })

    it('rejects a non-canonical last character (unused bits set), so a token has one spelling (catalog A9)', () => {
      // 256 bytes encode to 342 characters (342 % 4 = 2): the last character carries 2 data bits and 4 zero bits.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
      const last = alphabet.indexOf(SIGNATURE.at(-1) ?? '')
      const twin = `${SIGNATURE.slice(0, -1)}${alphabet.charAt(last | 1)}`
      assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(SIGNATURE, 'base64url'))
      assert.equal(codeOf(`${HEADER}.${PAYLOAD}.${twin}`), 'token_malformed')
      assert.equal(codeOf(TOKEN), 'ok')
    })

    it('accepts exactly the segments a strict base64url regular expression and re-encoding accept (property)', () => {
      const alphabet = ['A', 'B', 'C', 'X', 'Y', 'Z', 'a', 'b', 'c', 'x', 'y', 'z', '0', '1', '8', '9', '-', '_'].concat(['+', '/', '=', ' ', '\n', '\t', '\u0000', '*', '%', 'é', 'ī', 'Ł', 'ｓ', '\u{1F600}'])
      const segment = fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((chars) => chars.join(''))
      fc.assert(fc.property(segment, (candidate) => {
        const strict = /^[A-Za-z0-9_-]*$/.test(candidate) && Buffer.from(candidate, 'base64url').toString('base64url') === candidate
        assert.equal(parseCompactJws(`${HEADER}.${PAYLOAD}.${candidate}`).ok, strict, JSON.stringify(candidate))
      }), { numRuns: 3000 })
    })

    it('accepts an empty signature segment at parse time (the verifier refuses it as signature_invalid)', () => {
      assert.equal(codeOf(`${HEADER}.${PAYLOAD}.`), 'ok')
    })
  })

  describe('header (catalog C6, B9, B10, C2, B6, A1, A3)', () => {
    for (const header of ['[]', '"x"', 'null', '{"alg":"RS256"', '42']) {
      it(`rejects a header that is not a JSON object: ${header}`, () => {
        assert.equal(codeOf(withHeader(header)), 'token_malformed')
      })
    }

    it('rejects a header without a string alg', () => {
      assert.equal(codeOf(withHeader('{"kid":"k1"}')), 'token_malformed')
      assert.equal(codeOf(withHeader('{"alg":["RS256"]}')), 'token_malformed')
    })

    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'HS256', 'HS384', 'HS512', 'hs256']) {
      it(`rejects alg ${alg} as algorithm_not_allowed, whatever the configuration`, () => {
        assert.equal(codeOf(withHeader(JSON.stringify({ alg }))), 'algorithm_not_allowed')
      })
    }

    for (const crit of ['["exp"]', '["foo"]', '[]', '"b64"', '["b64"]']) {
      it(`rejects crit ${crit}`, () => {
        assert.equal(codeOf(withHeader(`{"alg":"RS256","crit":${crit},"exp":1}`)), 'token_malformed')
      })
    }

    it('rejects b64 with or without crit (RFC 7797)', () => {
      assert.equal(codeOf(withHeader('{"alg":"RS256","b64":false,"crit":["b64"]}')), 'token_malformed')
      assert.equal(codeOf(withHeader('{"alg":"RS256","b64":false}')), 'token_malformed')
      assert.equal(codeOf(withHeader('{"alg":"RS256","b64":true}')), 'token_malformed')
    })

    it('rejects a nested JWT (cty JWT in any casing) and JWE header parameters', () => {
      for (const cty of ['JWT', 'jwt', 'application/JWT']) assert.equal(codeOf(withHeader(`{"alg":"RS256","cty":"${cty}"}`)), 'token_malformed')
      assert.equal(codeOf(withHeader('{"alg":"RS256","enc":"A256GCM"}')), 'token_malformed')
      assert.equal(codeOf(withHeader('{"alg":"RS256","zip":"DEF"}')), 'token_malformed')
    })

    it('accepts an unrelated cty and typ values', () => {
      assert.equal(codeOf(withHeader('{"alg":"RS256","cty":"json","typ":"at+jwt"}')), 'ok')
    })

    for (const kid of ['1', '["k1"]', '{"$ne":null}', 'null']) {
      it(`rejects a non-string kid ${kid}`, () => {
        assert.equal(codeOf(withHeader(`{"alg":"RS256","kid":${kid}}`)), 'token_malformed')
      })
    }

    it('accepts a header without kid', () => {
      const result = parseCompactJws(withHeader('{"alg":"ES256"}'))
      assert.ok(result.ok)
      assert.equal(result.jws.kid, null)
    })

    it('reads duplicate header members as JSON.parse does: the last wins (catalog C8)', () => {
      assert.equal(codeOf(withHeader('{"alg":"RS256","alg":"none"}')), 'algorithm_not_allowed')
    })
  })

  describe('payload (catalog C2, C7, C9)', () => {
    for (const payload of ['null', '[]', '"a.b.c"', '1', '{"iss":']) {
      it(`rejects a payload that is not a JSON object: ${payload}`, () => {
        assert.equal(codeOf(withPayload(payload)), 'token_malformed')
      })
    }

    it('rejects a payload that is not valid UTF-8', () => {
      assert.equal(codeOf(withPayload(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))), 'token_malformed')
    })

    it('rejects a nested JWT carried as the payload string', () => {
      assert.equal(codeOf(withPayload(JSON.stringify(TOKEN))), 'token_malformed')
    })

    it('keeps __proto__ as an own member, without polluting the prototype', () => {
      const result = parseCompactJws(withPayload('{"__proto__":{"organization_slug":"acme"}}'))
      assert.ok(result.ok)
      assert.equal(Object.hasOwn(result.jws.payload, 'organization_slug'), false)
      assert.equal(Object.hasOwn(result.jws.payload, '__proto__'), true)
    })
  })
})
