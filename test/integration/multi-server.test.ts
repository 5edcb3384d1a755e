/**
 * Scale-out as deployed: two `packyard serve` processes behind a TLS-terminating proxy whose address is their
 * public URL, sharing one PostgreSQL database and one blob store, started at the same moment on the empty
 * database. They must behave as one registry: a CI job publishes through the proxy whichever server answers,
 * what one publishes the other serves, a policy saved through one is enforced by the other within a second,
 * racing publishes of one version have one winner across both, and one dying mid-upload harms nothing.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findFreePort } from '../helpers/find-free-port.js'
import { createJob, requestToken } from '../helpers/issuer-jobs.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'
import { runPackyard } from '../helpers/run-packyard.js'
import { startS3, type TestS3 } from '../helpers/s3.js'
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js'
import { fileForm } from '../helpers/start-server.js'
import { startTlsProxy, type TlsProxy } from '../helpers/tls-proxy.js'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const ADMIN = 'pky_multi_server_test_admin_token_0123456789'
const API = '/v2/packages/organizations/default/registries'
const PROPAGATION_LIMIT_MS = 1_000

interface Json { [key: string]: unknown }

function policyFor(publicUrl: string, pipeline: string): string {
  return `- iss: ${publicUrl}/issuer
  scopes: [read_packages, write_packages]
  claims:
    organization_slug: default
    pipeline_slug: ${pipeline}
`
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('two servers on one PostgreSQL and one S3 bucket', { skip: postgresSkip }, () => {
  let database: TestDatabase | undefined
  let s3: TestS3 | undefined
  let blobs = ''
  let proxy: TlsProxy | undefined
  let shared = ''
  /** The proxy's address: both servers' public URL, so tokens carry one audience whichever server checks them. */
  let publicUrl = ''
  let audience = ''
  const servers: ServeProcess[] = []
  const start = (name: string, port: number) =>
    startServeProcess({ dataDir: join(shared, name), port, publicUrl, database: database!.url, blobs, adminToken: ADMIN, env: s3!.env })
  /** A token of a job on pipeline `web`, issued by `issuer`'s embedded issuer. */
  const tokenFrom = async (issuer: ServeProcess) => requestToken(issuer, await createJob(issuer), { audience })
  const publish = (server: ServeProcess, token: string, filename: string, content: string | Uint8Array) =>
    server.request('POST', `${API}/shared/packages`, { token, body: fileForm(filename, content) })
  const download = (server: ServeProcess, token: string, filename: string) =>
    server.request('GET', `/default/shared/files/${filename}`, { token })

  before(async () => {
    database = await createTestDatabase()
    s3 = await startS3({ buckets: ['packyard-multi'] })
    blobs = s3.blobsUrl('packyard-multi')
    shared = await mkdtemp(join(tmpdir(), 'packyard-multi-'))
    const [proxyPort, portA, portB] = [await findFreePort(), await findFreePort(), await findFreePort()]
    publicUrl = `https://127.0.0.1:${String(proxyPort)}`
    audience = `${publicUrl}/default/shared`
    // At once, on the empty database: both run the migrations and the bootstrap, and must both come up.
    servers.push(...(await Promise.all([start('a', portA), start('b', portB)])))
    proxy = await startTlsProxy({ port: proxyPort, backends: servers.map((server) => server.url) })
    const created = await servers[0]!.request('POST', API, { json: { name: 'shared', ecosystem: 'files', oidc_policy: policyFor(publicUrl, 'web') } })
    assert.equal(created.status, 201, await created.text())
  })
  after(async () => {
    await proxy?.close()
    await Promise.all(servers.map((server) => server.kill()))
    await database?.drop()
    await s3?.stop()
    await rm(shared, { recursive: true, force: true })
  })

  it('takes a CI job\'s publish through the TLS proxy, and serves it through either server', async () => {
    const work = join(shared, 'job')
    await writeFile(join(shared, 'tool-1.2.3.tar.gz'), 'the tool, built by CI')
    // As a job does it (docs/ci.md): register the job, become it, publish, then fetch with curl as an installer would.
    const job = await runShell(`set -eu
packyard() { node --import tsx "$MAIN" "$@"; }
job_env="$(packyard issuer job create --server "$PROXY" --token "$ADMIN" --org default --pipeline web --branch main --commit 9f3182061f1e2cca4702c368cbc039b7dc9d4485 --build-number 7 --format env)"
eval "$job_env"
packyard publish "$SHARED/tool-1.2.3.tar.gz" --registry default/shared --server "$PROXY"
token="$(packyard oidc request-token --audience "$PROXY/default/shared")"
for n in 1 2 3 4; do
  curl -sS --fail --cacert "$CA" -H "Authorization: Bearer $token" -o "$SHARED/fetched-$n" "$PROXY/default/shared/files/tool-1.2.3.tar.gz"
done
`, { MAIN, PROXY: proxy!.url, ADMIN, CA: proxy!.caPath, SHARED: shared, NODE_EXTRA_CA_CERTS: proxy!.caPath, HOME: work })
    assert.equal(job.code, 0, job.stderr)
    assert.match(job.stdout, new RegExp(`^${publicUrl}/`, 'm'), 'publish prints the package\'s web_url, on the public URL')
    // Four downloads, round robin: two answered by each server.
    for (const n of [1, 2, 3, 4]) assert.equal(await readFile(join(shared, `fetched-${String(n)}`), 'utf8'), 'the tool, built by CI')
    const listed = (await (await servers[1]!.request('GET', `${API}/shared/packages?name=tool`)).json()) as { items: Json[] }
    assert.equal(listed.items.length, 1)
    const provenance = listed.items[0]!.provenance as Json
    assert.equal(provenance.issuer, `${publicUrl}/issuer`)
    assert.equal((provenance.claims as Json).pipeline_slug, 'web')
  })

  it('serves through one server, at once, what was published through the other', async () => {
    const [a, b] = servers as [ServeProcess, ServeProcess]
    const content = new Uint8Array(300_000).map((_, i) => i % 251)
    const published = await publish(a, await tokenFrom(a), 'app-1.0.0.tgz', content)
    assert.equal(published.status, 201, await published.clone().text())
    const pkg = (await published.json()) as Json
    // B verifies a token signed by A's embedded issuer: the signing keys live in the shared database.
    const fromB = await download(b, await tokenFrom(a), 'app-1.0.0.tgz')
    assert.equal(fromB.status, 200, await fromB.clone().text())
    assert.equal(sha256(new Uint8Array(await fromB.arrayBuffer())), (pkg.digests as Json).sha256)
    const listed = (await (await b.request('GET', `${API}/shared/packages?name=app`)).json()) as { items: Json[] }
    assert.deepEqual(listed.items.map((item) => item.id), [pkg.id])
  })

  it(`enforces on every server, within ${String(PROPAGATION_LIMIT_MS)} ms, a policy saved through one`, async () => {
    const [a, b] = servers as [ServeProcess, ServeProcess]
    const token = await tokenFrom(b)
    assert.equal((await download(b, token, 'app-1.0.0.tgz')).status, 200, 'B accepts the token under the first policy')
    assert.equal((await download(a, token, 'app-1.0.0.tgz')).status, 200, 'so does A')

    const saved = await a.request('PATCH', `${API}/shared`, { json: { oidc_policy: policyFor(publicUrl, 'deploy') } })
    assert.equal(saved.status, 200, await saved.text())
    const refusedAfter = await msUntil(async () => (await download(b, token, 'app-1.0.0.tgz')).status === 403)
    assert.ok(refusedAfter <= PROPAGATION_LIMIT_MS, `B refused the token ${String(refusedAfter)} ms after the save`)
    const refused = (await (await download(b, token, 'app-1.0.0.tgz')).json()) as Json
    assert.equal(refused.code, 'policy_no_match')

    // And back, through the other server: restoring the first version.
    const versions = (await (await b.request('GET', `${API}/shared/oidc_policy/versions`)).json()) as { items: Json[] } | Json[]
    const items = Array.isArray(versions) ? versions : versions.items
    const first = items.find((version) => version.version === 1)
    assert.ok(first, JSON.stringify(versions))
    const restored = await b.request('POST', `${API}/shared/oidc_policy/versions/1/restore`)
    assert.equal(restored.status, 200, await restored.text())
    const acceptedAfter = await msUntil(async () => (await download(a, token, 'app-1.0.0.tgz')).status === 200)
    assert.ok(acceptedAfter <= PROPAGATION_LIMIT_MS, `A accepted the token ${String(acceptedAfter)} ms after the restore`)
  })

  it('gives exactly one success to 20 racing publishes of one version spread over both servers', async () => {
    const tokens = await Promise.all(servers.map((server) => tokenFrom(server)))
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      publish(servers[i % 2]!, tokens[i % 2]!, 'race-2.0.0.tgz', `racer ${String(i)}`).then(async (response) => ({ status: response.status, body: (await response.json()) as Json }))))
    const statuses = answers.map((answer) => answer.status).sort()
    assert.deepEqual(statuses, [201, ...Array<number>(19).fill(409)])
    const winner = answers.find((answer) => answer.status === 201)!.body
    for (const server of servers) {
      const served = await download(server, tokens[0]!, 'race-2.0.0.tgz')
      assert.equal(sha256(new Uint8Array(await served.arrayBuffer())), (winner.digests as Json).sha256)
    }
  })

  it('keeps serving and publishing through one server while the other is killed mid-upload', async () => {
    const [a, b] = servers as [ServeProcess, ServeProcess]
    const tokenA = await tokenFrom(a)
    const tokenB = await tokenFrom(b)
    const upload = startSlowUpload(a, tokenA, 'killed-1.0.0.bin')
    await upload.sent(12 * 1024 * 1024)
    await a.kill()
    upload.abandon()

    assert.equal((await download(b, tokenB, 'app-1.0.0.tgz')).status, 200)
    const published = await publish(b, tokenB, 'after-1.0.0.tgz', 'published while A is down')
    assert.equal(published.status, 201, await published.clone().text())
    const listed = (await (await b.request('GET', `${API}/shared/packages?per_page=100`)).json()) as { items: Json[] }
    assert.ok(!listed.items.some((item) => item.name === 'killed'), 'no trace of the interrupted upload')

    // What the kill left in the bucket (the unfinished multipart upload, the race's losing blobs) is garbage
    // that gc finds and removes; what packages reference stays. A grace of 0 s is safe: nothing is uploading.
    const gc = await runPackyard(['admin', 'gc', '--database', database!.url, '--blobs', blobs, '--data-dir', join(shared, 'gc'), '--grace', '0s', '--json'], { env: s3!.env })
    assert.equal(gc.code, 0, gc.stderr)
    const report = JSON.parse(gc.stdout) as { blobs: Json; multipart_uploads: Json }
    assert.equal(report.multipart_uploads.removed, 1, `the killed upload's multipart upload: ${gc.stdout}`)
    assert.equal(report.blobs.kept_referenced, 4, `app, tool, the race's winner and after: ${gc.stdout}`)
    assert.ok(Number(report.blobs.removed) >= 1, `the race's losing blobs: ${gc.stdout}`)

    // A comes back on its address and serves what B published while it was down, and everything from before gc.
    const restarted = await start('a', a.port)
    servers[0] = restarted
    const served = await download(restarted, tokenB, 'after-1.0.0.tgz')
    assert.equal(await served.text(), 'published while A is down')
    for (const filename of ['app-1.0.0.tgz', 'race-2.0.0.tgz', 'tool-1.2.3.tar.gz']) {
      assert.equal((await download(restarted, tokenB, filename)).status, 200, `${filename} survived gc`)
    }
  })
})

/** Runs a `sh` script with `env` added; resolves with its exit code and output. */
async function runShell(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return { code, stdout, stderr }
}

/** Milliseconds until `check` holds (polled every 25 ms); fails the test after 5 s. */
async function msUntil(check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < 5_000) {
    if (await check()) return performance.now() - started
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the condition did not hold within 5 s')
}

/** A multipart upload that sends its body in 1 MiB pieces as the test asks, never finishing on its own. */
function startSlowUpload(server: ServeProcess, token: string, filename: string): { sent(bytes: number): Promise<void>; abandon(): void } {
  const boundary = 'packyardmultiserverboundary'
  const upload = httpRequest(`${server.url}${API}/shared/packages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
  })
  upload.on('error', () => undefined)
  upload.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`)
  const piece = Buffer.alloc(1024 * 1024, 7)
  return {
    async sent(bytes) {
      for (let sent = 0; sent < bytes; sent += piece.length) {
        if (!upload.write(piece)) await new Promise((resolve) => upload.once('drain', resolve))
      }
      // Give the server a moment to take in what was written.
      await new Promise((resolve) => setTimeout(resolve, 300))
    },
    abandon() {
      upload.destroy()
    },
  }
}
