/** `packyard admin gc` on a registry's real stores, on the local disk and in S3, after servers published and deleted. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { runCli } from '../../src/cli/run-cli.js'
import { startS3, type TestS3 } from '../helpers/s3.js'
import { fileForm, startServer } from '../helpers/start-server.js'

const API = '/v2/packages/organizations/default/registries'
const BUCKET = 'packyard-gc'
const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex')

interface Run { code: number; stdout: string; stderr: string }

async function gc(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(['admin', 'gc', ...args], {
    stdout: (text) => { stdout += text },
    stderr: (text) => { stderr += text },
    env,
    readStdin: () => Promise.resolve(''),
  })
  return { code, stdout, stderr }
}

/** Publishes `kept` and `dropped` with a real server, deletes `dropped`, and stops the server. */
async function publishAndDelete(options: { dataDir: string; blobs?: string }): Promise<void> {
  const server = await startServer({ dataDir: options.dataDir, ...(options.blobs === undefined ? {} : { blobs: options.blobs }) })
  try {
    assert.equal((await server.request('POST', API, { json: { name: 'tools', ecosystem: 'files' } })).status, 201)
    assert.equal((await server.request('POST', `${API}/tools/packages`, { body: fileForm('kept-1.0.0.bin', 'kept bytes') })).status, 201)
    const dropped = await server.request('POST', `${API}/tools/packages`, { body: fileForm('dropped-1.0.0.bin', 'dropped bytes') })
    const id = ((await dropped.json()) as { id: string }).id
    assert.equal((await server.request('DELETE', `${API}/tools/packages/${id}`)).status, 204)
  } finally {
    await server.close()
  }
}

describe('packyard admin gc (CLI)', () => {
  let s3: TestS3
  const dataDirs: string[] = []
  const newDataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'packyard-gc-'))
    dataDirs.push(dir)
    return dir
  }
  before(async () => {
    s3 = await startS3({ buckets: [BUCKET] })
  })
  after(async () => {
    await s3.stop()
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true })
  })

  it('on the local disk: keeps young garbage, reports in a dry run, then removes the deleted version\'s blob', async () => {
    const dataDir = await newDataDir()
    await publishAndDelete({ dataDir })
    await writeFile(join(dataDir, 'blobs', 'tmp', `${randomUUID()}.part`), 'half an upload')
    const blobFiles = async () => (await readdir(join(dataDir, 'blobs', 'sha256'), { recursive: true })).filter((name) => name.includes('/')).map((name) => name.split('/')[1]).sort()

    const young = await gc(['--data-dir', dataDir, '--json'])
    assert.equal(young.code, 0, young.stderr)
    assert.deepEqual(JSON.parse(young.stdout), {
      dry_run: false, grace_seconds: 3600,
      blobs: { scanned: 2, removed: 0, removed_bytes: 0, kept_young: 2, kept_referenced: 0 },
      temporary_uploads: { removed: 0, removed_bytes: 0, kept_young: 1 },
      multipart_uploads: { removed: 0, removed_bytes: 0, kept_young: 0 },
    })

    const dry = await gc(['--data-dir', dataDir, '--grace', '0', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, new RegExp(`would remove blob ${sha256Of('dropped bytes')} \\(13 bytes\\)`))
    assert.match(dry.stdout, /would remove temporary upload [0-9a-f-]+\.part \(14 bytes\)/)
    assert.match(dry.stdout, /blobs: 2 scanned, would remove 1 \(13 bytes\); kept 1 referenced, 0 younger than 0ms/)
    assert.match(dry.stderr, /a grace of 0ms is safe only while no server is publishing/)
    assert.deepEqual(await blobFiles(), [sha256Of('dropped bytes'), sha256Of('kept bytes')].sort())

    const real = await gc(['--data-dir', dataDir, '--grace', '0s'])
    assert.equal(real.code, 0, real.stderr)
    assert.match(real.stdout, new RegExp(`^removed blob ${sha256Of('dropped bytes')} \\(13 bytes\\)$`, 'm'))
    assert.match(real.stdout, /temporary uploads: removed 1 \(14 bytes\)/)
    assert.deepEqual(await blobFiles(), [sha256Of('kept bytes')])
    assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), [])
  })

  it('in S3: removes the deleted version\'s blob and stale temporary objects, reading the blobs setting from the environment', async () => {
    const dataDir = await newDataDir()
    const blobs = s3.blobsUrl(BUCKET, 'gc')
    await publishAndDelete({ dataDir, blobs })
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `gc/tmp/${randomUUID()}`, Body: 'half an upload' }))
    const env = { ...s3.env, PACKYARD_BLOBS: blobs }

    const run = await gc(['--data-dir', dataDir, '--grace', '0', '--json'], env)
    assert.equal(run.code, 0, run.stderr)
    const report = JSON.parse(run.stdout) as { blobs: { removed: number; kept_referenced: number }; temporary_uploads: { removed: number } }
    assert.equal(report.blobs.removed, 1)
    assert.equal(report.blobs.kept_referenced, 1)
    assert.equal(report.temporary_uploads.removed, 1)
    const keys = (await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'gc/' }))).Contents?.map((object) => object.Key)
    assert.deepEqual(keys, [`gc/sha256/${sha256Of('kept bytes').slice(0, 2)}/${sha256Of('kept bytes')}`])
  })

  it('refuses a malformed grace period and a malformed blobs location', async () => {
    const dataDir = await newDataDir()
    const grace = await gc(['--data-dir', dataDir, '--grace', '1.5h'])
    assert.equal(grace.code, 2)
    assert.match(grace.stderr, /--grace must be a whole number and a unit/)
    const location = await gc(['--data-dir', dataDir, '--blobs', 's3://bucket?sneaky=1'])
    assert.equal(location.code, 2)
    assert.match(location.stderr, /config_invalid: blobs: the location has an unknown parameter "sneaky"/)
  })
})
