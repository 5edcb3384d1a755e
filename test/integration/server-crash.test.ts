import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findFreePort } from '../helpers/start-server.js'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const ADMIN = 'pky_crash_test_admin_token_0123456789'

async function startServe(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--listen', `127.0.0.1:${String(port)}`, '--public-url', `http://127.0.0.1:${String(port)}`, '--data-dir', dataDir], {
    env: { ...process.env, PACKYARD_ADMIN_TOKEN: ADMIN, PACKYARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  for (let i = 0; i < 100; i += 1) {
    const up = await fetch(`http://127.0.0.1:${String(port)}/healthz`).then((r) => r.ok, () => false)
    if (up) return child
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error('the server did not start')
}

describe('a server killed with SIGKILL during an upload', () => {
  let dataDir = ''
  let port = 0
  let child: ChildProcess | undefined
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'packyard-crash-'))
    port = await findFreePort()
  })
  after(async () => {
    child?.kill('SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
  })

  it('restarts with no partial package and accepts the same version again', async () => {
    const base = `http://127.0.0.1:${String(port)}`
    const auth = { authorization: `Bearer ${ADMIN}` }
    child = await startServe(dataDir, port)
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
    child.kill('SIGKILL')
    await new Promise((resolve) => child?.once('exit', resolve))
    upload.destroy()

    child = await startServe(dataDir, port)
    const listed = (await (await fetch(`${base}/v2/packages/organizations/default/registries/crash/packages`, { headers: auth })).json()) as { items: unknown[] }
    assert.deepEqual(listed.items, [])
    assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), [])
    const form = new FormData()
    form.append('file', new Blob(['complete']), 'big-1.0.0.bin')
    const again = await fetch(`${base}/v2/packages/organizations/default/registries/crash/packages`, { method: 'POST', headers: auth, body: form })
    assert.equal(again.status, 201)
  })
})
