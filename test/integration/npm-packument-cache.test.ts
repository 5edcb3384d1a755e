/**
 * Package documents are cached per package revision: a change made through one server shows at once on
 * another that shares its database (and had the old document cached), and an unchanged document is a 304.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPackageTarball, buildPublishDocument } from '../helpers/npm-tarball.js'
import { startServer, type TestServer } from '../helpers/start-server.js'

interface Json { [key: string]: unknown }
const ABBREVIATED = 'application/vnd.npm.install-v1+json'

describe('npm package documents: cached per revision', () => {
  let dataDir: string
  let writer: TestServer
  let reader: TestServer
  const publish = (version: string) =>
    writer.request('PUT', '/default/js/npm/cached', { json: buildPublishDocument({ name: 'cached', version, tarball: buildPackageTarball({ name: 'cached', version }) }) })
  const read = async (server: TestServer, accept = 'application/json') => {
    const response = await server.request('GET', '/default/js/npm/cached', { headers: { accept } })
    assert.equal(response.status, 200)
    return { etag: response.headers.get('etag'), body: (await response.json()) as Json }
  }
  const versionsOf = (document: Json) => Object.keys(document.versions as Json).sort()

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'packyard-packument-'))
    writer = await startServer({ dataDir })
    reader = await startServer({ dataDir })
    assert.equal((await writer.request('POST', '/v2/packages/organizations/default/registries', { json: { name: 'js', ecosystem: 'npm' } })).status, 201)
  })
  after(async () => {
    await reader.close()
    await writer.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('shows every change made through another server at once, in both forms', async () => {
    assert.equal((await publish('1.0.0')).status, 201)
    assert.deepEqual(versionsOf((await read(reader)).body), ['1.0.0'])
    assert.deepEqual(versionsOf((await read(reader, ABBREVIATED)).body), ['1.0.0'])
    assert.equal((await publish('1.1.0')).status, 201)
    assert.deepEqual(versionsOf((await read(reader)).body), ['1.0.0', '1.1.0'])
    assert.deepEqual(versionsOf((await read(reader, ABBREVIATED)).body), ['1.0.0', '1.1.0'])
    const tagged = await writer.request('PUT', '/default/js/npm/-/package/cached/dist-tags/beta', { json: '1.0.0' })
    assert.ok(tagged.ok, await tagged.text())
    assert.equal(((await read(reader)).body['dist-tags'] as Json).beta, '1.0.0')
  })

  it('shows a deprecation made through another server, and its removal, in both forms (version entries are reused)', async () => {
    const deprecated = (document: Json) => ((document.versions as Record<string, Json>)['1.0.0'] ?? {}).deprecated
    const deprecate = async (message: string) => {
      const response = await writer.request('PUT', '/default/js/npm/cached', { json: { name: 'cached', versions: { '1.0.0': { deprecated: message } } } })
      assert.ok(response.ok, await response.text())
    }
    assert.equal(deprecated((await read(reader)).body), undefined)
    assert.equal(deprecated((await read(reader, ABBREVIATED)).body), undefined)
    await deprecate('use 1.1.0')
    assert.equal(deprecated((await read(reader)).body), 'use 1.1.0')
    assert.equal(deprecated((await read(reader, ABBREVIATED)).body), 'use 1.1.0')
    await deprecate('')
    assert.equal(deprecated((await read(reader)).body), undefined)
    assert.equal(deprecated((await read(reader, ABBREVIATED)).body), undefined)
    assert.deepEqual(versionsOf((await read(reader)).body), ['1.0.0', '1.1.0'])
  })

  it('answers 304 to a matching If-None-Match, and a new ETag after a change', async () => {
    const { etag } = await read(reader)
    assert.ok(etag)
    const unchanged = await reader.request('GET', '/default/js/npm/cached', { headers: { accept: 'application/json', 'if-none-match': etag } })
    assert.equal(unchanged.status, 304)
    assert.equal(await unchanged.text(), '')
    assert.equal((await publish('1.2.0')).status, 201)
    const changed = await reader.request('GET', '/default/js/npm/cached', { headers: { accept: 'application/json', 'if-none-match': etag } })
    assert.equal(changed.status, 200)
    assert.notEqual(changed.headers.get('etag'), etag)
  })
})
