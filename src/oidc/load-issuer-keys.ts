/**
 * Fetches one concrete issuer's keys: the pinned `jwksUri`, or OpenID Connect Discovery 1.0 §4 (the
 * configuration's `issuer` must equal `iss` exactly, §4.3; its `jwks_uri` must share the issuer's origin,
 * catalog G8), then the JWK Set.
 */
import type { AddressPolicy } from './classify-address.js'
import type { FetchJson } from './guarded-fetch.js'
import type { VerificationKey } from './import-verification-key.js'
import { isJsonObject, readOwn } from '../lib/is-json-object.js'
import { readJwks } from './read-jwks.js'
import type { TrustedIssuer } from './trusted-issuer.js'

export type LoadedKeys =
  | { readonly ok: true; readonly keys: readonly VerificationKey[]; readonly jwksUri: string }
  | { readonly ok: false; readonly message: string }

/** Loads the keys of `iss`; `knownJwksUri` (from an earlier successful load) skips discovery. Never rejects. */
export type LoadKeys = (iss: string, knownJwksUri: string | null) => Promise<LoadedKeys>

export interface IssuerKeysLoaderDeps {
  readonly issuer: TrustedIssuer
  readonly fetchJson: FetchJson
}

/** Creates the loader of one configured issuer (exact or pattern). */
export function createIssuerKeysLoader(deps: IssuerKeysLoaderDeps): LoadKeys {
  const { issuer, fetchJson } = deps
  const policy: AddressPolicy = { allowInsecureHttp: issuer.allowInsecureHttp, allowPrivateAddresses: issuer.allowPrivateAddresses }
  return async (iss, knownJwksUri) => {
    const jwksUri = knownJwksUri ?? pinnedJwksUri(issuer, iss) ?? (await discoverJwksUri(iss, fetchJson, policy))
    if (typeof jwksUri !== 'string') return jwksUri
    const fetched = await fetchJson(jwksUri, policy)
    if (!fetched.ok) return { ok: false, message: `JWKS: ${fetched.message}` }
    const contents = readJwks(fetched.value)
    if (contents === null) return { ok: false, message: 'JWKS: the document is not a JWK Set' }
    return { ok: true, keys: contents.keys, jwksUri }
  }
}

/** The configured `jwks_uri`, with `{iss}` standing for the concrete issuer of a pattern. */
function pinnedJwksUri(issuer: TrustedIssuer, iss: string): string | null {
  return issuer.jwksUri === undefined ? null : issuer.jwksUri.replaceAll('{iss}', iss)
}

async function discoverJwksUri(iss: string, fetchJson: FetchJson, policy: AddressPolicy): Promise<string | LoadedKeys> {
  // OIDC Discovery §4: the issuer with any trailing `/` removed, then the well-known path.
  const fetched = await fetchJson(`${iss.replace(/\/$/, '')}/.well-known/openid-configuration`, policy)
  if (!fetched.ok) return { ok: false, message: `discovery: ${fetched.message}` }
  const document = fetched.value
  if (!isJsonObject(document)) return { ok: false, message: 'discovery: the document is not a JSON object' }
  if (readOwn(document, 'issuer') !== iss) return { ok: false, message: 'discovery: its issuer is not the token issuer' }
  const jwksUri = readOwn(document, 'jwks_uri')
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) return { ok: false, message: 'discovery: no valid jwks_uri' }
  if (!URL.canParse(iss) || new URL(jwksUri).origin !== new URL(iss).origin) {
    return { ok: false, message: 'discovery: jwks_uri is on another origin (pin jwks_uri in the configuration to allow it)' }
  }
  return jwksUri
}
