/** Runs the migrations not yet applied, in order; a failure stops the server from starting. */
import { Migrator, type Kysely, type MigrationProvider } from 'kysely'
import { AppError } from '../errors.js'
import type { StoreDialect } from './migrations/0001-initial.js'
import { createMigrations } from './migrations/index.js'

export async function migrateToLatest<T>(db: Kysely<T>, dialect: StoreDialect): Promise<readonly string[]> {
  const migrations = createMigrations(dialect)
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) }
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest()
  if (error !== undefined) {
    throw new AppError('internal_error', `database migration failed: ${error instanceof Error ? error.message : 'unknown error'}`, { cause: error })
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName)
}
