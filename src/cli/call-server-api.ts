/**
 * A small JSON client for the commands that administer a running server over HTTP (`packyard issuer ...`). It
 * loads nothing of the server. The server and admin token come from flags or PACKYARD_SERVER and
 * PACKYARD_ADMIN_TOKEN; a refusal comes back as the server's `code: message`, never with the token in it.
 */
import { UsageError } from './command.js'
import type { ParsedOptions } from './parse-options.js'
import { stringOption } from './parse-options.js'

/** A hung server must not hang a CI job; key generation on rotation takes well under this. */
const REQUEST_TIMEOUT_MS = 30_000
/** Answers are small JSON objects; anything larger is not our server. */
const MAX_RESPONSE_BYTES = 1024 * 1024

export interface ServerTarget {
  /** Origin (and path prefix) of the server, without a trailing slash. */
  readonly server: string
  readonly token: string
}

export type ServerAnswer = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly message: string }

export const SERVER_OPTIONS = { server: { type: 'string' }, token: { type: 'string' } } as const
export const SERVER_HELP = `  --server URL        the Packyard server (or PACKYARD_SERVER)
  --token TOKEN       the server admin token (or PACKYARD_ADMIN_TOKEN)`

/** @throws UsageError when the server or token is missing, or the server is not an http(s) URL */
export function readServerTarget(parsed: ParsedOptions, env: Readonly<Record<string, string | undefined>>): ServerTarget {
  const server = stringOption(parsed, 'server') ?? env.PACKYARD_SERVER ?? ''
  const token = stringOption(parsed, 'token') ?? env.PACKYARD_ADMIN_TOKEN ?? ''
  if (server === '') throw new UsageError('--server (or PACKYARD_SERVER) is required')
  if (token === '') throw new UsageError('--token (or PACKYARD_ADMIN_TOKEN) is required')
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) throw new UsageError(`--server must be an http(s) URL, got ${JSON.stringify(server)}`)
  return { server: server.replace(/\/+$/, ''), token }
}

/** Sends `body` as JSON with the admin token; resolves to the parsed answer or a message for the user. */
export async function callServerApi(target: ServerTarget, method: 'POST' | 'DELETE', path: string, body: unknown): Promise<ServerAnswer> {
  let response: Response
  try {
    response = await fetch(`${target.server}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
  } catch (error) {
    return { ok: false, message: `cannot reach ${target.server}: ${describeFetchError(error)}` }
  }
  const text = await response.text()
  if (text.length > MAX_RESPONSE_BYTES) return { ok: false, message: `the answer of ${target.server} is too large` }
  const parsed = parseJson(text)
  if (!response.ok) return { ok: false, message: describeRefusal(response.status, parsed) }
  if (parsed === undefined) return { ok: false, message: `${target.server} answered ${String(response.status)} without JSON` }
  return { ok: true, body: parsed }
}

function describeRefusal(status: number, body: unknown): string {
  if (typeof body === 'object' && body !== null && 'code' in body && 'message' in body && typeof body.code === 'string' && typeof body.message === 'string') {
    return `${body.code}: ${body.message}`
  }
  return `the server answered HTTP ${String(status)}`
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${String(REQUEST_TIMEOUT_MS / 1000)} s`
  const cause = error instanceof Error ? error.cause : undefined
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code
  return error instanceof Error ? error.message : String(error)
}
