/**
 * npm's trusted-publishing exchange (`POST /-/npm/v1/oidc/token/exchange/package/<name>` at the host root) and
 * the registry tokens it mints: bound to the registry the ID token's audience names, to the matched statement's
 * scopes, and to the policy version; short-lived.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFixedClock } from '../../src/lib/clock.js'
import { REGISTRY_TOKEN_LIFETIME_SECONDS } from '../../src/registry/registry-token-service.js'
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js'
import { buildPackageTarball, buildPublishDocument } from '../helpers/npm-tarball.js'
import { startServer, type TestServer } from '../helpers/start-server.js'

interface Json { [key: string]: unknown }
const API = '/v2/packages/organizations/default/registries'
const EXCHANGE = '/-/npm/v1/oidc/token/exchange/package/@acme%2fwidget'

describe('npm OIDC token exchange', () => {
  const clock = createFixedClock(Date.now())
  let issuer: LocalIssuer
  let server: TestServer
  const audience = (slug: string) => `${server.url}/default/${slug}`
  const exchange = (credential: string | null) => server.request('POST', EXCHANGE, { token: credential })
  const mint = async (slug = 'js') => {
    const response = await exchange(issuer.sign({ aud: audience(slug) }))
    assert.equal(response.status, 201, await response.clone().text())
    return (await response.json()) as Json
  }
  const publish = (slug: string, token: string, version: string) => {
    const name = '@acme/widget'
    const document = buildPublishDocument({ name, version, tarball: buildPackageTarball({ name, version }) })
    return server.request('PUT', `/default/${slug}/npm/@acme%2fwidget`, { token, json: document })
  }
  const refusal = async (response: Response): Promise<Json & { status: number }> => ({ ...((await response.json()) as Json), status: response.status })

  before(async () => {
    issuer = await startLocalIssuer({ clock })
    server = await startServer({ clock, issuers: [{ issuer: issuer.issuer, allow_insecure_http: true }] })
    const policy = `- iss: ${issuer.issuer}\n  scopes: [read_packages, write_packages]\n  claims: { pipeline_slug: web }\n`
    for (const [name, ecosystem] of [['js', 'npm'], ['other', 'npm'], ['files', 'files']] as const) {
      const response = await server.request('POST', API, { json: { name, ecosystem, oidc_policy: policy } })
      assert.equal(response.status, 201, await response.text())
    }
  })
  after(async () => {
    await server.close()
    await issuer.close()
  })

  it('mints a short-lived token that publishes, with the OIDC token\'s provenance', async () => {
    const minted = await mint()
    assert.match(String(minted.token), /^pkyx_[A-Za-z0-9_-]{43}$/)
    assert.equal(Date.parse(String(minted.expires_at)) - clock.nowMs(), REGISTRY_TOKEN_LIFETIME_SECONDS * 1000)
    assert.equal(minted.registry, `${server.url}/default/js/npm/`)
    assert.equal((await publish('js', String(minted.token), '1.0.0')).status, 201)
    const listed = (await (await server.request('GET', `${API}/js/packages`, { token: String(minted.token) })).json()) as { items: Json[] }
    const provenance = listed.items[0]!.provenance as Json
    assert.equal(provenance.issuer, issuer.issuer)
    assert.equal(provenance.statement, 0)
    assert.equal(provenance.subject, issuer.claims().sub)
  })

  it('refuses the minted token on another registry, for a scope it lacks, and on organization routes', async () => {
    const { token } = await mint()
    const elsewhere = await refusal(await publish('other', String(token), '1.0.1'))
    assert.equal(elsewhere.status, 401)
    assert.equal(elsewhere.code, 'audience_mismatch')
    assert.equal(elsewhere.error, 'the registry token was minted for another registry')
    const unpublish = await server.request('DELETE', '/default/js/npm/@acme%2fwidget/-rev/1-0', { token: String(token) })
    assert.equal((await refusal(unpublish)).code, 'scope_missing')
    assert.equal((await server.request('GET', API, { token: String(token) })).status, 403)
  })

  it('stops accepting the token once it expires or the registry\'s policy changes', async () => {
    const first = await mint()
    const second = await mint()
    const policy = `- iss: ${issuer.issuer}\n  scopes: [read_packages, write_packages]\n  claims: { pipeline_slug: { in: [web, api] } }\n`
    assert.equal((await server.request('PATCH', `${API}/js`, { json: { oidc_policy: policy } })).status, 200)
    const changed = await refusal(await publish('js', String(first.token), '2.0.0'))
    assert.equal(changed.code, 'token_expired')
    assert.match(String(changed.message), /policy changed/)
    const fresh = await mint()
    clock.advanceMs((REGISTRY_TOKEN_LIFETIME_SECONDS + 1) * 1000)
    assert.equal((await refusal(await publish('js', String(fresh.token), '2.0.1'))).code, 'token_expired')
    assert.equal((await refusal(await publish('js', String(second.token), '2.0.2'))).code, 'token_expired')
    clock.setMs(Date.now())
  })

  const refused: [string, () => string | null, number, string, RegExp][] = [
    ['no token', () => null, 401, 'token_missing', /Bearer/],
    ['an API token', () => 'pky_some_api_token', 400, 'request_invalid', /OIDC ID token/],
    ['a minted token', () => 'pkyx_some_minted_token', 400, 'request_invalid', /OIDC ID token/],
    ['npm\'s default audience', () => issuer.sign({ aud: 'npm:127.0.0.1' }), 401, 'audience_mismatch', /request the ID token with the audience http:\/\/127\.0\.0\.1:\d+\/\{org\}\/\{registry\}/],
    ['an audience of two registries', () => issuer.sign({ aud: [audience('js'), audience('other')] }), 401, 'audience_mismatch', /no single audience/],
    ['a files registry\'s audience', () => issuer.sign({ aud: audience('files') }), 400, 'request_invalid', /files registry, not npm/],
    ['a registry that does not exist', () => issuer.sign({ aud: audience('nope') }), 404, 'not_found', /does not exist/],
    // Verified before the lookup: a forged token learns nothing of which registries exist.
    ['a forged token for a registry that does not exist', () => issuer.forgeUnsigned({ aud: audience('nope') }), 401, 'algorithm_not_allowed', /never accepted/],
    ['a tampered token for a registry that does not exist', () => issuer.forgeSignature(issuer.sign({ aud: audience('nope') }), (signature) => Buffer.from(signature.map((byte, i) => (i === 0 ? byte ^ 1 : byte)))), 401, 'signature_invalid', /signature/],
    ['a token the policy does not match', () => issuer.sign({ aud: audience('js'), pipeline_slug: 'evil' }), 403, 'policy_no_match', /matches no statement/],
    ['an expired token', () => issuer.sign({ aud: audience('js'), iat: Math.floor(clock.nowMs() / 1000) - 900, nbf: undefined, exp: Math.floor(clock.nowMs() / 1000) - 600 }), 401, 'token_expired', /expired/],
  ]
  for (const [what, credential, status, code, message] of refused) {
    it(`refuses an exchange with ${what}: ${String(status)} ${code}`, async () => {
      const body = await refusal(await exchange(credential()))
      assert.equal(body.status, status, JSON.stringify(body))
      assert.equal(body.code, code)
      assert.match(String(body.message), message)
    })
  }

  it('refuses an invalid package name in the exchange URL', async () => {
    const response = await server.request('POST', '/-/npm/v1/oidc/token/exchange/package/..%2fetc', { token: issuer.sign({ aud: audience('js') }) })
    assert.equal(response.status, 400)
  })
})
