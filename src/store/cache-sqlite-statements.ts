/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares each query it runs. Queries repeat
 * (a registry lookup per request), so prepared statements are kept by their SQL text. Safe because Kysely runs
 * one query at a time on the single SQLite connection and reads results whole (`all`, `run`).
 */
import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/** Distinct SQL texts kept; the application issues a few dozen, multi-row inserts add one per row count. */
const MAX_CACHED_STATEMENTS = 512

export function cacheSqliteStatements(db: BetterSqliteDatabase): SqliteDatabase {
  const statements = new Map<string, Statement>()
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear()
        statements.set(sql, statement)
      }
      return statement
    },
  }
}
