/**
 * Contract test: the Buildkite agent API as AGENT api/oidc.go calls it (reference/buildkite.md §3.2), against a
 * stub that records every request on the wire.
 */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FORBIDDEN_REPLY, startStubTokenEndpoint, type StubTokenEndpoint } from '../../test/helpers/stub-token-endpoint.js'
import { buildkiteRequestBody, createBuildkiteTokenProvider, escapePathSegment } from './buildkite-token-provider.js'
import type { TokenRequest } from './token-provider.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
const AGENT_TOKEN = 'bkaj_agent_access_token_secret'
const EMPTY: TokenRequest = { claims: [], awsSessionTags: [] }

describe('Buildkite agent API token provider', () => {
  let agent: StubTokenEndpoint
  let sleeps: number[] = []
  let warnings: string[] = []
  const provider = (jobId = '0190-job') => createBuildkiteTokenProvider(
    { endpoint: `${agent.url}/v3`, agentAccessToken: AGENT_TOKEN, jobId },
    { fetch, sleep: (ms) => { sleeps.push(ms); return Promise.resolve() }, warn: (message) => { warnings.push(message) } },
  )
  const ok = { status: 201, json: { token: TOKEN } }

  before(async () => { agent = await startStubTokenEndpoint() })
  after(async () => { await agent.close() })
  beforeEach(() => {
    agent.reset()
    agent.setDefault(() => ok)
    sleeps = []
    warnings = []
  })

  it('POSTs to {endpoint}/jobs/{job}/oidc/tokens with `Authorization: Token` and a JSON body', async () => {
    const result = await provider().request({ ...EMPTY, audience: 'http://127.0.0.1:8080/acme/packages' })
    assert.deepEqual(result, { ok: true, token: TOKEN })
    const [request] = agent.requests
    assert.equal(request?.method, 'POST')
    assert.equal(request.path, '/v3/jobs/0190-job/oidc/tokens')
    assert.equal(request.headers.authorization, `Token ${AGENT_TOKEN}`)
    assert.match(request.headers['content-type'] ?? '', /^application\/json/)
    assert.deepEqual(JSON.parse(request.body), { audience: 'http://127.0.0.1:8080/acme/packages' })
  })

  it('path-escapes the job id the way Go\'s url.PathEscape does', async () => {
    await provider('a/b c?d;e,f$&+:=@~é').request(EMPTY)
    assert.equal(agent.requests[0]?.path, '/v3/jobs/a%2Fb%20c%3Fd%3Be%2Cf$&+:=@~%C3%A9/oidc/tokens')
    assert.equal(escapePathSegment('0190e2b4-7c5e-7d4a-a3c1-2f3e4d5c6b7a'), '0190e2b4-7c5e-7d4a-a3c1-2f3e4d5c6b7a')
  })

  it('sends {} for an empty request', async () => {
    await provider().request(EMPTY)
    assert.equal(agent.requests[0]?.body, '{}')
  })

  it('sends every field that is set, with the agent\'s names, and omits lifetime 0', async () => {
    const full: TokenRequest = { audience: 'sts.amazonaws.com', lifetimeSeconds: 300, claims: ['organization_id', 'agent_tag:queue'], awsSessionTags: ['organization_slug'], subjectClaim: 'pipeline_id' }
    await provider().request(full)
    assert.deepEqual(JSON.parse(agent.requests[0]?.body ?? ''), {
      audience: 'sts.amazonaws.com', lifetime: 300, claims: ['organization_id', 'agent_tag:queue'], aws_session_tags: ['organization_slug'], subject_claim: 'pipeline_id',
    })
    assert.deepEqual(buildkiteRequestBody({ ...EMPTY, lifetimeSeconds: 0, audience: '' }), {})
  })

  for (const [what, reply] of [
    ['429', { status: 429, json: { message: 'slow down' } }],
    ['500', { status: 500, json: { message: 'oops' } }],
    ['a network error', 'drop'],
    ['an undecodable body', { status: 200, text: '<html>proxy</html>' }],
    ['a body without a token', { status: 200, json: { tokne: TOKEN } }],
    ['a body over the 256 KiB cap', { status: 200, text: `{"token":"${'a'.repeat(300 * 1024)}.b.c"}` }],
  ] as const) {
    it(`retries after ${what}, waiting 2 s then 4 s`, async () => {
      agent.enqueue(reply, reply)
      const result = await provider().request(EMPTY)
      assert.deepEqual(result, { ok: true, token: TOKEN })
      assert.equal(agent.requests.length, 3)
      assert.deepEqual(sleeps, [2000, 4000])
      assert.equal(warnings.length, 2)
      assert.match(warnings[0] ?? '', /attempt 1\/5, retrying in 2s/)
    })
  }

  it('gives up after 5 attempts (2 s, 4 s, 8 s, 16 s between them) with the agent\'s message', async () => {
    agent.setDefault(() => ({ status: 502, json: { message: 'Bad Gateway from upstream' } }))
    const result = await provider().request({ ...EMPTY, audience: 'https://packages.example/acme/web' })
    assert.equal(agent.requests.length, 5)
    assert.deepEqual(sleeps, [2000, 4000, 8000, 16000])
    assert.equal(result.ok, false)
    assert.equal(result.message,
      `could not obtain OIDC token for audience https://packages.example/acme/web: POST ${agent.url}/v3/jobs/0190-job/oidc/tokens: 502 Bad Gateway: Bad Gateway from upstream`)
  })

  for (const status of [400, 401, 403, 404, 422]) {
    it(`stops at once on ${String(status)} and names the status and the server's message`, async () => {
      agent.enqueue(status === 403 ? FORBIDDEN_REPLY : { status, json: { message: `refused with ${String(status)}` } })
      const result = await provider().request(EMPTY)
      assert.equal(agent.requests.length, 1)
      assert.deepEqual(sleeps, [])
      assert.equal(result.ok, false)
      const message = result.message
      assert.match(message, /^could not obtain OIDC token for default audience: POST http:\/\/127\.0\.0\.1:\d+\/v3\/jobs\/0190-job\/oidc\/tokens: /)
      assert.match(message, new RegExp(`: ${String(status)} [A-Za-z ]+: ${status === 403 ? 'Forbidden; method not allowed' : `refused with ${String(status)}`}$`))
    })
  }

  it('names the status alone when the error body has no JSON message', async () => {
    agent.enqueue({ status: 404, text: 'nothing here' })
    const result = await provider().request(EMPTY)
    assert.equal(result.ok, false)
    assert.match(result.message, /: 404 Not Found$/)
  })

  it('never repeats the agent access token in a message, even when the API echoes it', async () => {
    agent.enqueue({ status: 401, json: { message: `bad token ${AGENT_TOKEN}` } })
    const result = await provider().request(EMPTY)
    assert.equal(result.ok, false)
    assert.ok(!result.message.includes(AGENT_TOKEN))
    assert.match(result.message, /bad token \[REDACTED\]/)
  })

  it('refuses a token that is not a compact JWS instead of printing it', async () => {
    agent.setDefault(() => ({ status: 200, json: { token: 'a.b.c\nexport EVIL=1' } }))
    const result = await provider().request(EMPTY)
    assert.equal(result.ok, false)
    assert.equal(agent.requests.length, 5)
  })
})
