/**
 * One attempt at a token endpoint (the Buildkite agent API or GitHub's Actions token service), classified the
 * way the agent classifies it (AGENT api/retryable.go): 429, 5xx, network errors and undecodable answers may
 * pass if tried again; any other refusal will not.
 */
import type { Attempt } from './retry-with-backoff.js'
import { describeFetchError, parseJsonObject, readResponseText, stringMember } from './read-response.js'

/** Per attempt: long enough for a slow agent API, short enough that five tries end within a CI step. */
export const ATTEMPT_TIMEOUT_MS = 60_000

/** A compact JWS is base64url parts joined by dots; anything else would be printed raw into a CI job's shell. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/

export interface TokenEndpointCall {
  readonly method: 'GET' | 'POST'
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
  /** The member of the JSON answer that holds the token: `token` (Buildkite) or `value` (GitHub). */
  readonly tokenMember: string
  /** Credentials sent with the call, cut out of any reason should an endpoint echo them back. */
  readonly secrets: readonly string[]
}

export interface FetchDeps {
  readonly fetch: typeof globalThis.fetch
}

export async function callTokenEndpoint(call: TokenEndpointCall, deps: FetchDeps): Promise<Attempt<string>> {
  // Origin and path only: the query of GitHub's request URL is none of the user's business in an error.
  const where = `${call.method} ${urlWithoutQuery(call.url)}`
  const fail = (retryable: boolean, reason: string): Attempt<string> => ({ ok: false, retryable, reason: redact(`${where}: ${reason}`, call.secrets) })
  let response: Response
  try {
    response = await deps.fetch(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      // Neither API redirects; following one would carry the credential somewhere it was not meant for.
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    })
  } catch (error) {
    return fail(true, describeFetchError(error))
  }
  const text = await readResponseText(response)
  const json = parseJsonObject(text)
  if (!response.ok) {
    const message = stringMember(json, 'message')
    const status = `${response.status} ${response.statusText}`.trim()
    return fail(response.status === 429 || response.status >= 500, message === undefined ? status : `${status}: ${message}`)
  }
  const token = stringMember(json, call.tokenMember)
  if (token === undefined || !COMPACT_JWS.test(token)) {
    return fail(true, `${response.status} but the answer holds no token in \`${call.tokenMember}\``)
  }
  return { ok: true, value: token }
}

function urlWithoutQuery(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  return parsed === undefined ? url : `${parsed.origin}${parsed.pathname}`
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => (secret === '' ? out : out.split(secret).join('[REDACTED]')), text)
}
