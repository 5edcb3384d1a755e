/**
 * What the npm ecosystem needs beyond files: each version's metadata read from its archive and its deprecation
 * message, dist-tags per package name, and the short-lived registry tokens minted by OIDC token exchanges.
 */
import type { Kysely, Migration } from 'kysely'
/** The same statements on SQLite and PostgreSQL: text columns and a composite primary key. */
export function createPackageMetadataSchema(): Migration {
  return { up: (db) => migrateUp(db) }
}

async function migrateUp(db: Kysely<unknown>): Promise<void> {
  // Two statements: SQLite adds one column per ALTER TABLE. Existing rows get null, which every reader accepts.
  await db.schema.alterTable('packages').addColumn('metadata', 'text').execute()
  await db.schema.alterTable('packages').addColumn('deprecated', 'text').execute()
  await db.schema
    .createTable('dist_tags')
    .addColumn('registry_id', 'text', (c) => c.notNull().references('registries.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dist_tags_pk', ['registry_id', 'name', 'tag'])
    .execute()
  await db.schema
    .createTable('registry_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('registry_id', 'text', (c) => c.notNull().references('registries.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('oidc_grant', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('registry_tokens_expires_at').on('registry_tokens').column('expires_at').execute()
}
