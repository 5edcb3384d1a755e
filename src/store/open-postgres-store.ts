/**
 * The scale-out store: PostgreSQL through a `pg` pool, on the same Kysely repositories and migrations as SQLite.
 * Several servers may start at once on one database: migrations run under a session-level advisory lock held on
 * a dedicated connection, so exactly one server migrates while the others wait and then find nothing to do.
 */
import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import { AppError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { MetadataStore } from '../registry/ports.js'
import type { Database } from './database.js'
import { createKyselyMetadataStore } from './kysely-metadata-store.js'
import { migrateToLatest } from './migrate-to-latest.js'

/** The advisory-lock key of Packyard's migrations: "packyard" in ASCII, a signed 64-bit integer. */
export const MIGRATION_LOCK_KEY = '8097865286263382372'

/** Connections per server; PostgreSQL's default limit (100) leaves room for several servers. */
const DEFAULT_POOL_SIZE = 10

/** How long to wait for a connection from PostgreSQL or the pool before failing, in ms. */
const CONNECT_TIMEOUT_MS = 10_000

export interface PostgresStoreOptions {
  /** `postgres://` or `postgresql://` URL. */
  readonly url: string
  readonly clock: Clock
  readonly newId?: () => string
  readonly poolSize?: number
}

/** @throws AppError `config_invalid` for a URL that is not a PostgreSQL URL with a host and a database. */
export function parsePostgresUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AppError('config_invalid', 'database: not a valid PostgreSQL URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new AppError('config_invalid', `database: the URL scheme ${parsed.protocol} is not postgres: or postgresql:`)
  }
  if (parsed.hostname === '') throw new AppError('config_invalid', 'database: the PostgreSQL URL names no host; expected postgres://USER@HOST[:PORT]/DATABASE')
  if (parsed.pathname.length <= 1) throw new AppError('config_invalid', 'database: the PostgreSQL URL names no database; expected postgres://USER@HOST[:PORT]/DATABASE')
  return parsed
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<MetadataStore> {
  parsePostgresUrl(options.url)
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  })
  // An idle connection that PostgreSQL drops (restart, failover) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    await migrateUnderLock(pool, db)
  } catch (error) {
    await db.destroy()
    if (error instanceof AppError) throw error
    throw new AppError('internal_error', `cannot open the PostgreSQL database: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return createKyselyMetadataStore({ db, clock: options.clock, ...(options.newId ? { newId: options.newId } : {}) })
}

/**
 * Holds the advisory lock on its own connection for the whole migration. Kysely's migrator also takes a
 * transaction-level lock, but only after creating its bookkeeping tables, which can race on a fresh database.
 */
async function migrateUnderLock(pool: pg.Pool, db: Kysely<Database>): Promise<void> {
  const client = await pool.connect()
  let released = false
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY])
    try {
      await migrateToLatest(db, 'postgres')
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
    }
  } catch (error) {
    // A connection in an unknown state is closed rather than returned; closing it also ends its session lock.
    client.release(error instanceof Error ? error : true)
    released = true
    throw error
  } finally {
    if (!released) client.release()
  }
}
