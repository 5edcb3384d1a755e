/**
 * Tokens from GitHub Actions, as @actions/core `getIDToken` asks for them: `GET {ACTIONS_ID_TOKEN_REQUEST_URL}
 * &audience={aud}` with `Authorization: Bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}`; the answer is `{"value": "..."}`.
 * The job needs `permissions: id-token: write` for GitHub to set those two variables.
 */
import { callTokenEndpoint, type FetchDeps } from './call-token-endpoint.js'
import { retryWithBackoff, type RetryDeps } from './retry-with-backoff.js'
import { describeTokenFailure, type TokenProvider } from './token-provider.js'

export interface GithubActionsSettings {
  readonly requestUrl: string
  readonly requestToken: string
}

/**
 * GitHub's tokens have fixed claims and lifetime; the Buildkite-only parts of a TokenRequest (claims, AWS
 * session tags, subject claim, lifetime) are refused earlier, by chooseTokenProvider.
 */
export function createGithubTokenProvider(settings: GithubActionsSettings, deps: FetchDeps & RetryDeps): TokenProvider {
  return {
    name: 'github',
    async request(request) {
      const call = {
        method: 'GET',
        url: githubTokenUrl(settings.requestUrl, request.audience),
        headers: { authorization: `Bearer ${settings.requestToken}`, accept: 'application/json' },
        tokenMember: 'value',
        secrets: [settings.requestToken],
      } as const
      const result = await retryWithBackoff(() => callTokenEndpoint(call, deps), deps)
      return result.ok ? { ok: true, token: result.value } : { ok: false, message: describeTokenFailure(request.audience, result.reason) }
    },
  }
}

/** The request URL already carries `?api-version=...`, so the audience is appended with `&`, as @actions/core does. */
export function githubTokenUrl(requestUrl: string, audience: string | undefined): string {
  if (audience === undefined || audience === '') return requestUrl
  return `${requestUrl}${requestUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`
}
