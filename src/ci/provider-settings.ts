/**
 * The token-provider flags `oidc request-token` and `publish` share, read with the environment variables
 * `buildkite-agent oidc request-token` reads (reference/buildkite.md §3.1). A flag wins over its variable;
 * for the list flags (`--claim`, `--aws-session-tag`) the flags replace the variable's list, they do not add to it.
 */
import { DEFAULT_AGENT_ENDPOINT } from './buildkite-token-provider.js'
import type { TokenRequest } from './token-provider.js'

/** For node:util parseArgs. */
export const PROVIDER_OPTIONS = {
  provider: { type: 'string' },
  lifetime: { type: 'string' },
  claim: { type: 'string', multiple: true },
  'subject-claim': { type: 'string' },
  'aws-session-tag': { type: 'string', multiple: true },
  job: { type: 'string' },
  'agent-access-token': { type: 'string' },
  endpoint: { type: 'string' },
} as const

export const PROVIDER_HELP = `Token provider (flag, then environment variable):
  --provider P               buildkite, github or auto (default): Buildkite when an agent access token is
                             at hand, else GitHub Actions when its token variables are set
  --lifetime S               token lifetime in seconds, a non-negative integer; 0 or none: the API default
  --claim C,...              optional claims to add (repeatable)          BUILDKITE_OIDC_TOKEN_CLAIMS
  --subject-claim C          use claim C as the token's sub               BUILDKITE_OIDC_TOKEN_SUBJECT_CLAIM
  --aws-session-tag C,...    claims to add as AWS session tags (repeatable)
                                                                         BUILDKITE_OIDC_TOKEN_AWS_SESSION_TAGS
  --job ID                   the job to claim                             BUILDKITE_JOB_ID
  --agent-access-token T     the job's agent access token                 BUILDKITE_AGENT_ACCESS_TOKEN
  --endpoint URL             the agent API (default ${DEFAULT_AGENT_ENDPOINT})
                                                                         BUILDKITE_AGENT_ENDPOINT
  GitHub Actions reads ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN (set for jobs with
  \`permissions: id-token: write\`); the Buildkite-only flags above are usage errors there.`

/** Flags that mean something only to the Buildkite agent API. */
export const BUILDKITE_ONLY_FLAGS = ['lifetime', 'claim', 'subject-claim', 'aws-session-tag', 'job', 'agent-access-token', 'endpoint'] as const

export type ProviderChoice = 'buildkite' | 'github' | 'auto'
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>
export type Env = Readonly<Record<string, string | undefined>>
/** A value, or a problem with how the command was called (the CLI makes it a usage error). */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string }

export interface ProviderSettings {
  readonly provider: ProviderChoice
  /** The request without its audience, which each command decides. */
  readonly request: Omit<TokenRequest, 'audience'>
  readonly endpoint: string
  readonly agentAccessToken: string | undefined
  readonly jobId: string | undefined
  readonly githubRequestUrl: string | undefined
  readonly githubRequestToken: string | undefined
  /** Buildkite-only flags given on the command line (not from the environment), for the GitHub provider to refuse. */
  readonly buildkiteFlagsGiven: readonly string[]
}

export function readProviderSettings(values: OptionValues, env: Env): Checked<ProviderSettings> {
  const provider = stringValue(values, 'provider') ?? 'auto'
  if (provider !== 'buildkite' && provider !== 'github' && provider !== 'auto') {
    return { ok: false, problem: `--provider must be buildkite, github or auto, not ${provider}` }
  }
  const lifetime = parseLifetime(stringValue(values, 'lifetime'))
  if (!lifetime.ok) return lifetime
  const subjectClaim = stringValue(values, 'subject-claim') ?? nonEmpty(env.BUILDKITE_OIDC_TOKEN_SUBJECT_CLAIM)
  return {
    ok: true,
    value: {
      provider,
      request: {
        ...(lifetime.value !== undefined ? { lifetimeSeconds: lifetime.value } : {}),
        claims: listValue(values, 'claim', env.BUILDKITE_OIDC_TOKEN_CLAIMS),
        awsSessionTags: listValue(values, 'aws-session-tag', env.BUILDKITE_OIDC_TOKEN_AWS_SESSION_TAGS),
        ...(subjectClaim !== undefined ? { subjectClaim } : {}),
      },
      endpoint: stringValue(values, 'endpoint') ?? nonEmpty(env.BUILDKITE_AGENT_ENDPOINT) ?? DEFAULT_AGENT_ENDPOINT,
      agentAccessToken: stringValue(values, 'agent-access-token') ?? nonEmpty(env.BUILDKITE_AGENT_ACCESS_TOKEN),
      jobId: stringValue(values, 'job') ?? nonEmpty(env.BUILDKITE_JOB_ID),
      githubRequestUrl: nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_URL),
      githubRequestToken: nonEmpty(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN),
      buildkiteFlagsGiven: BUILDKITE_ONLY_FLAGS.filter((flag) => values[flag] !== undefined).map((flag) => `--${flag}`),
    },
  }
}

/** `--lifetime`: a non-negative integer, refused with the agent's own words when negative. */
export function parseLifetime(text: string | undefined): Checked<number | undefined> {
  if (text === undefined) return { ok: true, value: undefined }
  if (!/^[+-]?\d+$/.test(text.trim())) return { ok: false, problem: `invalid value "${text}" for --lifetime: not an integer number of seconds` }
  const seconds = Number(text.trim())
  if (seconds < 0) return { ok: false, problem: `lifetime ${seconds} must be a non-negative integer` }
  if (!Number.isSafeInteger(seconds)) return { ok: false, problem: `invalid value "${text}" for --lifetime: too large` }
  return { ok: true, value: seconds }
}

/**
 * The agent (urfave/cli) reads `--lifetime -1` as a flag with a value; node's parseArgs calls it ambiguous.
 * Joining such pairs into `--lifetime=-1` lets the agent's own error message answer instead.
 */
export function joinNegativeLifetime(args: readonly string[]): string[] {
  const joined: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    const next = args[i + 1]
    if (arg === '--') return [...joined, ...args.slice(i)]
    if (arg === '--lifetime' && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`--lifetime=${next}`)
      i++
    } else {
      joined.push(arg)
    }
  }
  return joined
}

/**
 * A list flag as the agent normalises it: repeatable, each value comma separated, whitespace stripped
 * (AGENT commit ee70db6fc); empty items dropped. Without the flag, the environment variable's list.
 */
export function listValue(values: OptionValues, name: string, fromEnv: string | undefined): string[] {
  const given = values[name]
  const raw = Array.isArray(given) ? given : typeof given === 'string' ? [given] : fromEnv !== undefined ? [fromEnv] : []
  return raw.flatMap((item) => item.split(',')).map((item) => item.trim()).filter((item) => item !== '')
}

function stringValue(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/** An empty variable counts as unset, as it does for the agent's flags. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
