/**
 * A verifier that remembers tokens it accepted, per audience, until they expire: clients that send the same
 * token on every request (twine, OCI clients, npm) then cost one signature check, not one per request. The
 * policy is still evaluated on every request by the caller, so a policy change applies at once.
 *
 * A token is cached the second time it verifies, not the first: most tokens a CI job requests are sent once or
 * twice, and holding each for minutes would only move them into the old generation of the heap, where they
 * cost a full garbage collection later (the fresh-token benchmark read 0.63 of anonymous reads so, 0.67 with
 * this). A token seen once is remembered by 30 bits of its signature's end, which is random, in a fixed table
 * of such fingerprints: no string (a slice of the token would keep the whole token alive) and no allocation
 * per token. A fingerprint overwritten before its token's second use only delays caching that token by a use.
 *
 * Found by the same fingerprint and then matched on the exact token text, so a lookup never hashes a
 * kilobyte of token (which a string-keyed map does on every request, since each request's header is a new
 * string); two cached tokens with one fingerprint only evict each other. An entry is valid for the one
 * audience it was verified for (a token whose `aud` lists two registries is verified again when it moves
 * between them). Token variants cannot hit another token's entry: the parser accepts one spelling per token
 * (canonical base64url), and any other text is verified in full. Refusals are never cached, so a token
 * refused while its issuer was down is retried.
 */
import type { Clock } from '../lib/clock.js'
import { thenMaybe } from '../lib/maybe-promise.js'
import { MAX_CACHED_VERIFIED_TOKENS } from './verification-limits.js'
import type { TokenVerifier, VerifyResult } from './verify-id-token.js'

/** Oldest entries looked at per insert for expiry. */
const EXPIRED_CHECKS_PER_INSERT = 2
/** Characters of a token's end (its signature) that mark it as seen once: 5 × 6 bits, a V8 small integer. */
const FINGERPRINT_CHARACTERS = 5
/** Slots of the seen-once table (a power of two): 128 KiB, about three times the verified-token cache's size. */
const SEEN_ONCE_SLOTS = 1 << 15

interface Entry {
  readonly token: string
  readonly audience: string
  /** The result every later use gets: the same VerifiedToken, marked `reused`. */
  readonly result: VerifyResult & { ok: true; reused: true }
  /** When the verifier itself would start refusing the token as expired, in ms. */
  readonly expiresAtMs: number
}

export function createCachingTokenVerifier(inner: TokenVerifier, deps: { clock: Clock; maxEntries?: number }): TokenVerifier {
  const maxEntries = deps.maxEntries ?? MAX_CACHED_VERIFIED_TOKENS
  /** By fingerprint; the entry's token is compared in full. */
  const entries = new Map<number, Entry>()
  /**
   * Fingerprints of tokens verified once and not cached, each in the slot its low bits choose; a slot holds
   * fingerprint + 1, so that an empty slot (0) matches no fingerprint.
   */
  const seenOnce = new Int32Array(SEEN_ONCE_SLOTS)
  const isSecondSighting = (fingerprint: number): boolean => {
    // Both halves of the 30 bits choose the slot, so tokens that differ in any of their last characters part.
    const slot = (fingerprint ^ (fingerprint >>> 15)) & (SEEN_ONCE_SLOTS - 1)
    if (seenOnce[slot] === fingerprint + 1) {
      seenOnce[slot] = 0
      return true
    }
    seenOnce[slot] = fingerprint + 1
    return false
  }
  return {
    verify(token, audience) {
      const fingerprint = fingerprintOf(token)
      const cached = entries.get(fingerprint)
      if (cached !== undefined && cached.token === token) {
        if (cached.audience === audience && deps.clock.nowMs() < cached.expiresAtMs) return cached.result
        entries.delete(fingerprint)
      }
      return thenMaybe(inner.verify(token, audience), (result) => {
        if (result.ok && isSecondSighting(fingerprint)) remember(fingerprint, token, audience, result)
        return result
      })
    },
  }

  function remember(fingerprint: number, token: string, audience: string, result: VerifyResult & { ok: true }): void {
    const { exp } = result.token.claims
    if (typeof exp !== 'number') return
    // The verifier accepts a token until `exp + skew`; the cache stops at `exp`, never later than the verifier.
    const expiresAtMs = exp * 1000
    // Deleted first so that the entry moves to the end: the map's order is the order of expiry.
    entries.delete(fingerprint)
    dropOldest(deps.clock.nowMs())
    entries.set(fingerprint, { token, audience, result: Object.freeze({ ok: true, token: result.token, reused: true }), expiresAtMs })
  }

  /**
   * Constant work per insert: drops the oldest entry when full, and a few of the oldest if they have expired
   * (insertion order is close to expiry order, since lifetimes are capped). A full scan here would cost
   * O(entries) on every new token at exactly the moment a flood of fresh tokens fills the cache.
   */
  function dropOldest(nowMs: number): void {
    let checked = 0
    for (const [key, entry] of entries) {
      if (entries.size < maxEntries && (entry.expiresAtMs > nowMs || checked >= EXPIRED_CHECKS_PER_INSERT)) break
      entries.delete(key)
      checked += 1
    }
  }
}

/**
 * The last FINGERPRINT_CHARACTERS of `token` as a number of their low 6 bits each. Any text gives some number;
 * a collision only caches a token one sighting early.
 */
function fingerprintOf(token: string): number {
  let fingerprint = 0
  for (let index = Math.max(0, token.length - FINGERPRINT_CHARACTERS); index < token.length; index += 1) {
    fingerprint = fingerprint * 64 + (token.charCodeAt(index) & 63)
  }
  return fingerprint
}
