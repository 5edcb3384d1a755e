import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/start-server.js'

const BK = 'https://agent.buildkite.com'
const API = '/v2/packages/organizations/default'
const POLICY = `- iss: ${BK}
  scopes: [read_packages, write_packages]
  claims:
    organization_id: 0190-acme
    pipeline_slug: web
`

interface Json { [key: string]: unknown }
const json = async (response: Response) => (await response.json()) as Json

describe('REST API: registries, policies, tokens and audit', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(async () => server.close())

  it('answers /healthz and Prometheus /metrics', async () => {
    assert.equal((await server.request('GET', '/healthz', { token: null })).status, 200)
    const metrics = await (await server.request('GET', '/metrics', { token: null })).text()
    assert.match(metrics, /^# TYPE packyard_http_requests_total counter$/m)
  })

  it('refuses a request without a credential with 401 token_missing and a request id', async () => {
    const response = await server.request('GET', `${API}/registries`, { token: null })
    assert.equal(response.status, 401)
    const body = await json(response)
    assert.equal(body.code, 'token_missing')
    assert.equal(typeof body.message, 'string')
    assert.equal(typeof body.request_id, 'string')
  })

  it('creates a registry whose slug is the kebab-case name, with the policy and its warnings', async () => {
    const response = await server.request('POST', `${API}/registries`, { json: { name: 'Web Assets', ecosystem: 'files', oidc_policy: POLICY } })
    assert.equal(response.status, 201)
    const body = await json(response)
    assert.equal(body.slug, 'web-assets')
    assert.equal(body.ecosystem, 'files')
    assert.equal(body.oidc_policy, POLICY)
    assert.equal(body.oidc_audience, `${server.url}/default/web-assets`)
    assert.ok(Array.isArray(body.oidc_policy_warnings))
    for (const key of ['id', 'url', 'web_url', 'name', 'description', 'emoji', 'color', 'public', 'created_at']) assert.ok(key in body, key)
  })

  it('refuses a duplicate name with 409, a reserved slug and an unknown ecosystem with 400', async () => {
    const create = (name: string, ecosystem = 'files') => server.request('POST', `${API}/registries`, { json: { name, ecosystem } })
    assert.equal((await create('dup')).status, 201)
    assert.equal((await create('DUP')).status, 409)
    assert.equal((await create('metrics')).status, 400)
    const unknown = await create('cobol', 'cobol')
    assert.equal(unknown.status, 400)
    assert.equal((await json(unknown)).code, 'request_invalid')
  })

  it('refuses an invalid policy with 422 and every error with its line and column, creating nothing', async () => {
    const bad = `- iss: ${BK}\n  claims:\n    pipeline_slug: { looks_like: web }\n- iss: https://evil.example\n`
    const response = await server.request('POST', `${API}/registries`, { json: { name: 'bad policy', ecosystem: 'files', oidc_policy: bad } })
    assert.equal(response.status, 422)
    const body = await json(response)
    assert.equal(body.code, 'policy_invalid')
    const errors = body.errors as { statement: number; line: number; column: number }[]
    assert.ok(errors.length >= 2)
    assert.ok(errors.every((e) => typeof e.line === 'number' && typeof e.column === 'number'))
    assert.equal((await server.request('GET', `${API}/registries/bad-policy`)).status, 404)
  })

  it('keeps every saved policy as a numbered version and restores an old one as a new version', async () => {
    await server.request('POST', `${API}/registries`, { json: { name: 'history', ecosystem: 'files', oidc_policy: POLICY } })
    const second = POLICY.replace('pipeline_slug: web', 'pipeline_slug: api')
    const patched = await server.request('PATCH', `${API}/registries/history`, { json: { oidc_policy: second } })
    assert.equal(patched.status, 200)
    assert.equal((await json(patched)).oidc_policy_version, 2)
    const versions = (await json(await server.request('GET', `${API}/registries/history/oidc_policy/versions`))) as unknown as Json[]
    assert.deepEqual(versions.map((v) => v.version), [2, 1])
    assert.equal(versions[0]!.current, true)
    assert.equal(versions[0]!.saved_by, 'admin')
    const restored = await json(await server.request('POST', `${API}/registries/history/oidc_policy/versions/1/restore`))
    assert.equal(restored.oidc_policy_version, 3)
    assert.equal(restored.oidc_policy, POLICY)
    assert.equal((await server.request('POST', `${API}/registries/history/oidc_policy/versions/9/restore`)).status, 404)
    const listed = ((await json(await server.request('GET', `${API}/registries`))) as unknown as Json[]).find((r) => r.slug === 'history')
    assert.equal(listed?.oidc_policy_version, 3)
    assert.equal(listed.oidc_policy, POLICY)
  })

  it('leaves a registry unchanged when an update carries an invalid policy', async () => {
    await server.request('POST', `${API}/registries`, { json: { name: 'steady', ecosystem: 'files', oidc_policy: POLICY } })
    const response = await server.request('PATCH', `${API}/registries/steady`, { json: { name: 'moved', oidc_policy: '- iss: https://evil.example\n' } })
    assert.equal(response.status, 422)
    const kept = await json(await server.request('GET', `${API}/registries/steady`))
    assert.equal(kept.oidc_policy_version, 1)
    assert.equal((await server.request('GET', `${API}/registries/moved`)).status, 404)
  })

  it('accepts a policy as a JSON array and returns it as YAML', async () => {
    const policy = [{ iss: BK, scopes: ['read_packages'], claims: { organization_slug: 'acme', organization_id: 'x' } }]
    const body = await json(await server.request('POST', `${API}/registries`, { json: { name: 'json policy', ecosystem: 'files', oidc_policy: policy } }))
    assert.match(String(body.oidc_policy), /^- iss: https:\/\/agent\.buildkite\.com/)
  })

  it('updates with PUT, refuses an ecosystem change, renames the slug, and deletes', async () => {
    await server.request('POST', `${API}/registries`, { json: { name: 'old name', ecosystem: 'files' } })
    assert.equal((await server.request('PUT', `${API}/registries/old-name`, { json: { ecosystem: 'npm' } })).status, 400)
    const renamed = await json(await server.request('PUT', `${API}/registries/old-name`, { json: { name: 'new name', description: 'd' } }))
    assert.equal(renamed.slug, 'new-name')
    assert.equal(renamed.description, 'd')
    assert.equal((await server.request('DELETE', `${API}/registries/new-name`)).status, 204)
    assert.equal((await server.request('GET', `${API}/registries/new-name`)).status, 404)
  })

  it('explains bare claims against the saved policy and a draft', async () => {
    await server.request('POST', `${API}/registries`, { json: { name: 'explained', ecosystem: 'files', oidc_policy: POLICY } })
    const claims = { iss: BK, organization_id: '0190-acme', pipeline_slug: 'web' }
    const accepted = await json(await server.request('POST', `${API}/registries/explained/oidc_policy/explain`, { json: { claims } }))
    assert.equal(accepted.decision, 'accept')
    assert.equal(accepted.statement, 0)
    const draft = POLICY.replace('pipeline_slug: web', 'pipeline_slug: api')
    const rejected = await json(await server.request('POST', `${API}/registries/explained/oidc_policy/explain`, { json: { claims, policy: draft } }))
    assert.equal(rejected.decision, 'reject')
    assert.equal(rejected.code, 'policy_no_match')
    const rules = (rejected.statements as { rules: { claim: string; passed: boolean; actual: unknown }[] }[])[0]?.rules ?? []
    assert.deepEqual(rules.find((r) => r.claim === 'pipeline_slug'), { ...rules.find((r) => r.claim === 'pipeline_slug'), passed: false, actual: 'web' })
  })

  it('checks a policy for any authenticated caller', async () => {
    const response = await server.request('POST', '/v2/packages/oidc_policy/check', { token: server.orgAdminToken, json: { policy: POLICY } })
    const body = await json(response)
    assert.equal(body.valid, true)
    assert.equal((await server.request('POST', '/v2/packages/oidc_policy/check', { token: null, json: { policy: POLICY } })).status, 401)
  })

  it('issues scoped API tokens shown once, and revokes them', async () => {
    const issued = await server.request('POST', '/v2/organizations/default/api_tokens', { token: server.orgAdminToken, json: { description: 'reader', scopes: ['read_registries'] } })
    assert.equal(issued.status, 201)
    const { token, id } = (await json(issued)) as { token: string; id: string }
    assert.match(token, /^pky_/)
    assert.equal((await server.request('GET', `${API}/registries`, { token })).status, 200)
    const denied = await server.request('POST', `${API}/registries`, { token, json: { name: 'nope', ecosystem: 'files' } })
    assert.equal(denied.status, 403)
    assert.equal((await json(denied)).code, 'scope_missing')
    const listed = (await json(await server.request('GET', '/v2/organizations/default/api_tokens'))) as unknown as Json[]
    assert.ok(listed.every((t) => !('token' in t)))
    assert.equal((await server.request('DELETE', `/v2/organizations/default/api_tokens/${id}`)).status, 204)
    const revoked = await server.request('GET', `${API}/registries`, { token })
    assert.equal(revoked.status, 401)
    assert.equal((await json(revoked)).code, 'api_token_invalid')
  })

  it('lets only the server admin create organizations', async () => {
    assert.equal((await server.request('POST', '/v2/organizations', { token: server.orgAdminToken, json: { slug: 'other' } })).status, 401)
    assert.equal((await server.request('POST', '/v2/organizations', { token: TEST_ADMIN_TOKEN, json: { slug: 'other' } })).status, 201)
    assert.equal((await server.request('POST', '/v2/organizations', { token: TEST_ADMIN_TOKEN, json: { slug: 'v2' } })).status, 400)
  })

  it('records changes and decisions in the audit log, filterable', async () => {
    const response = await server.request('GET', `${API}/audit_events?type=registry.created&per_page=2`)
    const body = await json(response)
    const items = body.items as Json[]
    assert.equal(items.length, 2)
    assert.ok(items.every((e) => e.type === 'registry.created'))
    const next = String((body.links as Json).next)
    assert.match(next, /type=registry\.created/)
    const second = await json(await server.request('GET', next.slice(server.url.length)))
    assert.ok((second.items as Json[]).every((e) => e.type === 'registry.created'))
    const refused = await json(await server.request('GET', `${API}/audit_events?outcome=refused`))
    assert.ok((refused.items as Json[]).some((e) => e.code === 'scope_missing'))
  })
})
