/** The embedded OIDC issuer: its signing keys (private keys included) and the jobs it mints tokens for. */
import type { Kysely, Migration } from 'kysely'
import { seqColumn, type StoreDialect } from './0001-initial.js'

export function createEmbeddedIssuerSchema(dialect: StoreDialect): Migration {
  return { up: (db) => migrateUp(db, dialect) }
}

async function migrateUp(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('issuer_signing_keys')
    // Creation order decides which key signs; timestamps can tie, a sequence cannot.
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', seqColumn(dialect))
    .addColumn('kid', 'text', (c) => c.notNull().unique())
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .execute()
  await db.schema
    .createTable('issuer_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_slug', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('agent_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
}
