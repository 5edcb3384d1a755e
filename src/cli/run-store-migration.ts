/**
 * `packyard admin migrate-store`: moves an embedded registry (SQLite, blobs on disk) to the scale-out setup
 * (PostgreSQL, and optionally another blob store), and proves nothing was lost.
 *
 * Order: checks first (the source's migrations, the schemas, an empty destination), then the blobs, then the
 * metadata in one PostgreSQL transaction that is verified before it commits. Blobs go first because a row must
 * never point at a blob that is not there: a server started on the destination either finds no rows at all or
 * every row with its blob. Blobs already present (an earlier, interrupted run) are verified, not copied again;
 * any failure in the metadata phase rolls back, so a rerun always starts from an empty destination database.
 *
 * The source is read in one SQLite snapshot, so the copy is consistent even if something writes meanwhile; if
 * something did (a server left running), the transaction is rolled back, since those writes would be lost.
 */
import { copyBlobs, verifyBlobsPresent, type BlobCopyResult } from '../blobs/copy-blobs.js'
import type { BlobStore } from '../registry/ports.js'
import { copyMetadata, type RestartedIdentity } from '../store/copy-metadata.js'
import { createMigrations } from '../store/migrations/index.js'
import { migrateDestination, openPostgresDestination, type PostgresDestination } from '../store/open-postgres-destination.js'
import { openSqliteSource, type SqliteSource } from '../store/open-sqlite-source.js'
import { planTableCopy } from '../store/plan-table-copy.js'
import { verifyMetadataCopy } from '../store/verify-metadata-copy.js'
import type { MigrateStoreTargets } from './migrate-store-targets.js'

export interface ClosableBlobStore extends BlobStore {
  close(): Promise<void>
}

export interface StoreMigrationDeps {
  /** Opens a blob store from its configuration form (`file:/dir`, `s3://...`), as the server would. */
  readonly openBlobStore: (spec: string) => Promise<ClosableBlobStore>
  readonly onProgress: (message: string) => void
}

export interface MigratedTable {
  readonly name: string
  readonly rows: number
  /** Null in a dry run. */
  readonly destinationRows: number | null
  readonly verified: boolean | null
}

export interface StoreMigrationReport {
  readonly ok: boolean
  readonly dryRun: boolean
  /** True once the destination's transaction committed. */
  readonly committed: boolean
  readonly tables: readonly MigratedTable[]
  readonly identities: readonly RestartedIdentity[]
  readonly packagesCompared: number
  /** Null when the blobs stay where they are (no --to-blobs). */
  readonly blobs: (Omit<BlobCopyResult, 'problems' | 'problemCount'> & { readonly checkedAtDestination: number }) | null
  /** In a dry run: the blobs the package rows record and their bytes. */
  readonly recordedBlobs: { readonly blobs: number; readonly bytes: number }
  readonly problems: readonly string[]
}

type Draft = { -readonly [K in keyof StoreMigrationReport]: StoreMigrationReport[K] }

export async function runStoreMigration(targets: MigrateStoreTargets, options: { dryRun: boolean }, deps: StoreMigrationDeps): Promise<StoreMigrationReport> {
  const source = openSqliteSource(targets.sourcePath)
  try {
    const report: Draft = {
      ok: false, dryRun: options.dryRun, committed: false, tables: [], identities: [], packagesCompared: 0, blobs: null,
      recordedBlobs: source.recordedBlobTotals(), problems: checkSourceMigrations(source),
    }
    if (report.problems.length > 0) return report
    if (options.dryRun) return await planOnly(source, targets, report)
    deps.onProgress('migrating the destination database')
    await migrateDestination(targets.destinationUrl)
    const destination = await openPostgresDestination(targets.destinationUrl)
    try {
      return await migrate(source, destination, targets, deps, report)
    } finally {
      // After a commit or a rollback, a failure to say goodbye to the server changes nothing.
      await destination.close().catch(() => undefined)
    }
  } finally {
    source.close()
  }
}

/** The source must be at exactly this version's migrations: the copy assumes the tables they create. */
function checkSourceMigrations(source: SqliteSource): string[] {
  const applied = source.appliedMigrations()
  if (applied === null) return [`${source.path} is not a Packyard database (it has no migration table)`]
  const known = Object.keys(createMigrations('sqlite'))
  const unknown = applied.filter((name) => !known.includes(name))
  if (unknown.length > 0) return [`the source was migrated by a newer packyard (migrations ${unknown.join(', ')}); run migrate-store from that version`]
  const missing = known.filter((name) => !applied.includes(name))
  if (missing.length === 0) return []
  return [`the source database lacks migrations ${missing.join(', ')}: start this version's server on it once (packyard serve --database sqlite:${source.path}), stop it, then rerun`]
}

async function planOnly(source: SqliteSource, targets: MigrateStoreTargets, report: Draft): Promise<StoreMigrationReport> {
  report.tables = source.tables().map((table) => ({ name: table.name, rows: source.countRows(table.name), destinationRows: null, verified: null }))
  // Nothing is created or migrated in a dry run: the destination is only looked at.
  const destination = await openPostgresDestination(targets.destinationUrl)
  try {
    report.problems = refuseNonEmpty(await destination.nonEmptyTables())
  } finally {
    await destination.close()
  }
  report.ok = report.problems.length === 0
  return report
}

function refuseNonEmpty(tables: readonly string[]): string[] {
  if (tables.length === 0) return []
  return [`the destination database is not empty (rows in ${tables.join(', ')}): migrate into a new, empty database, and start no server on it before the migration is done`]
}

async function migrate(source: SqliteSource, destination: PostgresDestination, targets: MigrateStoreTargets, deps: StoreMigrationDeps, report: Draft): Promise<StoreMigrationReport> {
  const plan = planTableCopy(source.tables(), await destination.tables())
  if (!plan.ok) return { ...report, problems: [...plan.problems] }
  report.problems = refuseNonEmpty(await destination.nonEmptyTables())
  if (report.problems.length > 0) return report
  const copyRows = (blobs: BlobStore | null) => {
    deps.onProgress('copying the metadata')
    return copyAndVerify(source, destination, blobs, deps, { ...report, tables: [] }, plan.tables)
  }
  if (targets.sourceBlobs === null || targets.destinationBlobs === null) return copyRows(null)

  const from = await deps.openBlobStore(targets.sourceBlobs)
  try {
    const to = await deps.openBlobStore(targets.destinationBlobs)
    try {
      const { problems, problemCount, ...counts } = await copyBlobs({
        source: from, destination: to,
        recordedBlobs: (after, limit) => source.recordedBlobs(after, limit), isRecorded: (sha256) => source.isRecordedBlob(sha256),
        onProgress: deps.onProgress,
      })
      report.blobs = { ...counts, checkedAtDestination: 0 }
      // Blobs first: with any blob missing or wrong, no row is written that could point at it.
      if (problemCount > 0) return { ...report, problems: withUnlisted(problems, problemCount) }
      return await copyRows(to)
    } finally {
      await to.close()
    }
  } finally {
    await from.close()
  }
}

async function copyAndVerify(
  source: SqliteSource, destination: PostgresDestination, destinationBlobs: BlobStore | null, deps: StoreMigrationDeps,
  report: Draft, tables: Parameters<typeof copyMetadata>[0]['tables'],
): Promise<StoreMigrationReport> {
  const transaction = await destination.beginCopy()
  let finished = false
  try {
    await transaction.lockTables(tables.map((table) => table.name))
    // Checked again under the lock: a server started on the destination since the first check may have written.
    const problems = refuseNonEmpty(await destination.nonEmptyTables())
    if (problems.length === 0) {
      const copy = await copyMetadata({ source, transaction, tables, onProgress: deps.onProgress })
      deps.onProgress('verifying')
      const verification = await verifyMetadataCopy(source, transaction, copy.tables)
      report.tables = verification.tables.map((table) => ({ name: table.name, rows: table.sourceRows, destinationRows: table.destinationRows, verified: table.verified }))
      report.identities = copy.identities
      report.packagesCompared = verification.packagesCompared
      problems.push(...verification.problems)
      if (destinationBlobs !== null && report.blobs !== null) {
        const present = await verifyBlobsPresent(destinationBlobs, (after, limit) => transaction.recordedBlobs(after, limit))
        report.blobs = { ...report.blobs, checkedAtDestination: present.checked }
        problems.push(...withUnlisted(present.problems, present.problemCount))
      }
    }
    if (source.endSnapshot()) problems.push('the source database changed during the migration (is a server running on it?): stop every server using it and rerun')
    report.problems = problems
    if (problems.length === 0) await transaction.commit()
    else await transaction.rollback()
    finished = true
    report.committed = problems.length === 0
    report.ok = report.committed
    return report
  } finally {
    if (!finished) await transaction.rollback().catch(() => undefined)
  }
}

function withUnlisted(problems: readonly string[], count: number): string[] {
  return count > problems.length ? [...problems, `... and ${String(count - problems.length)} more`] : [...problems]
}
