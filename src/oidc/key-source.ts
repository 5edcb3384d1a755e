/**
 * Where the verifier gets an issuer's keys. The default is the JWKS cache (fetched over HTTPS); an issuer
 * whose keys are held in memory, such as Packyard's embedded issuer, uses `createLocalKeySource` instead:
 * `keySources: { [embedded.issuer]: createLocalKeySource({ jwks }) }`.
 */
import type { MaybePromise } from '../lib/maybe-promise.js'
import type { VerificationKey } from './import-verification-key.js'

export type KeyLookup =
  | { readonly ok: true; readonly keys: readonly VerificationKey[] }
  | {
      readonly ok: false
      /** Safe for the caller: says what failed (timeout, HTTP status...), never a token. */
      readonly message: string
      /** When the next fetch may be attempted, for `Retry-After`. */
      readonly retryAfterSeconds: number
    }

export interface KeySource {
  /**
   * The keys of the concrete issuer `iss` (for a pattern issuer, the token's own `iss`). Returns synchronously
   * when the keys are cached, so that the hot path awaits nothing.
   */
  getKeys(iss: string): MaybePromise<KeyLookup>
  /**
   * Called when no key matched the token: refetches when the source allows it now (at most once per cooldown,
   * concurrent calls sharing one fetch), or returns null when there is nothing new to try.
   */
  refreshKeys(iss: string): Promise<KeyLookup> | null
}
