/** `packyard policy check FILE [--issuers FILE] [--json]` (DESIGN.md 1.6): exit 0 valid, 1 invalid. */
import { checkPolicy } from '../../policy/check-policy.js'
import { EXIT_OK, EXIT_REFUSED, type Command } from '../command.js'
import { formatProblem } from '../format-policy.js'
import { loadTrustedIssuers } from '../load-trusted-issuers.js'
import { parseOptions, stringOption } from '../parse-options.js'
import { readTextFile } from '../read-input.js'
import { UsageError } from '../command.js'

const USAGE = `Usage: packyard policy check FILE [--issuers FILE] [--json]

Validates and lints an OIDC policy (YAML or JSON) as the registry does when it is saved.

Options:
  --issuers FILE  YAML or JSON file with the \`issuers:\` list of the server configuration
                  (default: the buildkite, github, gitlab and circleci presets)
  --json          print {"valid", "errors", "warnings"} as JSON
  -h, --help      show this help

Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error.
`

export const policyCheckCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, { issuers: { type: 'string' }, json: { type: 'boolean' } }, 1)
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const file = parsed.positionals[0]
    if (file === undefined) throw new UsageError('a policy FILE is required')
    const issuers = await loadTrustedIssuers(stringOption(parsed, 'issuers'))
    const result = checkPolicy(await readTextFile(file), issuers)
    if (parsed.values.json === true) {
      io.stdout(`${JSON.stringify({ valid: result.valid, errors: result.errors, warnings: result.warnings }, null, 2)}\n`)
    } else {
      for (const problem of result.errors) io.stdout(`${formatProblem(file, 'error', problem)}\n`)
      for (const problem of result.warnings) io.stdout(`${formatProblem(file, 'warning', problem)}\n`)
      const count = result.policy?.statements.length ?? 0
      io.stdout(
        result.valid
          ? `${file}: valid (${String(count)} statement${count === 1 ? '' : 's'}, ${String(result.warnings.length)} warning${result.warnings.length === 1 ? '' : 's'})\n`
          : `${file}: invalid (${String(result.errors.length)} error${result.errors.length === 1 ? '' : 's'})\n`,
      )
    }
    return result.valid ? EXIT_OK : EXIT_REFUSED
  },
}
