import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFixedClock } from '../lib/clock.js'
import { createCachingTokenVerifier } from './caching-token-verifier.js'
import type { TokenVerifier, VerifyResult } from './verify-id-token.js'
import type { VerifiedToken } from './verified-token.js'

const NOW_S = 1_800_000_000

/** An inner verifier that answers with a promise, as one fetching keys does, or at once (`sync`), as with cached keys. */
function countingVerifier(outcome: (token: string) => VerifyResult, sync = false): TokenVerifier & { calls: number } {
  const verifier = {
    calls: 0,
    verify(token: string) {
      verifier.calls += 1
      return sync ? outcome(token) : Promise.resolve(outcome(token))
    },
  }
  return verifier
}

const accepted = (exp: number): VerifyResult => ({ ok: true, token: { claims: { exp } } as unknown as VerifiedToken })
const refused: VerifyResult = { ok: false, code: 'issuer_unavailable', message: 'down', retryAfterSeconds: 10 }

describe('createCachingTokenVerifier', () => {
  it('verifies a reused token twice (it is cached on its second use) until it expires', async () => {
    const clock = createFixedClock(NOW_S * 1000)
    const inner = countingVerifier(() => accepted(NOW_S + 60))
    const verifier = createCachingTokenVerifier(inner, { clock })
    for (let i = 0; i < 5; i += 1) assert.equal((await verifier.verify('t', 'aud')).ok, true)
    assert.equal(inner.calls, 2)
    clock.advanceMs(60_000)
    await verifier.verify('t', 'aud')
    assert.equal(inner.calls, 3)
  })

  it('does not hold on to tokens used once', async () => {
    const inner = countingVerifier(() => accepted(NOW_S + 60))
    const verifier = createCachingTokenVerifier(inner, { clock: createFixedClock(NOW_S * 1000), maxEntries: 4 })
    // Twenty distinct tokens, each once; then the first again: it was never cached, so it is verified again.
    for (let i = 0; i < 20; i += 1) await verifier.verify(`token-${String(i).padStart(20, '0')}`, 'aud')
    await verifier.verify(`token-${'0'.repeat(20)}`, 'aud')
    assert.equal(inner.calls, 21)
  })

  it('keeps audiences apart: a token cached for one registry is verified again for another', async () => {
    const inner = countingVerifier(() => accepted(NOW_S + 60))
    const verifier = createCachingTokenVerifier(inner, { clock: createFixedClock(NOW_S * 1000) })
    for (let i = 0; i < 3; i += 1) await verifier.verify('t', 'https://r/acme/a')
    assert.equal(inner.calls, 2)
    await verifier.verify('t', 'https://r/acme/b')
    assert.equal(inner.calls, 3)
  })

  it('never caches a refusal', async () => {
    const inner = countingVerifier(() => refused)
    const verifier = createCachingTokenVerifier(inner, { clock: createFixedClock(NOW_S * 1000) })
    await verifier.verify('t', 'aud')
    await verifier.verify('t', 'aud')
    assert.equal(inner.calls, 2)
  })

  it('stays within its size bound', async () => {
    const inner = countingVerifier(() => accepted(NOW_S + 60))
    const verifier = createCachingTokenVerifier(inner, { clock: createFixedClock(NOW_S * 1000), maxEntries: 2 })
    // Each used twice, so each is cached; the cache keeps the newest two.
    for (const token of ['a', 'a', 'b', 'b', 'c', 'c']) await verifier.verify(token, 'aud')
    assert.equal(inner.calls, 6)
    await verifier.verify('c', 'aud')
    assert.equal(inner.calls, 6)
    await verifier.verify('a', 'aud')
    assert.equal(inner.calls, 7)
  })

  it('marks a recalled token as reused and gives the same VerifiedToken every time, without a promise', async () => {
    const token = { claims: { exp: NOW_S + 60 } } as unknown as VerifiedToken
    const inner = countingVerifier(() => ({ ok: true, token }), true)
    const verifier = createCachingTokenVerifier(inner, { clock: createFixedClock(NOW_S * 1000) })
    const first = verifier.verify('t', 'aud')
    assert.ok(!(first instanceof Promise) && first.ok && first.reused === undefined, 'verified in full: not reused')
    await verifier.verify('t', 'aud')
    const recalled = verifier.verify('t', 'aud')
    assert.ok(!(recalled instanceof Promise), 'a recalled token needs no promise')
    assert.ok(recalled.ok)
    assert.equal(recalled.reused, true)
    assert.equal(recalled.token, token)
    assert.equal(inner.calls, 2)
  })

  it('tells tokens apart by their ends, whatever their length, short ones included', async () => {
    const inner = countingVerifier(() => accepted(NOW_S + 60))
    const verifier = createCachingTokenVerifier(inner, { clock: createFixedClock(NOW_S * 1000) })
    // Same beginning, different last characters: each is a first sighting, so none is cached.
    for (const token of ['x', 'eyJ.a.AAAAA', 'eyJ.a.AAAAB', 'eyJ.a.BAAAA']) await verifier.verify(token, 'aud')
    for (const token of ['x', 'eyJ.a.AAAAA', 'eyJ.a.AAAAB', 'eyJ.a.BAAAA']) await verifier.verify(token, 'aud')
    assert.equal(inner.calls, 8)
    // Now each was seen twice and is cached.
    for (const token of ['x', 'eyJ.a.AAAAA', 'eyJ.a.AAAAB', 'eyJ.a.BAAAA']) await verifier.verify(token, 'aud')
    assert.equal(inner.calls, 8)
  })
})
