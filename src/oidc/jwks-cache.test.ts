import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { issuerConfigFor, LOCAL_AUDIENCE, startLocalIssuer, type LocalIssuer } from '../../test/helpers/local-issuer.js'
import { createFixedClock } from '../lib/clock.js'
import type { TrustedIssuer } from './trusted-issuer.js'
import { JWKS_FAILURE_BACKOFF_MS, JWKS_MAX_AGE_MS, JWKS_MAX_STALE_MS, JWKS_REFETCH_COOLDOWN_MS } from './verification-limits.js'
import { createTokenVerifier, type TokenVerifier } from './verify-id-token.js'

const JWKS = '/.well-known/jwks'
const DISCOVERY = '/.well-known/openid-configuration'

describe('JWKS fetching and caching through the verifier', () => {
  const clock = createFixedClock(Date.UTC(2026, 0, 1))
  let issuer: LocalIssuer
  let verifier: TokenVerifier

  before(async () => {
    issuer = await startLocalIssuer({ clock })
  })
  after(async () => {
    await issuer.close()
  })
  beforeEach(() => {
    issuer.setFault('none')
    issuer.resetRequestCounts()
    verifier = createVerifier()
  })

  function createVerifier(overrides: Partial<TrustedIssuer> = {}): TokenVerifier {
    return createTokenVerifier({ issuers: [issuerConfigFor(issuer, overrides)], clock, fetchTimeoutMs: 2000 })
  }

  async function codeOf(token: string, using: TokenVerifier = verifier): Promise<string> {
    const result = await using.verify(token, LOCAL_AUDIENCE)
    return result.ok ? 'ok' : result.code
  }

  it('fetches nothing until the first token, then discovery and JWKS once, then serves from the cache', async () => {
    assert.equal(issuer.requestCount(), 0)
    assert.equal(await codeOf(issuer.sign()), 'ok')
    assert.equal(issuer.requestCount(DISCOVERY), 1)
    assert.equal(issuer.requestCount(JWKS), 1)
    for (let i = 0; i < 5; i += 1) assert.equal(await codeOf(issuer.sign({}, { alg: 'ES256' })), 'ok')
    assert.equal(issuer.requestCount(), 2)
  })

  it('uses a pinned jwks_uri without discovery', async () => {
    assert.equal(await codeOf(issuer.sign(), createVerifier({ jwksUri: issuer.jwksUri })), 'ok')
    assert.equal(issuer.requestCount(DISCOVERY), 0)
    assert.equal(issuer.requestCount(JWKS), 1)
  })

  it('accepts a key published after the cache was warm with exactly one refetch, once the cooldown allows (catalog G1)', async () => {
    assert.equal(await codeOf(issuer.sign()), 'ok')
    const rotated = issuer.rotateKey('RS256')
    try {
      assert.equal(await codeOf(issuer.sign({}, { key: rotated })), 'key_not_found') // within the cooldown: no fetch
      assert.equal(issuer.requestCount(JWKS), 1)
      clock.advanceMs(JWKS_REFETCH_COOLDOWN_MS + 1)
      assert.equal(await codeOf(issuer.sign({}, { key: rotated })), 'ok')
      assert.equal(issuer.requestCount(JWKS), 2)
      assert.equal(await codeOf(issuer.sign({}, { key: rotated })), 'ok')
      assert.equal(issuer.requestCount(JWKS), 2)
    } finally {
      issuer.removeKey(rotated.kid)
    }
  })

  it('answers an unknown-kid flood with one fetch per cooldown, concurrent refetches coalesced (catalog G2)', async () => {
    assert.equal(await codeOf(issuer.sign()), 'ok')
    clock.advanceMs(JWKS_REFETCH_COOLDOWN_MS + 1)
    const tokens = Array.from({ length: 200 }, () => issuer.sign({}, { kid: randomUUID() }))
    const flood = await Promise.all(tokens.map((token) => codeOf(token)))
    assert.ok(flood.every((code) => code === 'key_not_found'))
    assert.equal(issuer.requestCount(JWKS), 2)
    for (let i = 0; i < 50; i += 1) await codeOf(issuer.sign({}, { kid: randomUUID() }))
    assert.equal(issuer.requestCount(JWKS), 2)
    clock.advanceMs(JWKS_REFETCH_COOLDOWN_MS + 1)
    await codeOf(issuer.sign({}, { kid: randomUUID() }))
    assert.equal(issuer.requestCount(JWKS), 3)
  })

  it('refreshes keys older than the maximum age (catalog G3)', async () => {
    assert.equal(await codeOf(issuer.sign()), 'ok')
    clock.advanceMs(JWKS_MAX_AGE_MS - 1000)
    assert.equal(await codeOf(issuer.sign()), 'ok')
    assert.equal(issuer.requestCount(JWKS), 1)
    clock.advanceMs(2000)
    assert.equal(await codeOf(issuer.sign()), 'ok')
    assert.equal(issuer.requestCount(JWKS), 2)
  })

  it('serves stale keys while the issuer is down, up to the maximum staleness, then recovers (catalog G9)', async () => {
    assert.equal(await codeOf(issuer.sign()), 'ok')
    issuer.setFault('fail')
    clock.advanceMs(JWKS_MAX_AGE_MS + 1)
    assert.equal(await codeOf(issuer.sign()), 'ok') // refresh failed: stale keys
    const attempts = issuer.requestCount()
    assert.equal(await codeOf(issuer.sign()), 'ok') // within the failure backoff: no new attempt
    assert.equal(issuer.requestCount(), attempts)
    clock.advanceMs(JWKS_MAX_STALE_MS)
    const result = await verifier.verify(issuer.sign(), LOCAL_AUDIENCE)
    assert.ok(!result.ok)
    assert.equal(result.code, 'issuer_unavailable')
    assert.equal(result.retryAfterSeconds, JWKS_FAILURE_BACKOFF_MS / 1000)
    issuer.setFault('none')
    clock.advanceMs(JWKS_FAILURE_BACKOFF_MS)
    assert.equal(await codeOf(issuer.sign()), 'ok')
  })

  it('reports an issuer that is down with nothing cached as issuer_unavailable with Retry-After, and recovers', async () => {
    issuer.setFault('fail')
    const first = await verifier.verify(issuer.sign(), LOCAL_AUDIENCE)
    assert.deepEqual(first.ok ? null : [first.code, first.retryAfterSeconds, first.issuer], ['issuer_unavailable', 10, issuer.url])
    assert.match(first.ok ? '' : first.message, /HTTP 500/)
    const attempts = issuer.requestCount()
    clock.advanceMs(4000)
    const second = await verifier.verify(issuer.sign(), LOCAL_AUDIENCE)
    assert.deepEqual(second.ok ? null : [second.code, second.retryAfterSeconds], ['issuer_unavailable', 6])
    assert.equal(issuer.requestCount(), attempts)
    issuer.setFault('none')
    clock.advanceMs(JWKS_FAILURE_BACKOFF_MS)
    assert.equal(await codeOf(issuer.sign()), 'ok')
  })

  it('gives up on a hanging JWKS after the timeout while other verifications go on (catalog G4)', async () => {
    const healthy = await startLocalIssuer({ clock })
    try {
      const both = createTokenVerifier({ issuers: [issuerConfigFor(issuer), issuerConfigFor(healthy, { name: 'healthy' })], clock, fetchTimeoutMs: 800 })
      issuer.setFault('hang', 'jwks')
      const started = performance.now()
      let settled = false
      const hanging = Promise.resolve(both.verify(issuer.sign(), LOCAL_AUDIENCE)).finally(() => { settled = true })
      assert.equal(await codeOf(healthy.sign(), both), 'ok')
      assert.equal(settled, false, 'the healthy issuer waited for the hanging one')
      const result = await hanging
      assert.deepEqual(result.ok ? null : result.code, 'issuer_unavailable')
      assert.ok(performance.now() - started < 3000)
    } finally {
      await healthy.close()
    }
  })

  for (const fault of ['huge', 'huge-declared'] as const) {
    it(`refuses a JWKS body over the cap (${fault}) without reading it all (catalog G5)`, async () => {
      issuer.setFault(fault, 'jwks')
      const result = await verifier.verify(issuer.sign(), LOCAL_AUDIENCE)
      assert.deepEqual(result.ok ? null : result.code, 'issuer_unavailable')
      assert.match(result.ok ? '' : result.message, /bytes/)
    })
  }

  it('follows a same-origin redirect and refuses one to another origin (catalog G6)', async () => {
    issuer.setFault('redirect-same-origin', 'jwks')
    assert.equal(await codeOf(issuer.sign()), 'ok')
    assert.equal(issuer.requestCount(`/moved${JWKS}`), 1)
    issuer.setFault('redirect-cross-origin', 'jwks')
    issuer.resetRequestCounts()
    const result = await createVerifier().verify(issuer.sign(), LOCAL_AUDIENCE)
    assert.deepEqual(result.ok ? null : result.code, 'issuer_unavailable')
    assert.equal(issuer.requestCount(JWKS), 1) // the redirect itself; its target (on localhost) was never requested
  })

  for (const fault of ['invalid-json', 'not-jwks'] as const) {
    it(`refuses a JWKS that is ${fault} (catalog G7)`, async () => {
      issuer.setFault(fault, 'jwks')
      assert.equal(await codeOf(issuer.sign()), 'issuer_unavailable')
    })
  }

  it('refuses a discovery document whose issuer is not the token issuer, and never fetches its JWKS (catalog E11)', async () => {
    issuer.setFault('wrong-issuer', 'discovery')
    assert.equal(await codeOf(issuer.sign()), 'issuer_unavailable')
    assert.equal(issuer.requestCount(JWKS), 0)
  })

  it('refuses http and loopback addresses unless allowInsecureHttp, without any request', async () => {
    assert.equal(await codeOf(issuer.sign(), createVerifier({ allowInsecureHttp: false })), 'issuer_unavailable')
    assert.equal(issuer.requestCount(), 0)
  })

  it('caches a pattern issuer per concrete issuer and bounds how many it keeps', async () => {
    const pattern = issuerConfigFor({ issuer: `${issuer.url}/org/*` })
    const bounded = createTokenVerifier({ issuers: [pattern], clock, jwksCache: { maxIssuers: 2 } })
    const iss = (org: string) => `${issuer.url}/org/${org}`
    for (const org of ['a', 'b', 'a']) assert.equal(await codeOf(issuer.sign({ iss: iss(org) }), bounded), 'ok')
    assert.equal(issuer.requestCount(`/org/a${JWKS}`), 1)
    assert.equal(issuer.requestCount(`/org/b${JWKS}`), 1)
    assert.equal(await codeOf(issuer.sign({ iss: iss('c') }), bounded), 'ok') // evicts b, the least recently used
    assert.equal(await codeOf(issuer.sign({ iss: iss('a') }), bounded), 'ok')
    assert.equal(issuer.requestCount(`/org/a${JWKS}`), 1)
    assert.equal(await codeOf(issuer.sign({ iss: iss('b') }), bounded), 'ok')
    assert.equal(issuer.requestCount(`/org/b${JWKS}`), 2)
    assert.equal(await codeOf(issuer.sign({ iss: iss('a/b') }), bounded), 'issuer_not_trusted')
    assert.equal(await codeOf(issuer.sign({ iss: iss('a\\..\\..') }), bounded), 'issuer_not_trusted')
  })
})
