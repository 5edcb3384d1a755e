/**
 * `packyard oidc request-token` (DESIGN.md 1.6): `buildkite-agent oidc request-token` with the same flags,
 * environment variables, retries and failure messages, which also reads a GitHub Actions token when run there.
 * Loads nothing of the server: see src/ci/.
 */
import { defaultCiRuntime, type CiRuntime } from '../../ci/ci-runtime.js'
import { chooseTokenProvider } from '../../ci/choose-token-provider.js'
import { joinNegativeLifetime, PROVIDER_HELP, PROVIDER_OPTIONS, readProviderSettings } from '../../ci/provider-settings.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type Command } from '../command.js'
import { parseOptions, stringOption } from '../parse-options.js'

const USAGE = `Usage: packyard oidc request-token [--audience A] [--lifetime S] [--claim C,...] [--subject-claim C]
                                   [--aws-session-tag C,...] [--job ID] [--format jwt|gcp] [options]

Requests an OIDC token for the current CI job and prints it on standard output, alone on its line.
On Buildkite it calls the agent API exactly as \`buildkite-agent oidc request-token\` does (so it also works
against Packyard's embedded issuer at {server}/issuer/v3); on GitHub Actions it asks the Actions token service.
Retries 429, 5xx, network errors and unreadable answers up to 5 attempts in all (waiting 2 s, 4 s, 8 s, 16 s).

Options:
  --audience A               the token's aud; without it the provider's default audience
  --format F                 jwt (default): the token; gcp: a JSON executable-sourced credential for Google
                             Cloud workload identity federation
  --skip-redaction           accepted for compatibility with buildkite-agent and ignored: there is no Job API
                             log redactor to register the token with, so keep it out of logs yourself
  -h, --help                 show this help

${PROVIDER_HELP}

Exit status: 0 a token was printed, 1 no token could be obtained, 2 usage error.
`

/** GCP's executable-sourced credential format, as `buildkite-agent oidc request-token --format gcp` prints it. */
function formatGcp(token: string): string {
  return JSON.stringify({ id_token: token, token_type: 'urn:ietf:params:oauth:token-type:jwt', version: 1, success: true })
}

/** The command with its network and sleep injected; the CLI uses the real ones. */
export function createOidcRequestTokenCommand(runtime: CiRuntime): Command {
  return {
    usage: USAGE,
    run: async (args, io) => {
      const parsed = parseOptions(
        joinNegativeLifetime(args),
        { ...PROVIDER_OPTIONS, audience: { type: 'string' }, format: { type: 'string' }, 'skip-redaction': { type: 'boolean' } },
        0,
      )
      if (parsed.help) {
        io.stdout(USAGE)
        return EXIT_OK
      }
      const format = stringOption(parsed, 'format') ?? 'jwt'
      if (format !== 'jwt' && format !== 'gcp') throw new UsageError(`--format must be jwt or gcp, not ${format}`)
      const settings = readProviderSettings(parsed.values, io.env)
      if (!settings.ok) throw new UsageError(settings.problem)
      const warn = (message: string) => { io.stderr(`packyard oidc request-token: warning: ${message}\n`) }
      const provider = chooseTokenProvider(settings.value, { ...runtime, warn })
      if (!provider.ok) throw new UsageError(provider.problem)
      const audience = stringOption(parsed, 'audience')
      const result = await provider.value.request({ ...settings.value.request, ...(audience !== undefined ? { audience } : {}) })
      if (!result.ok) {
        io.stderr(`packyard oidc request-token: ${result.message}\n`)
        return EXIT_REFUSED
      }
      io.stdout(`${format === 'gcp' ? formatGcp(result.token) : result.token}\n`)
      return EXIT_OK
    },
  }
}

export const oidcRequestTokenCommand: Command = createOidcRequestTokenCommand(defaultCiRuntime)
