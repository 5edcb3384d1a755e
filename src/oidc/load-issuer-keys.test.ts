import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateLocalKey } from '../../test/helpers/local-key.js'
import type { FetchJson } from './guarded-fetch.js'
import { createIssuerKeysLoader } from './load-issuer-keys.js'
import { resolveTrustedIssuers } from './resolve-trusted-issuers.js'

const ISS = 'https://ci.example.com'
const KEY = generateLocalKey('ES256', 'k1')

function createFetch(documents: Record<string, unknown>): { fetchJson: FetchJson; fetched: string[] } {
  const fetched: string[] = []
  const fetchJson: FetchJson = (url) => {
    fetched.push(url)
    return Promise.resolve(url in documents ? { ok: true, value: documents[url] } : { ok: false, reason: 'http_status', message: 'answered HTTP 404, expected 200' })
  }
  return { fetchJson, fetched }
}

describe('createIssuerKeysLoader', () => {
  const [custom] = resolveTrustedIssuers([{ issuer: ISS }])
  assert.ok(custom)

  it('discovers the jwks_uri and loads the usable keys', async () => {
    const { fetchJson, fetched } = createFetch({
      [`${ISS}/.well-known/openid-configuration`]: { issuer: ISS, jwks_uri: `${ISS}/keys` },
      [`${ISS}/keys`]: { keys: [KEY.publicJwk, KEY.privateJwk] },
    })
    const loaded = await createIssuerKeysLoader({ issuer: custom, fetchJson })(ISS, null)
    assert.ok(loaded.ok)
    assert.equal(loaded.keys.length, 1)
    assert.equal(loaded.jwksUri, `${ISS}/keys`)
    assert.deepEqual(fetched, [`${ISS}/.well-known/openid-configuration`, `${ISS}/keys`])
  })

  for (const [name, jwksUri] of [['a metadata address', 'http://169.254.169.254/keys'], ['another host', 'https://evil.example/keys'], ['another port', 'https://ci.example.com:8443/keys'], ['http', 'http://ci.example.com/keys'], ['a file', 'file:///etc/passwd']] as const) {
    it(`refuses a discovered jwks_uri on ${name} and never fetches it (catalog G8)`, async () => {
      const { fetchJson, fetched } = createFetch({ [`${ISS}/.well-known/openid-configuration`]: { issuer: ISS, jwks_uri: jwksUri } })
      const loaded = await createIssuerKeysLoader({ issuer: custom, fetchJson })(ISS, null)
      assert.ok(!loaded.ok)
      assert.deepEqual(fetched, [`${ISS}/.well-known/openid-configuration`])
    })
  }

  it('accepts a jwks_uri on another origin when the configuration pins it', async () => {
    const [pinned] = resolveTrustedIssuers([{ issuer: ISS, jwks_uri: 'https://keys.example.net/ci' }])
    assert.ok(pinned)
    const { fetchJson, fetched } = createFetch({ 'https://keys.example.net/ci': { keys: [KEY.publicJwk] } })
    assert.ok((await createIssuerKeysLoader({ issuer: pinned, fetchJson })(ISS, null)).ok)
    assert.deepEqual(fetched, ['https://keys.example.net/ci'])
  })

  it('fills {iss} of a pattern issuer\'s pinned jwks_uri with the concrete issuer', async () => {
    const [pattern] = resolveTrustedIssuers([{ issuer: 'https://oidc.example.com/org/*', jwks_uri: '{iss}/.well-known/jwks-pub.json' }])
    assert.ok(pattern)
    const { fetchJson, fetched } = createFetch({ 'https://oidc.example.com/org/42/.well-known/jwks-pub.json': { keys: [KEY.publicJwk] } })
    assert.ok((await createIssuerKeysLoader({ issuer: pattern, fetchJson })('https://oidc.example.com/org/42', null)).ok)
    assert.equal(fetched.length, 1)
  })

  for (const [name, document] of [['its issuer differs', { issuer: `${ISS}/`, jwks_uri: `${ISS}/keys` }], ['it has no jwks_uri', { issuer: ISS }], ['it is not an object', ['x']]] as const) {
    it(`refuses a discovery document when ${name}`, async () => {
      const { fetchJson } = createFetch({ [`${ISS}/.well-known/openid-configuration`]: document, [`${ISS}/keys`]: { keys: [KEY.publicJwk] } })
      assert.equal((await createIssuerKeysLoader({ issuer: custom, fetchJson })(ISS, null)).ok, false)
    })
  }
})
