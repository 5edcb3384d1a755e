import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose'
import { createFixedClock } from '../../src/lib/clock.js'
import { createJob, jobBody, requestToken, requestTokenResponse, type CreatedJob } from '../helpers/issuer-jobs.js'
import { startServer, type TestServer } from '../helpers/start-server.js'

interface Json { [key: string]: unknown }
const json = async (response: Response) => (await response.json()) as Json

describe('embedded issuer: discovery, jobs and the agent token API', () => {
  const clock = createFixedClock(Date.parse('2025-06-01T12:00:00Z'))
  let server: TestServer
  let issuer = ''
  let otherOrgAdmin = ''
  let readOnlyToken = ''

  before(async () => {
    server = await startServer({ clock })
    issuer = `${server.url}/issuer`
    assert.equal((await server.request('POST', '/v2/organizations', { json: { slug: 'other' } })).status, 201)
    const issued = await json(await server.request('POST', '/v2/organizations/other/api_tokens', { json: { scopes: ['admin'] } }))
    otherOrgAdmin = String(issued.token)
    const reader = await json(await server.request('POST', '/v2/organizations/default/api_tokens', { json: { scopes: ['read_registries', 'write_registries'] } }))
    readOnlyToken = String(reader.token)
  })
  after(async () => server.close())

  describe('discovery and JWKS', () => {
    it('serves an OpenID discovery document for {public_url}/issuer', async () => {
      const response = await server.request('GET', '/issuer/.well-known/openid-configuration', { token: null })
      assert.equal(response.status, 200)
      const document = await json(response)
      assert.equal(document.issuer, issuer)
      assert.equal(document.jwks_uri, `${issuer}/.well-known/jwks`)
      assert.deepEqual(document.id_token_signing_alg_values_supported, ['RS256', 'ES256'])
      assert.deepEqual(document.response_types_supported, ['id_token'])
      assert.deepEqual(document.subject_types_supported, ['public'])
      for (const claim of ['sub', 'aud', 'organization_slug', 'pipeline_slug', 'build_number', 'step_key', 'job_id', 'agent_id', 'organization_id', 'cluster_id']) {
        assert.ok((document.claims_supported as string[]).includes(claim), claim)
      }
    })

    it('serves public keys only, each with kid, alg and use', async () => {
      const { keys } = (await json(await server.request('GET', '/issuer/.well-known/jwks', { token: null }))) as { keys: Json[] }
      assert.equal(keys.length, 1)
      const key = keys[0]
      assert.ok(key)
      assert.equal(key.alg, 'RS256')
      assert.equal(key.use, 'sig')
      assert.equal(typeof key.kid, 'string')
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(secret in key, false)
    })

    it('mints a token that verifies against the published JWKS, with Buildkite\'s claims', async () => {
      const job = await createJob(server)
      const token = await requestToken(server, job)
      const { keys } = (await json(await server.request('GET', '/issuer/.well-known/jwks', { token: null }))) as { keys: JWK[] }
      const header = decodeProtectedHeader(token)
      assert.equal(header.typ, 'JWT')
      const jwk = keys.find((key) => key.kid === header.kid)
      assert.ok(jwk)
      const { payload } = await jwtVerify(token, await importJWK(jwk, 'RS256'), {
        issuer, audience: 'https://buildkite.com/default', currentDate: new Date(clock.nowMs()), algorithms: ['RS256'],
      })
      const now = Math.floor(clock.nowMs() / 1000)
      assert.deepEqual(payload, {
        iss: issuer,
        sub: 'organization:default:pipeline:web:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:publish',
        aud: 'https://buildkite.com/default',
        iat: now, nbf: now, exp: now + 300,
        organization_slug: 'default', pipeline_slug: 'web', build_number: 42, build_branch: 'main',
        build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: 'publish', job_id: job.job_id,
        agent_id: payload.agent_id, build_source: 'api', runner_environment: 'self-hosted',
      })
      assert.match(String(payload.agent_id), /^[0-9a-f-]{36}$/)
    })
  })

  describe('creating jobs', () => {
    it('answers {job_id, agent_access_token, endpoint, expires_at}, the token expiring in 24 h by default', async () => {
      const job = await createJob(server)
      assert.match(job.job_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.match(job.agent_access_token, /^pkyagent_[A-Za-z0-9_-]{43}$/)
      assert.equal(job.endpoint, `${issuer}/v3`)
      assert.equal(job.expires_at, new Date(clock.nowMs() + 24 * 3600_000).toISOString())
    })

    it('refuses a request without a credential: 401 token_missing', async () => {
      const response = await server.request('POST', '/issuer/v3/jobs', { token: null, json: jobBody() })
      assert.equal(response.status, 401)
      assert.equal((await json(response)).code, 'token_missing')
    })

    it('refuses an unknown token: 401 api_token_invalid', async () => {
      const response = await server.request('POST', '/issuer/v3/jobs', { token: 'pky_nobody', json: jobBody() })
      assert.equal(response.status, 401)
      assert.equal((await json(response)).code, 'api_token_invalid')
    })

    it('lets an organization admin create jobs for its own organization', async () => {
      const job = await createJob(server, { organization_slug: 'other' }, otherOrgAdmin)
      assert.ok(await requestToken(server, job))
    })

    it('refuses an organization admin a job for another organization: 403 organization_mismatch', async () => {
      for (const organization_slug of ['default', 'no-such-org']) {
        const response = await server.request('POST', '/issuer/v3/jobs', { token: otherOrgAdmin, json: jobBody({ organization_slug }) })
        assert.equal(response.status, 403, organization_slug)
        assert.equal((await json(response)).code, 'organization_mismatch')
      }
    })

    it('refuses an API token without the admin scope: 403 scope_missing', async () => {
      const response = await server.request('POST', '/issuer/v3/jobs', { token: readOnlyToken, json: jobBody() })
      assert.equal(response.status, 403)
      assert.equal((await json(response)).code, 'scope_missing')
    })

    const invalid: [string, Record<string, unknown>][] = [
      ['a build number that is a string', { build_number: '42' }],
      ['a build number of 0', { build_number: 0 }],
      ['a branch with a colon, which would forge sub', { build_branch: 'main:commit:abc' }],
      ['a branch with a space', { build_branch: 'my branch' }],
      ['an uppercase pipeline slug', { pipeline_slug: 'Web' }],
      ['a commit that is not hex', { build_commit: 'zzzzzzz' }],
      ['an unknown build source', { build_source: 'cron' }],
      ['an unknown member', { admin: true }],
      ['a cluster id that is not a UUID', { cluster_id: 'c1' }],
      ['an agent token lifetime over a week', { expires_in: 8 * 24 * 3600 }],
      ['a missing commit', { build_commit: undefined }],
    ]
    for (const [what, overrides] of invalid) {
      it(`refuses ${what}: 400 request_invalid with a message`, async () => {
        const response = await server.request('POST', '/issuer/v3/jobs', { json: jobBody(overrides) })
        assert.equal(response.status, 400)
        const body = await json(response)
        assert.equal(body.code, 'request_invalid')
        assert.match(String(body.message), /invalid job/)
      })
    }

    it('records job creation in the organization\'s audit log, without the agent token', async () => {
      const job = await createJob(server)
      const events = await json(await server.request('GET', '/v2/packages/organizations/default/audit_events?type=issuer.job_created'))
      const text = JSON.stringify(events)
      assert.ok(text.includes(job.job_id))
      assert.ok(!text.includes(job.agent_access_token))
    })
  })

  describe('the token API', () => {
    let job: CreatedJob
    before(async () => {
      job = await createJob(server, { build_tag: 'v1.2.3', cluster_id: '0b6b4a55-3d0a-4a8b-9a3f-2f7e8c1d9e10', agent_tags: { queue: 'deploy' } })
    })

    it('accepts `{}` and no body at all', async () => {
      assert.ok(await requestToken(server, job, {}))
      const bare = await server.request('POST', `/issuer/v3/jobs/${job.job_id}/oidc/tokens`, { token: null, headers: { authorization: `Token ${job.agent_access_token}` } })
      assert.equal(bare.status, 200)
    })

    it('honours audience, lifetime, optional claims, subject_claim and AWS session tags', async () => {
      const token = await requestToken(server, job, {
        audience: 'sigstore', lifetime: 120, claims: ['organization_id', 'agent_tag:queue'], subject_claim: 'cluster_id', aws_session_tags: ['build_number', 'step_key'],
      })
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json
      assert.equal(claims.aud, 'sigstore')
      assert.equal(Number(claims.exp) - Number(claims.iat), 120)
      assert.equal(claims.sub, '0b6b4a55-3d0a-4a8b-9a3f-2f7e8c1d9e10')
      assert.equal(claims.cluster_id, '0b6b4a55-3d0a-4a8b-9a3f-2f7e8c1d9e10')
      assert.equal(claims['agent_tag:queue'], 'deploy')
      assert.match(String(claims.organization_id), /^[0-9a-f-]{36}$/)
      assert.equal(claims.build_tag, 'v1.2.3')
      assert.deepEqual(claims['https://aws.amazon.com/tags'], { principal_tags: { build_number: ['42'], step_key: ['publish'] } })
    })

    it('refuses a request without a token: 401 token_missing', async () => {
      const response = await server.request('POST', `/issuer/v3/jobs/${job.job_id}/oidc/tokens`, { token: null, json: {} })
      assert.equal(response.status, 401)
      assert.equal((await json(response)).code, 'token_missing')
    })

    it('refuses another job\'s agent token: 403 job_forbidden with a message', async () => {
      const other = await createJob(server)
      const response = await requestTokenResponse(server, { job_id: job.job_id, agent_access_token: other.agent_access_token })
      assert.equal(response.status, 403)
      const body = await json(response)
      assert.equal(body.code, 'job_forbidden')
      assert.equal(typeof body.message, 'string')
    })

    it('refuses an API token or the admin token in place of the agent token: 403', async () => {
      for (const credential of [server.orgAdminToken, 'pky_test_server_admin_token_0123456789abcdef']) {
        const response = await requestTokenResponse(server, { job_id: job.job_id, agent_access_token: credential })
        assert.equal(response.status, 403)
      }
    })

    it('answers 404 for an unknown job, and for a job id that is not a UUID', async () => {
      for (const jobId of ['2b0f5a3c-9d7e-4f61-8a2b-3c4d5e6f7a8b', 'not-a-job']) {
        const response = await requestTokenResponse(server, { job_id: jobId, agent_access_token: job.agent_access_token })
        assert.equal(response.status, 404, jobId)
        assert.equal((await json(response)).code, 'not_found')
      }
    })

    const unprocessable: [string, Json, RegExp][] = [
      ['a negative lifetime', { lifetime: -1 }, /lifetime -1 must be a non-negative integer/],
      ['a lifetime over two hours', { lifetime: 7201 }, /exceeds the maximum/],
      ['an unknown optional claim', { claims: ['repository'] }, /unknown claim "repository"/],
      ['a mutable subject claim', { subject_claim: 'pipeline_slug' }, /is not allowed/],
      ['an unknown AWS session tag', { aws_session_tags: ['secret'] }, /unknown AWS session tag/],
    ]
    for (const [what, body, message] of unprocessable) {
      it(`refuses ${what}: 422 request_unprocessable`, async () => {
        const response = await requestTokenResponse(server, job, body)
        assert.equal(response.status, 422)
        const answer = await json(response)
        assert.equal(answer.code, 'request_unprocessable')
        assert.match(String(answer.message), message)
      })
    }

    it('refuses a body of the wrong shape: 400 request_invalid', async () => {
      const response = await requestTokenResponse(server, job, { lifetime: '300' })
      assert.equal(response.status, 400)
      assert.equal((await json(response)).code, 'request_invalid')
    })

    it('refuses the agent token of a revoked job: 403; revoking needs the job\'s organization', async () => {
      const doomed = await createJob(server)
      const foreign = await server.request('DELETE', `/issuer/v3/jobs/${doomed.job_id}`, { token: otherOrgAdmin })
      assert.equal(foreign.status, 403)
      assert.equal((await server.request('DELETE', `/issuer/v3/jobs/${doomed.job_id}`, { token: server.orgAdminToken })).status, 204)
      assert.equal((await requestTokenResponse(server, doomed)).status, 403)
      assert.equal((await server.request('DELETE', `/issuer/v3/jobs/${doomed.job_id}`)).status, 404)
    })

    it('refuses an expired agent token: 403', async () => {
      const shortLived = await createJob(server, { expires_in: 60 })
      assert.ok(await requestToken(server, shortLived))
      clock.advanceMs(60_000)
      try {
        assert.equal((await requestTokenResponse(server, shortLived)).status, 403)
      } finally {
        clock.advanceMs(-60_000)
      }
    })
  })

  describe('key rotation', () => {
    it('needs the server admin token', async () => {
      assert.equal((await server.request('POST', '/issuer/keys/rotate', { token: null, json: {} })).status, 401)
      assert.equal((await server.request('POST', '/issuer/keys/rotate', { token: server.orgAdminToken, json: {} })).status, 401)
    })

    it('switches the signer at once and keeps the old key in the JWKS', async () => {
      const job = await createJob(server)
      const before = decodeProtectedHeader(await requestToken(server, job)).kid
      const response = await server.request('POST', '/issuer/keys/rotate', { json: { algorithm: 'ES256' } })
      assert.equal(response.status, 200)
      const rotation = await json(response)
      assert.equal(rotation.algorithm, 'ES256')
      assert.deepEqual((rotation.retired as Json[]).map((key) => key.kid), [before])
      const header = decodeProtectedHeader(await requestToken(server, job))
      assert.equal(header.kid, rotation.kid)
      assert.equal(header.alg, 'ES256')
      const { keys } = (await json(await server.request('GET', '/issuer/.well-known/jwks', { token: null }))) as { keys: Json[] }
      assert.deepEqual(keys.map((key) => key.kid), [rotation.kid, before])
    })

    it('refuses an unknown algorithm: 400', async () => {
      assert.equal((await server.request('POST', '/issuer/keys/rotate', { json: { algorithm: 'HS256' } })).status, 400)
    })
  })
})
