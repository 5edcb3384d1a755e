/**
 * Bad input to the npm API gets a 4xx with a reason, never a 500, and the server keeps serving: malformed
 * publish documents and odd paths, for every method the routes take.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startServer, type TestServer } from '../helpers/start-server.js'

describe('npm registry API: malformed input', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
    assert.equal((await server.request('POST', '/v2/packages/organizations/default/registries', { json: { name: 'js', ecosystem: 'npm' } })).status, 201)
  })
  after(() => server.close())

  const documents: [string, string | Buffer][] = [
    ['an empty body', ''],
    ['text that is not JSON', '{{{'],
    ['an array', '[]'],
    ['null', 'null'],
    ['nesting 100,000 deep', '['.repeat(100_000)],
    ['_attachments that is a number', JSON.stringify({ name: 'a', versions: {}, _attachments: 5 })],
    ['attachment data that is not a string', JSON.stringify({ name: 'a', versions: { '1.0.0': { name: 'a', version: '1.0.0' } }, _attachments: { 'a-1.0.0.tgz': { data: 5 } } })],
    ['a megabyte-long key', JSON.stringify({ ['x'.repeat(1 << 20)]: 1 })],
    ['random bytes', randomBytes(5000)],
    ['a lone surrogate escape', '{"name":"\\ud800","versions":{}}'],
    ['a dist-tag that is an object', JSON.stringify({ name: 'a', 'dist-tags': { latest: { x: 1 } }, versions: {} })],
  ]
  for (const [what, body] of documents) {
    it(`refuses a publish document of ${what} with a 4xx`, async () => {
      const response = await server.request('PUT', '/default/js/npm/a', { body, headers: { 'content-type': 'application/json' } })
      const text = await response.text()
      assert.ok(response.status >= 400 && response.status < 500, `${String(response.status)} ${text.slice(0, 200)}`)
    })
  }

  const paths = [
    '/default/js/npm/%', '/default/js/npm/@', '/default/js/npm/@a/', '/default/js/npm/a/-/', '/default/js/npm/a/-/a-1.0.0.tgz/-rev/1',
    '/default/js/npm/-/package//dist-tags', `/default/js/npm/${'a'.repeat(3000)}`, '/default/js/npm/-/v1/search?size=abc', '/default/js/npm/..%2f..%2fetc',
  ]
  for (const path of paths) {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      it(`answers ${method} ${path.slice(0, 50)} without a 500`, async () => {
        const response = await server.request(method, path, method === 'PUT' ? { json: {} } : {})
        await response.text()
        assert.ok(response.status < 500, String(response.status))
      })
    }
  }
})
