import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeProtectedHeader } from 'jose'
import { createFixedClock } from '../../src/lib/clock.js'
import { createJob, requestToken } from '../helpers/issuer-jobs.js'
import { fileForm, startServer, type TestServer } from '../helpers/start-server.js'

interface Json { [key: string]: unknown }
const json = async (response: Response) => (await response.json()) as Json
const API = '/v2/packages/organizations/default/registries'

function policyFor(issuer: string): string {
  return `- iss: ${issuer}
  scopes: [read_packages, write_packages]
  claims:
    organization_slug: default
    pipeline_slug: web
    build_branch: main
`
}

async function createRegistries(server: TestServer, policy: string): Promise<void> {
  for (const name of ['tools', 'other']) {
    const response = await server.request('POST', API, { json: { name, ecosystem: 'files', oidc_policy: policy } })
    assert.equal(response.status, 201, await response.text())
  }
}

function publish(server: TestServer, filename: string, token: string, registry = 'tools'): Promise<Response> {
  return server.request('POST', `${API}/${registry}/packages`, { token, body: fileForm(filename, `bytes of ${filename}`) })
}

describe('embedded issuer: trusted publishing with its tokens', () => {
  const clock = createFixedClock(Date.parse('2025-06-01T12:00:00Z'))
  let server: TestServer
  let audience = ''

  before(async () => {
    server = await startServer({ clock })
    await createRegistries(server, policyFor(`${server.url}/issuer`))
    audience = `${server.url}/default/tools`
  })
  after(async () => server.close())

  it('publishes with a token of a job on the pinned pipeline and branch, and records provenance', async () => {
    const job = await createJob(server)
    const response = await publish(server, 'cli-1.0.0.tgz', await requestToken(server, job, { audience }))
    assert.equal(response.status, 201, await response.clone().text())
    const provenance = (await json(response)).provenance as Json
    assert.equal(provenance.issuer, `${server.url}/issuer`)
    assert.equal((provenance.claims as Json).pipeline_slug, 'web')
    assert.equal((provenance.claims as Json).job_id, job.job_id)
  })

  it('refuses a job on another pipeline: 403 policy_no_match', async () => {
    const job = await createJob(server, { pipeline_slug: 'evil' })
    const response = await publish(server, 'evil-1.0.0.tgz', await requestToken(server, job, { audience }))
    assert.equal(response.status, 403)
    assert.equal((await json(response)).code, 'policy_no_match')
  })

  it('refuses a token for another registry\'s audience: 401 audience_mismatch', async () => {
    const job = await createJob(server)
    const response = await publish(server, 'aud-1.0.0.tgz', await requestToken(server, job, { audience: `${server.url}/default/other` }))
    assert.equal(response.status, 401)
    assert.equal((await json(response)).code, 'audience_mismatch')
  })

  it('refuses a token with the default Buildkite audience: 401 audience_mismatch', async () => {
    const job = await createJob(server)
    assert.equal((await json(await publish(server, 'bk-1.0.0.tgz', await requestToken(server, job)))).code, 'audience_mismatch')
  })

  it('refuses a lifetime of 600 s, over the verifier\'s 300 s cap: 401 token_lifetime_exceeded', async () => {
    const job = await createJob(server)
    const response = await publish(server, 'long-1.0.0.tgz', await requestToken(server, job, { audience, lifetime: 600 }))
    assert.equal(response.status, 401)
    assert.equal((await json(response)).code, 'token_lifetime_exceeded')
  })

  it('refuses an expired token: 401 token_expired', async () => {
    const job = await createJob(server)
    const token = await requestToken(server, job, { audience, lifetime: 60 })
    clock.advanceMs((60 + 31) * 1000)
    const response = await publish(server, 'late-1.0.0.tgz', token)
    assert.equal(response.status, 401)
    assert.equal((await json(response)).code, 'token_expired')
  })

  it('after rotate-key, verifies tokens of the old key during the overlap and signs new ones with the new kid', async () => {
    const job = await createJob(server)
    const old = await requestToken(server, job, { audience })
    const rotation = await json(await server.request('POST', '/issuer/keys/rotate', { json: {} }))
    const fresh = await requestToken(server, job, { audience })
    assert.equal(decodeProtectedHeader(fresh).kid, rotation.kid)
    assert.notEqual(decodeProtectedHeader(old).kid, rotation.kid)
    assert.equal((await publish(server, 'old-key-1.0.0.tgz', old)).status, 201)
    assert.equal((await publish(server, 'new-key-1.0.0.tgz', fresh)).status, 201)
  })

  it('accepts policies naming the embedded issuer in the check API, and requires them to pin the organization', async () => {
    const valid = await json(await server.request('POST', '/v2/packages/oidc_policy/check', { json: { policy: policyFor(`${server.url}/issuer`) } }))
    assert.equal(valid.valid, true, JSON.stringify(valid))
    const unpinned = `- iss: ${server.url}/issuer\n  scopes: [read_packages]\n  claims:\n    pipeline_slug: web\n`
    const refused = await json(await server.request('POST', '/v2/packages/oidc_policy/check', { json: { policy: unpinned } }))
    assert.equal(refused.valid, false)
  })
})

describe('embedded issuer: keys and jobs survive a restart', () => {
  it('keeps its signing key and jobs on the same data directory', async () => {
    const first = await startServer()
    const port = Number(new URL(first.url).port)
    const jwks = await json(await first.request('GET', '/issuer/.well-known/jwks', { token: null }))
    await createRegistries(first, policyFor(`${first.url}/issuer`))
    const job = await createJob(first)
    const token = await requestToken(first, job, { audience: `${first.url}/default/tools` })
    await first.close({ keepData: true })
    const second = await startServer({ dataDir: first.dataDir, port })
    try {
      assert.deepEqual(await json(await second.request('GET', '/issuer/.well-known/jwks', { token: null })), jwks)
      assert.equal((await publish(second, 'restart-1.0.0.tgz', token)).status, 201)
      const again = await requestToken(second, job, { audience: `${second.url}/default/tools` })
      assert.equal(decodeProtectedHeader(again).kid, decodeProtectedHeader(token).kid)
    } finally {
      await second.close()
      const { rm } = await import('node:fs/promises')
      await rm(first.dataDir, { recursive: true, force: true })
    }
  })
})

describe('embedded issuer: switched off', () => {
  let server: TestServer
  before(async () => { server = await startServer({ embeddedIssuer: false }) })
  after(async () => server.close())

  it('serves none of the /issuer/ routes', async () => {
    for (const [method, path] of [['GET', '/issuer/.well-known/openid-configuration'], ['GET', '/issuer/.well-known/jwks'], ['POST', '/issuer/v3/jobs'], ['POST', '/issuer/keys/rotate']] as const) {
      const response = await server.request(method, path, method === 'POST' ? { json: {} } : {})
      assert.equal(response.status, 404, path)
      assert.equal((await json(response)).code, 'not_found')
    }
  })

  it('does not trust {public_url}/issuer', async () => {
    const check = await json(await server.request('POST', '/v2/packages/oidc_policy/check', { json: { policy: policyFor(`${server.url}/issuer`) } }))
    assert.equal(check.valid, false)
  })
})

describe('embedded issuer: trusted by another Packyard server through its discovery document', () => {
  // The verifying server's own clock, moved past its JWKS refetch cooldown for the rotation test.
  const verifierClock = createFixedClock(Date.now())
  let minting: TestServer
  let verifying: TestServer
  before(async () => {
    minting = await startServer({ embeddedIssuerAlgorithm: 'ES256' })
    verifying = await startServer({ issuers: [{ issuer: `${minting.url}/issuer`, allow_insecure_http: true }], clock: verifierClock })
    await createRegistries(verifying, policyFor(`${minting.url}/issuer`))
  })
  after(async () => {
    await verifying.close()
    await minting.close()
  })

  it('verifies a token minted by the first server, and refuses one for another pipeline', async () => {
    const audience = `${verifying.url}/default/tools`
    const token = await requestToken(minting, await createJob(minting), { audience })
    assert.equal(decodeProtectedHeader(token).alg, 'ES256')
    const response = await publish(verifying, 'remote-1.0.0.tgz', token)
    assert.equal(response.status, 201, await response.clone().text())
    const evil = await requestToken(minting, await createJob(minting, { pipeline_slug: 'evil' }), { audience })
    assert.equal((await json(await publish(verifying, 'remote-evil-1.0.0.tgz', evil))).code, 'policy_no_match')
  })

  it('follows a rotation of the first server\'s key (unknown kid, refetched JWKS)', async () => {
    await minting.request('POST', '/issuer/keys/rotate', { json: {} })
    verifierClock.advanceMs(31_000)
    const token = await requestToken(minting, await createJob(minting), { audience: `${verifying.url}/default/tools` })
    assert.equal((await publish(verifying, 'rotated-1.0.0.tgz', token)).status, 201)
  })
})
