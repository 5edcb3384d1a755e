import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { createFixedClock } from '../lib/clock.js'
import type { MetadataStore } from '../registry/ports.js'
import { openSqliteStore } from '../store/open-sqlite-store.js'
import { createIssuerKeyRing, type IssuerKeyRing } from './issuer-key-ring.js'
import { createIssuerKeySource } from './issuer-key-source.js'
import { MAX_TOKEN_LIFETIME_SECONDS, MAX_VERIFIER_CLOCK_SKEW_SECONDS, RETIRED_KEY_OVERLAP_MS, SIGNING_KEY_REFRESH_MS, UNKNOWN_KID_RELOAD_COOLDOWN_MS } from './issuer-limits.js'

const START_MS = Date.parse('2025-01-01T00:00:00Z')
const ISS = 'https://packyard.example/issuer'

describe('the issuer key ring', () => {
  let store: MetadataStore
  let clock: ReturnType<typeof createFixedClock>
  const ring = (defaultAlgorithm: 'RS256' | 'ES256' = 'RS256'): IssuerKeyRing => createIssuerKeyRing({ store, clock, defaultAlgorithm })
  const kids = (target: IssuerKeyRing) => target.publishedKeys().jwks.keys.map((key) => String(key.kid))
  const signAt = async (target: IssuerKeyRing) => {
    const now = Math.floor(clock.nowMs() / 1000)
    return target.sign({ iss: ISS, aud: 'a', iat: now, exp: now + 300 })
  }
  const verifiesWith = async (target: IssuerKeyRing, token: string) => {
    const { kid } = decodeProtectedHeader(token)
    const jwk = target.publishedKeys().jwks.keys.find((key) => key.kid === kid)
    if (jwk === undefined) return false
    const key = await importJWK({ ...jwk })
    await jwtVerify(token, key, { currentDate: new Date(clock.nowMs()) })
    return true
  }

  beforeEach(async () => {
    clock = createFixedClock(START_MS)
    store = await openSqliteStore({ path: ':memory:', clock })
  })
  afterEach(async () => store.close())

  it('creates one RS256 key on first start, and reuses it on the next start', async () => {
    const first = ring()
    await first.start()
    assert.equal(kids(first).length, 1)
    assert.equal(first.publishedKeys().jwks.keys[0]?.alg, 'RS256')
    const restarted = ring()
    await restarted.start()
    assert.deepEqual(kids(restarted), kids(first))
    assert.equal((await store.issuerKeys.list()).length, 1)
  })

  it('creates an ES256 key when that is the configured algorithm', async () => {
    const target = ring('ES256')
    await target.start()
    const jwk = target.publishedKeys().jwks.keys[0]
    assert.equal(jwk?.alg, 'ES256')
    assert.equal(jwk.crv, 'P-256')
    const { token } = await signAt(target)
    assert.equal(decodeProtectedHeader(token).alg, 'ES256')
    assert.ok(await verifiesWith(target, token))
  })

  it('publishes public members only, with kid, alg and use', async () => {
    const target = ring()
    await target.start()
    const [jwk] = target.publishedKeys().jwks.keys
    assert.deepEqual(Object.keys(jwk ?? {}).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'])
    assert.equal(jwk?.use, 'sig')
  })

  it('signs with typ JWT and the current kid', async () => {
    const target = ring()
    await target.start()
    const { token, kid } = await signAt(target)
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', kid, typ: 'JWT' })
    assert.equal(kid, kids(target)[0])
  })

  it('keeps every retired key published long enough for its last token to expire everywhere', () => {
    assert.ok(RETIRED_KEY_OVERLAP_MS >= SIGNING_KEY_REFRESH_MS + (MAX_TOKEN_LIFETIME_SECONDS + MAX_VERIFIER_CLOCK_SKEW_SECONDS) * 1000)
  })

  it('signs with the new key after a rotation, keeps the old one published for the overlap, then drops it', async () => {
    const target = ring()
    await target.start()
    const old = await signAt(target)
    const rotation = await target.rotate()
    assert.equal(rotation.algorithm, 'RS256')
    assert.deepEqual(rotation.retired, [{ kid: old.kid, publishedUntil: new Date(START_MS + RETIRED_KEY_OVERLAP_MS).toISOString() }])
    const fresh = await signAt(target)
    assert.equal(fresh.kid, rotation.kid)
    assert.notEqual(fresh.kid, old.kid)
    assert.deepEqual(kids(target), [rotation.kid, old.kid])
    clock.advanceMs(RETIRED_KEY_OVERLAP_MS - 1)
    assert.deepEqual(kids(target), [rotation.kid, old.kid])
    clock.advanceMs(1)
    assert.deepEqual(kids(target), [rotation.kid])
  })

  it('verifies tokens of the old key through the verifier key source during the overlap', async () => {
    const target = ring()
    await target.start()
    const source = createIssuerKeySource(target)
    const old = await signAt(target)
    await target.rotate()
    const lookup = await source.getKeys(ISS)
    assert.ok(lookup.ok)
    assert.deepEqual(lookup.keys.map((key) => key.kid).sort(), [...kids(target)].sort())
    assert.ok(lookup.keys.some((key) => key.kid === old.kid))
    clock.advanceMs(RETIRED_KEY_OVERLAP_MS)
    const later = await source.getKeys(ISS)
    assert.ok(later.ok)
    assert.equal(later.keys.some((key) => key.kid === old.kid), false)
  })

  it('rotates to ES256 on request, and keeps the current algorithm by default', async () => {
    const target = ring()
    await target.start()
    assert.equal((await target.rotate('ES256')).algorithm, 'ES256')
    assert.equal((await target.rotate()).algorithm, 'ES256')
    assert.equal(decodeProtectedHeader((await signAt(target)).token).alg, 'ES256')
  })

  it('deletes keys past their overlap from the store at the next rotation, private keys with them', async () => {
    const target = ring()
    await target.start()
    const first = kids(target)[0]
    await target.rotate()
    clock.advanceMs(RETIRED_KEY_OVERLAP_MS + 1)
    await target.rotate()
    const stored = (await store.issuerKeys.list()).map((key) => key.kid)
    assert.equal(stored.length, 2)
    assert.equal(stored.includes(String(first)), false)
  })

  it('reloads from the store for an unknown kid (another server rotated), at most once per cooldown', async () => {
    const serverA = ring()
    await serverA.start()
    const serverB = ring()
    await serverB.start()
    const source = createIssuerKeySource(serverA)
    const rotation = await serverB.rotate()
    const before = await source.getKeys(ISS)
    assert.ok(before.ok)
    assert.equal(before.keys.some((key) => key.kid === rotation.kid), false)
    const refreshed = source.refreshKeys(ISS)
    assert.ok(refreshed !== null)
    const after = await refreshed
    assert.ok(after.ok)
    assert.ok(after.keys.some((key) => key.kid === rotation.kid))
    assert.equal(source.refreshKeys(ISS), null)
    clock.advanceMs(UNKNOWN_KID_RELOAD_COOLDOWN_MS)
    assert.notEqual(source.refreshKeys(ISS), null)
  })

  it('signs with a key another server rotated in once its snapshot is older than the refresh interval', async () => {
    const serverA = ring()
    await serverA.start()
    const serverB = ring()
    await serverB.start()
    const rotation = await serverB.rotate()
    assert.notEqual((await signAt(serverA)).kid, rotation.kid)
    clock.advanceMs(SIGNING_KEY_REFRESH_MS)
    assert.equal((await signAt(serverA)).kid, rotation.kid)
  })
})
