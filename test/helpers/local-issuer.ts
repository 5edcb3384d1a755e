/**
 * A real OIDC issuer on 127.0.0.1 for tests: discovery and JWKS over HTTP, keys it can add, rotate and remove,
 * tokens signed with sensible defaults, forged tokens for the attack tests, per-path request counts, and
 * switchable faults (500, hang, huge body, redirects, wrong discovery issuer).
 *
 *   const issuer = await startLocalIssuer({ clock })
 *   const verifier = createTokenVerifier({ issuers: [issuerConfigFor(issuer)], clock })
 *   await verifier.verify(issuer.sign({ pipeline_slug: 'web' }), LOCAL_AUDIENCE)
 *
 * Every path ending in `/.well-known/openid-configuration` or `/.well-known/jwks` is served, with the issuer
 * being the origin plus the path before `/.well-known`, so `${issuer.url}/org/123` works for pattern issuers.
 */
import { constants, createHmac, randomUUID, sign, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../../src/lib/clock.js'
import type { SigningAlgorithm, TrustedIssuer } from '../../src/oidc/trusted-issuer.js'
import { generateLocalKey, type LocalKey } from './local-key.js'

export type { LocalKey } from './local-key.js'

/** The audience `sign` puts in tokens by default: a registry `acme/packages` on the default listen address. */
export const LOCAL_AUDIENCE = 'http://127.0.0.1:8080/acme/packages'

/** What the issuer does instead of answering normally. */
export type IssuerFault =
  | 'none' | 'fail' | 'hang' | 'huge' | 'huge-declared' | 'invalid-json' | 'not-jwks'
  | 'redirect-same-origin' | 'redirect-cross-origin' | 'wrong-issuer'

export type FaultTarget = 'jwks' | 'discovery' | 'all'

export interface SignOptions {
  readonly alg?: SigningAlgorithm
  /** The key to sign with; default the newest published key for `alg`. */
  readonly key?: LocalKey
  /** The header `kid`; default the key's kid; null leaves it out. */
  readonly kid?: string | null
  /** Header members to add or replace; an `undefined` value removes one. */
  readonly header?: Readonly<Record<string, unknown>>
}

export interface LocalIssuerOptions {
  /** The time `sign` stamps tokens with; default the system clock. */
  readonly clock?: Clock
  /** Keys created at start, one per algorithm; default RS256 and ES256. */
  readonly algorithms?: readonly SigningAlgorithm[]
}

export interface LocalIssuer {
  /** `http://127.0.0.1:PORT`, also the issuer (`iss`) of its tokens. */
  readonly url: string
  readonly issuer: string
  readonly jwksUri: string
  readonly discoveryUri: string
  /** Every key made, published or not, oldest first. */
  readonly keys: readonly LocalKey[]
  /** Makes a key (RSA 2048 by default) and publishes it unless `publish: false`. */
  addKey(alg: SigningAlgorithm, options?: { kid?: string; publish?: boolean; modulusLength?: number }): LocalKey
  /** Publishes a new key for `alg`, which `sign` then uses; the old one stays published until removed. */
  rotateKey(alg?: SigningAlgorithm): LocalKey
  /** Stops publishing the keys with `kid`. */
  removeKey(kid: string): void
  /** Publishes an extra raw JWK as is (a private key, an `oct` key, a key with `use: enc`...). */
  publishJwk(jwk: Readonly<Record<string, unknown>>): void
  /** The JWK Set currently served. */
  jwks(): { keys: Record<string, unknown>[] }
  /** The default claims at the injected now: iss, sub, aud, iat, nbf, exp (+300 s), jti, Buildkite-like claims. */
  claims(overrides?: Readonly<Record<string, unknown>>): Record<string, unknown>
  /** Signs `claims(overrides)`; an `undefined` override removes a claim. */
  sign(overrides?: Readonly<Record<string, unknown>>, options?: SignOptions): string
  /** Signs exact header and payload JSON text (duplicate members, `1e400`...). */
  signRaw(headerJson: string, payloadJson: string, key?: LocalKey): string
  /** `alg: none` (or another casing) with an empty signature. */
  forgeUnsigned(overrides?: Readonly<Record<string, unknown>>, alg?: string): string
  /** RS→HS confusion: HS256 keyed with the public key's PEM, DER, JWK JSON or modulus bytes. */
  forgeHmac(overrides?: Readonly<Record<string, unknown>>, keyBytes?: 'pem' | 'der' | 'jwk' | 'n', key?: LocalKey): string
  /** The token with its signature bytes transformed. */
  forgeSignature(token: string, transform: (signature: Buffer) => Buffer): string
  /** Requests received for `path` (e.g. '/.well-known/jwks'), or for every path. */
  requestCount(path?: string): number
  resetRequestCounts(): void
  setFault(fault: IssuerFault, target?: FaultTarget): void
  close(): Promise<void>
}

const HUGE_BODY_BYTES = 8 * 1024 * 1024

export async function startLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const nowMs = () => (options.clock ?? { nowMs: Date.now }).nowMs()
  const keys: LocalKey[] = []
  const published = new Set<LocalKey>()
  const extraJwks: Record<string, unknown>[] = []
  const counts = new Map<string, number>()
  const faults: Record<'jwks' | 'discovery', IssuerFault> = { jwks: 'none', discovery: 'none' }
  const server = createServer((request, response) => { handle(request, response) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = addressOf(server)
  const url = `http://127.0.0.1:${String(port)}`

  function jwks() {
    return { keys: [...[...published].map((key) => ({ ...key.publicJwk })), ...extraJwks.map((jwk) => ({ ...jwk }))] }
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    counts.set(path, (counts.get(path) ?? 0) + 1)
    const match = /^(.*)\/\.well-known\/(openid-configuration|jwks)$/.exec(path)
    if (match === null) {
      send(response, 404, { error: 'not found' })
      return
    }
    const prefix = (match[1] ?? '').replace(/^\/moved/, '')
    const kind = match[2] === 'jwks' ? 'jwks' : 'discovery'
    const fault = faults[kind]
    if (applyFault(fault, request, response, path, port)) return
    if (kind === 'jwks') {
      send(response, 200, fault === 'not-jwks' ? { keys: {} } : jwks())
      return
    }
    const issuer = fault === 'wrong-issuer' ? 'https://other-issuer.example' : url + prefix
    send(response, 200, { issuer, jwks_uri: `${url}${prefix}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] })
  }

  function addKey(alg: SigningAlgorithm, keyOptions: { kid?: string; publish?: boolean; modulusLength?: number } = {}): LocalKey {
    const key = generateLocalKey(alg, keyOptions.kid ?? `${alg.toLowerCase()}-${String(keys.length + 1)}`, keyOptions.modulusLength)
    keys.push(key)
    if (keyOptions.publish !== false) published.add(key)
    return key
  }

  function signingKeyFor(alg: SigningAlgorithm): LocalKey {
    const key = [...published].reverse().find((candidate) => candidate.alg === alg) ?? [...keys].reverse().find((k) => k.alg === alg)
    return key ?? addKey(alg)
  }

  function claims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const now = Math.floor(nowMs() / 1000)
    const base: Record<string, unknown> = {
      iss: url, sub: 'organization:acme:pipeline:web:ref:refs/heads/main:commit:0123abcd:step:publish', aud: LOCAL_AUDIENCE,
      iat: now, nbf: now, exp: now + 300, jti: randomUUID(),
      organization_slug: 'acme', pipeline_slug: 'web', build_number: 42, build_branch: 'main', step_key: null,
    }
    return withoutUndefined({ ...base, ...overrides })
  }

  function signRaw(headerJson: string, payloadJson: string, key: LocalKey = signingKeyFor('RS256')): string {
    const input = `${encode(headerJson)}.${encode(payloadJson)}`
    return `${input}.${signWith(key, input).toString('base64url')}`
  }

  for (const alg of options.algorithms ?? ['RS256', 'ES256']) addKey(alg)

  return {
    url, issuer: url, jwksUri: `${url}/.well-known/jwks`, discoveryUri: `${url}/.well-known/openid-configuration`,
    get keys() { return [...keys] },
    addKey,
    rotateKey: (alg = 'RS256') => addKey(alg),
    removeKey: (kid) => { for (const key of published) if (key.kid === kid) published.delete(key) },
    publishJwk: (jwk) => { extraJwks.push({ ...jwk }) },
    jwks,
    claims,
    sign(overrides = {}, signOptions = {}) {
      const key = signOptions.key ?? signingKeyFor(signOptions.alg ?? 'RS256')
      const kid = signOptions.kid === undefined ? key.kid : signOptions.kid
      const header = withoutUndefined({ alg: signOptions.alg ?? key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }), ...signOptions.header })
      return signRaw(JSON.stringify(header), JSON.stringify(claims(overrides)), key)
    },
    signRaw,
    forgeUnsigned: (overrides = {}, alg = 'none') => `${encode(JSON.stringify({ alg, typ: 'JWT' }))}.${encode(JSON.stringify(claims(overrides)))}.`,
    forgeHmac(overrides = {}, keyBytes = 'pem', key = signingKeyFor('RS256')) {
      const input = `${encode(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: key.kid }))}.${encode(JSON.stringify(claims(overrides)))}`
      return `${input}.${createHmac('sha256', publicKeyBytes(key, keyBytes)).update(input).digest('base64url')}`
    },
    forgeSignature(token, transform) {
      const cut = token.lastIndexOf('.')
      return `${token.slice(0, cut)}.${transform(Buffer.from(token.slice(cut + 1), 'base64url')).toString('base64url')}`
    },
    requestCount: (path) => (path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0)),
    resetRequestCounts: () => { counts.clear() },
    setFault(fault, target = 'all') {
      if (target !== 'discovery') faults.jwks = fault
      if (target !== 'jwks') faults.discovery = fault
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => { resolve() })
    }),
  }
}

/** A TrustedIssuer for `issuer` (http and loopback allowed), keys found by discovery unless `jwksUri` is given. */
export function issuerConfigFor(issuer: Pick<LocalIssuer, 'issuer'>, overrides: Partial<TrustedIssuer> = {}): TrustedIssuer {
  const algorithms: readonly SigningAlgorithm[] = ['RS256', 'ES256']
  return Object.freeze({
    name: 'local', issuer: issuer.issuer, algorithms, maxLifetimeSeconds: 300, clockSkewSeconds: 30,
    tenantClaims: [], allowInsecureHttp: true, allowPrivateAddresses: false, ...overrides,
  })
}

/** Base64url of a JSON text, for hand-built tokens. */
export function encode(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url')
}

/** Answers with a fault; false when `fault` is 'none' (or only changes the body, handled by the caller). */
function applyFault(fault: IssuerFault, request: IncomingMessage, response: ServerResponse, path: string, port: number): boolean {
  switch (fault) {
    case 'none': case 'wrong-issuer': case 'not-jwks': return false
    case 'fail': send(response, 500, { error: 'down' }); return true
    case 'hang': request.socket.setTimeout(0); return true
    case 'invalid-json': response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": ['); return true
    case 'huge-declared':
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HUGE_BODY_BYTES) })
      response.write('{"keys":[')
      return true
    case 'huge': streamHugeBody(response); return true
    case 'redirect-same-origin':
      if (path.startsWith('/moved/')) return false
      response.writeHead(302, { location: `/moved${path}` }).end(); return true
    case 'redirect-cross-origin':
      response.writeHead(302, { location: `http://localhost:${String(port)}${path}` }).end(); return true
  }
}

/** About 8 MiB of valid-looking JSON, without Content-Length, written as fast as the client reads. */
function streamHugeBody(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  let sent = 0
  const pump = (): void => {
    while (sent < HUGE_BODY_BYTES) {
      sent += chunk.length
      if (!response.write(chunk)) { response.once('drain', pump); return }
    }
    response.end('{"keys":[]}')
  }
  response.write('')
  pump()
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

function signWith(key: LocalKey, input: string): Buffer {
  const data = Buffer.from(input, 'latin1')
  const { hash, kind } = key
  if (kind === 'ecdsa') return sign(hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
  if (kind === 'pss') return sign(hash, data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: key.saltLength })
  return sign(hash, data, key.privateKey)
}

function publicKeyBytes(key: LocalKey, form: 'pem' | 'der' | 'jwk' | 'n'): Buffer {
  const publicKey: KeyObject = key.publicKey
  if (form === 'pem') return Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }))
  if (form === 'der') return publicKey.export({ type: 'spki', format: 'der' })
  if (form === 'jwk') return Buffer.from(JSON.stringify(key.publicJwk))
  return Buffer.from(String(key.publicJwk.n), 'base64url')
}

function withoutUndefined(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}

function addressOf(server: Server): AddressInfo {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the local issuer has no TCP address')
  return address
}

