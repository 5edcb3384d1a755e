import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chooseTokenProvider } from './choose-token-provider.js'
import { readProviderSettings, type OptionValues } from './provider-settings.js'

const deps = { fetch, sleep: () => Promise.resolve(), warn: () => undefined }
const BUILDKITE = { BUILDKITE_AGENT_ACCESS_TOKEN: 'agent-token', BUILDKITE_JOB_ID: 'job' }
const GITHUB = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://actions.example/idtoken?api-version=2.0', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' }

function choose(values: OptionValues, env: Record<string, string>) {
  const settings = readProviderSettings(values, env)
  assert.ok(settings.ok)
  const chosen = chooseTokenProvider(settings.value, deps)
  return chosen.ok ? chosen.value.name : chosen.problem
}

describe('chooseTokenProvider', () => {
  it('auto: Buildkite when an agent access token is at hand, also inside GitHub Actions', () => {
    assert.equal(choose({}, BUILDKITE), 'buildkite')
    assert.equal(choose({}, { ...BUILDKITE, ...GITHUB }), 'buildkite')
    assert.equal(choose({ 'agent-access-token': 't', job: 'j' }, GITHUB), 'buildkite')
  })

  it('auto: GitHub when only its two variables are set', () => {
    assert.equal(choose({}, GITHUB), 'github')
    assert.match(choose({}, { ACTIONS_ID_TOKEN_REQUEST_URL: GITHUB.ACTIONS_ID_TOKEN_REQUEST_URL }), /^no OIDC token provider found/)
  })

  it('auto: neither names both and what to set', () => {
    const problem = choose({}, {})
    assert.match(problem, /BUILDKITE_AGENT_ACCESS_TOKEN/)
    assert.match(problem, /ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN/)
    assert.match(problem, /id-token: write/)
  })

  it('buildkite: needs the agent access token and the job', () => {
    assert.match(choose({ provider: 'buildkite' }, { BUILDKITE_JOB_ID: 'j' }), /agent access token is required/)
    assert.equal(choose({ provider: 'buildkite' }, { BUILDKITE_AGENT_ACCESS_TOKEN: 't' }), '--job is required (or set BUILDKITE_JOB_ID)')
    assert.match(choose({ provider: 'buildkite', endpoint: 'not a url' }, BUILDKITE), /--endpoint is not a URL/)
  })

  it('github: refuses Buildkite-only flags rather than ignore them', () => {
    assert.equal(choose({ provider: 'github', claim: ['organization_id'], lifetime: '60' }, { ...BUILDKITE, ...GITHUB }),
      '--lifetime, --claim: only the Buildkite agent API takes these flags; GitHub Actions tokens have fixed claims and lifetime')
    assert.match(choose({ claim: ['organization_id'] }, GITHUB), /^--claim: only the Buildkite agent API takes this flag/)
    assert.equal(choose({ provider: 'github' }, { ...GITHUB, BUILDKITE_OIDC_TOKEN_CLAIMS: 'organization_id' }), 'github')
    assert.match(choose({ provider: 'github' }, BUILDKITE), /id-token: write/)
  })
})
