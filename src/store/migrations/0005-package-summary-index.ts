/**
 * Indexes that answer a package's list of live versions (id, version, creation time) from the index alone, the
 * first read of every package document rebuilt after a change: at 5,000 versions, the table rows are 5,000
 * scattered pages (bench/scale.bench.ts). Deprecation messages stay out of it (up to 1,024 characters, they could
 * pass PostgreSQL's limit on an index entry); the few deprecated versions have a partial index of their own.
 */
import { sql, type Kysely, type Migration } from 'kysely'

/** The same statements on SQLite and PostgreSQL. */
export function createPackageSummaryIndexes(): Migration {
  return { up: (db) => migrateUp(db) }
}

async function migrateUp(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('packages_registry_name_summary')
    .on('packages')
    .columns(['registry_id', 'name', 'seq', 'deleted_at', 'id', 'version', 'created_at'])
    .execute()
  await db.schema
    .createIndex('packages_registry_name_deprecated')
    .on('packages')
    .columns(['registry_id', 'name'])
    .where(sql.ref('deprecated'), 'is not', null)
    .execute()
}
