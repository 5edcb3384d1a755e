/**
 * Tokens from the Buildkite agent API, as `buildkite-agent oidc request-token` asks for them (AGENT api/oidc.go):
 * `POST {endpoint}/jobs/{job id, path-escaped}/oidc/tokens` with `Authorization: Token {agent access token}`
 * and a JSON body holding only the fields that are set; the answer is `{"token": "..."}`.
 * Works against Buildkite itself and against Packyard's embedded issuer (`{server}/issuer/v3`).
 */
import { callTokenEndpoint, type FetchDeps } from './call-token-endpoint.js'
import { retryWithBackoff, type RetryDeps } from './retry-with-backoff.js'
import { describeTokenFailure, type TokenProvider, type TokenRequest } from './token-provider.js'

/** The agent's own default for `--endpoint` / BUILDKITE_AGENT_ENDPOINT. */
export const DEFAULT_AGENT_ENDPOINT = 'https://agent.buildkite.com/v3'

export interface BuildkiteAgentSettings {
  readonly endpoint: string
  readonly agentAccessToken: string
  readonly jobId: string
}

export function createBuildkiteTokenProvider(settings: BuildkiteAgentSettings, deps: FetchDeps & RetryDeps): TokenProvider {
  const url = `${settings.endpoint.replace(/\/+$/, '')}/jobs/${escapePathSegment(settings.jobId)}/oidc/tokens`
  return {
    name: 'buildkite',
    async request(request) {
      const call = {
        method: 'POST',
        url,
        headers: { authorization: `Token ${settings.agentAccessToken}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(buildkiteRequestBody(request)),
        tokenMember: 'token',
        secrets: [settings.agentAccessToken],
      } as const
      const result = await retryWithBackoff(() => callTokenEndpoint(call, deps), deps)
      return result.ok ? { ok: true, token: result.value } : { ok: false, message: describeTokenFailure(request.audience, result.reason) }
    },
  }
}

/** The agent's OIDCTokenRequest body: every field `omitempty`, so an empty request is `{}`. */
export function buildkiteRequestBody(request: TokenRequest): Record<string, unknown> {
  return {
    ...(request.audience !== undefined && request.audience !== '' ? { audience: request.audience } : {}),
    ...(request.lifetimeSeconds !== undefined && request.lifetimeSeconds > 0 ? { lifetime: request.lifetimeSeconds } : {}),
    ...(request.claims.length > 0 ? { claims: request.claims } : {}),
    ...(request.awsSessionTags.length > 0 ? { aws_session_tags: request.awsSessionTags } : {}),
    ...(request.subjectClaim !== undefined && request.subjectClaim !== '' ? { subject_claim: request.subjectClaim } : {}),
  }
}

/** Bytes Go's url.PathEscape leaves alone: unreserved characters and the sub-delimiters legal in a path segment. */
const PATH_SEGMENT_SAFE = /^[A-Za-z0-9\-_.~$&+:=@]$/

/**
 * Go's `url.PathEscape`, which the agent uses on the job id: unlike encodeURIComponent it keeps `$&+:=@`,
 * so a job id reaches the API byte for byte as the agent would send it.
 */
export function escapePathSegment(segment: string): string {
  let escaped = ''
  for (const byte of Buffer.from(segment, 'utf8')) {
    const char = String.fromCharCode(byte)
    escaped += PATH_SEGMENT_SAFE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return escaped
}
