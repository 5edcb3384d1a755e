/**
 * The metadata store on every dialect it runs on, for tests that exercise the store directly:
 *
 *   for (const variant of STORE_VARIANTS) describe(`... (${variant.name})`, { skip: variant.skip }, () => { ... })
 *
 * Each `open` gets its own empty database (a temporary SQLite file, or a fresh PostgreSQL database) that
 * `close` removes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Clock } from '../../src/lib/clock.js'
import type { MetadataStore } from '../../src/registry/ports.js'
import { openPostgresStore } from '../../src/store/open-postgres-store.js'
import { openSqliteStore } from '../../src/store/open-sqlite-store.js'
import { createTestDatabase, postgresSkip } from './postgres.js'

export interface OpenedStore {
  readonly store: MetadataStore
  /** Closes the store and removes its database. */
  close(): Promise<void>
}

export interface StoreVariant {
  readonly name: 'sqlite' | 'postgres'
  /** node:test's `skip` option: a reason, or false. */
  readonly skip: string | false
  open(options: { clock: Clock; newId?: () => string }): Promise<OpenedStore>
}

export const STORE_VARIANTS: readonly StoreVariant[] = [
  {
    name: 'sqlite',
    skip: false,
    async open(options) {
      const dir = await mkdtemp(join(tmpdir(), 'packyard-store-'))
      const store = await openSqliteStore({ path: join(dir, 'packyard.db'), ...options })
      return { store, close: async () => { await store.close(); await rm(dir, { recursive: true, force: true }) } }
    },
  },
  {
    name: 'postgres',
    skip: postgresSkip,
    async open(options) {
      const database = await createTestDatabase()
      try {
        const store = await openPostgresStore({ url: database.url, ...options })
        return { store, close: async () => { try { await store.close() } finally { await database.drop() } } }
      } catch (error) {
        await database.drop()
        throw error
      }
    },
  },
]
