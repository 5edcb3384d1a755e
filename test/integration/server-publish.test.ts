import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js'
import { fileForm, startServer, type TestServer } from '../helpers/start-server.js'

const API = '/v2/packages/organizations/default/registries'
interface Json { [key: string]: unknown }
const json = async (response: Response) => (await response.json()) as Json

describe('REST API: publishing and downloading with OIDC and API tokens', () => {
  let issuer: LocalIssuer
  let down: LocalIssuer
  let server: TestServer
  let audience = ''
  const token = (overrides: Record<string, unknown> = {}, kid?: string) => issuer.sign({ aud: audience, ...overrides }, kid === undefined ? {} : { kid })
  const publish = (registry: string, filename: string, content: string, credential: string | null) =>
    server.request('POST', `${API}/${registry}/packages`, { token: credential, body: fileForm(filename, content) })

  before(async () => {
    issuer = await startLocalIssuer()
    issuer.addKey('RS256')
    down = await startLocalIssuer()
    down.addKey('RS256')
    server = await startServer({ issuers: [{ issuer: issuer.issuer, allow_insecure_http: true }, { issuer: down.issuer, allow_insecure_http: true }] })
    const policy = `- iss: ${issuer.issuer}
  scopes: [read_packages, write_packages]
  claims:
    organization_slug: acme
    pipeline_slug: web
    build_branch: main
- iss: ${issuer.issuer}
  scopes: [read_packages]
  claims:
    organization_slug: acme
    pipeline_slug: reader
`
    for (const name of ['tools', 'open']) {
      const response = await server.request('POST', API, { json: { name, ecosystem: 'files', oidc_policy: policy, public: name === 'open' } })
      assert.equal(response.status, 201, await response.text())
    }
    await server.request('POST', API, { json: { name: 'no policy', ecosystem: 'files' } })
    audience = `${server.url}/default/tools`
  })
  after(async () => {
    await server.close()
    await issuer.close()
    await down.close()
  })

  it('publishes with an OIDC token, records provenance, and serves the file back', async () => {
    const response = await publish('tools', 'cli-1.0.0.tar.gz', 'the bytes', token())
    assert.equal(response.status, 201, await response.clone().text())
    const pkg = await json(response)
    assert.equal(pkg.name, 'cli')
    assert.equal(pkg.version, '1.0.0')
    assert.equal(pkg.size, 9)
    assert.deepEqual(pkg.digests, { sha256: createHash('sha256').update('the bytes').digest('hex'), sha512: createHash('sha512').update('the bytes').digest('hex') })
    const provenance = pkg.provenance as Json
    assert.equal(provenance.issuer, issuer.issuer)
    assert.equal(provenance.statement, 0)
    assert.equal(provenance.policy_version, 1)
    const download = await server.request('GET', '/default/tools/files/cli-1.0.0.tar.gz', { token: token() })
    assert.equal(download.status, 200)
    assert.equal(await download.text(), 'the bytes')
    assert.equal(download.headers.get('content-disposition'), 'attachment; filename="cli-1.0.0.tar.gz"')
    assert.equal(download.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(download.headers.get('etag'), `"${String((pkg.digests as Json).sha256)}"`)
    const got = await json(await server.request('GET', `${API}/tools/packages/${String(pkg.id)}`, { token: token() }))
    assert.deepEqual(got.provenance, pkg.provenance)
  })

  it('serves byte ranges and conditional requests', async () => {
    await publish('tools', 'ranged-1.0.0.bin', '0123456789', token())
    const path = '/default/tools/files/ranged-1.0.0.bin'
    const partial = await server.request('GET', path, { token: token(), headers: { range: 'bytes=2-4' } })
    assert.equal(partial.status, 206)
    assert.equal(await partial.text(), '234')
    assert.equal(partial.headers.get('content-range'), 'bytes 2-4/10')
    const suffix = await server.request('GET', path, { token: token(), headers: { range: 'bytes=-3' } })
    assert.equal(await suffix.text(), '789')
    assert.equal((await server.request('GET', path, { token: token(), headers: { range: 'bytes=20-' } })).status, 416)
    const etag = (await server.request('GET', path, { token: token() })).headers.get('etag') ?? ''
    assert.equal((await server.request('GET', path, { token: token(), headers: { 'if-none-match': etag } })).status, 304)
  })

  it('accepts the token as Basic password with any username and as `Token`', async () => {
    const basic = `Basic ${Buffer.from(`buildkite:${token()}`).toString('base64')}`
    assert.equal((await server.request('GET', `${API}/tools/packages`, { token: null, headers: { authorization: basic } })).status, 200)
    assert.equal((await server.request('GET', `${API}/tools/packages`, { token: null, headers: { authorization: `Token ${token()}` } })).status, 200)
  })

  const refusals: [string, () => string | null, number, string][] = [
    ['no credential', () => null, 401, 'token_missing'],
    ['a malformed token', () => 'not.a.jwt', 401, 'token_malformed'],
    ['another registry\'s audience', () => issuer.sign({ aud: `${server.url}/default/open` }), 401, 'audience_mismatch'],
    ['an expired token', () => token({ iat: Math.floor(Date.now() / 1000) - 900, nbf: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 }), 401, 'token_expired'],
    ['a lifetime over the cap', () => token({ exp: Math.floor(Date.now() / 1000) + 3600 }), 401, 'token_lifetime_exceeded'],
    ['an unknown API token', () => 'pky_unknown', 401, 'api_token_invalid'],
    ['a token over 16 KiB', () => token({ padding: 'x'.repeat(17 * 1024) }), 401, 'token_too_large'],
    ['an unsigned token (alg none)', () => issuer.forgeUnsigned({ aud: audience }), 401, 'algorithm_not_allowed'],
    ['an HMAC token signed with the public key', () => issuer.forgeHmac({ aud: audience }), 401, 'algorithm_not_allowed'],
    ['a tampered signature', () => issuer.forgeSignature(token(), (signature) => Buffer.from(signature.map((byte, i) => (i === 0 ? byte ^ 1 : byte)))), 401, 'signature_invalid'],
    ['a key id the issuer never published', () => token({}, 'nobody'), 401, 'key_not_found'],
    ['a token not valid yet', () => token({ nbf: Math.floor(Date.now() / 1000) + 120 }), 401, 'token_not_yet_valid'],
    ['a token issued in the future', () => token({ iat: Math.floor(Date.now() / 1000) + 120, nbf: undefined }), 401, 'token_issued_in_future'],
    ['an exp that is not a number', () => token({ exp: 'tomorrow' }), 401, 'claim_invalid'],
    ['another pipeline', () => token({ pipeline_slug: 'evil' }), 403, 'policy_no_match'],
    ['a statement without write_packages', () => token({ pipeline_slug: 'reader' }), 403, 'scope_missing'],
  ]
  for (const [what, credential, status, code] of refusals) {
    it(`refuses a publish with ${what}: ${String(status)} ${code}`, async () => {
      const response = await publish('tools', 'refused-1.0.0.tgz', 'x', credential())
      assert.equal(response.status, status)
      const body = await json(response)
      assert.equal(body.code, code)
      assert.doesNotMatch(JSON.stringify(body), /pipeline_slug|evil|"statement"|"rules"/)
    })
  }

  it('refuses every OIDC token for a registry without a policy: 403 policy_missing', async () => {
    const response = await publish('no-policy', 'x-1.0.0.tgz', 'x', issuer.sign({ aud: `${server.url}/default/no-policy` }))
    assert.equal(response.status, 403)
    assert.equal((await json(response)).code, 'policy_missing')
  })

  it('answers 503 issuer_unavailable with Retry-After when a trusted issuer\'s keys cannot be fetched', async () => {
    down.setFault('fail', 'all')
    const response = await publish('tools', 'down-1.0.0.tgz', 'x', down.sign({ aud: audience }))
    assert.equal(response.status, 503)
    assert.equal((await json(response)).code, 'issuer_unavailable')
    assert.match(response.headers.get('retry-after') ?? '', /^\d+$/)
  })

  it('refuses an issuer it does not trust with 401 issuer_not_trusted', async () => {
    const other = await startLocalIssuer()
    other.addKey('RS256')
    const response = await publish('tools', 'x-1.0.0.tgz', 'x', other.sign({ aud: audience }))
    assert.equal((await json(response)).code, 'issuer_not_trusted')
    assert.equal(other.requestCount(), 0)
    await other.close()
  })

  it('refuses a file name that is not {BASENAME}-{SEMVER}.{EXT} with Buildkite\'s message', async () => {
    const body = await json(await publish('tools', 'notes.txt', 'x', token()))
    assert.equal(body.message, 'Invalid filename format. Expected: {BASENAME}-{SEMVER}.{EXT}')
  })

  it('never lets a version be published twice, also when 20 publishes race', async () => {
    assert.equal((await publish('tools', 'once-1.0.0.tgz', 'a', token())).status, 201)
    assert.equal((await publish('tools', 'once-1.0.0.tgz', 'b', token())).status, 409)
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => publish('tools', 'race-2.0.0.tgz', `body ${String(i)}`, token()).then((r) => r.status)))
    assert.equal(statuses.filter((s) => s === 201).length, 1)
    assert.equal(statuses.filter((s) => s === 409).length, 19)
  })

  it('lists packages newest first with cursors and a name filter; delete needs delete_packages', async () => {
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await publish('tools', `paged-${v}.tgz`, v, token())
    const first = await json(await server.request('GET', `${API}/tools/packages?name=paged&per_page=2`, { token: token() }))
    assert.deepEqual((first.items as Json[]).map((p) => p.version), ['1.2.0', '1.1.0'])
    const next = String((first.links as Json).next)
    const second = await json(await server.request('GET', next.slice(server.url.length), { token: token() }))
    assert.deepEqual((second.items as Json[]).map((p) => p.version), ['1.0.0'])
    const id = String((first.items as Json[])[0]?.id)
    const denied = await server.request('DELETE', `${API}/tools/packages/${id}`, { token: token() })
    assert.equal((await json(denied)).code, 'scope_missing')
    assert.equal((await server.request('DELETE', `${API}/tools/packages/${id}`)).status, 204)
    assert.equal((await server.request('GET', '/default/tools/files/paged-1.2.0.tgz', { token: token() })).status, 404)
    assert.equal((await publish('tools', 'paged-1.2.0.tgz', 'again', token())).status, 409)
  })

  it('says which of organization and registry a registry route names does not exist, and nothing without a credential', async () => {
    const noOrg = await server.request('GET', '/v2/packages/organizations/nobody/registries/tools/packages')
    assert.equal(noOrg.status, 404)
    assert.match(String((await json(noOrg)).message), /organization nobody not found/)
    const noRegistry = await server.request('GET', `${API}/nothing/packages`)
    assert.equal(noRegistry.status, 404)
    assert.match(String((await json(noRegistry)).message), /registry default\/nothing not found/)
    assert.equal((await server.request('GET', '/default/tools/files/x-1.0.0.tgz', { token: null })).status, 401)
    const anonymous = await server.request('GET', `${API}/nothing/packages`, { token: null })
    assert.equal(anonymous.status, 401)
    assert.equal((await json(anonymous)).code, 'token_missing')
    assert.equal((await server.request('GET', `${API}/tools/packages`)).status, 200)
  })

  it('serves a public registry to anonymous readers but not anonymous writers', async () => {
    assert.equal((await publish('open', 'pub-1.0.0.tgz', 'p', issuer.sign({ aud: `${server.url}/default/open` }))).status, 201)
    const download = await server.request('GET', '/default/open/files/pub-1.0.0.tgz', { token: null })
    assert.equal(await download.text(), 'p')
    assert.equal((await publish('open', 'anon-1.0.0.tgz', 'a', null)).status, 401)
  })

  it('applies a policy change at once to a token the server has already accepted and keeps reusing', async () => {
    const created = await json(await server.request('POST', API, { json: { name: 'moving', ecosystem: 'files', oidc_policy: `- iss: ${issuer.issuer}\n  scopes: [read_packages, write_packages]\n  claims:\n    pipeline_slug: web\n` } }))
    const reused = issuer.sign({ aud: `${server.url}/default/moving` })
    const readBack = () => server.request('GET', '/default/moving/files/moving-1.0.0.tgz', { token: reused })
    assert.equal((await publish('moving', 'moving-1.0.0.tgz', 'm', reused)).status, 201)
    for (let i = 0; i < 3; i += 1) assert.equal((await readBack()).status, 200)
    const narrowed = await server.request('PATCH', `${API}/moving`, { json: { oidc_policy: `- iss: ${issuer.issuer}\n  scopes: [read_packages]\n  claims:\n    pipeline_slug: other\n` } })
    assert.equal(narrowed.status, 200, await narrowed.text())
    const refused = await readBack()
    assert.equal(refused.status, 403)
    assert.equal((await json(refused)).code, 'policy_no_match')
    assert.equal((await server.request('POST', `${API}/moving/oidc_policy/versions/1/restore`)).status, 200)
    assert.equal((await readBack()).status, 200)
    const events = await json(await server.request('GET', '/v2/packages/organizations/default/audit_events?type=auth.decision&per_page=100'))
    const mine = (events.items as Json[]).filter((e) => e.registry_id === created.id && (e.detail as Json).scope === 'read_packages')
    const accepted = mine.filter((e) => e.outcome === 'accepted' && (e.detail as Json).policy_version === 1)
    // All three reads under version 1 are recorded: as one event of count 3, or split where a 200 ms audit batch ended.
    const reads = accepted.reduce((total, e) => total + (typeof (e.detail as Json).count === 'number' ? (e.detail as Json).count as number : 1), 0)
    assert.equal(reads, 3, JSON.stringify(accepted))
    assert.ok(mine.some((e) => e.outcome === 'refused' && e.code === 'policy_no_match' && (e.detail as Json).policy_version === 2))
    assert.ok(mine.some((e) => e.outcome === 'accepted' && (e.detail as Json).policy_version === 3))
  })

  it('audits OIDC decisions with issuer, subject and jti, never the token', async () => {
    const sent = token({ pipeline_slug: 'evil' })
    await publish('tools', 'audited-1.0.0.tgz', 'x', sent)
    const events = await json(await server.request('GET', '/v2/packages/organizations/default/audit_events?type=auth.decision&outcome=refused'))
    const text = JSON.stringify(events)
    assert.ok(!text.includes(sent))
    const match = (events.items as Json[]).find((e) => e.code === 'policy_no_match')
    assert.ok(match)
    assert.equal((match.detail as Json).issuer, issuer.issuer)
    assert.equal(typeof (match.detail as Json).jti, 'string')
  })

  it('lists the audit events of one token by its jti, in coalesced events too, and pages with the filter kept', async () => {
    const audit = '/v2/packages/organizations/default/audit_events'
    const jtiOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json).jti as string
    const sent = token({ pipeline_slug: 'evil' })
    await publish('tools', 'traced-1.0.0.tgz', 'x', sent)
    // Reading the log writes the decisions buffered so far: the next refusal of this token is another event,
    // coalesced with a second token's refusal (same caller, same decision) into a list of jtis.
    await server.request('GET', `${audit}?per_page=1`)
    await publish('tools', 'traced-1.0.1.tgz', 'x', sent)
    await publish('tools', 'traced-1.0.2.tgz', 'x', token({ pipeline_slug: 'evil' }))
    const first = await json(await server.request('GET', `${audit}?jti=${encodeURIComponent(jtiOf(sent))}&code=policy_no_match&per_page=1`))
    const next = (first.links as Json).next
    assert.equal(typeof next, 'string')
    assert.equal(new URL(String(next)).searchParams.get('jti'), jtiOf(sent))
    const second = await json(await server.request('GET', new URL(String(next)).pathname + new URL(String(next)).search))
    const details = [...(first.items as Json[]), ...(second.items as Json[])].map((event) => event.detail as Json)
    assert.equal(details.length, 2)
    // The second usually lists it among `jtis`; it names it alone when the 200 ms batch ended between the two.
    const names = (detail: Json) => detail.jti === jtiOf(sent) || (Array.isArray(detail.jtis) && detail.jtis.includes(jtiOf(sent)))
    assert.ok(details.every(names), JSON.stringify(details))
    assert.deepEqual((await json(await server.request('GET', `${audit}?jti=no-such-token`))).items, [])
    const empty = await server.request('GET', `${audit}?jti=`)
    assert.equal(empty.status, 400)
    assert.equal((await json(empty)).code, 'request_invalid')
  })
})
