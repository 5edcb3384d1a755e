/**
 * A PostgreSQL database as the destination of `packyard admin migrate-store`: migrated by the same code and
 * under the same advisory lock as a server's start, then written in one transaction on one connection, so that
 * a failure at any point leaves its tables as empty as they were.
 */
import pg from 'pg'
import { systemClock } from '../lib/clock.js'
import { MIGRATION_TABLES, toPackageDigestRow, PACKAGE_DIGEST_COLUMNS, type PackageDigestRow } from './open-sqlite-source.js'
import { openPostgresStore } from './open-postgres-store.js'
import type { DestinationTable } from './plan-table-copy.js'
import { isPlainIdentifier, quoteIdentifier } from './sql-identifier.js'
import { createTableDigest, toCell, type Cell, type TableDigest } from './table-digest.js'

/** How long to wait for PostgreSQL to accept the connection, in ms. */
const CONNECT_TIMEOUT_MS = 10_000

/** PostgreSQL's limit on the parameters of one statement (a 16-bit count in the wire protocol). */
const MAX_PARAMETERS = 65_535

/** Rows per INSERT: large enough to amortize the round trip, small enough to bound the statement's memory. */
export const MAX_ROWS_PER_INSERT = 1_000

/** Rows fetched per round trip when reading a table back. */
const FETCH_ROWS = 1_000

export interface IdentityColumn {
  readonly table: string
  readonly column: string
}

export interface PostgresDestination {
  /** Packyard's tables (the migration bookkeeping excluded) with their columns, by name. */
  tables(): Promise<readonly DestinationTable[]>
  /** The tables that hold at least one row; a table whose name Packyard would never use counts as holding data. */
  nonEmptyTables(): Promise<readonly string[]>
  /** Starts the copy's transaction; the caller ends it with `commit` or `rollback`. */
  beginCopy(): Promise<CopyTransaction>
  close(): Promise<void>
}

export interface CopyTransaction {
  /** Keeps every other writer out until the transaction ends (reads still work). */
  lockTables(tables: readonly string[]): Promise<void>
  insertRows(table: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): Promise<void>
  countRows(table: string): Promise<number>
  /** Reads the whole table back through a cursor, a page at a time, into a digest. */
  digestTable(table: string, columns: readonly string[]): Promise<TableDigest>
  identityColumns(): Promise<readonly IdentityColumn[]>
  maxValue(identity: IdentityColumn): Promise<bigint | null>
  /** Makes the identity column's next generated value `next`. */
  restartIdentity(identity: IdentityColumn, next: bigint): Promise<void>
  /** Package versions with `afterSeq < seq <= throughSeq`, in seq order. */
  packageDigests(afterSeq: bigint | null, throughSeq: bigint): Promise<readonly PackageDigestRow[]>
  /** Distinct sha256 and size of the live package versions written, in sha256 order after `after`. */
  recordedBlobs(after: string | null, limit: number): Promise<readonly { sha256: string; size: number }[]>
  commit(): Promise<void>
  rollback(): Promise<void>
}

/**
 * Runs this version's migrations on the destination exactly as a server's start does.
 * @throws AppError when the database cannot be reached or migrated.
 */
export async function migrateDestination(url: string): Promise<void> {
  // Two connections: one holds the migration lock while the migrator works on the other.
  const store = await openPostgresStore({ url, clock: systemClock, poolSize: 2 })
  await store.close()
}

/** @throws Error when PostgreSQL cannot be reached. */
export async function openPostgresDestination(url: string): Promise<PostgresDestination> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  // A dropped connection fails the query in progress; without a listener it would also crash the process.
  client.on('error', () => undefined)
  await client.connect()
  return {
    tables: () => listTables(client),
    async nonEmptyTables() {
      const names = (await listTables(client)).map((table) => table.name)
      const holding: string[] = []
      for (const name of names) {
        if (!isPlainIdentifier(name)) holding.push(name)
        else if ((await client.query<{ found: boolean }>(`select exists (select 1 from ${quoteIdentifier(name)}) as found`)).rows[0]?.found === true) holding.push(name)
      }
      return holding
    },
    async beginCopy() {
      await client.query('begin')
      return createCopyTransaction(client)
    },
    close: () => client.end(),
  }
}

async function listTables(client: pg.Client): Promise<readonly DestinationTable[]> {
  const result = await client.query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
     order by c.table_name, c.ordinal_position`,
  )
  const columnsByTable = new Map<string, string[]>()
  for (const { table_name: table, column_name: column } of result.rows) {
    if (MIGRATION_TABLES.includes(table)) continue
    const columns = columnsByTable.get(table) ?? []
    columns.push(column)
    columnsByTable.set(table, columns)
  }
  return [...columnsByTable].map(([name, columns]) => Object.freeze({ name, columns: Object.freeze(columns) }))
}

function createCopyTransaction(client: pg.Client): CopyTransaction {
  const arrays = async (text: string, values: readonly unknown[] = []) => (await client.query({ text, values: [...values], rowMode: 'array' })).rows as unknown[][]
  const single = async (text: string, values: readonly unknown[] = []) => (await arrays(text, values))[0]?.[0]
  return {
    async lockTables(tables) {
      if (tables.length > 0) await client.query(`lock table ${tables.map(quoteIdentifier).join(', ')} in exclusive mode`)
    },
    async insertRows(table, columns, rows) {
      const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length)))
      for (let start = 0; start < rows.length; start += perStatement) {
        const batch = rows.slice(start, start + perStatement)
        const tuples = batch.map((_, row) => `(${columns.map((__, column) => `$${String(row * columns.length + column + 1)}`).join(', ')})`)
        // OVERRIDING SYSTEM VALUE: identity columns (`seq`) keep the source's numbers instead of new ones.
        await client.query(
          `insert into ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) overriding system value values ${tuples.join(', ')}`,
          batch.flat(),
        )
      }
    },
    countRows: async (table) => Number(await single(`select count(*) from ${quoteIdentifier(table)}`)),
    digestTable: (table, columns) => digestThroughCursor(client, table, columns),
    async identityColumns() {
      const rows = await arrays(
        `select table_name, column_name from information_schema.columns
         where table_schema = current_schema() and is_identity = 'YES' order by table_name, column_name`,
      )
      return rows.map(([table, column]) => ({ table: String(table), column: String(column) })).filter((identity) => !MIGRATION_TABLES.includes(identity.table))
    },
    async maxValue({ table, column }) {
      const value = await single(`select max(${quoteIdentifier(column)})::text from ${quoteIdentifier(table)}`)
      return typeof value === 'string' ? BigInt(value) : null
    },
    async restartIdentity({ table, column }, next) {
      // setval is not undone by a rollback; a counter left high on an empty table only skips numbers.
      await client.query('select setval(pg_get_serial_sequence($1, $2), $3, false)', [quoteIdentifier(table), column, next.toString()])
    },
    async packageDigests(afterSeq, throughSeq) {
      const rows = await arrays(
        `select ${PACKAGE_DIGEST_COLUMNS.join(', ')} from packages where seq > $1 and seq <= $2 order by seq`,
        [(afterSeq ?? -(1n << 63n)).toString(), throughSeq.toString()],
      )
      return rows.map((row) => toPackageDigestRow(row.map((value) => toCell(value, 'packages'))))
    },
    async recordedBlobs(after, limit) {
      const rows = await arrays('select sha256, max(size)::text from packages where sha256 > $1 and deleted_at is null group by sha256 order by sha256 limit $2', [after ?? '', limit])
      return rows.map(([sha256, size]) => ({ sha256: String(sha256), size: Number(size) }))
    },
    commit: async () => { await client.query('commit') },
    rollback: async () => { await client.query('rollback') },
  }
}

async function digestThroughCursor(client: pg.Client, table: string, columns: readonly string[]): Promise<TableDigest> {
  const digest = createTableDigest()
  // A cursor lives until the transaction ends; a failure here aborts the transaction, which closes it too.
  await client.query(`declare migrate_store_read no scroll cursor for select ${columns.map(quoteIdentifier).join(', ')} from ${quoteIdentifier(table)}`)
  for (;;) {
    const { rows } = await client.query({ text: `fetch forward ${String(FETCH_ROWS)} from migrate_store_read`, rowMode: 'array' })
    for (const row of rows as unknown[][]) digest.add(row.map((value, index) => toCell(value, `${table}.${columns[index] ?? '?'}`)))
    if (rows.length < FETCH_ROWS) break
  }
  await client.query('close migrate_store_read')
  return digest
}
