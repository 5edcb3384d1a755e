/** A real server storing its blobs in S3 (s3rver on loopback): publish, download, ranges, and start-up checks. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { pino } from 'pino'
import { createApp } from '../../src/app.js'
import { loadServerConfig } from '../../src/config/server-config.js'
import { AppError } from '../../src/errors.js'
import { findFreePort } from '../helpers/find-free-port.js'
import { createTestDatabase, postgresSkip } from '../helpers/postgres.js'
import { runPackyard } from '../helpers/run-packyard.js'
import { startS3, type TestS3 } from '../helpers/s3.js'
import { fileForm, startServer, type TestServer } from '../helpers/start-server.js'

const API = '/v2/packages/organizations/default/registries'
const BUCKET = 'packyard-blobs'

describe('server with S3 blob storage', () => {
  let s3: TestS3
  let server: TestServer
  before(async () => {
    s3 = await startS3({ buckets: [BUCKET] })
    server = await startServer({ blobs: s3.blobsUrl(BUCKET, 'registry') })
    const created = await server.request('POST', API, { json: { name: 'tools', ecosystem: 'files' } })
    assert.equal(created.status, 201, await created.text())
  })
  after(async () => {
    await server.close()
    await s3.stop()
  })

  it('publishes a file into the bucket under its digest and serves it whole and by range', async () => {
    const bytes = randomBytes(300_000)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const published = await server.request('POST', `${API}/tools/packages`, { body: fileForm('cli-1.0.0.tar.gz', bytes) })
    assert.equal(published.status, 201, await published.clone().text())
    const keys = (await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'registry/' }))).Contents?.map((object) => object.Key)
    assert.deepEqual(keys, [`registry/sha256/${sha256.slice(0, 2)}/${sha256}`])

    const download = await server.request('GET', '/default/tools/files/cli-1.0.0.tar.gz')
    assert.equal(download.status, 200)
    assert.equal(download.headers.get('etag'), `"${sha256}"`)
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes)

    const partial = await server.request('GET', '/default/tools/files/cli-1.0.0.tar.gz', { headers: { range: 'bytes=1000-1999' } })
    assert.equal(partial.status, 206)
    assert.equal(partial.headers.get('content-range'), `bytes 1000-1999/${String(bytes.length)}`)
    assert.deepEqual(Buffer.from(await partial.arrayBuffer()), bytes.subarray(1000, 2000))
    const suffix = await server.request('GET', '/default/tools/files/cli-1.0.0.tar.gz', { headers: { range: 'bytes=-10' } })
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(bytes.length - 10))
  })

  it('refuses an upload over max_upload_bytes and leaves no object behind', async () => {
    const small = await startServer({ blobs: s3.blobsUrl(BUCKET, 'capped'), maxUploadBytes: 1000 })
    try {
      await small.request('POST', API, { json: { name: 'tools', ecosystem: 'files' } })
      const refused = await small.request('POST', `${API}/tools/packages`, { body: fileForm('big-1.0.0.bin', randomBytes(5000)) })
      assert.equal(refused.status, 413)
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'capped/' }))
      assert.deepEqual(listed.Contents ?? [], [])
    } finally {
      await small.close()
    }
  })

  it('refuses to start when the bucket does not exist', async () => {
    await assert.rejects(startApp(s3.blobsUrl('no-such-bucket')), (error: unknown) =>
      error instanceof AppError && error.code === 'config_invalid' && /bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+: the bucket does not exist/.test(error.message))
  })

  it('refuses to start when the S3 endpoint does not answer, with a message and no stack trace', async () => {
    const closedPort = await findFreePort()
    const blobs = `s3://${BUCKET}?endpoint=http://127.0.0.1:${String(closedPort)}&force_path_style=true`
    const run = await runPackyard(['serve', '--blobs', blobs, '--data-dir', server.dataDir, '--listen', '127.0.0.1:0'], { env: s3.env })
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /config_invalid: blobs: cannot use bucket "packyard-blobs" at http:\/\/127\.0\.0\.1:\d+: the server is not reachable \(ECONNREFUSED\)/)
    assert.doesNotMatch(run.stderr, /^\s+at /m)
    assert.doesNotMatch(run.stderr, /S3RVER/)
  })

  it('exits when the bucket does not answer even with PostgreSQL pooled connections open', { skip: postgresSkip }, async () => {
    const database = await createTestDatabase()
    try {
      const blobs = `s3://no-such-bucket?endpoint=${s3.endpoint}&force_path_style=true`
      const run = await runPackyard(['serve', '--blobs', blobs, '--database', database.url, '--data-dir', server.dataDir], { env: s3.env })
      assert.equal(run.code, 2, run.stderr)
      assert.match(run.stderr, /the bucket does not exist/)
    } finally {
      await database.drop()
    }
  })
})

/** Opens the app the way `serve` does, for a start-up that is expected to fail; closes it if it does not. */
async function startApp(blobs: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'packyard-s3-start-'))
  try {
    const config = loadServerConfig({ env: {}, flags: { blobs, data_dir: dataDir } })
    const app = await createApp(config, { env: {}, logger: pino({ level: 'silent' }) })
    await app.close()
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}
