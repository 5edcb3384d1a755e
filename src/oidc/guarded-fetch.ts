/**
 * The only way verification reaches the network: GET a JSON document (discovery, JWKS) under the rules of
 * DESIGN.md 1.4 and catalog G4-G8. The host is resolved here and the connection is pinned to the vetted
 * address, so a DNS answer cannot change between the check and the connect (DNS rebinding).
 */
import { lookup as lookupDns } from 'node:dns/promises'
import { request as requestHttp, type IncomingMessage } from 'node:http'
import { request as requestHttps } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { classifyAddress, isAddressAllowed, type AddressPolicy } from './classify-address.js'
import { FETCH_TIMEOUT_MS, MAX_FETCH_BODY_BYTES, MAX_FETCH_REDIRECTS } from './verification-limits.js'

export type FetchFailureReason =
  | 'url_refused' | 'address_refused' | 'dns_failed' | 'timeout' | 'too_large' | 'redirect_refused'
  | 'http_status' | 'invalid_json' | 'network_error'

export type FetchJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: FetchFailureReason; readonly message: string }

/** GETs `url` and parses its JSON body; never throws, never rejects. */
export type FetchJson = (url: string, policy: AddressPolicy) => Promise<FetchJsonResult>

/** A resolved address, as `dns.lookup(..., { all: true })` returns them. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: number
}

export interface GuardedFetchDeps {
  /** Total time per fetch, redirects and body included; default FETCH_TIMEOUT_MS. */
  readonly timeoutMs?: number
  /** Largest body; default MAX_FETCH_BODY_BYTES. */
  readonly maxBodyBytes?: number
  /** Resolves a host name (tests map names to 127.0.0.1 or to a metadata address); default `dns.lookup`. */
  readonly resolveHost?: (hostname: string) => Promise<readonly ResolvedAddress[]>
}

/** A failure carried up as a value through the steps of one fetch. */
class FetchRefusal extends Error {
  constructor(readonly reason: FetchFailureReason, message: string) {
    super(message)
  }
}

interface Target {
  readonly url: URL
  readonly address: ResolvedAddress
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/**
 * Creates the guarded `FetchJson`: https only (http with `allowInsecureHttp`), every resolved address
 * checked by `classifyAddress`, a total timeout, a body cap (Content-Length first, then counted), same-origin
 * redirects only (at most MAX_FETCH_REDIRECTS), status 200, and a JSON body.
 */
export function createGuardedFetch(deps: GuardedFetchDeps = {}): FetchJson {
  const settings = {
    timeoutMs: deps.timeoutMs ?? FETCH_TIMEOUT_MS,
    maxBodyBytes: deps.maxBodyBytes ?? MAX_FETCH_BODY_BYTES,
    resolveHost: deps.resolveHost ?? resolveWithDns,
  }
  return async (url, policy) => {
    const controller = new AbortController()
    const timer = setTimeout(() => { controller.abort() }, settings.timeoutMs)
    timer.unref()
    try {
      const body = await followRedirects(url, policy, settings, controller.signal)
      return parseJsonBody(body)
    } catch (error) {
      if (error instanceof FetchRefusal) return { ok: false, reason: error.reason, message: error.message }
      if (controller.signal.aborted) return refused('timeout', `no complete answer within ${String(settings.timeoutMs)} ms`)
      return refused('network_error', describeNetworkError(error))
    } finally {
      clearTimeout(timer)
    }
  }
}

type Settings = Required<GuardedFetchDeps>

async function followRedirects(start: string, policy: AddressPolicy, settings: Settings, signal: AbortSignal): Promise<Buffer> {
  let url = parseUrl(start, policy)
  for (let redirects = 0; ; redirects += 1) {
    const target = await vetTarget(url, policy, settings, signal)
    const response = await sendRequest(target, signal)
    if (!REDIRECT_STATUSES.has(response.statusCode ?? 0)) return readBody(response, settings.maxBodyBytes, signal)
    response.resume()
    const next = new URL(response.headers.location ?? '', url)
    if (next.origin !== url.origin) throw new FetchRefusal('redirect_refused', `refused a redirect from ${url.origin} to another origin`)
    if (redirects >= MAX_FETCH_REDIRECTS) throw new FetchRefusal('redirect_refused', `more than ${String(MAX_FETCH_REDIRECTS)} redirects`)
    url = next
  }
}

function parseUrl(text: string, policy: AddressPolicy): URL {
  const url = URL.canParse(text) ? new URL(text) : null
  if (url === null) throw new FetchRefusal('url_refused', 'not a URL')
  const schemeAllowed = url.protocol === 'https:' || (url.protocol === 'http:' && policy.allowInsecureHttp)
  if (!schemeAllowed) throw new FetchRefusal('url_refused', `refused ${url.protocol} (https only unless allow_insecure_http)`)
  if (url.username !== '' || url.password !== '') throw new FetchRefusal('url_refused', 'refused a URL with credentials')
  return url
}

/** Resolves the host (or takes its IP literal) and refuses the fetch when any address is not allowed. */
async function vetTarget(url: URL, policy: AddressPolicy, settings: Settings, signal: AbortSignal): Promise<Target> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  // An IP literal is never looked up by node:net, so it is checked as written.
  const family = isIP(host)
  const addresses = family !== 0 ? [{ address: host, family }] : await resolveOrRefuse(host, settings, signal)
  // Every answer must pass: a name that also resolves to a metadata address is hostile, whichever is tried first.
  for (const candidate of addresses) {
    const addressClass = classifyAddress(candidate.address)
    if (!isAddressAllowed(addressClass, policy)) {
      throw new FetchRefusal('address_refused', `refused ${url.hostname}: it resolves to a ${addressClass.replace('_', '-')} address`)
    }
  }
  const [address] = addresses
  if (address === undefined) throw new FetchRefusal('dns_failed', `${url.hostname} has no address`)
  return { url, address }
}

async function resolveOrRefuse(host: string, settings: Settings, signal: AbortSignal): Promise<readonly ResolvedAddress[]> {
  try {
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => { reject(new Error('aborted')) }, { once: true })
    })
    return await Promise.race([settings.resolveHost(host), aborted])
  } catch {
    if (signal.aborted) throw new FetchRefusal('timeout', 'DNS resolution timed out')
    throw new FetchRefusal('dns_failed', `could not resolve ${host}`)
  }
}

function sendRequest(target: Target, signal: AbortSignal): Promise<IncomingMessage> {
  const { address, family } = target.address
  // Connect to the vetted address only; TLS still checks the certificate against the URL's host name.
  const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all === true) callback(null, [{ address, family }])
    else callback(null, address, family)
  }
  const send = target.url.protocol === 'https:' ? requestHttps : requestHttp
  return new Promise((resolve, reject) => {
    const request = send(target.url, {
      method: 'GET',
      agent: false,
      lookup: pinnedLookup,
      signal,
      headers: { accept: 'application/json, application/jwk-set+json', 'user-agent': 'packyard-oidc' },
    })
    request.on('response', resolve)
    request.on('error', reject)
    request.end()
  })
}

async function readBody(response: IncomingMessage, maxBodyBytes: number, signal: AbortSignal): Promise<Buffer> {
  if (response.statusCode !== 200) {
    response.resume()
    throw new FetchRefusal('http_status', `answered HTTP ${String(response.statusCode ?? 0)}, expected 200`)
  }
  const declared = Number(response.headers['content-length'] ?? '0')
  if (declared > maxBodyBytes) {
    response.destroy()
    throw new FetchRefusal('too_large', `declared ${String(declared)} bytes, more than ${String(maxBodyBytes)}`)
  }
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of response) {
    if (!Buffer.isBuffer(chunk)) continue
    total += chunk.length
    if (total > maxBodyBytes) throw new FetchRefusal('too_large', `body over ${String(maxBodyBytes)} bytes`)
    chunks.push(chunk)
  }
  if (signal.aborted) throw new FetchRefusal('timeout', 'timed out reading the body')
  return Buffer.concat(chunks)
}

function parseJsonBody(body: Buffer): FetchJsonResult {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
    return { ok: true, value }
  } catch {
    return refused('invalid_json', 'the body is not UTF-8 JSON')
  }
}

async function resolveWithDns(hostname: string): Promise<readonly ResolvedAddress[]> {
  return lookupDns(hostname, { all: true, verbatim: true })
}

function describeNetworkError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
  return typeof code === 'string' ? `network error ${code}` : 'network error'
}

function refused(reason: FetchFailureReason, message: string): FetchJsonResult {
  return { ok: false, reason, message }
}
