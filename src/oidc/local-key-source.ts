/** A key source over a JWK Set held in memory: no HTTP, no cache, no cooldown. */
import { AppError } from '../errors.js'
import type { KeyLookup, KeySource } from './key-source.js'
import { readJwks } from './read-jwks.js'

export interface LocalKeySource extends KeySource {
  /** Replaces the keys (the embedded issuer's rotation); the next verification uses them. */
  replaceJwks(jwks: unknown): void
}

/**
 * Serves `deps.jwks` (a `{"keys": [...]}` object) for every `iss` of the issuer it is wired to. Unusable
 * members are ignored exactly as for a fetched JWKS.
 * @throws AppError `config_invalid` when `jwks` is not a JWK Set.
 */
export function createLocalKeySource(deps: { readonly jwks: unknown }): LocalKeySource {
  let lookup = readLookup(deps.jwks)
  return {
    getKeys: () => lookup,
    refreshKeys: () => null,
    replaceJwks: (jwks) => {
      lookup = readLookup(jwks)
    },
  }
}

function readLookup(jwks: unknown): KeyLookup {
  const contents = readJwks(jwks)
  if (contents === null) throw new AppError('config_invalid', 'a local key source needs a JWK Set: {"keys": [...]}')
  return Object.freeze({ ok: true, keys: contents.keys })
}
