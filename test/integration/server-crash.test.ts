import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findFreePort } from '../helpers/find-free-port.js'
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js'

const ADMIN = 'pky_crash_test_admin_token_0123456789'

describe('a server killed with SIGKILL during an upload', () => {
  let dataDir = ''
  let port = 0
  let server: ServeProcess | undefined
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'packyard-crash-'))
    port = await findFreePort()
  })
  after(async () => {
    await server?.kill()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('restarts with no partial package and accepts the same version again', async () => {
    const base = `http://127.0.0.1:${String(port)}`
    const auth = { authorization: `Bearer ${ADMIN}` }
    server = await startServeProcess({ dataDir, port, adminToken: ADMIN })
    const created = await fetch(`${base}/v2/packages/organizations/default/registries`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash', ecosystem: 'files' }) })
    assert.equal(created.status, 201)

    // Start a multipart upload, send part of the file, then kill the server while it is receiving.
    const boundary = 'packyardcrashboundary'
    const upload = request(`${base}/v2/packages/organizations/default/registries/crash/packages`, {
      method: 'POST',
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
    })
    upload.on('error', () => undefined)
    upload.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big-1.0.0.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`)
    upload.write(Buffer.alloc(4 * 1024 * 1024, 7))
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal((await readdir(join(dataDir, 'blobs', 'tmp'))).length, 1, 'the upload is being received into a temporary file')
    await server.kill()
    upload.destroy()

    server = await startServeProcess({ dataDir, port, adminToken: ADMIN })
    const listed = (await (await fetch(`${base}/v2/packages/organizations/default/registries/crash/packages`, { headers: auth })).json()) as { items: unknown[] }
    assert.deepEqual(listed.items, [])
    assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), [])
    const form = new FormData()
    form.append('file', new Blob(['complete']), 'big-1.0.0.bin')
    const again = await fetch(`${base}/v2/packages/organizations/default/registries/crash/packages`, { method: 'POST', headers: auth, body: form })
    assert.equal(again.status, 201)
  })
})
