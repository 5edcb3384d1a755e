/** What every repository is built from: a Kysely handle (the database or a transaction), a clock and ids. */
import type { Kysely } from 'kysely'
import type { Clock } from '../lib/clock.js'
import { uuidV7 } from '../lib/uuid-v7.js'
import { AppError } from '../errors.js'
import type { Database } from './database.js'

export interface StoreContext {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly newId: () => string
}

/** Ids are time-ordered UUIDs (v7) by default: each table's unique index on `id` then grows at its end. */
export function createStoreContext(db: Kysely<Database>, clock: Clock, newId?: () => string): StoreContext {
  return { db, clock, newId: newId ?? (() => uuidV7(clock.nowMs())) }
}

/** The current time as stored: ISO-8601 UTC with milliseconds (sorts as text). */
export function nowIso(context: StoreContext): string {
  return new Date(context.clock.nowMs()).toISOString()
}

/**
 * True for a unique or primary-key violation, in SQLite (`SQLITE_CONSTRAINT_UNIQUE`, `..._PRIMARYKEY`) or
 * PostgreSQL (SQLSTATE 23505).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false
  const { code } = error
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

/** Runs an insert or update, turning a unique violation into AppError `conflict` with `message`. */
export async function withConflict<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('conflict', message, { cause: error })
    throw error
  }
}

/** Numbers from `bigint` columns arrive as strings from PostgreSQL; stored sizes always fit a double. */
export function toNumber(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value)
}
