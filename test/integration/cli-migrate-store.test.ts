/**
 * `packyard admin migrate-store`, driven as a user would: a real embedded registry (SQLite and blobs on disk)
 * filled through the HTTP API, stopped, migrated by the CLI to a fresh PostgreSQL database and blob directory,
 * and then served by a server on the destination, which must show everything the source showed.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import pg from 'pg'
import { systemClock } from '../../src/lib/clock.js'
import { openPostgresStore } from '../../src/store/open-postgres-store.js'
import { createJob, requestToken } from '../helpers/issuer-jobs.js'
import { buildPackageTarball, buildPublishDocument } from '../helpers/npm-tarball.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'
import { runPackyard } from '../helpers/run-packyard.js'
import { startS3, uniquePrefix } from '../helpers/s3.js'
import { fileForm, startServer, type TestServer } from '../helpers/start-server.js'

type Json = Record<string, unknown>
const API = '/v2/packages/organizations/default'
const S3_BUCKET = 'packyard-migrate'

function policy(issuer: string, branch: string): string {
  return `- iss: ${issuer}\n  scopes: [read_packages, write_packages]\n  claims:\n    organization_slug: default\n    pipeline_slug: web\n    build_branch: ${branch}\n`
}

async function body(response: Response, status = 200): Promise<unknown> {
  const text = await response.text()
  assert.equal(response.status, status, text)
  return text === '' ? null : JSON.parse(text)
}

/** Everything a client can see of the source, read through HTTP, to compare with the destination's. */
interface Snapshot {
  readonly registries: unknown
  readonly policyVersions: unknown
  readonly packages: Record<string, unknown>
  readonly packument: unknown
  readonly jwks: unknown
  readonly audit: readonly Json[]
  readonly downloads: Record<string, string>
}

const DOWNLOADS = ['/default/tools/files/cli-1.0.0.tar.gz', '/default/tools/files/cli-1.1.0.tar.gz', '/default/js/npm/left-pad/-/left-pad-1.0.0.tgz']

async function readAllAudit(server: TestServer, token: string): Promise<Json[]> {
  const events: Json[] = []
  let path: string | null = `${API}/audit_events?per_page=100`
  while (path !== null) {
    const page = (await body(await server.request('GET', path, { token }))) as { items: Json[]; links: { next: string | null } }
    events.push(...page.items)
    path = page.links.next === null ? null : page.links.next.slice(server.url.length)
  }
  return events
}

async function takeSnapshot(server: TestServer, token: string): Promise<Snapshot> {
  const packages: Record<string, unknown> = {}
  for (const registry of ['tools', 'js']) packages[registry] = await body(await server.request('GET', `${API}/registries/${registry}/packages?per_page=100`, { token }))
  const downloads: Record<string, string> = {}
  for (const path of DOWNLOADS) {
    const response = await server.request('GET', path, { token })
    assert.equal(response.status, 200, path)
    downloads[path] = createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex')
  }
  return {
    registries: await body(await server.request('GET', `${API}/registries`, { token })),
    policyVersions: await body(await server.request('GET', `${API}/registries/tools/oidc_policy/versions`, { token })),
    packages,
    packument: await body(await server.request('GET', '/default/js/npm/left-pad', { token })),
    jwks: await body(await server.request('GET', '/issuer/.well-known/jwks', { token: null })),
    downloads,
    // Last, so that it holds the decisions on the reads above.
    audit: await readAllAudit(server, token),
  }
}

/** A registry with history: policies, tokens, files and npm packages, provenance, a deletion, refusals. */
async function fillSource(server: TestServer): Promise<{ apiToken: string }> {
  const issuer = `${server.url}/issuer`
  await body(await server.request('POST', `${API}/registries`, { json: { name: 'tools', ecosystem: 'files', oidc_policy: policy(issuer, 'main') } }), 201)
  await body(await server.request('PATCH', `${API}/registries/tools`, { json: { oidc_policy: policy(issuer, 'release') } }))
  await body(await server.request('POST', `${API}/registries/tools/oidc_policy/versions/1/restore`))
  await body(await server.request('POST', `${API}/registries`, { json: { name: 'js', ecosystem: 'npm' } }), 201)
  const issued = (await body(await server.request('POST', '/v2/organizations/default/api_tokens', {
    token: server.orgAdminToken, json: { description: 'ci', scopes: ['read_registries', 'read_packages', 'write_packages'] },
  }), 201)) as { token: string }
  const upload = (filename: string, token: string) => server.request('POST', `${API}/registries/tools/packages`, { token, body: fileForm(filename, `bytes of ${filename}\n`) })
  await body(await upload('cli-1.0.0.tar.gz', issued.token), 201)
  const job = await createJob(server)
  await body(await upload('cli-1.1.0.tar.gz', await requestToken(server, job, { audience: `${server.url}/default/tools` })), 201)
  const doomed = (await body(await upload('cli-0.9.0.tar.gz', issued.token), 201)) as { id: string }
  await body(await server.request('DELETE', `${API}/registries/tools/packages/${doomed.id}`), 204)
  await body(await upload('cli-1.0.0.tar.gz', issued.token), 409)
  await body(await server.request('GET', `${API}/registries`, { token: 'pky_not_a_real_token' }), 401)
  for (const version of ['1.0.0', '1.1.0']) {
    const tarball = buildPackageTarball({ name: 'left-pad', version })
    await body(await server.request('PUT', '/default/js/npm/left-pad', { json: buildPublishDocument({ name: 'left-pad', version, tarball }) }), 201)
  }
  return { apiToken: issued.token }
}

async function queryDatabase<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows as T[]
  } finally {
    await client.end()
  }
}

describe('packyard admin migrate-store (CLI)', { skip: postgresSkip }, () => {
  let sourceDir = ''
  let port = 0
  let orgAdminToken = ''
  let apiToken = ''
  let snapshot: Snapshot
  const cleanups: (() => Promise<unknown>)[] = []
  const newDatabase = async () => {
    const database = await createTestDatabase()
    cleanups.push(() => database.drop())
    return database
  }
  const newDirectory = async (prefix: string) => {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    return dir
  }
  const migrate = (database: TestDatabase, blobDir: string, ...extra: string[]) =>
    runPackyard(['admin', 'migrate-store', '--from', `sqlite:${sourceDir}`, '--to', database.url, '--to-blobs', `file:${blobDir}`, ...extra])

  before(async () => {
    sourceDir = await newDirectory('packyard-migrate-source-')
    const source = await startServer({ dataDir: sourceDir })
    try {
      port = Number(new URL(source.url).port)
      orgAdminToken = source.orgAdminToken
      apiToken = (await fillSource(source)).apiToken
      snapshot = await takeSnapshot(source, orgAdminToken)
    } finally {
      await source.close()
    }
  })
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('copies everything to an empty database and blob directory, where a new server serves it all', async () => {
    const database = await newDatabase()
    const targetDir = await newDirectory('packyard-migrate-target-')
    const dryRun = await migrate(database, join(targetDir, 'blobs'), '--dry-run')
    assert.equal(dryRun.code, 0, dryRun.stdout + dryRun.stderr)
    assert.match(dryRun.stdout, /nothing was written/)
    assert.deepEqual(await queryDatabase(database.url, "select table_name from information_schema.tables where table_schema = 'public'"), [])

    const run = await migrate(database, join(targetDir, 'blobs'), '--json')
    assert.equal(run.code, 0, run.stdout + run.stderr)
    const report = JSON.parse(run.stdout) as { ok: boolean; tables: { name: string; rows: number; verified: boolean }[]; blobs: Json; packages_compared: number }
    assert.equal(report.ok, true)
    assert.ok(report.tables.every((table) => table.verified), run.stdout)
    assert.equal(report.tables.find((table) => table.name === 'packages')?.rows, 5)
    assert.equal(report.packages_compared, 5)
    assert.deepEqual([report.blobs.recorded, report.blobs.copied, report.blobs.present], [5, 5, 0])

    const destination = await startServer({ dataDir: targetDir, database: database.url, port })
    try {
      assert.equal(destination.app.bootstrap, null, 'the copied organization is found: no second bootstrap')
      const seen = await takeSnapshot(destination, orgAdminToken)
      assert.deepEqual({ ...seen, audit: [] }, { ...snapshot, audit: [] })
      // The copied events are the oldest, in order; the destination's own come after them (seq continued).
      assert.deepEqual(seen.audit.slice(-snapshot.audit.length), snapshot.audit)
      assert.equal((await destination.request('GET', `${API}/registries/tools/packages`, { token: apiToken })).status, 200)

      const published = (await body(await destination.request('POST', `${API}/registries/tools/packages`, { token: apiToken, body: fileForm('cli-2.0.0.tar.gz', 'new') }), 201)) as { id: string }
      const listed = (await body(await destination.request('GET', `${API}/registries/tools/packages`, { token: apiToken }))) as { items: { id: string }[] }
      assert.equal(listed.items[0]?.id, published.id, 'the new version is the newest: packages.seq continued above the copied ones')
      const events = await readAllAudit(destination, orgAdminToken)
      const publishedAt = events.findIndex((event) => event.type === 'package.published' && (event.detail as Json).package_id === published.id)
      assert.ok(publishedAt >= 0 && publishedAt < events.length - snapshot.audit.length, 'the new audit event is newer than every copied one: audit_events.seq continued')
    } finally {
      await destination.close()
    }
  })

  it('refuses a destination that holds rows, and leaves it untouched', async () => {
    const database = await newDatabase()
    const store = await openPostgresStore({ url: database.url, clock: systemClock })
    await store.organizations.create({ slug: 'someone', name: 'someone' })
    await store.close()
    const run = await migrate(database, await newDirectory('packyard-migrate-refused-'))
    assert.equal(run.code, 1, run.stdout + run.stderr)
    assert.match(run.stdout, /not empty \(rows in organizations\)/)
    assert.deepEqual(await queryDatabase(database.url, 'select slug from organizations'), [{ slug: 'someone' }])
    assert.deepEqual(await queryDatabase(database.url, 'select count(*)::int as n from packages'), [{ n: 0 }])
  })

  it('detects a source blob corrupted on disk, commits nothing, and resumes once it is repaired', async () => {
    const database = await newDatabase()
    const blobDir = await newDirectory('packyard-migrate-resume-')
    const { sha256 } = ((snapshot.packages.tools as { items: Json[] }).items[0]?.digests ?? {}) as { sha256: string }
    const path = join(sourceDir, 'blobs', 'sha256', sha256.slice(0, 2), sha256)
    const original = await readFile(path)
    await writeFile(path, Buffer.from(original.toString('utf8').toUpperCase()))
    try {
      const failed = await migrate(database, blobDir)
      assert.equal(failed.code, 1, failed.stdout + failed.stderr)
      assert.match(failed.stdout, new RegExp(`blob ${sha256}: .*the source blob is corrupt`))
      assert.deepEqual(await queryDatabase(database.url, 'select count(*)::int as n from organizations'), [{ n: 0 }])
    } finally {
      await writeFile(path, original)
    }
    const copiedBefore = (await readdir(join(blobDir, 'sha256'), { recursive: true })).filter((name) => /[0-9a-f]{64}$/.test(name))
    assert.equal(copiedBefore.length, 4, 'every good blob was copied; the corrupt one (and its stray copy) is not there')

    const rerun = await migrate(database, blobDir, '--json')
    assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr)
    const report = JSON.parse(rerun.stdout) as { blobs: Json }
    assert.deepEqual([report.blobs.copied, report.blobs.present], [1, 4])
  })

  it('copies the blobs to S3, verified by digest, verifying those an earlier run already put there', async () => {
    const s3 = await startS3({ buckets: [S3_BUCKET] })
    cleanups.push(() => s3.stop())
    const prefix = uniquePrefix()
    const keyOf = (sha256: string) => `${prefix}/sha256/${sha256.slice(0, 2)}/${sha256}`
    const sourceBlobs = (await readdir(join(sourceDir, 'blobs', 'sha256'), { recursive: true })).filter((name) => /[0-9a-f]{64}$/.test(name)).map((name) => name.slice(-64))
    assert.equal(sourceBlobs.length, 5)
    // One blob is there already, as an interrupted run leaves it. (One only: s3rver cannot page a listing, which opening a store does.)
    const first = sourceBlobs[0]!
    await s3.client.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: keyOf(first), Body: await readFile(join(sourceDir, 'blobs', 'sha256', first.slice(0, 2), first)) }))

    const run = await runPackyard(['admin', 'migrate-store', '--from', `sqlite:${sourceDir}`, '--to', (await newDatabase()).url, '--to-blobs', s3.blobsUrl(S3_BUCKET, prefix), '--json'], { env: s3.env })
    assert.equal(run.code, 0, run.stdout + run.stderr)
    const { blobs } = JSON.parse(run.stdout) as { blobs: Json }
    assert.deepEqual([blobs.recorded, blobs.copied, blobs.present, blobs.checked_at_destination], [5, 4, 1, 4], 'the deleted version\'s blob is copied; the final check covers the live ones')
    for (const sha256 of sourceBlobs) {
      const object = await s3.client.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: keyOf(sha256) }))
      assert.equal(createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex'), sha256)
    }
  })

  it('answers --help, and refuses bad arguments with exit 2', async () => {
    const help = await runPackyard(['admin', 'migrate-store', '--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /Stop every server using the source first/)
    // The rest of the argument checks are unit tests (src/cli/migrate-store-targets.test.ts).
    const cases: [string[], RegExp][] = [
      [['--from', 'postgres://postgres@127.0.0.1/x', '--to', 'postgres://postgres@127.0.0.1/y'], /--from must be sqlite/],
      [['--from', `sqlite:${sourceDir}`, '--to', 'sqlite:/tmp/x.db'], /--to: the URL scheme sqlite: is not postgres/],
    ]
    for (const [args, message] of cases) {
      const run = await runPackyard(['admin', 'migrate-store', ...args])
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
    }
  })
})
