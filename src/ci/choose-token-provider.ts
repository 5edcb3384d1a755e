/** Which CI the job runs in decides where its token comes from: Buildkite's agent API or GitHub Actions. */
import { createBuildkiteTokenProvider } from './buildkite-token-provider.js'
import type { FetchDeps } from './call-token-endpoint.js'
import { createGithubTokenProvider } from './github-token-provider.js'
import type { Checked, ProviderSettings } from './provider-settings.js'
import type { RetryDeps } from './retry-with-backoff.js'
import type { ProviderName, TokenProvider } from './token-provider.js'

/**
 * `auto` picks Buildkite when an agent access token is at hand (flag or BUILDKITE_AGENT_ACCESS_TOKEN), else
 * GitHub when both of its variables are set. Buildkite-only flags with the GitHub provider are a problem,
 * not silently dropped: a policy that needs `--claim organization_id` would otherwise fail far from the cause.
 */
export function chooseTokenProvider(settings: ProviderSettings, deps: FetchDeps & RetryDeps): Checked<TokenProvider> {
  const provider = settings.provider === 'auto' ? detectProvider(settings) : settings.provider
  if (provider === undefined) {
    return {
      ok: false,
      problem: 'no OIDC token provider found: on Buildkite set BUILDKITE_AGENT_ACCESS_TOKEN (or --agent-access-token) and BUILDKITE_JOB_ID; '
        + 'on GitHub Actions give the job `permissions: id-token: write` so that ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set',
    }
  }
  return provider === 'buildkite' ? chooseBuildkite(settings, deps) : chooseGithub(settings, deps)
}

function detectProvider(settings: ProviderSettings): ProviderName | undefined {
  if (settings.agentAccessToken !== undefined) return 'buildkite'
  if (settings.githubRequestUrl !== undefined && settings.githubRequestToken !== undefined) return 'github'
  return undefined
}

function chooseBuildkite(settings: ProviderSettings, deps: FetchDeps & RetryDeps): Checked<TokenProvider> {
  const { agentAccessToken, jobId, endpoint } = settings
  if (agentAccessToken === undefined) return { ok: false, problem: 'an agent access token is required: set BUILDKITE_AGENT_ACCESS_TOKEN or pass --agent-access-token' }
  if (jobId === undefined) return { ok: false, problem: '--job is required (or set BUILDKITE_JOB_ID)' }
  if (!URL.canParse(endpoint)) return { ok: false, problem: `--endpoint is not a URL: ${endpoint}` }
  return { ok: true, value: createBuildkiteTokenProvider({ endpoint, agentAccessToken, jobId }, deps) }
}

function chooseGithub(settings: ProviderSettings, deps: FetchDeps & RetryDeps): Checked<TokenProvider> {
  const { githubRequestUrl, githubRequestToken, buildkiteFlagsGiven } = settings
  if (githubRequestUrl === undefined || githubRequestToken === undefined) {
    return { ok: false, problem: 'ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: give the GitHub Actions job `permissions: id-token: write`' }
  }
  if (buildkiteFlagsGiven.length > 0) {
    return { ok: false, problem: `${buildkiteFlagsGiven.join(', ')}: only the Buildkite agent API takes ${buildkiteFlagsGiven.length === 1 ? 'this flag' : 'these flags'}; GitHub Actions tokens have fixed claims and lifetime` }
  }
  if (!URL.canParse(githubRequestUrl)) return { ok: false, problem: 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL' }
  return { ok: true, value: createGithubTokenProvider({ requestUrl: githubRequestUrl, requestToken: githubRequestToken }, deps) }
}
