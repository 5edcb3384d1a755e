/**
 * The npm registry API's publish rules over plain HTTP (the real client is in test/clients/npm.test.ts): what a
 * publish document and its tarball must satisfy, immutability under races, REST uploads of `.tgz` files, and the
 * error shape npm prints.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { buildPackageTarball, buildPublishDocument, buildTar } from '../helpers/npm-tarball.js'
import { fileForm, startServer, type TestServer } from '../helpers/start-server.js'

interface Json { [key: string]: unknown }
const API = '/v2/packages/organizations/default/registries'
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024

describe('npm registry API: publish rules', () => {
  let server: TestServer
  const put = (name: string, document: unknown, path = `/default/js/npm/${name.replace('/', '%2f')}`) =>
    server.request('PUT', path, { json: document })
  const publish = (name: string, version: string, manifest: Record<string, unknown> = {}) =>
    put(name, buildPublishDocument({ name, version, tarball: buildPackageTarball({ name, version, ...manifest }) }))
  const expectRefusal = async (response: Response, status: number, pattern: RegExp) => {
    const body = (await response.json()) as Json
    assert.equal(response.status, status, JSON.stringify(body))
    assert.match(String(body.message), pattern)
    // npm prints `error` after the status line; `code` and `message` are Packyard's contract.
    assert.equal(body.error, body.message)
    assert.equal(typeof body.code, 'string')
  }

  before(async () => {
    server = await startServer({ maxUploadBytes: MAX_UPLOAD_BYTES })
    const response = await server.request('POST', API, { json: { name: 'js', ecosystem: 'npm' } })
    assert.equal(response.status, 201, await response.text())
  })
  after(async () => { await server.close() })

  it('publishes a valid document and serves the tarball\'s own manifest', async () => {
    const tarball = buildPackageTarball({ name: 'good', version: '1.0.0', dependencies: { lib: '^1.0.0' }, _secret: 'x' })
    const document = buildPublishDocument({ name: 'good', version: '1.0.0', tarball })
    // A lie in the document's manifest is ignored: the served metadata is the tarball's (manifest confusion).
    ;((document.versions as Json)['1.0.0'] as Json).dependencies = { evil: '*' }
    assert.equal((await put('good', document)).status, 201)
    const packument = (await (await server.request('GET', '/default/js/npm/good')).json()) as Json
    const version = (packument.versions as Record<string, Json>)['1.0.0']!
    assert.deepEqual(version.dependencies, { lib: '^1.0.0' })
    assert.equal(version._secret, undefined)
    const tgz = await server.request('GET', '/default/js/npm/good/-/good-1.0.0.tgz')
    assert.equal(tgz.status, 200)
    assert.deepEqual(Buffer.from(await tgz.arrayBuffer()), tarball)
  })

  const invalidNames = ['Upper', '.hidden', '_under', 'a b', 'node_modules', '@scope/.x', 'x'.repeat(215), 'a~b']
  for (const name of invalidNames) {
    it(`refuses the package name ${JSON.stringify(name.slice(0, 20))}`, async () => {
      await expectRefusal(await publish(name, '1.0.0'), 400, /invalid package name/)
    })
  }

  it('refuses path tricks in the URL', async () => {
    await expectRefusal(await put('x', {}, '/default/js/npm/..%2f..%2fetc'), 404, /no npm route/)
    await expectRefusal(await put('x', {}, '/default/js/npm/@acme%2f..'), 400, /invalid package name/)
  })

  it('refuses a document whose name differs from the URL', async () => {
    const document = buildPublishDocument({ name: 'other', version: '1.0.0', tarball: buildPackageTarball({ name: 'other', version: '1.0.0' }) })
    await expectRefusal(await put('mismatch', document, '/default/js/npm/mismatch'), 400, /URL names mismatch/)
  })

  it('refuses two attachments, and an attachment not named for the version', async () => {
    const tarball = buildPackageTarball({ name: 'two', version: '1.0.0' })
    const data = { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length }
    await expectRefusal(await put('two', buildPublishDocument({ name: 'two', version: '1.0.0', tarball, attachments: { 'two-1.0.0.tgz': data, 'two-1.0.0.sigstore': data } })), 400, /exactly one attachment/)
    await expectRefusal(await put('two', buildPublishDocument({ name: 'two', version: '1.0.0', tarball, attachments: { 'two-9.9.9.tgz': data } })), 400, /must be named two-1\.0\.0\.tgz/)
  })

  it('refuses an integrity or shasum that does not match the bytes', async () => {
    const tarball = buildPackageTarball({ name: 'digest', version: '1.0.0' })
    const wrong = createHash('sha512').update('other').digest('base64')
    await expectRefusal(await put('digest', buildPublishDocument({ name: 'digest', version: '1.0.0', tarball, dist: { integrity: `sha512-${wrong}` } })), 400, /integrity/)
    await expectRefusal(await put('digest', buildPublishDocument({ name: 'digest', version: '1.0.0', tarball, dist: { shasum: 'a'.repeat(40) } })), 400, /shasum/)
    await expectRefusal(await put('digest', buildPublishDocument({ name: 'digest', version: '1.0.0', tarball, dist: { integrity: 'md5-abc' } })), 400, /integrity/)
  })

  it('refuses a tarball whose package.json names another package or version', async () => {
    const tarball = buildPackageTarball({ name: 'inner', version: '2.0.0' })
    await expectRefusal(await put('outer', buildPublishDocument({ name: 'outer', version: '1.0.0', tarball })), 400, /package\.json in the tarball is inner@2\.0\.0/)
  })

  it('refuses a second root package.json, unsafe paths, and a tarball that is not gzip', async () => {
    const twice = gzipSync(buildTar([{ path: 'package/package.json', content: '{"name":"dup","version":"1.0.0"}' }, { path: 'other/package.json', content: '{"name":"evil","version":"1.0.0"}' }]))
    await expectRefusal(await put('dup', buildPublishDocument({ name: 'dup', version: '1.0.0', tarball: twice })), 400, /more than one package\.json/)
    const escape = buildPackageTarball({ name: 'dotdot', version: '1.0.0' }, [{ path: 'package/../../etc/passwd', content: 'x' }])
    await expectRefusal(await put('dotdot', buildPublishDocument({ name: 'dotdot', version: '1.0.0', tarball: escape })), 400, /unsafe path/)
    const plain = buildTar([{ path: 'package/package.json', content: '{"name":"plain","version":"1.0.0"}' }])
    await expectRefusal(await put('plain', buildPublishDocument({ name: 'plain', version: '1.0.0', tarball: plain })), 400, /not gzip/)
  })

  it('stops a gzip bomb early', async () => {
    // 64 MiB of zeros inside one tar entry, about 64 KiB compressed: past the ratio cap long before the end.
    const bomb = gzipSync(Buffer.concat([buildTar([{ path: 'package/package.json', content: '{"name":"bomb","version":"1.0.0"}' }]).subarray(0, 1024), Buffer.alloc(64 * 1024 * 1024)]))
    const started = Date.now()
    await expectRefusal(await put('bomb', buildPublishDocument({ name: 'bomb', version: '1.0.0', tarball: bomb })), 400, /gzip bomb/)
    assert.ok(Date.now() - started < 5_000)
  })

  it('refuses a tarball over the upload limit with 413', async () => {
    // Random content does not compress: the tarball itself is over the limit.
    const tarball = buildPackageTarball({ name: 'huge', version: '1.0.0' }, [{ path: 'package/blob.bin', content: randomBytes(MAX_UPLOAD_BYTES + 1024) }])
    await expectRefusal(await put('huge', buildPublishDocument({ name: 'huge', version: '1.0.0', tarball })), 413, /larger than/)
  })

  it('refuses invalid base64 in the attachment', async () => {
    const tarball = buildPackageTarball({ name: 'b64', version: '1.0.0' })
    const document = buildPublishDocument({ name: 'b64', version: '1.0.0', tarball })
    ;((document._attachments as Json)['b64-1.0.0.tgz'] as Json).data = `${tarball.toString('base64')}!!`
    await expectRefusal(await put('b64', document), 400, /base64/)
  })

  it('gives exactly one of 20 racing publishes of one version, and keeps two versions published at once', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => publish('race', '1.0.0')))
    const statuses = responses.map((response) => response.status).sort()
    assert.deepEqual(statuses, [201, ...Array<number>(19).fill(409)])
    const conflict = (await responses.find((response) => response.status === 409)!.json()) as Json
    assert.match(String(conflict.error), /cannot publish over the previously published version race@1\.0\.0/)
    const [a, b] = await Promise.all([publish('pair', '1.0.0'), publish('pair', '1.0.1')])
    assert.equal(a.status, 201)
    assert.equal(b.status, 201)
    const packument = (await (await server.request('GET', '/default/js/npm/pair')).json()) as Json
    assert.deepEqual(Object.keys(packument.versions as Json).sort(), ['1.0.0', '1.0.1'])
  })

  it('publishes a .tgz through the REST API, identified by its package.json', async () => {
    const tarball = buildPackageTarball({ name: '@acme/rest', version: '0.3.0' })
    const response = await server.request('POST', `${API}/js/packages`, { body: fileForm('whatever.tgz', tarball) })
    assert.equal(response.status, 201, await response.clone().text())
    const pkg = (await response.json()) as Json
    assert.equal(pkg.name, '@acme/rest')
    assert.equal(pkg.version, '0.3.0')
    assert.equal(pkg.download_url, `${server.url}/default/js/npm/@acme/rest/-/rest-0.3.0.tgz`)
    const packument = (await (await server.request('GET', '/default/js/npm/@acme%2frest')).json()) as Json
    assert.deepEqual(packument['dist-tags'], { latest: '0.3.0' })
    const download = await server.request('GET', '/default/js/npm/@acme/rest/-/rest-0.3.0.tgz')
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), tarball)
    const refused = await server.request('POST', `${API}/js/packages`, { body: fileForm('x.tgz', Buffer.from('not a tarball')) })
    assert.equal(refused.status, 400)
    assert.match(String(((await refused.json()) as Json).message), /not gzip/)
  })

  it('does not disclose a private registry or package to anonymous callers', async () => {
    for (const path of ['/default/js/npm/good', '/default/nope/npm/good', '/default/js/npm/good/-/good-1.0.0.tgz', '/default/js/npm/-/v1/search?text=g']) {
      const response = await server.request('GET', path, { token: null })
      assert.equal(response.status, 401, path)
    }
  })

  it('answers 404 for unknown packages, versions and routes', async () => {
    await expectRefusal(await server.request('GET', '/default/js/npm/missing'), 404, /not in this registry/)
    await expectRefusal(await server.request('GET', '/default/js/npm/good/-/good-9.9.9.tgz'), 404, /not found/)
    await expectRefusal(await server.request('GET', '/default/js/npm/good/extra/path'), 404, /no npm route/)
  })
})
