/**
 * `packyard publish` end to end, as a CI job runs it: a real Packyard server whose registry trusts the local
 * issuer, and a stub Buildkite agent API (or GitHub Actions token service) that hands out tokens signed by it.
 */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliIo } from '../../src/cli/command.js'
import { runCli } from '../../src/cli/run-cli.js'
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js'
import { runPackyard } from '../helpers/run-packyard.js'
import { findFreePort, startServer, type TestServer } from '../helpers/start-server.js'
import { startStubTokenEndpoint, type RecordedRequest, type StubTokenEndpoint } from '../helpers/stub-token-endpoint.js'

const API = '/v2/packages/organizations/default/registries'
/** Jobs the stub agent API knows, and the pipeline each one's token claims. */
const PIPELINE_OF_JOB: Readonly<Record<string, string>> = { 'job-web': 'web', 'job-evil': 'evil' }

interface Captured { code: number; stdout: string; stderr: string }

async function publish(args: readonly string[], env: Record<string, string>): Promise<Captured> {
  let stdout = ''
  let stderr = ''
  const io: CliIo = { stdout: (text) => { stdout += text }, stderr: (text) => { stderr += text }, env, readStdin: () => Promise.resolve('') }
  const code = await runCli(['publish', ...args], io)
  return { code, stdout, stderr }
}

describe('packyard publish (CLI)', () => {
  let issuer: LocalIssuer
  let server: TestServer
  let agent: StubTokenEndpoint
  let dir = ''
  let env: Record<string, string> = {}
  const file = (name: string) => join(dir, name)
  const audienceOf = (request: RecordedRequest | undefined) => (JSON.parse(request?.body ?? '{}') as { audience?: string }).audience

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'packyard-cli-publish-'))
    issuer = await startLocalIssuer()
    issuer.addKey('RS256')
    server = await startServer({ issuers: [{ issuer: issuer.issuer, allow_insecure_http: true }] })
    const policy = `- iss: ${issuer.issuer}\n  scopes: [read_packages, write_packages]\n  claims:\n    organization_slug: acme\n    pipeline_slug: web\n    build_branch: main\n`
    const created = await server.request('POST', API, { json: { name: 'tools', ecosystem: 'files', oidc_policy: policy } })
    assert.equal(created.status, 201, await created.text())
    agent = await startStubTokenEndpoint()
    // The agent API's answer: a token for the job's pipeline with the audience asked for (§3.2, §3.3).
    agent.setDefault((request) => {
      const job = /^\/v3\/jobs\/([^/]+)\/oidc\/tokens$/.exec(request.path)?.[1] ?? ''
      const pipeline = PIPELINE_OF_JOB[job]
      if (pipeline === undefined) return { status: 404, json: { message: 'Not Found' } }
      return { status: 201, json: { token: issuer.sign({ aud: audienceOf(request), pipeline_slug: pipeline, job_id: job }) } }
    })
    for (const name of ['cli-1.0.0.tar.gz', 'cli-1.0.1.tar.gz', 'cli-2.0.0.tar.gz', 'bin-1.0.0.tar.gz', 'evil-1.0.0.tgz', 'other-1.0.0.tgz', 'gh-1.0.0.tgz']) {
      await writeFile(file(name), `contents of ${name}`)
    }
    await writeFile(file('notes.txt'), 'not a versioned file name')
  })
  after(async () => {
    await agent.close()
    await server.close()
    await issuer.close()
    await rm(dir, { recursive: true, force: true })
  })
  beforeEach(() => {
    agent.reset()
    env = { PACKYARD_SERVER: server.url, BUILDKITE_AGENT_ENDPOINT: `${agent.url}/v3`, BUILDKITE_AGENT_ACCESS_TOKEN: 'agent-token', BUILDKITE_JOB_ID: 'job-web' }
  })

  it('publishes two files, each with a fresh token for the registry\'s audience, printing their web_url', async () => {
    const result = await publish([file('cli-1.0.0.tar.gz'), file('cli-1.0.1.tar.gz'), '--registry', 'default/tools'], env)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    const urls = result.stdout.trimEnd().split('\n')
    assert.equal(urls.length, 2)
    for (const url of urls) assert.match(url, new RegExp(`^${server.url}/ui/default/tools/packages/[0-9a-f-]{36}$`))
    assert.equal(agent.requests.length, 2)
    assert.deepEqual(agent.requests.map(audienceOf), [`${server.url}/default/tools`, `${server.url}/default/tools`])
    const listed = (await (await server.request('GET', `${API}/tools/packages?name=cli`)).json()) as { items: { version: string; web_url: string }[] }
    assert.deepEqual(listed.items.map((p) => p.version).sort(), ['1.0.0', '1.0.1'])
    assert.deepEqual(listed.items.map((p) => p.web_url).sort(), [...urls].sort())
  })

  it('exits 1 with policy_no_match for a job of another pipeline, and publishes nothing after it', async () => {
    const result = await publish([file('evil-1.0.0.tgz'), file('other-1.0.0.tgz'), '--registry', 'default/tools'], { ...env, BUILDKITE_JOB_ID: 'job-evil' })
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, new RegExp(`^packyard publish: ${file('evil-1.0.0.tgz')}: policy_no_match: .+\n$`))
    assert.equal(agent.requests.length, 1)
  })

  it('streams a large file, and gets the refusal intact when the server answers without reading it', async () => {
    await writeFile(file('large-1.0.0.bin'), Buffer.alloc(8 * 1024 * 1024, 7))
    const refused = await publish([file('large-1.0.0.bin'), '--registry', 'default/tools'], { ...env, BUILDKITE_JOB_ID: 'job-evil' })
    assert.match(refused.stderr, /: policy_no_match: /)
    const accepted = await publish([file('large-1.0.0.bin'), '--registry', 'default/tools'], env)
    assert.equal(accepted.code, 0, accepted.stderr)
    const listed = (await (await server.request('GET', `${API}/tools/packages?name=large`)).json()) as { items: { size: number }[] }
    assert.equal(listed.items[0]?.size, 8 * 1024 * 1024)
  })

  it('passes on the server\'s code and message for a file name the registry refuses', async () => {
    const result = await publish([file('notes.txt'), '--registry', 'default/tools', '--server', server.url], env)
    assert.equal(result.code, 1)
    assert.equal(result.stderr, `packyard publish: ${file('notes.txt')}: request_invalid: Invalid filename format. Expected: {BASENAME}-{SEMVER}.{EXT}\n`)
  })

  it('uses --audience instead of {server}/{org}/{registry} when given (the server refuses this one)', async () => {
    const result = await publish([file('cli-2.0.0.tar.gz'), '--registry', 'default/tools', '--audience', 'https://public.example/default/tools'], env)
    assert.equal(agent.requests.length, 1)
    assert.equal(audienceOf(agent.requests[0]), 'https://public.example/default/tools')
    assert.equal(result.code, 1)
    assert.match(result.stderr, /: audience_mismatch: /)
  })

  it('says why no token came, in the agent\'s words', async () => {
    const result = await publish([file('cli-2.0.0.tar.gz'), '--registry', 'default/tools'], { ...env, BUILDKITE_JOB_ID: 'job-unknown' })
    assert.equal(result.code, 1)
    assert.match(result.stderr, new RegExp(`^packyard publish: .*cli-2\\.0\\.0\\.tar\\.gz: could not obtain OIDC token for audience ${server.url}/default/tools: POST .*: 404 Not Found: Not Found\n$`))
  })

  it('checks every file is readable before publishing any', async () => {
    const result = await publish([file('cli-2.0.0.tar.gz'), file('missing-1.0.0.tgz'), '--registry', 'default/tools'], env)
    assert.equal(result.code, 1)
    assert.equal(result.stderr, `packyard publish: ${file('missing-1.0.0.tgz')}: cannot read the file: no such file\n`)
    assert.equal(agent.requests.length, 0)
  })

  it('names the server it cannot reach', async () => {
    const nobody = `http://127.0.0.1:${String(await findFreePort())}`
    const result = await publish([file('cli-2.0.0.tar.gz'), '--registry', 'default/tools', '--server', nobody], env)
    assert.equal(result.code, 1)
    assert.match(result.stderr, new RegExp(`: cannot reach ${nobody}: .*ECONNREFUSED`))
  })

  it('exits 2 on usage errors: no file, no registry, no server', async () => {
    assert.equal((await publish(['--registry', 'default/tools'], env)).code, 2)
    assert.match((await publish([file('cli-2.0.0.tar.gz')], env)).stderr, /--registry ORG\/REGISTRY is required/)
    const noServer = Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'PACKYARD_SERVER'))
    assert.match((await publish([file('cli-2.0.0.tar.gz'), '--registry', 'default/tools'], noServer)).stderr, /--server is required \(or set PACKYARD_SERVER\)/)
    assert.equal(agent.requests.length, 0)
  })

  it('publishes with a GitHub Actions token when run there', async () => {
    const actions = await startStubTokenEndpoint()
    actions.setDefault((request) => {
      const audience = new URL(request.path, actions.url).searchParams.get('audience') ?? undefined
      return { status: 200, json: { count: 1, value: issuer.sign({ aud: audience, pipeline_slug: 'web' }) } }
    })
    const result = await publish([file('gh-1.0.0.tgz'), '--registry', 'default/tools'], {
      PACKYARD_SERVER: server.url, ACTIONS_ID_TOKEN_REQUEST_URL: `${actions.url}/idtoken?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'ghs_x',
    })
    await actions.close()
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /\/ui\/default\/tools\/packages\//)
  })

  it('works through the packyard executable, as a CI step runs it', async () => {
    const run = await runPackyard(['publish', file('bin-1.0.0.tar.gz'), '--registry', 'default/tools'], { env })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, new RegExp(`^${server.url}/ui/default/tools/packages/[0-9a-f-]{36}\n$`))
  })
})
