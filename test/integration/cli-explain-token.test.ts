import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js'
import { runPackyard } from '../helpers/run-packyard.js'

const AUDIENCE = 'https://packages.example.com/acme/web'

describe('packyard policy explain --token (CLI)', () => {
  let dir = ''
  let issuer: LocalIssuer
  const path = (name: string) => join(dir, name)
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'packyard-cli-token-'))
    issuer = await startLocalIssuer()
    issuer.addKey('RS256')
    await writeFile(path('issuers.yaml'), `issuers:\n  - issuer: ${issuer.issuer}\n    allow_insecure_http: true\n    tenant_claims: [organization_slug]\n`)
    await writeFile(path('policy.yaml'), `- iss: ${issuer.issuer}\n  scopes: [write_packages]\n  claims:\n    organization_slug: acme\n    build_branch: main\n`)
  })
  after(async () => {
    await issuer.close()
    await rm(dir, { recursive: true, force: true })
  })
  const explain = (token: string, ...extra: string[]) =>
    runPackyard(['policy', 'explain', '--policy', path('policy.yaml'), '--issuers', path('issuers.yaml'), '--token', '-', ...extra], { stdin: token })

  it('verifies the token for the audience and accepts it (exit 0)', async () => {
    const run = await explain(issuer.sign({ aud: AUDIENCE }), '--audience', AUDIENCE, '--json')
    assert.equal(run.code, 0, run.stderr)
    const result = JSON.parse(run.stdout) as { decision: string; verified: boolean; scopes: string[] }
    assert.equal(result.decision, 'accept')
    assert.equal(result.verified, true)
    assert.deepEqual(result.scopes, ['write_packages'])
  })

  it('rejects a token for another audience with its verification code (exit 1)', async () => {
    const run = await explain(issuer.sign({ aud: 'https://packages.example.com/acme/other' }), '--audience', AUDIENCE)
    assert.equal(run.code, 1)
    assert.match(run.stdout, /^reject \(audience_mismatch\)/)
  })

  it('explains an unverified token when no audience is given, and says so', async () => {
    const run = await explain(issuer.sign({ build_branch: 'dev' }), '--json')
    assert.equal(run.code, 1)
    const result = JSON.parse(run.stdout) as { decision: string; verified: boolean }
    assert.equal(result.decision, 'reject')
    assert.equal(result.verified, false)
    assert.match(run.stderr, /not verified/)
  })

  it('never prints the token', async () => {
    const token = issuer.sign({ aud: AUDIENCE })
    const run = await explain(token, '--audience', AUDIENCE)
    assert.ok(!run.stdout.includes(token) && !run.stderr.includes(token))
  })
})
