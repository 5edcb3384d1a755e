/**
 * `packyard admin org create SLUG` and `packyard admin token create --org SLUG --scopes S,...` (DESIGN.md 1.6):
 * administration straight on the registry's store, for automation and for a first setup before the server
 * is reachable. They read the same configuration as `serve` (`--config`, `--data-dir`, `--database`, env).
 */
import type { openAdminServices as openAdminServicesType } from '../../app.js'
import { loadServerConfig } from '../../config/server-config.js'
import { API_SCOPES, type ApiScope } from '../../registry/records.js'
import { EXIT_OK, UsageError, type CliIo, type Command } from '../command.js'
import { parseOptions, requireOption, stringOption, type ParsedOptions } from '../parse-options.js'
import { readTextFile } from '../read-input.js'

const STORE_OPTIONS = { config: { type: 'string' }, 'data-dir': { type: 'string' }, database: { type: 'string' }, json: { type: 'boolean' } } as const
const STORE_HELP = `  --config FILE      the server's configuration file
  --data-dir DIR     default ./data (or PACKYARD_DATA_DIR)
  --database URL     default sqlite ({data_dir}/packyard.db)
  --json             print the result as JSON`

const ORG_USAGE = `Usage: packyard admin org create SLUG [--config FILE] [--data-dir DIR] [--database URL] [--json]

Creates an organization in the registry's store.

Options:
${STORE_HELP}
`

const TOKEN_USAGE = `Usage: packyard admin token create --org SLUG --scopes S,... [--description TEXT] [--config FILE] [--data-dir DIR] [--json]

Creates an API token for an organization and prints it once (only its hash is stored).
Scopes: ${API_SCOPES.join(', ')}.

Options:
  --org SLUG          the organization
  --scopes S,...      comma-separated scopes
  --description TEXT  what the token is for
${STORE_HELP}
`

export const adminOrgCreateCommand: Command = {
  usage: ORG_USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, STORE_OPTIONS, 1)
    if (parsed.help) return help(io, ORG_USAGE)
    const slug = parsed.positionals[0]
    if (slug === undefined) throw new UsageError('an organization SLUG is required')
    return withServices(parsed, io, async ({ organizations }) => {
      const org = await organizations.create(slug, 'cli')
      io.stdout(parsed.values.json === true ? `${JSON.stringify({ id: org.id, slug: org.slug, created_at: org.createdAt })}\n` : `created organization ${org.slug}\n`)
    })
  },
}

export const adminTokenCreateCommand: Command = {
  usage: TOKEN_USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, { ...STORE_OPTIONS, org: { type: 'string' }, scopes: { type: 'string' }, description: { type: 'string' } }, 0)
    if (parsed.help) return help(io, TOKEN_USAGE)
    const slug = requireOption(parsed, 'org')
    const scopes = parseScopes(requireOption(parsed, 'scopes'))
    return withServices(parsed, io, async ({ organizations }) => {
      const org = await organizations.get(slug)
      const issued = await organizations.issueToken(org, { description: stringOption(parsed, 'description') ?? '', scopes }, 'cli')
      io.stdout(parsed.values.json === true ? `${JSON.stringify({ id: issued.token.id, scopes, token: issued.secret })}\n` : `${issued.secret}\n`)
    })
  },
}

function parseScopes(text: string): ApiScope[] {
  const scopes = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const unknown = scopes.filter((s) => !API_SCOPES.some((known) => known === s))
  if (unknown.length > 0 || scopes.length === 0) throw new UsageError(`unknown scope ${unknown.join(', ')}; scopes: ${API_SCOPES.join(', ')}`)
  return API_SCOPES.filter((known) => scopes.includes(known))
}

function help(io: CliIo, usage: string): number {
  io.stdout(usage)
  return EXIT_OK
}

type Services = Awaited<ReturnType<typeof openAdminServicesType>>

async function withServices(parsed: ParsedOptions, io: CliIo, work: (services: Services) => Promise<void>): Promise<number> {
  const configFile = stringOption(parsed, 'config')
  const dataDir = stringOption(parsed, 'data-dir')
  const database = stringOption(parsed, 'database')
  const config = loadServerConfig({
    ...(configFile !== undefined ? { file: { text: await readTextFile(configFile), name: configFile } } : {}),
    env: io.env,
    flags: { ...(dataDir !== undefined ? { data_dir: dataDir } : {}), ...(database !== undefined ? { database } : {}) },
  })
  // Loaded only now: the store's native driver is not needed for --help.
  const { openAdminServices } = await import('../../app.js')
  const services = await openAdminServices(config)
  try {
    await work(services)
  } finally {
    await services.close()
  }
  return EXIT_OK
}
