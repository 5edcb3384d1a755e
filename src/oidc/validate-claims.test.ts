import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { validateClaims, type ClaimRules } from './validate-claims.js'

const AUD = 'https://packages.example.com/acme/npm'
const NOW = 1_900_000_000
const RULES: ClaimRules = { audience: AUD, nowSeconds: NOW, clockSkewSeconds: 30, maxLifetimeSeconds: 300 }
const VALID = { iss: 'https://agent.buildkite.com', sub: 'organization:acme', aud: AUD, iat: NOW, nbf: NOW, exp: NOW + 300, jti: 'j-1' }

function codeOf(overrides: Record<string, unknown>, rules: Partial<ClaimRules> = {}): string {
  const merged: Record<string, unknown> = { ...VALID, ...overrides }
  const claims = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined))
  return validateClaims(claims, { ...RULES, ...rules })?.code ?? 'ok'
}

describe('validateClaims', () => {
  it('accepts a token with every claim right', () => {
    assert.equal(codeOf({}), 'ok')
  })

  describe('types (catalog D1, D6, D9, D11, C11)', () => {
    it('rejects a token without exp, or without iat', () => {
      assert.equal(codeOf({ exp: undefined }), 'claim_invalid')
      assert.equal(codeOf({ iat: undefined }), 'claim_invalid')
    })

    for (const value of ['1900000300', null, true, [NOW + 300], Infinity, -Infinity, Number.NaN]) {
      it(`rejects exp, iat or nbf of ${String(value)} (${typeof value})`, () => {
        assert.equal(codeOf({ exp: value }), 'claim_invalid')
        assert.equal(codeOf({ iat: value }), 'claim_invalid')
        assert.equal(codeOf({ nbf: value }), 'claim_invalid')
      })
    }

    it('accepts a token without nbf, and fractional NumericDates (catalog D12)', () => {
      assert.equal(codeOf({ nbf: undefined }), 'ok')
      assert.equal(codeOf({ exp: NOW + 299.5, iat: NOW - 0.25 }), 'ok')
    })

    it('rejects sub or jti that are not strings, and accepts them absent', () => {
      for (const value of [123, null, { a: 1 }, ['x']]) {
        assert.equal(codeOf({ sub: value }), 'claim_invalid')
        assert.equal(codeOf({ jti: value }), 'claim_invalid')
      }
      assert.equal(codeOf({ sub: undefined, jti: undefined }), 'ok')
    })
  })

  describe('audience (catalog E1-E7)', () => {
    it('accepts aud equal to the registry audience, as a string or a one-element array', () => {
      assert.equal(codeOf({ aud: AUD }), 'ok')
      assert.equal(codeOf({ aud: [AUD] }), 'ok')
    })

    for (const [name, aud] of [
      ['missing', undefined], ['another registry', 'https://packages.example.com/acme/pypi'], ['the issuer default', 'https://buildkite.com/acme'],
      ['a trailing slash', `${AUD}/`], ['another case', AUD.toUpperCase()], ['http instead of https', AUD.replace('https', 'http')],
      ['ours among others', ['https://other.example', AUD]], ['ours with junk', [AUD, 1, null, {}]], ['an empty array', []],
      ['a number', 1], ['null', null], ['an object', { aud: AUD }],
    ] as const) {
      it(`rejects a token whose aud is ${name}`, () => {
        assert.equal(codeOf({ aud }), 'audience_mismatch')
      })
    }
  })

  describe('time (catalog D2-D5, D8, D10)', () => {
    it('rejects a token whose exp is past by more than the skew, and accepts one within it', () => {
      assert.equal(codeOf({ iat: NOW - 200, exp: NOW - 31 }), 'token_expired')
      assert.equal(codeOf({ iat: NOW - 200, exp: NOW - 30 }), 'token_expired') // on `exp - skew` exactly: expired (RFC 7519 §4.1.4)
      assert.equal(codeOf({ iat: NOW - 200, exp: NOW - 29 }), 'ok')
      assert.equal(codeOf({ iat: NOW - 200, exp: NOW - 10 }, { clockSkewSeconds: 0 }), 'token_expired')
    })

    it('rejects a token whose nbf is in the future beyond the skew, and accepts one within it', () => {
      assert.equal(codeOf({ nbf: NOW + 31 }), 'token_not_yet_valid')
      assert.equal(codeOf({ nbf: NOW + 29 }), 'ok')
      assert.equal(codeOf({ nbf: NOW + 120 }), 'token_not_yet_valid')
    })

    it('rejects a token issued in the future beyond the skew, and accepts one within it', () => {
      assert.equal(codeOf({ iat: NOW + 3600, nbf: undefined, exp: NOW + 3700 }), 'token_issued_in_future')
      assert.equal(codeOf({ iat: NOW + 31, nbf: undefined, exp: NOW + 200 }), 'token_issued_in_future')
      assert.equal(codeOf({ iat: NOW + 29, nbf: undefined, exp: NOW + 200 }), 'ok')
    })

    it('rejects a token that lives longer than the issuer allows, and accepts one exactly at the limit', () => {
      assert.equal(codeOf({ exp: NOW + 301 }), 'token_lifetime_exceeded')
      assert.equal(codeOf({ exp: NOW + 86_400 }), 'token_lifetime_exceeded')
      assert.equal(codeOf({ exp: 253_402_300_799 }), 'token_lifetime_exceeded')
      assert.equal(codeOf({ exp: NOW + 300 }), 'ok')
      assert.equal(codeOf({ exp: NOW + 3600 }, { maxLifetimeSeconds: 3600 }), 'ok')
    })

    it('rejects an old token whose lifetime is too long even though exp is near (catalog D7)', () => {
      assert.equal(codeOf({ iat: NOW - 7200, nbf: NOW - 7200, exp: NOW + 60 }), 'token_lifetime_exceeded')
    })
  })
})
