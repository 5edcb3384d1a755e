/** The whole server on PostgreSQL: a registry created, a REST publish served back, and a publish race. */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'
import { fileForm, startServer, type TestServer } from '../helpers/start-server.js'

const API = '/v2/packages/organizations/default/registries'

describe('server on PostgreSQL', { skip: postgresSkip }, () => {
  let database: TestDatabase | undefined
  let issuer: LocalIssuer | undefined
  let server: TestServer | undefined
  let audience = ''
  const token = () => issuer!.sign({ aud: audience })
  const publish = (filename: string, content: string) =>
    server!.request('POST', `${API}/tools/packages`, { token: token(), body: fileForm(filename, content) })

  before(async () => {
    database = await createTestDatabase()
    issuer = await startLocalIssuer()
    issuer.addKey('RS256')
    server = await startServer({ database: database.url, issuers: [{ issuer: issuer.issuer, allow_insecure_http: true }] })
    audience = `${server.url}/default/tools`
  })
  after(async () => {
    await server?.close()
    await issuer?.close()
    await database?.drop()
  })

  it('bootstraps the organization and creates a registry with its policy', async () => {
    assert.notEqual(server!.app.bootstrap, null)
    const policy = `- iss: ${issuer!.issuer}
  scopes: [read_packages, write_packages]
  claims:
    organization_slug: acme
`
    const response = await server!.request('POST', API, { json: { name: 'tools', ecosystem: 'files', oidc_policy: policy } })
    assert.equal(response.status, 201, await response.text())
    const listed = (await (await server!.request('GET', API)).json()) as { slug: string }[]
    assert.deepEqual(listed.map((registry) => registry.slug), ['tools'])
  })

  it('publishes through REST and serves the file back', async () => {
    const response = await publish('cli-1.0.0.tar.gz', 'the bytes')
    assert.equal(response.status, 201, await response.clone().text())
    const pkg = (await response.json()) as { id: string; size: number; version: string }
    assert.equal(pkg.size, 9)
    assert.equal(pkg.version, '1.0.0')
    const download = await server!.request('GET', '/default/tools/files/cli-1.0.0.tar.gz', { token: token() })
    assert.equal(download.status, 200)
    assert.equal(await download.text(), 'the bytes')
    const listed = (await (await server!.request('GET', `${API}/tools/packages`, { token: token() })).json()) as { items: { id: string }[] }
    assert.deepEqual(listed.items.map((item) => item.id), [pkg.id])
  })

  it('gives exactly one 201 to 20 racing publishes of one version', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => publish('race-2.0.0.tgz', `body ${String(i)}`).then((r) => r.status)))
    assert.equal(statuses.filter((s) => s === 201).length, 1)
    assert.equal(statuses.filter((s) => s === 409).length, 19)
  })
})
