/**
 * The embedded issuer's signing keys: the one that signs, the retired ones still published, rotation, and reloads
 * from the store, which is the source of truth when several servers share one database. Private keys are used
 * here and nowhere else: callers get signed tokens and public JWKs.
 */
import { importPKCS8, SignJWT } from 'jose'
import { AppError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { MetadataStore } from '../registry/ports.js'
import { generateSigningKey } from './generate-signing-key.js'
import { RETIRED_KEY_OVERLAP_MS, SIGNING_KEY_REFRESH_MS, UNKNOWN_KID_RELOAD_COOLDOWN_MS } from './issuer-limits.js'
import type { IssuerSigningAlgorithm, IssuerSigningKey } from './issuer-ports.js'

/** The public keys published at one moment; the same object until the set changes, so callers can compare. */
export interface PublishedKeys {
  readonly jwks: { readonly keys: readonly Readonly<Record<string, unknown>>[] }
}

export interface KeyRotation {
  readonly kid: string
  readonly algorithm: IssuerSigningAlgorithm
  readonly createdAt: string
  /** The keys that stopped signing, and until when they stay published. */
  readonly retired: readonly { readonly kid: string; readonly publishedUntil: string }[]
}

export interface IssuerKeyRing {
  /** Loads the keys, creating the first one on an empty store (first start), and drops keys past their overlap. */
  start(): Promise<void>
  /** Signs `claims` with the current key (header alg, kid, typ JWT). */
  sign(claims: Readonly<Record<string, unknown>>): Promise<{ token: string; kid: string }>
  /** The keys published now, from memory: the verifier's hot path. */
  publishedKeys(): PublishedKeys
  /** The same, re-read from the store first when older than SIGNING_KEY_REFRESH_MS: for the JWKS route. */
  freshPublishedKeys(): Promise<PublishedKeys>
  /** Re-reads the store for a token with an unknown kid; null while the cooldown runs. */
  reloadAfterUnknownKid(): Promise<void> | null
  /** A new key signs from now on; the old ones stay published for RETIRED_KEY_OVERLAP_MS. Default: the current algorithm. */
  rotate(algorithm?: IssuerSigningAlgorithm): Promise<KeyRotation>
}

export interface IssuerKeyRingDeps {
  readonly store: MetadataStore
  readonly clock: Clock
  /** The algorithm of the first key. */
  readonly defaultAlgorithm: IssuerSigningAlgorithm
  /** Key generation; tests pass a faster or counting one. */
  readonly generateKey?: typeof generateSigningKey
}

type PrivateKey = Awaited<ReturnType<typeof importPKCS8>>

interface Snapshot {
  readonly keys: readonly IssuerSigningKey[]
  readonly loadedAtMs: number
}

export function createIssuerKeyRing(deps: IssuerKeyRingDeps): IssuerKeyRing {
  const { store, clock } = deps
  const generateKey = deps.generateKey ?? generateSigningKey
  const privateKeys = new Map<string, Promise<PrivateKey>>()
  let snapshot: Snapshot = { keys: [], loadedAtMs: Number.NEGATIVE_INFINITY }
  let published: { value: PublishedKeys; keys: readonly IssuerSigningKey[]; validUntilMs: number } | null = null
  let loadsStarted = 0
  let loadsApplied = 0
  let inFlight: Promise<void> | null = null
  let lastUnknownKidReloadMs = Number.NEGATIVE_INFINITY
  const iso = (ms: number) => new Date(ms).toISOString()

  /** Reads the store; a load that finishes after a newer one never overwrites it. */
  const loadNow = async (): Promise<void> => {
    const sequence = (loadsStarted += 1)
    const keys = await store.issuerKeys.list()
    if (sequence < loadsApplied) return
    loadsApplied = sequence
    snapshot = { keys, loadedAtMs: clock.nowMs() }
  }
  /** Concurrent callers share one read. */
  const reload = (): Promise<void> => {
    inFlight ??= loadNow().finally(() => { inFlight = null })
    return inFlight
  }
  const refreshIfStale = async () => {
    if (clock.nowMs() - snapshot.loadedAtMs >= SIGNING_KEY_REFRESH_MS) await reload()
  }

  const publishedKeys = (): PublishedKeys => {
    const nowMs = clock.nowMs()
    if (published !== null && published.keys === snapshot.keys && nowMs < published.validUntilMs) return published.value
    const live = snapshot.keys.filter((key) => key.retiredAt === null || Date.parse(key.retiredAt) + RETIRED_KEY_OVERLAP_MS > nowMs)
    const validUntilMs = Math.min(...live.map((key) => (key.retiredAt === null ? Number.POSITIVE_INFINITY : Date.parse(key.retiredAt) + RETIRED_KEY_OVERLAP_MS)))
    published = { value: Object.freeze({ jwks: Object.freeze({ keys: Object.freeze(live.map((key) => key.publicJwk)) }) }), keys: snapshot.keys, validUntilMs }
    return published.value
  }

  const importPrivateKey = (key: IssuerSigningKey): Promise<PrivateKey> => {
    let imported = privateKeys.get(key.kid)
    if (imported === undefined) {
      imported = importPKCS8(key.privateKeyPem, key.algorithm)
      imported.catch(() => privateKeys.delete(key.kid))
      privateKeys.set(key.kid, imported)
    }
    return imported
  }

  const pruneBefore = async (nowMs: number, on: MetadataStore) => {
    await on.issuerKeys.deleteRetiredBefore(iso(nowMs - RETIRED_KEY_OVERLAP_MS))
  }

  return {
    async start() {
      await loadNow()
      if (signingKeyOf(snapshot.keys) === undefined) {
        await store.issuerKeys.insert(await generateKey(deps.defaultAlgorithm, iso(clock.nowMs())))
      }
      await pruneBefore(clock.nowMs(), store)
      await loadNow()
    },
    async sign(claims) {
      await refreshIfStale()
      const key = signingKeyOf(snapshot.keys)
      if (key === undefined) throw new AppError('internal_error', 'the embedded issuer has no signing key')
      const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'JWT' }).sign(await importPrivateKey(key))
      return { token, kid: key.kid }
    },
    publishedKeys,
    async freshPublishedKeys() {
      await refreshIfStale()
      return publishedKeys()
    },
    reloadAfterUnknownKid() {
      const nowMs = clock.nowMs()
      if (nowMs - lastUnknownKidReloadMs < UNKNOWN_KID_RELOAD_COOLDOWN_MS) return null
      lastUnknownKidReloadMs = nowMs
      return reload()
    },
    async rotate(algorithm) {
      const nowMs = clock.nowMs()
      const createdAt = iso(nowMs)
      const chosen = algorithm ?? signingKeyOf(snapshot.keys)?.algorithm ?? deps.defaultAlgorithm
      const key = await generateKey(chosen, createdAt)
      const retired = await store.transaction(async (tx) => {
        await tx.issuerKeys.insert(key)
        const kids = await tx.issuerKeys.retireAllExcept(key.kid, createdAt)
        await pruneBefore(nowMs, tx)
        return kids
      })
      // Read at once, not through a shared read that may have started before the commit: the new key signs now.
      await loadNow()
      const publishedUntil = iso(nowMs + RETIRED_KEY_OVERLAP_MS)
      return Object.freeze({ kid: key.kid, algorithm: chosen, createdAt, retired: Object.freeze(retired.map((kid) => ({ kid, publishedUntil }))) })
    },
  }
}

/** The newest key that has not been retired. */
function signingKeyOf(keys: readonly IssuerSigningKey[]): IssuerSigningKey | undefined {
  return keys.find((key) => key.retiredAt === null)
}
