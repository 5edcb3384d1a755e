/**
 * `packyard admin migrate-store --from sqlite:PATH --to postgres://...`: moves an embedded registry to the
 * scale-out setup and verifies the copy by digest (run-store-migration.ts has the order and why).
 */
import { EXIT_OK, EXIT_REFUSED, type CliIo, type Command } from '../command.js'
import { formatMigrationJson, formatMigrationText } from '../format-migration-report.js'
import { parseMigrateStoreTargets } from '../migrate-store-targets.js'
import { parseOptions, stringOption } from '../parse-options.js'
import type { ClosableBlobStore } from '../run-store-migration.js'

const USAGE = `Usage: packyard admin migrate-store --from sqlite:PATH --to postgres://USER@HOST:PORT/DATABASE
         [--from-blobs file:DIR] [--to-blobs s3://BUCKET?...|file:DIR] [--data-dir DIR] [--dry-run] [--json]

Copies an embedded registry (SQLite, blobs on disk) to PostgreSQL and, with --to-blobs, its blobs to another
blob store, then verifies the copy: the row count and contents of every table, the sha256, sha512 and size of
every package version, and every blob's presence and size at the destination. Ids, timestamps, sequence
numbers and tokens (stored hashed) are kept, so clients, API tokens and cursors keep working.

Stop every server using the source first: the source is read in one snapshot and never written, and a change
made during the migration makes it fail rather than lose that change. The destination database must be empty
(a new database; start no server on it until the migration is done); its schema is created by the migration.

Blobs are copied first, then the metadata in one transaction: a failure leaves the destination database
without rows, and a rerun verifies the blobs already copied (reads and hashes them) instead of copying them
again. The blobs copied are those package versions record, deleted versions included (one that only deleted
versions record and \`packyard admin gc\` already removed is passed over); unreferenced blobs are not.

Options:
  --from SPEC         sqlite:PATH, the database file or the data directory holding packyard.db;
                      sqlite alone means {data-dir}/packyard.db
  --to URL            postgres:// or postgresql:// URL of an empty database
  --from-blobs SPEC   file:DIR, DIR or s3://...; default: the blobs directory beside the source database
  --to-blobs SPEC     s3://BUCKET?endpoint=...&region=... or file:DIR; without it blobs are not copied and
                      the new servers must use the same blob store
  --data-dir DIR      what --from sqlite means; default ./data (or PACKYARD_DATA_DIR)
  --dry-run           check the source and that the destination is empty; write nothing
  --json              print the summary as one JSON object (progress still goes to stderr)
  -h, --help          show this help

Exit status: 0 migrated and verified (or a dry run that would proceed), 1 refused or a verification failed
(nothing committed), 2 usage error.
`

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'from-blobs': { type: 'string' },
  'to-blobs': { type: 'string' },
  'data-dir': { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
} as const

export const adminMigrateStoreCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, OPTIONS, 0)
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const targets = parseMigrateStoreTargets({
      from: stringOption(parsed, 'from'),
      to: stringOption(parsed, 'to'),
      fromBlobs: stringOption(parsed, 'from-blobs'),
      toBlobs: stringOption(parsed, 'to-blobs'),
      dataDir: stringOption(parsed, 'data-dir') ?? io.env.PACKYARD_DATA_DIR ?? './data',
    })
    // Loaded only now: the native drivers are not needed for --help or a usage error.
    const { runStoreMigration } = await import('../run-store-migration.js')
    let report
    try {
      report = await runStoreMigration(targets, { dryRun: parsed.values['dry-run'] === true }, {
        openBlobStore: (spec) => openBlobStoreAt(spec, io.env),
        onProgress: (message) => { io.stderr(`migrate-store: ${message}\n`) },
      })
    } catch (error) {
      return reportFault(io, error)
    }
    io.stdout(parsed.values.json === true ? formatMigrationJson(report, targets) : formatMigrationText(report, targets))
    return report.ok ? EXIT_OK : EXIT_REFUSED
  },
}

/** A blob store from its configuration form, opened exactly as a server opens it; S3 credentials from `env`. */
async function openBlobStoreAt(spec: string, env: CliIo['env']): Promise<ClosableBlobStore> {
  const { openBlobStore } = await import('../../blobs/open-blob-store.js')
  const { parseBlobLocation } = await import('../../blobs/parse-blob-location.js')
  return openBlobStore(parseBlobLocation(spec, { dataDir: '.', env }), { env })
}

/** A fault (unreachable database, I/O error): nothing was committed, since the commit is the last step. */
function reportFault(io: CliIo, error: unknown): number {
  const message = error instanceof Error ? error.message : String(error)
  io.stderr(`packyard admin migrate-store: failed: ${message}\nNothing was committed to the destination database; fix the cause and rerun.\n`)
  return EXIT_REFUSED
}
