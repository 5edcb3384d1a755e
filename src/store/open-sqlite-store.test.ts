import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteConnection } from './open-sqlite-store.js'

describe('openSqliteConnection', () => {
  let dir = ''
  after(async () => { if (dir !== '') await rm(dir, { recursive: true, force: true }) })

  it('opens in WAL mode, durable on commit, with foreign keys, a busy timeout and a 64 MiB page cache', async () => {
    dir = await mkdtemp(join(tmpdir(), 'packyard-sqlite-'))
    const sqlite = openSqliteConnection(join(dir, 'nested', 'packyard.db'))
    try {
      const read = (name: string): unknown => sqlite.pragma(name, { simple: true })
      assert.equal(read('journal_mode'), 'wal')
      assert.equal(read('synchronous'), 2)
      assert.equal(read('foreign_keys'), 1)
      assert.equal(read('busy_timeout'), 5_000)
      // A million versions make a ~2 GB database; SQLite's default cache (2 MiB) re-reads a 5,000-version
      // package's rows from the OS on every document build (bench/scale.bench.ts).
      assert.equal(read('cache_size'), -64 * 1024)
    } finally {
      sqlite.close()
    }
  })
})
