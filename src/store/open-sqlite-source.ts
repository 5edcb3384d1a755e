/**
 * An embedded registry's SQLite database as the source of `packyard admin migrate-store`: opened read-only (it
 * is never migrated or written), and read inside one read transaction, so that every table, count and digest
 * comes from the same snapshot even if something writes to the file meanwhile. `changedSinceSnapshot` tells
 * whether something did: a server left running would lose those writes.
 */
import { existsSync } from 'node:fs'
import SqliteDatabase from 'better-sqlite3'
import { DEFAULT_MIGRATION_LOCK_TABLE, DEFAULT_MIGRATION_TABLE } from 'kysely'
import { quoteIdentifier } from './sql-identifier.js'
import { toCell, type Cell } from './table-digest.js'

/** A table as the source declares it. */
export interface SourceTable {
  readonly name: string
  readonly columns: readonly string[]
  /** Tables this one references by foreign key. */
  readonly parents: readonly string[]
}

/** One blob as the package rows record it. */
export interface RecordedBlobRow {
  readonly sha256: string
  readonly sha512: string
  readonly size: number
  /** False when rows with this sha256 record different sha512 or sizes: the metadata is inconsistent. */
  readonly consistent: boolean
  /** False when only deleted versions record it: `packyard admin gc` may have removed it, rightly. */
  readonly live: boolean
}

/** A package version's identity and digests, as cells, for the digest-by-digest comparison. */
export interface PackageDigestRow {
  readonly seq: Cell
  readonly id: Cell
  readonly sha256: Cell
  readonly sha512: Cell
  readonly size: Cell
}

/** The columns of a PackageDigestRow, in the order the queries select them. */
export const PACKAGE_DIGEST_COLUMNS = ['seq', 'id', 'sha256', 'sha512', 'size'] as const

/** A PackageDigestRow from the cells of a row selected as PACKAGE_DIGEST_COLUMNS. */
export function toPackageDigestRow(cells: readonly Cell[]): PackageDigestRow {
  const [seq = null, id = null, sha256 = null, sha512 = null, size = null] = cells
  return Object.freeze({ seq, id, sha256, sha512, size })
}

export interface SqliteSource {
  readonly path: string
  /** The migrations applied to the source, by name, in order; null when it has no migration table. */
  appliedMigrations(): readonly string[] | null
  /** Every table but SQLite's own and the migration bookkeeping, by name. */
  tables(): readonly SourceTable[]
  countRows(table: string): number
  /** Up to `limit` rows after `afterRowid` (null: from the start), in rowid order, as cells. */
  readRows(table: SourceTable, afterRowid: bigint | null, limit: number): { rows: readonly Cell[][]; lastRowid: bigint | null }
  /** The highest value an AUTOINCREMENT table has ever handed out (deleted rows included), or null. */
  autoincrementHighWater(table: string): bigint | null
  /** Distinct blobs recorded by package versions, deleted ones included, in sha256 order after `after`. */
  recordedBlobs(after: string | null, limit: number): readonly RecordedBlobRow[]
  /** How many distinct blobs the package versions record, and their total size in bytes. */
  recordedBlobTotals(): { blobs: number; bytes: number }
  /** Whether any package version (deleted ones included) records this sha256. */
  isRecordedBlob(sha256: string): boolean
  packageDigests(afterSeq: bigint | null, limit: number): readonly PackageDigestRow[]
  /** Ends the snapshot; true when another connection committed a change to the file since it began. */
  endSnapshot(): boolean
  close(): void
}

/** Kysely's bookkeeping: the destination's own migration run creates and fills it. */
export const MIGRATION_TABLES: readonly string[] = [DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE]

/** @throws Error when the file does not exist or is not a SQLite database. */
export function openSqliteSource(path: string): SqliteSource {
  if (!existsSync(path)) throw new Error(`the source database ${path} does not exist`)
  const sqlite = new SqliteDatabase(path, { readonly: true, fileMustExist: true })
  try {
    sqlite.exec('begin')
    // The snapshot starts at the first read; data_version inside it stays at the snapshot's version.
    const startVersion = sqlite.pragma('data_version', { simple: true })
    return createSource(sqlite, path, startVersion)
  } catch (error) {
    sqlite.close()
    throw error
  }
}

function createSource(sqlite: SqliteDatabase.Database, path: string, startVersion: unknown): SqliteSource {
  const cellsOf = (row: unknown[], where: string) => row.map((value, index) => toCell(value, `${where} column ${String(index)}`))
  const hasTable = (name: string) => sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined
  let inSnapshot = true
  return {
    path,
    appliedMigrations() {
      if (!hasTable(DEFAULT_MIGRATION_TABLE)) return null
      const rows = sqlite.prepare(`select name from ${quoteIdentifier(DEFAULT_MIGRATION_TABLE)} order by name`).pluck().all()
      return rows.map((name) => String(name))
    },
    tables: () => listTables(sqlite),
    countRows: (table) => Number(sqlite.prepare(`select count(*) from ${quoteIdentifier(table)}`).pluck().get()),
    readRows(table, afterRowid, limit) {
      const columns = table.columns.map(quoteIdentifier).join(', ')
      // Tables without a rowid cannot be paged this way; SQLite then fails the statement and the copy stops.
      const statement = sqlite
        .prepare(`select rowid, ${columns} from ${quoteIdentifier(table.name)} where rowid > ? order by rowid limit ?`)
        .raw(true)
        .safeIntegers(true)
      const raw = rawRows(statement.all(afterRowid ?? MIN_ROWID, limit))
      const last = raw.at(-1)?.[0]
      return { rows: raw.map((row) => cellsOf(row.slice(1), table.name)), lastRowid: typeof last === 'bigint' ? last : null }
    },
    autoincrementHighWater(table) {
      if (!hasTable('sqlite_sequence')) return null
      const value: unknown = sqlite.prepare('select seq from sqlite_sequence where name = ?').pluck().safeIntegers(true).get(table)
      return typeof value === 'bigint' ? value : null
    },
    recordedBlobs(after, limit) {
      const rows = rawRows(sqlite
        .prepare(
          `select sha256, min(sha512), max(sha512), min(size), max(size), max(deleted_at is null) from packages
           where sha256 > ? group by sha256 order by sha256 limit ?`,
        )
        .raw(true)
        .all(after ?? '', limit))
      return rows.map(([sha256, sha512, sha512Max, size, sizeMax, live]) => ({
        sha256: String(sha256),
        sha512: String(sha512),
        size: Number(size),
        consistent: sha512 === sha512Max && size === sizeMax,
        live: live === 1,
      }))
    },
    recordedBlobTotals() {
      const row = rawRows(sqlite.prepare('select count(*), coalesce(sum(size), 0) from (select max(size) as size from packages group by sha256)').raw(true).all())[0]
      return { blobs: Number(row?.[0] ?? 0), bytes: Number(row?.[1] ?? 0) }
    },
    isRecordedBlob: (sha256) => sqlite.prepare('select 1 from packages where sha256 = ? limit 1').get(sha256) !== undefined,
    packageDigests(afterSeq, limit) {
      const rows = rawRows(sqlite
        .prepare(`select ${PACKAGE_DIGEST_COLUMNS.join(', ')} from packages where seq > ? order by seq limit ?`)
        .raw(true)
        .safeIntegers(true)
        .all(afterSeq ?? MIN_ROWID, limit))
      return rows.map((row) => toPackageDigestRow(cellsOf(row, 'packages')))
    },
    endSnapshot() {
      if (inSnapshot) sqlite.exec('commit')
      inSnapshot = false
      return sqlite.pragma('data_version', { simple: true }) !== startVersion
    },
    close() {
      if (sqlite.open) sqlite.close()
    },
  }
}

/** Below every rowid and seq: SQLite's integers are signed 64-bit. */
const MIN_ROWID = -(1n << 63n)

/** Rows of a statement in raw mode: arrays of values. */
function rawRows(rows: readonly unknown[]): unknown[][] {
  return rows.map((row) => {
    if (!Array.isArray(row)) throw new Error('expected a raw row from SQLite')
    return row as unknown[]
  })
}

function listTables(sqlite: SqliteDatabase.Database): readonly SourceTable[] {
  const names = sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name")
    .pluck()
    .all()
    .map((name) => String(name))
    .filter((name) => !MIGRATION_TABLES.includes(name))
  return names.map((name) => {
    const columns = sqlite.prepare('select name from pragma_table_info(?) order by cid').pluck().all(name).map(String)
    const parents = sqlite.prepare('select distinct "table" from pragma_foreign_key_list(?)').pluck().all(name).map(String)
    return Object.freeze({ name, columns: Object.freeze(columns), parents: Object.freeze(parents) })
  })
}
