/** The embedded default: SQLite through better-sqlite3 in WAL mode, migrated at open. */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Clock } from '../lib/clock.js'
import type { MetadataStore } from '../registry/ports.js'
import { cacheSqliteStatements } from './cache-sqlite-statements.js'
import type { Database } from './database.js'
import { createKyselyMetadataStore } from './kysely-metadata-store.js'
import { migrateToLatest } from './migrate-to-latest.js'

/** How long a writer waits for another process's lock before failing, in ms. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000

export async function openSqliteStore(options: { path: string; clock: Clock; newId?: () => string }): Promise<MetadataStore> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
  const sqlite = new SqliteDatabase(options.path)
  sqlite.pragma('journal_mode = WAL')
  // FULL: a committed publish survives a power cut, not only a process crash ("nothing is ever lost").
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${String(SQLITE_BUSY_TIMEOUT_MS)}`)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cacheSqliteStatements(sqlite) }) })
  try {
    await migrateToLatest(db, 'sqlite')
  } catch (error) {
    await db.destroy()
    throw error
  }
  return createKyselyMetadataStore({ db, clock: options.clock, ...(options.newId ? { newId: options.newId } : {}) })
}
