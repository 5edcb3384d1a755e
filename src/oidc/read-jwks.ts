/** Reads a JWK Set document (RFC 7517 §5) into usable verification keys. */
import { importVerificationKey, type VerificationKey } from './import-verification-key.js'
import { isJsonObject, readOwn } from '../lib/is-json-object.js'
import { MAX_KEYS_PER_ISSUER } from './verification-limits.js'

export interface JwksContents {
  /** The usable keys, in document order. */
  readonly keys: readonly VerificationKey[]
  /** How many members were ignored: unusable (private, `oct`, weak RSA, wrong `use`...) or beyond the cap. */
  readonly ignored: number
}

/**
 * The usable keys of `document`, or null when it is not `{"keys": [...]}`. Only the first
 * MAX_KEYS_PER_ISSUER members are considered, so a hostile JWKS costs a bounded number of key imports.
 * A set with no usable key is valid (every token of the issuer is then `key_not_found`).
 */
export function readJwks(document: unknown, maxKeys: number = MAX_KEYS_PER_ISSUER): JwksContents | null {
  if (!isJsonObject(document)) return null
  const members = readOwn(document, 'keys')
  if (!Array.isArray(members)) return null
  const keys: VerificationKey[] = []
  const considered: readonly unknown[] = members.slice(0, maxKeys)
  for (const member of considered) {
    const imported = importVerificationKey(member)
    if (imported.ok) keys.push(imported.key)
  }
  return Object.freeze({ keys: Object.freeze(keys), ignored: members.length - keys.length })
}
