import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readPublishTarget } from './publish-target.js'
import { packagesUrl } from './upload-package.js'

describe('readPublishTarget', () => {
  it('derives the audience {server}/{org}/{registry} and the REST publish URL', () => {
    const target = readPublishTarget({ registry: 'acme/packages', server: 'https://pkg.example/', audience: undefined }, {})
    assert.deepEqual(target, { ok: true, value: { server: 'https://pkg.example', org: 'acme', registry: 'packages', audience: 'https://pkg.example/acme/packages' } })
    assert.ok(target.ok)
    assert.equal(packagesUrl(target.value), 'https://pkg.example/v2/packages/organizations/acme/registries/packages/packages')
  })

  it('takes PACKYARD_SERVER when there is no --server, and --audience as given', () => {
    const target = readPublishTarget({ registry: 'acme/packages', server: undefined, audience: 'https://public.example/acme/packages' }, { PACKYARD_SERVER: 'http://10.0.0.5:8080' })
    assert.deepEqual(target.ok && [target.value.server, target.value.audience], ['http://10.0.0.5:8080', 'https://public.example/acme/packages'])
  })

  it('refuses a missing server, a server that is not http(s), and a registry that is not ORG/REGISTRY', () => {
    assert.deepEqual(readPublishTarget({ registry: 'a/b', server: undefined, audience: undefined }, {}), { ok: false, problem: '--server is required (or set PACKYARD_SERVER)' })
    assert.equal(readPublishTarget({ registry: 'a/b', server: 'ftp://x', audience: undefined }, {}).ok, false)
    for (const registry of [undefined, 'acme', 'acme/', '/packages', 'a/b/c']) {
      assert.equal(readPublishTarget({ registry, server: 'http://x', audience: undefined }, {}).ok, false, String(registry))
    }
  })
})
