import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from './command.js'
import { parseMigrateStoreTargets, type MigrateStoreArguments } from './migrate-store-targets.js'

const TO = 'postgres://postgres@127.0.0.1:5432/packyard'

describe('parseMigrateStoreTargets', () => {
  let dataDir = ''
  const args = (overrides: Partial<MigrateStoreArguments>): MigrateStoreArguments =>
    ({ from: `sqlite:${dataDir}`, to: TO, fromBlobs: undefined, toBlobs: undefined, dataDir: '/nowhere', ...overrides })
  const refuses = (overrides: Partial<MigrateStoreArguments>, message: RegExp) => {
    assert.throws(() => parseMigrateStoreTargets(args(overrides)), (error) => error instanceof UsageError && message.test(error.message))
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'packyard-targets-'))
    await writeFile(join(dataDir, 'packyard.db'), '')
    await mkdir(join(dataDir, 'blobs', 'sha256'), { recursive: true })
  })
  after(async () => rm(dataDir, { recursive: true, force: true }))

  it('reads the database file, or the data directory holding it, and leaves blobs alone without --to-blobs', () => {
    const expected = { sourcePath: join(dataDir, 'packyard.db'), destinationUrl: TO, sourceBlobs: null, destinationBlobs: null }
    assert.deepEqual(parseMigrateStoreTargets(args({})), expected)
    assert.deepEqual(parseMigrateStoreTargets(args({ from: `sqlite:${join(dataDir, 'packyard.db')}` })), expected)
    assert.deepEqual(parseMigrateStoreTargets(args({ from: 'sqlite', dataDir })), expected)
  })

  it('takes the source blobs from beside the database unless told, and accepts DIR, file:DIR and s3://', () => {
    const s3 = 's3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1&force_path_style=true'
    assert.deepEqual(parseMigrateStoreTargets(args({ toBlobs: s3 })), {
      sourcePath: join(dataDir, 'packyard.db'), destinationUrl: TO, sourceBlobs: `file:${join(dataDir, 'blobs')}`, destinationBlobs: s3,
    })
    assert.equal(parseMigrateStoreTargets(args({ toBlobs: '/srv/blobs' })).destinationBlobs, 'file:/srv/blobs')
    assert.equal(parseMigrateStoreTargets(args({ toBlobs: 'file:/srv/blobs', fromBlobs: join(dataDir, 'blobs') })).sourceBlobs, `file:${join(dataDir, 'blobs')}`)
  })

  it('refuses what it cannot use, saying what to write', () => {
    refuses({ from: undefined }, /--from is required/)
    refuses({ from: TO }, /--from must be sqlite or sqlite:PATH/)
    refuses({ from: `sqlite:${join(dataDir, 'missing.db')}` }, /does not exist/)
    refuses({ to: undefined }, /--to is required/)
    refuses({ to: 'mysql://x/y' }, /--to: the URL scheme mysql: is not postgres/)
    refuses({ to: 'postgres://127.0.0.1' }, /names no database/)
    refuses({ fromBlobs: '/srv/blobs' }, /--from-blobs needs --to-blobs/)
    refuses({ toBlobs: 'file' }, /--to-blobs file names no directory/)
    refuses({ toBlobs: 'ftp://host/dir' }, /--to-blobs must be file:DIR, DIR or s3:/)
    refuses({ toBlobs: 's3://key:secret@bucket' }, /^--to-blobs: (?!.*secret).*credentials/)
    refuses({ toBlobs: '/srv/blobs', fromBlobs: dataDir }, /is not a Packyard blob directory/)
    refuses({ toBlobs: join(dataDir, 'blobs') }, /names the source blob store/)
  })
})
