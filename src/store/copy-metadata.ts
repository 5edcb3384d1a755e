/**
 * Copies every table of an embedded registry's SQLite database into PostgreSQL, in the destination's open
 * transaction: parents before children, a page of rows at a time (never a whole table in memory), every value
 * exactly as stored (ids, timestamps, JSON text, sequence numbers). Identity counters then continue above the
 * copied numbers, and above any number SQLite's AUTOINCREMENT already handed out, so no number is ever reused.
 */
import { MAX_ROWS_PER_INSERT, type CopyTransaction, type IdentityColumn } from './open-postgres-destination.js'
import type { SourceTable, SqliteSource } from './open-sqlite-source.js'
import { createTableDigest } from './table-digest.js'

/** What was read from one source table. */
export interface CopiedTable {
  readonly name: string
  readonly columns: readonly string[]
  readonly rows: number
  /** The multiset digest of the rows read (table-digest.ts), to compare with the destination's. */
  readonly digest: string
}

export interface RestartedIdentity extends IdentityColumn {
  /** The value the next insert gets. */
  readonly next: string
}

export interface MetadataCopy {
  readonly tables: readonly CopiedTable[]
  readonly identities: readonly RestartedIdentity[]
}

export interface CopyMetadataDeps {
  readonly source: SqliteSource
  readonly transaction: CopyTransaction
  /** In dependency order (plan-table-copy.ts). */
  readonly tables: readonly SourceTable[]
  readonly onProgress?: (message: string) => void
}

/** Rows between progress messages for a large table. */
const PROGRESS_EVERY_ROWS = 100_000

export async function copyMetadata(deps: CopyMetadataDeps): Promise<MetadataCopy> {
  await deps.transaction.lockTables(deps.tables.map((table) => table.name))
  const copied: CopiedTable[] = []
  for (const table of deps.tables) copied.push(await copyTable(deps, table))
  const identities = await restartIdentityCounters(deps.source, deps.transaction)
  return { tables: copied, identities }
}

async function copyTable(deps: CopyMetadataDeps, table: SourceTable): Promise<CopiedTable> {
  const digest = createTableDigest()
  let after: bigint | null = null
  for (;;) {
    const page = deps.source.readRows(table, after, MAX_ROWS_PER_INSERT)
    if (page.rows.length === 0) break
    for (const row of page.rows) digest.add(row)
    await deps.transaction.insertRows(table.name, table.columns, page.rows)
    if (Math.floor(digest.rows / PROGRESS_EVERY_ROWS) > Math.floor((digest.rows - page.rows.length) / PROGRESS_EVERY_ROWS)) {
      deps.onProgress?.(`${table.name}: ${String(digest.rows)} rows so far`)
    }
    after = page.lastRowid
  }
  deps.onProgress?.(`copied ${table.name}: ${String(digest.rows)} row${digest.rows === 1 ? '' : 's'}`)
  return Object.freeze({ name: table.name, columns: table.columns, rows: digest.rows, digest: digest.value() })
}

async function restartIdentityCounters(source: SqliteSource, transaction: CopyTransaction): Promise<readonly RestartedIdentity[]> {
  const restarted: RestartedIdentity[] = []
  for (const identity of await transaction.identityColumns()) {
    const copiedMax = (await transaction.maxValue(identity)) ?? 0n
    const handedOut = source.autoincrementHighWater(identity.table) ?? 0n
    const next = (copiedMax > handedOut ? copiedMax : handedOut) + 1n
    await transaction.restartIdentity(identity, next)
    restarted.push(Object.freeze({ ...identity, next: next.toString() }))
  }
  return restarted
}
