import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPackyard } from '../helpers/run-packyard.js'
import { startServer, type TestServer } from '../helpers/start-server.js'

describe('packyard admin (CLI)', () => {
  let dataDir = ''
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'packyard-admin-'))
  })
  after(async () => rm(dataDir, { recursive: true, force: true }))

  it('creates an organization and a scoped token that the server then accepts', async () => {
    const org = await runPackyard(['admin', 'org', 'create', 'acme', '--data-dir', dataDir])
    assert.equal(org.code, 0, org.stderr)
    assert.match(org.stdout, /created organization acme/)
    const token = await runPackyard(['admin', 'token', 'create', '--org', 'acme', '--scopes', 'read_registries,write_registries', '--data-dir', dataDir, '--json'])
    assert.equal(token.code, 0, token.stderr)
    const issued = JSON.parse(token.stdout) as { token: string; scopes: string[] }
    assert.match(issued.token, /^pky_/)
    assert.deepEqual(issued.scopes, ['read_registries', 'write_registries'])

    let server: TestServer | undefined
    try {
      server = await startServer({ dataDir })
      const listed = await server.request('GET', '/v2/packages/organizations/acme/registries', { token: issued.token })
      assert.equal(listed.status, 200)
    } finally {
      await server?.close()
    }
  })

  it('refuses a duplicate organization, an unknown scope and an unknown organization', async () => {
    assert.notEqual((await runPackyard(['admin', 'org', 'create', 'acme', '--data-dir', dataDir])).code, 0)
    assert.equal((await runPackyard(['admin', 'token', 'create', '--org', 'acme', '--scopes', 'root', '--data-dir', dataDir])).code, 2)
    const missing = await runPackyard(['admin', 'token', 'create', '--org', 'nobody', '--scopes', 'read_packages', '--data-dir', dataDir])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /not_found/)
  })
})
