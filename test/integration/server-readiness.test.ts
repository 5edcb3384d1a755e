/** `GET /healthz` is a readiness check: 200 while the stores answer, 503 naming the one that does not. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { startServer, type TestServer } from '../helpers/start-server.js'

describe('GET /healthz', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(async () => server.close())

  it('answers 200 with each check while the database and the blob store answer', async () => {
    const response = await server.request('GET', '/healthz', { token: null })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await response.json(), { status: 'ok', checks: { database: 'ok', blobs: 'ok' } })
  })

  it('answers 503 once the blob store is gone, naming the check but none of its detail', async () => {
    await rm(join(server.dataDir, 'blobs'), { recursive: true, force: true })
    // Probes are shared for a second: the next round sees the directory gone.
    const deadline = Date.now() + 3_000
    let response = await server.request('GET', '/healthz', { token: null })
    while (response.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      response = await server.request('GET', '/healthz', { token: null })
    }
    assert.equal(response.status, 503)
    assert.deepEqual(await response.json(), { status: 'unavailable', checks: { database: 'ok', blobs: 'failed' } })
  })
})
