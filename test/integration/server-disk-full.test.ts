import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type TestServer } from '../helpers/start-server.js'

const API = '/v2/packages/organizations/default/registries'
const DISK_BYTES = 1024 * 1024

/** A 1 MiB tmpfs for the blobs: a disk that really fills up. Mounting needs root (CI runs as root). */
async function mountSmallDisk(): Promise<{ path: string } | { skip: string }> {
  const path = await mkdtemp(join(tmpdir(), 'packyard-full-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${String(DISK_BYTES)}`, 'tmpfs', path], { stdio: 'pipe' })
    return { path }
  } catch (error) {
    await rm(path, { recursive: true, force: true })
    return { skip: `cannot mount a tmpfs here (${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)})` }
  }
}

const disk = await mountSmallDisk()
if ('skip' in disk) console.error(`server-disk-full: skipped: ${disk.skip}`)

describe('a server whose blob disk is full', { skip: 'skip' in disk ? disk.skip : false }, () => {
  let server: TestServer
  const blobDir = 'path' in disk ? disk.path : ''
  before(async () => {
    server = await startServer({ blobs: `file:${blobDir}` })
    assert.equal((await server.request('POST', API, { json: { name: 'full', ecosystem: 'files' } })).status, 201)
  })
  after(async () => {
    await server.close()
    execFileSync('umount', [blobDir])
    await rm(blobDir, { recursive: true, force: true })
  })

  const publish = (filename: string, bytes: number) => {
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(bytes).fill(7)]), filename)
    return server.request('POST', `${API}/full/packages`, { body: form })
  }

  it('answers 507 storage_full, keeps nothing of the upload, and publishes again once there is room', async () => {
    const refused = await publish('big-1.0.0.bin', 3 * DISK_BYTES)
    assert.equal(refused.status, 507)
    const body = (await refused.json()) as Record<string, unknown>
    assert.equal(body.code, 'storage_full')
    assert.match(String(body.message), /storage is full/)
    assert.equal(typeof body.request_id, 'string')
    assert.deepEqual(((await (await server.request('GET', `${API}/full/packages`)).json()) as { items: unknown[] }).items, [])
    assert.deepEqual(await readdir(join(blobDir, 'tmp')), [])

    // The failed upload's temporary file is gone, so the disk has room for a small one.
    const small = await publish('small-1.0.0.bin', 64 * 1024)
    assert.equal(small.status, 201, await small.clone().text())
    const download = await server.request('GET', '/default/full/files/small-1.0.0.bin')
    assert.equal(download.status, 200)
    assert.equal((await download.arrayBuffer()).byteLength, 64 * 1024)
  })
})
