/**
 * The command table and dispatcher. Command modules are imported only when chosen, so that the CI-side
 * commands (`oidc request-token`, `publish`) never load server dependencies.
 */
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from './command.js'
import { isAppError } from '../errors.js'

interface CommandEntry {
  readonly path: readonly string[]
  readonly summary: string
  readonly load: () => Promise<Command>
}

const COMMANDS: readonly CommandEntry[] = [
  {
    path: ['serve'],
    summary: 'start the registry server',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    path: ['admin', 'org', 'create'],
    summary: 'create an organization',
    load: async () => (await import('./commands/admin.js')).adminOrgCreateCommand,
  },
  {
    path: ['admin', 'token', 'create'],
    summary: 'create an API token for an organization',
    load: async () => (await import('./commands/admin.js')).adminTokenCreateCommand,
  },
  {
    path: ['admin', 'migrate-store'],
    summary: 'copy an embedded registry to PostgreSQL (and its blobs to S3), verified by digest',
    load: async () => (await import('./commands/admin-migrate-store.js')).adminMigrateStoreCommand,
  },
  {
    path: ['admin', 'gc'],
    summary: 'remove unreferenced blobs and leftovers of unfinished uploads',
    load: async () => (await import('./commands/admin-gc.js')).adminGcCommand,
  },
  {
    path: ['policy', 'check'],
    summary: 'validate and lint an OIDC policy file',
    load: async () => (await import('./commands/policy-check.js')).policyCheckCommand,
  },
  {
    path: ['policy', 'explain'],
    summary: 'explain which statement of a policy accepts a token or claims, and why',
    load: async () => (await import('./commands/policy-explain.js')).policyExplainCommand,
  },
  {
    path: ['issuer', 'job', 'create'],
    summary: 'register a job with the embedded issuer; print its agent token',
    load: async () => (await import('./commands/issuer-job.js')).issuerJobCreateCommand,
  },
  {
    path: ['issuer', 'rotate-key'],
    summary: 'rotate the embedded issuer\'s signing key',
    load: async () => (await import('./commands/issuer-rotate-key.js')).issuerRotateKeyCommand,
  },
  {
    path: ['oidc', 'request-token'],
    summary: 'print an OIDC token for this CI job (Buildkite agent API or GitHub Actions)',
    load: async () => (await import('./commands/oidc-request-token.js')).oidcRequestTokenCommand,
  },
  {
    path: ['publish'],
    summary: 'publish files to a registry with the CI job\'s OIDC token',
    load: async () => (await import('./commands/publish.js')).publishCommand,
  },
]

const TOP_USAGE = `packyard: a package registry authenticated by OIDC trusted publishing

Usage: packyard <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.path.join(' ').padEnd(20)} ${c.summary}`).join('\n')}

Run \`packyard <command> --help\` for a command's options.
`

/** Runs the CLI with `argv` (without node and the script); resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(TOP_USAGE)
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK
  }
  const entry = COMMANDS.find((c) => c.path.every((word, i) => argv[i] === word))
  if (entry === undefined) {
    io.stderr(`packyard: unknown command: ${argv.slice(0, 2).join(' ')}\n\n${TOP_USAGE}`)
    return EXIT_USAGE
  }
  const command = await entry.load()
  const args = argv.slice(entry.path.length)
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`packyard ${entry.path.join(' ')}: ${error.message}\nRun \`packyard ${entry.path.join(' ')} --help\` for usage.\n`)
      return EXIT_USAGE
    }
    if (isAppError(error)) {
      io.stderr(`packyard ${entry.path.join(' ')}: ${error.code}: ${error.message}\n`)
      return EXIT_USAGE
    }
    throw error
  }
}
