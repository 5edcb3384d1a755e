/** The first schema: organizations, API tokens, registries with policy history, packages and the audit log. */
import type { CreateTableBuilder, Kysely, Migration } from 'kysely'

/** The SQL dialects the store runs on; migrations differ only where the dialects do. */
export type StoreDialect = 'sqlite' | 'postgres'

type ColumnBuilder = Parameters<NonNullable<Parameters<CreateTableBuilder<string>['addColumn']>[2]>>[0]

/** A monotonic `seq` key: SQLite's rowid alias, PostgreSQL's identity column. */
export function seqColumn(dialect: StoreDialect): (column: ColumnBuilder) => ColumnBuilder {
  return dialect === 'sqlite'
    ? (column) => column.primaryKey().autoIncrement()
    : (column) => column.primaryKey().generatedAlwaysAsIdentity()
}

export function createInitialSchema(dialect: StoreDialect): Migration {
  return { up: (db) => migrateUp(db, dialect) }
}

async function migrateUp(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const seq = seqColumn(dialect)
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
  await db.schema
    .createTable('registries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('emoji', 'text')
    .addColumn('color', 'text')
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('policy_version', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('registries_org_slug', ['organization_id', 'slug'])
    .execute()
  await db.schema
    .createTable('policy_versions')
    .addColumn('registry_id', 'text', (c) => c.notNull().references('registries.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('saved_by', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .addColumn('restored_from', 'integer')
    .addPrimaryKeyConstraint('policy_versions_pk', ['registry_id', 'version'])
    .execute()
  await db.schema
    .createTable('packages')
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', seq)
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('registry_id', 'text', (c) => c.notNull().references('registries.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('sha512', 'text', (c) => c.notNull())
    .addColumn('provenance', 'text')
    .addColumn('published_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    // Versions are immutable, deleted ones included: the constraint, not a read-then-write, decides races.
    .addUniqueConstraint('packages_registry_name_version', ['registry_id', 'name', 'version'])
    .addUniqueConstraint('packages_registry_filename', ['registry_id', 'filename'])
    .execute()
  await db.schema.createIndex('packages_registry_seq').on('packages').columns(['registry_id', 'seq']).execute()
  await db.schema.createIndex('packages_registry_name_seq').on('packages').columns(['registry_id', 'name', 'seq']).execute()
  await db.schema.createIndex('packages_sha256').on('packages').column('sha256').execute()
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', seq)
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('registry_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('code', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_events_org_seq').on('audit_events').columns(['organization_id', 'seq']).execute()
}
