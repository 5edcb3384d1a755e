import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readUnverifiedAudience } from './registry-token-service.js'

const jwt = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`

describe('readUnverifiedAudience', () => {
  it('reads a string audience, or an array of exactly one', () => {
    assert.equal(readUnverifiedAudience(jwt({ aud: 'https://p.example/acme/js' })), 'https://p.example/acme/js')
    assert.equal(readUnverifiedAudience(jwt({ aud: ['https://p.example/acme/js'] })), 'https://p.example/acme/js')
  })
  for (const [what, token] of [
    ['two audiences', jwt({ aud: ['a', 'b'] })],
    ['no audience', jwt({ sub: 'x' })],
    ['a numeric audience', jwt({ aud: 1 })],
    ['an inherited audience', jwt(JSON.parse('{"__proto__": {"aud": "x"}}'))],
    ['a payload that is not JSON', 'e30.bm90IGpzb24.sig'],
    ['an API token', 'pky_abc'],
  ] as const) {
    it(`gives null for ${what}`, () => { assert.equal(readUnverifiedAudience(token), null) })
  }
})
