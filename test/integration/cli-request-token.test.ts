/**
 * `packyard oidc request-token` through the CLI dispatcher, against a stub of the Buildkite agent API and of
 * GitHub's Actions token service: environment fallbacks, flag precedence, output formats and exit codes.
 */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createOidcRequestTokenCommand } from '../../src/cli/commands/oidc-request-token.js'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { startStubTokenEndpoint, type StubTokenEndpoint } from '../helpers/stub-token-endpoint.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJqb2JfaWQiOiJqb2ItMSJ9.c2lnbmF0dXJl'
const AGENT_TOKEN = 'bkaj_secret_agent_access_token'

interface Captured { code: number; stdout: string; stderr: string }

async function run(args: readonly string[], env: Record<string, string>, command?: ReturnType<typeof createOidcRequestTokenCommand>): Promise<Captured> {
  let stdout = ''
  let stderr = ''
  const io: CliIo = { stdout: (text) => { stdout += text }, stderr: (text) => { stderr += text }, env, readStdin: () => Promise.resolve('') }
  const code = command === undefined ? await runCli(['oidc', 'request-token', ...args], io) : await command.run(args, io)
  return { code, stdout, stderr }
}

describe('packyard oidc request-token (CLI)', () => {
  let agent: StubTokenEndpoint
  let env: Record<string, string> = {}
  const body = (i = 0) => JSON.parse(agent.requests[i]?.body ?? 'null') as unknown

  before(async () => { agent = await startStubTokenEndpoint() })
  after(async () => { await agent.close() })
  beforeEach(() => {
    agent.reset()
    agent.setDefault(() => ({ status: 201, json: { token: TOKEN } }))
    env = { BUILDKITE_AGENT_ENDPOINT: `${agent.url}/v3`, BUILDKITE_AGENT_ACCESS_TOKEN: AGENT_TOKEN, BUILDKITE_JOB_ID: 'job-1' }
  })

  it('prints only the token and a newline on stdout, reading endpoint, agent token and job from the environment', async () => {
    const result = await run(['--audience', 'https://pkg.example/acme/web'], env)
    assert.deepEqual(result, { code: 0, stdout: `${TOKEN}\n`, stderr: '' })
    assert.equal(agent.requests[0]?.path, '/v3/jobs/job-1/oidc/tokens')
    assert.equal(agent.requests[0].headers.authorization, `Token ${AGENT_TOKEN}`)
    assert.deepEqual(body(), { audience: 'https://pkg.example/acme/web' })
  })

  it('sends {} with no flags at all', async () => {
    assert.equal((await run([], env)).code, 0)
    assert.equal(agent.requests[0]?.body, '{}')
  })

  it('reads claims, subject claim and AWS session tags from the agent\'s variables', async () => {
    await run([], { ...env, BUILDKITE_OIDC_TOKEN_CLAIMS: 'organization_id, pipeline_id', BUILDKITE_OIDC_TOKEN_SUBJECT_CLAIM: 'pipeline_id', BUILDKITE_OIDC_TOKEN_AWS_SESSION_TAGS: 'organization_slug,pipeline_slug' })
    assert.deepEqual(body(), { claims: ['organization_id', 'pipeline_id'], aws_session_tags: ['organization_slug', 'pipeline_slug'], subject_claim: 'pipeline_id' })
  })

  it('lets flags win over the environment', async () => {
    const other = await startStubTokenEndpoint()
    other.setDefault(() => ({ status: 200, json: { token: TOKEN } }))
    const result = await run([
      '--endpoint', `${other.url}/v3/`, '--agent-access-token', 'flag-agent-token', '--job', 'flag job',
      '--claim', 'queue_id', '--claim', 'cluster_id, agent_tag:os', '--subject-claim', 'cluster_id', '--aws-session-tag', 'queue_key', '--lifetime', '90',
    ], { ...env, BUILDKITE_OIDC_TOKEN_CLAIMS: 'organization_id', BUILDKITE_OIDC_TOKEN_SUBJECT_CLAIM: 'pipeline_id' })
    await other.close()
    assert.equal(result.code, 0, result.stderr)
    assert.equal(agent.requests.length, 0)
    const [request] = other.requests
    assert.equal(request?.path, '/v3/jobs/flag%20job/oidc/tokens')
    assert.equal(request.headers.authorization, 'Token flag-agent-token')
    assert.deepEqual(JSON.parse(request.body), { lifetime: 90, claims: ['queue_id', 'cluster_id', 'agent_tag:os'], aws_session_tags: ['queue_key'], subject_claim: 'cluster_id' })
  })

  it('prints the gcp format as the agent does', async () => {
    const result = await run(['--format', 'gcp'], env)
    assert.equal(result.stdout, `{"id_token":"${TOKEN}","token_type":"urn:ietf:params:oauth:token-type:jwt","version":1,"success":true}\n`)
  })

  it('accepts --skip-redaction for compatibility', async () => {
    assert.equal((await run(['--skip-redaction'], env)).code, 0)
  })

  it('refuses --lifetime -1 with the agent\'s message, exit 2, before any request', async () => {
    const result = await run(['--lifetime', '-1'], env)
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^packyard oidc request-token: lifetime -1 must be a non-negative integer\n/)
    assert.equal(result.stdout, '')
    assert.equal(agent.requests.length, 0)
  })

  it('exits 2 on other usage errors: no job, unknown format, unknown flag', async () => {
    const noJob = Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'BUILDKITE_JOB_ID'))
    assert.match((await run([], noJob)).stderr, /--job is required \(or set BUILDKITE_JOB_ID\)/)
    for (const args of [['--format', 'xml'], ['--audiance', 'x'], ['extra']]) assert.equal((await run(args, env)).code, 2, args.join(' '))
    const none = await run([], {})
    assert.equal(none.code, 2)
    assert.match(none.stderr, /BUILDKITE_AGENT_ACCESS_TOKEN.*ACTIONS_ID_TOKEN_REQUEST_URL/)
  })

  it('exits 1 with the agent\'s failure message on a refusal, without the agent access token', async () => {
    agent.enqueue({ status: 403, json: { message: 'Forbidden; method not allowed' } })
    const result = await run(['--audience', 'https://pkg.example/acme/web'], env)
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.equal(result.stderr, `packyard oidc request-token: could not obtain OIDC token for audience https://pkg.example/acme/web: POST ${agent.url}/v3/jobs/job-1/oidc/tokens: 403 Forbidden: Forbidden; method not allowed\n`)
    assert.ok(!result.stderr.includes(AGENT_TOKEN))
  })

  it('retries with the injected backoff, warning on stderr, and still prints only the token', async () => {
    const sleeps: number[] = []
    const command = createOidcRequestTokenCommand({ fetch, sleep: (ms) => { sleeps.push(ms); return Promise.resolve() } })
    agent.enqueue({ status: 429, json: { message: 'rate limited' } }, { status: 500 }, 'drop', { status: 200, text: 'garbage' })
    const result = await run([], env, command)
    assert.equal(result.code, 0)
    assert.equal(result.stdout, `${TOKEN}\n`)
    assert.deepEqual(sleeps, [2000, 4000, 8000, 16000])
    assert.equal(result.stderr.split('\n').filter((line) => line.includes('warning:')).length, 4)
    assert.equal(agent.requests.length, 5)
  })

  it('fails after 5 attempts with exit 1 and the default-audience message', async () => {
    const command = createOidcRequestTokenCommand({ fetch, sleep: () => Promise.resolve() })
    agent.setDefault(() => ({ status: 503, json: { message: 'maintenance' } }))
    const result = await run([], env, command)
    assert.equal(result.code, 1)
    assert.equal(agent.requests.length, 5)
    assert.match(result.stderr, /could not obtain OIDC token for default audience: POST .*: 503 Service Unavailable: maintenance\n$/)
  })

  describe('on GitHub Actions', () => {
    let actions: StubTokenEndpoint
    let github: Record<string, string> = {}
    before(async () => { actions = await startStubTokenEndpoint() })
    after(async () => { await actions.close() })
    beforeEach(() => {
      actions.reset()
      actions.setDefault(() => ({ status: 200, json: { count: 1, value: TOKEN } }))
      github = { ACTIONS_ID_TOKEN_REQUEST_URL: `${actions.url}/idtoken?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'ghs_request' }
    })

    it('reads the token from the Actions service when no Buildkite agent token is set', async () => {
      const result = await run(['--audience', 'https://pkg.example/acme/web'], github)
      assert.deepEqual(result, { code: 0, stdout: `${TOKEN}\n`, stderr: '' })
      assert.equal(actions.requests[0]?.path, '/idtoken?api-version=2.0&audience=https%3A%2F%2Fpkg.example%2Facme%2Fweb')
      assert.equal(actions.requests[0].headers.authorization, 'Bearer ghs_request')
    })

    it('prefers Buildkite under auto when both are present, and obeys --provider github', async () => {
      await run([], { ...env, ...github })
      assert.equal(agent.requests.length, 1)
      assert.equal(actions.requests.length, 0)
      assert.equal((await run(['--provider', 'github'], { ...env, ...github })).code, 0)
      assert.equal(actions.requests.length, 1)
    })

    it('refuses Buildkite-only flags with exit 2', async () => {
      const result = await run(['--claim', 'organization_id'], github)
      assert.equal(result.code, 2)
      assert.match(result.stderr, /--claim: only the Buildkite agent API takes this flag/)
      assert.equal(actions.requests.length, 0)
    })
  })
})
