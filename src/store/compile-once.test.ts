import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { compileOnce } from './compile-once.js'
import type { Database } from './database.js'

describe('compileOnce', () => {
  let db: Kysely<Database>
  before(async () => {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) })
    await sql`create table organizations (id text primary key, slug text not null, name text not null, created_at text not null)`.execute(db)
    await sql`insert into organizations values ('1', 'acme', 'Acme', 'a'), ('2', 'beta', 'Beta', 'b'), ('3', 'acme-2', 'Acme 2', 'c')`.execute(db)
  })
  after(() => db.destroy())

  it('runs the query with each call\'s values, in the places the compiler gave them', async () => {
    // The values are given as [created_at, slug] but compiled in the order slug, created_at.
    const find = compileOnce((handle, [createdAt, slug]: readonly [string, string]) =>
      handle.selectFrom('organizations').select('id').where('slug', '=', slug).where('created_at', '=', createdAt), 2)
    assert.deepEqual(await find(db, ['a', 'acme']), [{ id: '1' }])
    assert.deepEqual(await find(db, ['b', 'beta']), [{ id: '2' }])
    assert.deepEqual(await find(db, ['b', 'acme']), [])
  })

  it('runs inside a transaction on the transaction\'s connection', async () => {
    const find = compileOnce((handle, [slug]: readonly [string]) => handle.selectFrom('organizations').select('id').where('slug', '=', slug), 1)
    const seen = await db.transaction().execute(async (trx) => {
      await trx.insertInto('organizations').values({ id: '4', slug: 'new', name: 'New', created_at: 'd' }).execute()
      return find(trx, ['new'])
    })
    assert.deepEqual(seen, [{ id: '4' }])
  })

  it('refuses a build that does not pass a value through as a parameter', async () => {
    const find = compileOnce((handle, [slug]: readonly [string]) => handle.selectFrom('organizations').select('id').where('slug', '=', `${slug}-x`), 1)
    await assert.rejects(find(db, ['acme']), /not one of its values/)
  })
})
