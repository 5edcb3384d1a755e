/** Opening the PostgreSQL store: URLs checked as configuration, migrations safe when several servers start at once. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openAdminServices } from '../../src/app.js'
import { loadServerConfig } from '../../src/config/server-config.js'
import { AppError } from '../../src/errors.js'
import { createOrganizationService } from '../../src/registry/organization-service.js'
import { createFixedClock } from '../../src/lib/clock.js'
import { openPostgresStore, parsePostgresUrl } from '../../src/store/open-postgres-store.js'
import { createMigrations } from '../../src/store/migrations/index.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'

const clock = createFixedClock(Date.parse('2026-11-26T00:00:00Z'))
const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code

describe('PostgreSQL URLs', () => {
  it('accepts postgres:// and postgresql:// URLs with a host and a database', () => {
    assert.equal(parsePostgresUrl('postgres://u:p@db.internal:5432/packyard').hostname, 'db.internal')
    assert.equal(parsePostgresUrl('postgresql://u@127.0.0.1/packyard?sslmode=require').pathname, '/packyard')
  })

  for (const [label, url] of [
    ['no database', 'postgres://u@db.internal:5432'],
    ['no database but a slash', 'postgres://u@db.internal/'],
    ['no host', 'postgres://u@/packyard'],
    ['a bad port', 'postgres://u@db.internal:99999/packyard'],
    ['another scheme', 'mysql://u@db.internal/packyard'],
  ] as const) {
    it(`refuses a URL with ${label} as config_invalid`, () => {
      assert.throws(() => parsePostgresUrl(url), isCode('config_invalid'))
    })
  }

  it('refuses a bad URL from the configuration as config_invalid before connecting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'packyard-pgurl-'))
    try {
      const config = loadServerConfig({ env: { PACKYARD_DATABASE_URL: 'postgres://u@/packyard' }, flags: { data_dir: dir } })
      await assert.rejects(openAdminServices(config), (error: unknown) => isCode('config_invalid')(error) && /PostgreSQL URL/.test((error as Error).message))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('fails with a clear error when PostgreSQL does not answer', async () => {
    await assert.rejects(openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/packyard', clock }), (error: unknown) =>
      isCode('internal_error')(error) && /cannot open the PostgreSQL database/.test((error as Error).message))
  })
})

describe('PostgreSQL store migrations', { skip: postgresSkip }, () => {
  let database: TestDatabase | undefined
  before(async () => {
    database = await createTestDatabase()
  })
  after(async () => {
    await database?.drop()
  })

  it('migrates once when several servers open a fresh database at the same time', async () => {
    const url = database!.url
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore({ url, clock, poolSize: 2 })))
    try {
      await stores[0]!.organizations.create({ slug: 'acme', name: 'Acme' })
      for (const store of stores) assert.equal(await store.organizations.count(), 1)
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      const { rows } = await client.query<{ name: string }>('select name from kysely_migration order by name')
      // Each migration once, in order.
      assert.deepEqual(rows.map((row) => row.name), Object.keys(createMigrations('postgres')))
      const locks = await client.query('select 1 from pg_locks where locktype = $1', ['advisory'])
      assert.equal(locks.rowCount, 0)
    } finally {
      await client.end()
    }
  })

  it('opens an already migrated database without changing it', async () => {
    const store = await openPostgresStore({ url: database!.url, clock })
    try {
      assert.equal((await store.organizations.findBySlug('acme'))?.name, 'Acme')
    } finally {
      await store.close()
    }
  })
  it('bootstraps one organization when several servers start on an empty database at once', async () => {
    const fresh = await createTestDatabase()
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url: fresh.url, clock, poolSize: 2 })))
      try {
        const results = await Promise.all(stores.map((store) => createOrganizationService({ store }).bootstrap('default')))
        assert.equal(results.filter((result) => result !== null).length, 1)
        assert.equal(await stores[0]!.organizations.count(), 1)
        assert.equal((await stores[0]!.apiTokens.list((await stores[0]!.organizations.findBySlug('default'))!.id)).length, 1)
      } finally {
        await Promise.all(stores.map((store) => store.close()))
      }
    } finally {
      await fresh.drop()
    }
  })
})
