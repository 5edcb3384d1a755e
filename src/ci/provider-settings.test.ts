import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_AGENT_ENDPOINT } from './buildkite-token-provider.js'
import { joinNegativeLifetime, listValue, parseLifetime, readProviderSettings } from './provider-settings.js'

describe('readProviderSettings', () => {
  const ENV = {
    BUILDKITE_AGENT_ACCESS_TOKEN: 'env-agent-token', BUILDKITE_JOB_ID: 'env-job', BUILDKITE_AGENT_ENDPOINT: 'http://env.example/v3',
    BUILDKITE_OIDC_TOKEN_CLAIMS: 'organization_id, pipeline_id', BUILDKITE_OIDC_TOKEN_SUBJECT_CLAIM: 'cluster_id',
    BUILDKITE_OIDC_TOKEN_AWS_SESSION_TAGS: 'organization_slug',
  }

  it('falls back to the agent\'s environment variables', () => {
    const settings = readProviderSettings({}, ENV)
    assert.ok(settings.ok)
    assert.deepEqual(settings.value.request, { claims: ['organization_id', 'pipeline_id'], awsSessionTags: ['organization_slug'], subjectClaim: 'cluster_id' })
    assert.equal(settings.value.agentAccessToken, 'env-agent-token')
    assert.equal(settings.value.jobId, 'env-job')
    assert.equal(settings.value.endpoint, 'http://env.example/v3')
    assert.equal(settings.value.provider, 'auto')
    assert.deepEqual(settings.value.buildkiteFlagsGiven, [])
  })

  it('lets flags win over the environment; list flags replace the variable\'s list', () => {
    const settings = readProviderSettings({
      'agent-access-token': 'flag-token', job: 'flag-job', endpoint: 'http://flag.example/v3', claim: ['queue_id'],
      'subject-claim': 'job_id', 'aws-session-tag': ['pipeline_slug'], lifetime: '120',
    }, ENV)
    assert.ok(settings.ok)
    assert.deepEqual(settings.value.request, { lifetimeSeconds: 120, claims: ['queue_id'], awsSessionTags: ['pipeline_slug'], subjectClaim: 'job_id' })
    assert.equal(settings.value.agentAccessToken, 'flag-token')
    assert.equal(settings.value.jobId, 'flag-job')
    assert.equal(settings.value.endpoint, 'http://flag.example/v3')
    assert.deepEqual(settings.value.buildkiteFlagsGiven, ['--lifetime', '--claim', '--subject-claim', '--aws-session-tag', '--job', '--agent-access-token', '--endpoint'])
  })

  it('uses the agent\'s default endpoint and treats empty variables as unset', () => {
    const settings = readProviderSettings({}, { BUILDKITE_AGENT_ENDPOINT: '', BUILDKITE_AGENT_ACCESS_TOKEN: ' ' })
    assert.ok(settings.ok)
    assert.equal(settings.value.endpoint, DEFAULT_AGENT_ENDPOINT)
    assert.equal(settings.value.agentAccessToken, undefined)
  })

  it('refuses an unknown --provider', () => {
    assert.deepEqual(readProviderSettings({ provider: 'gitlab' }, {}), { ok: false, problem: '--provider must be buildkite, github or auto, not gitlab' })
  })
})

describe('list flags', () => {
  it('split on commas, strip whitespace and drop empty items, across repeated flags', () => {
    assert.deepEqual(listValue({ claim: [' a , b', 'c,,', ' '] }, 'claim', 'ignored'), ['a', 'b', 'c'])
    assert.deepEqual(listValue({}, 'claim', ' x ,y '), ['x', 'y'])
    assert.deepEqual(listValue({}, 'claim', undefined), [])
  })
})

describe('--lifetime', () => {
  it('accepts a non-negative integer and refuses a negative one with the agent\'s message', () => {
    assert.deepEqual(parseLifetime('300'), { ok: true, value: 300 })
    assert.deepEqual(parseLifetime('0'), { ok: true, value: 0 })
    assert.deepEqual(parseLifetime(undefined), { ok: true, value: undefined })
    assert.deepEqual(parseLifetime('-1'), { ok: false, problem: 'lifetime -1 must be a non-negative integer' })
  })

  it('refuses what is not an integer', () => {
    for (const text of ['1.5', '5m', '', '1e3']) assert.equal(parseLifetime(text).ok, false, text)
  })

  it('takes `--lifetime -1` as a value, as the agent does, but not after --', () => {
    assert.deepEqual(joinNegativeLifetime(['--lifetime', '-1', '--claim', '-2']), ['--lifetime=-1', '--claim', '-2'])
    assert.deepEqual(joinNegativeLifetime(['--', '--lifetime', '-1']), ['--', '--lifetime', '-1'])
    assert.deepEqual(joinNegativeLifetime(['--lifetime', '--job']), ['--lifetime', '--job'])
  })
})
