/**
 * A revision number per package name, raised in the transaction of every change to that name (a version
 * published or unpublished, a deprecation, a dist-tag). Servers cache each built package document with the
 * revision it was built from and check that number, one primary-key read, before serving it: a change made
 * through any server, or any process, shows at once.
 */
import { sql, type Kysely, type Migration } from 'kysely'

/** The same statements on SQLite and PostgreSQL. */
export function createPackageRevisionsSchema(): Migration {
  return { up: (db) => migrateUp(db) }
}

async function migrateUp(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('package_revisions')
    .addColumn('registry_id', 'text', (c) => c.notNull().references('registries.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('package_revisions_pk', ['registry_id', 'name'])
    .execute()
  // Names published before this migration start at revision 1.
  await sql`insert into package_revisions (registry_id, name, revision) select distinct registry_id, name, 1 from packages`.execute(db)
}
