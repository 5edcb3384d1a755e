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

/**
 * The connection's page cache, in KiB (SQLite's default is 2 MiB, a few hundred pages). At a million versions
 * the database is ~2 GB, and one package document reads a row from a different page for each of its versions
 * (rows are in publish order): 5,000 versions are ~20 MB of pages, re-read from the OS on every build with the
 * default cache. Allocated as pages are read, so a small registry never uses it all.
 */
const SQLITE_CACHE_KIB = 64 * 1024

/** The server's connection to the database at `path` (created with its folder if missing), configured. */
export function openSqliteConnection(path: string): SqliteDatabase.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SqliteDatabase(path)
  sqlite.pragma('journal_mode = WAL')
  // FULL: a committed publish survives a power cut, not only a process crash ("nothing is ever lost").
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${String(SQLITE_BUSY_TIMEOUT_MS)}`)
  // Negative: a size in KiB rather than a number of pages.
  sqlite.pragma(`cache_size = -${String(SQLITE_CACHE_KIB)}`)
  return sqlite
}

export async function openSqliteStore(options: { path: string; clock: Clock; newId?: () => string }): Promise<MetadataStore> {
  const sqlite = openSqliteConnection(options.path)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cacheSqliteStatements(sqlite) }) })
  try {
    await migrateToLatest(db, 'sqlite')
  } catch (error) {
    await db.destroy()
    throw error
  }
  return createKyselyMetadataStore({ db, clock: options.clock, ...(options.newId ? { newId: options.newId } : {}) })
}
