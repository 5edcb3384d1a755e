/** Contract test: GitHub's Actions token service as @actions/core `getIDToken` calls it, against a recording stub. */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startStubTokenEndpoint, type StubTokenEndpoint } from '../../test/helpers/stub-token-endpoint.js'
import { createGithubTokenProvider, githubTokenUrl } from './github-token-provider.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvd2ViIn0.c2lnbmF0dXJl'
const REQUEST_TOKEN = 'ghs_request_token_secret'

describe('GitHub Actions token provider', () => {
  let actions: StubTokenEndpoint
  let sleeps: number[] = []
  const provider = () => createGithubTokenProvider(
    { requestUrl: `${actions.url}/_apis/idtoken?api-version=2.0`, requestToken: REQUEST_TOKEN },
    { fetch, sleep: (ms) => { sleeps.push(ms); return Promise.resolve() }, warn: () => undefined },
  )

  before(async () => { actions = await startStubTokenEndpoint() })
  after(async () => { await actions.close() })
  beforeEach(() => {
    actions.reset()
    actions.setDefault(() => ({ status: 200, json: { count: 1, value: TOKEN } }))
    sleeps = []
  })

  it('GETs the request URL with &audience= (URL-encoded) and a Bearer request token, and reads `value`', async () => {
    const result = await provider().request({ audience: 'https://pkg.example/acme/web?x=1', claims: [], awsSessionTags: [] })
    assert.deepEqual(result, { ok: true, token: TOKEN })
    const [request] = actions.requests
    assert.equal(request?.method, 'GET')
    assert.equal(request.path, '/_apis/idtoken?api-version=2.0&audience=https%3A%2F%2Fpkg.example%2Facme%2Fweb%3Fx%3D1')
    assert.equal(request.headers.authorization, `Bearer ${REQUEST_TOKEN}`)
    assert.equal(request.body, '')
  })

  it('leaves the audience out when none is given (GitHub then uses the repository owner\'s URL)', async () => {
    await provider().request({ claims: [], awsSessionTags: [] })
    assert.equal(actions.requests[0]?.path, '/_apis/idtoken?api-version=2.0')
    assert.equal(githubTokenUrl('https://x.example/idtoken', 'a b'), 'https://x.example/idtoken?audience=a%20b')
  })

  it('retries a 500 and a dropped connection like the Buildkite provider, and stops on 403', async () => {
    actions.enqueue({ status: 500, json: { message: 'down' } }, 'drop')
    assert.deepEqual(await provider().request({ claims: [], awsSessionTags: [] }), { ok: true, token: TOKEN })
    assert.deepEqual(sleeps, [2000, 4000])
    actions.reset()
    actions.enqueue({ status: 403, json: { message: `no id-token permission for ${REQUEST_TOKEN}` } })
    const refused = await provider().request({ audience: 'https://pkg.example/acme/web', claims: [], awsSessionTags: [] })
    assert.equal(actions.requests.length, 1)
    assert.equal(refused.ok, false)
    assert.equal(refused.message,
      `could not obtain OIDC token for audience https://pkg.example/acme/web: GET ${actions.url}/_apis/idtoken: 403 Forbidden: no id-token permission for [REDACTED]`)
  })
})
