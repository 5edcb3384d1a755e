/**
 * How the server's own verifier gets the embedded issuer's keys: from the key ring's memory, without HTTP. A token
 * whose kid is unknown (another server sharing the database rotated the key) makes the ring re-read the store,
 * at most once per UNKNOWN_KID_RELOAD_COOLDOWN_MS.
 */
import type { KeyLookup, KeySource } from '../oidc/key-source.js'
import { createLocalKeySource } from '../oidc/local-key-source.js'
import type { IssuerKeyRing, PublishedKeys } from './issuer-key-ring.js'

export function createIssuerKeySource(ring: IssuerKeyRing): KeySource {
  let shown: PublishedKeys = ring.publishedKeys()
  const local = createLocalKeySource({ jwks: shown.jwks })
  /** Re-imports the keys only when the published set changed (a rotation, a reload, a key past its overlap). */
  const current = (iss: string): KeyLookup | Promise<KeyLookup> => {
    const latest = ring.publishedKeys()
    if (latest !== shown) {
      local.replaceJwks(latest.jwks)
      shown = latest
    }
    return local.getKeys(iss)
  }
  return {
    getKeys: current,
    refreshKeys(iss) {
      const reloading = ring.reloadAfterUnknownKid()
      return reloading === null ? null : reloading.then(() => current(iss))
    },
  }
}
