/**
 * `packyard publish FILE... --registry ORG/REGISTRY`: trusted publishing from a CI job in one command. For each
 * file it requests a fresh OIDC token for the registry's audience and uploads the file with it. Loads nothing
 * of the server: see src/ci/.
 */
import { defaultCiRuntime, type CiRuntime } from '../../ci/ci-runtime.js'
import { chooseTokenProvider } from '../../ci/choose-token-provider.js'
import { joinNegativeLifetime, PROVIDER_HELP, PROVIDER_OPTIONS, readProviderSettings } from '../../ci/provider-settings.js'
import { findUnreadableFile, publishFiles } from '../../ci/publish-files.js'
import { readPublishTarget } from '../../ci/publish-target.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type CliIo, type Command } from '../command.js'
import { parseOptions, stringOption } from '../parse-options.js'

const USAGE = `Usage: packyard publish FILE... --registry ORG/REGISTRY [--server URL] [--audience URL] [options]

Publishes each FILE to the registry with an OIDC token of the CI job it runs in: for every file a fresh token
whose audience is {server}/{ORG}/{REGISTRY}, then an upload to the REST publish endpoint. Prints each
package's web_url on standard output. Files are published in the order given; the first failure stops the
run, so no later file is published (all files are checked to be readable before the first upload).
Uploads are not retried: a version is immutable once published, and a retry could meet its own success.

Options:
  --registry ORG/REGISTRY    the registry to publish to
  --server URL               the Packyard server (or PACKYARD_SERVER)
  --audience URL             the token audience, when the server's public URL differs from --server
  -h, --help                 show this help

${PROVIDER_HELP}

Exit status: 0 every file published, 1 a file was not published, 2 usage error.
`

/** The command with its network and sleep injected; the CLI uses the real ones. */
export function createPublishCommand(runtime: CiRuntime): Command {
  return {
    usage: USAGE,
    run: async (args, io) => {
      const parsed = parseOptions(
        joinNegativeLifetime(args),
        { ...PROVIDER_OPTIONS, registry: { type: 'string' }, server: { type: 'string' }, audience: { type: 'string' } },
        Number.POSITIVE_INFINITY,
      )
      if (parsed.help) {
        io.stdout(USAGE)
        return EXIT_OK
      }
      if (parsed.positionals.length === 0) throw new UsageError('at least one FILE is required')
      const target = readPublishTarget(
        { registry: stringOption(parsed, 'registry'), server: stringOption(parsed, 'server'), audience: stringOption(parsed, 'audience') },
        io.env,
      )
      if (!target.ok) throw new UsageError(target.problem)
      const settings = readProviderSettings(parsed.values, io.env)
      if (!settings.ok) throw new UsageError(settings.problem)
      const provider = chooseTokenProvider(settings.value, { ...runtime, warn: (message) => { report(io, 'warning', message) } })
      if (!provider.ok) throw new UsageError(provider.problem)
      const unreadable = await findUnreadableFile(parsed.positionals)
      if (unreadable !== undefined) {
        report(io, unreadable.file, unreadable.message)
        return EXIT_REFUSED
      }
      for await (const outcome of publishFiles(parsed.positionals, target.value, provider.value, settings.value.request, runtime)) {
        if (!outcome.ok) {
          report(io, outcome.file, outcome.message)
          return EXIT_REFUSED
        }
        io.stdout(`${outcome.webUrl}\n`)
      }
      return EXIT_OK
    },
  }
}

function report(io: CliIo, subject: string, message: string): void {
  io.stderr(`packyard publish: ${subject}: ${message}\n`)
}

export const publishCommand: Command = createPublishCommand(defaultCiRuntime)
