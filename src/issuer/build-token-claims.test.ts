import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AWS_SESSION_TAGS_CLAIM, buildTokenClaims, compositeSubject, type TokenRequest } from './build-token-claims.js'
import type { JobClaims } from './job-claims.js'

const ISSUER = 'https://packyard.example/issuer'
const NOW = 1_700_000_000

const JOB: JobClaims = Object.freeze({
  organization_slug: 'acme-inc',
  pipeline_slug: 'super-duper-app',
  build_number: 1,
  build_branch: 'main',
  build_tag: null,
  build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485',
  step_key: 'build',
  job_id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  agent_id: '0190a1b2-c3d4-7e5f-8a9b-aaaaaaaaaaaa',
  build_source: 'api',
  runner_environment: 'self-hosted',
  organization_id: '11111111-1111-5111-8111-111111111111',
  pipeline_id: '22222222-2222-5222-8222-222222222222',
  build_id: '33333333-3333-5333-8333-333333333333',
  cluster_id: '44444444-4444-4444-8444-444444444444',
  cluster_name: 'default',
  queue_id: null,
  queue_key: null,
  agent_tags: { queue: 'default', os: 'linux' },
})

function claimsFor(request: TokenRequest = {}, job: JobClaims = JOB): Readonly<Record<string, unknown>> {
  const result = buildTokenClaims({ issuer: ISSUER, job, request, nowSeconds: NOW + 0.7 })
  assert.ok(result.ok, result.ok ? '' : result.message)
  return result.claims
}

function refusalFor(request: TokenRequest, job: JobClaims = JOB): string {
  const result = buildTokenClaims({ issuer: ISSUER, job, request, nowSeconds: NOW })
  if (result.ok) assert.fail('the request was honoured')
  return result.message
}

describe('buildTokenClaims', () => {
  it('builds exactly the claims Buildkite documents, in its order, for an empty request', () => {
    assert.deepEqual(claimsFor(), {
      iss: ISSUER,
      sub: 'organization:acme-inc:pipeline:super-duper-app:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:build',
      aud: 'https://buildkite.com/acme-inc',
      iat: NOW,
      nbf: NOW,
      exp: NOW + 300,
      organization_slug: 'acme-inc',
      pipeline_slug: 'super-duper-app',
      build_number: 1,
      build_branch: 'main',
      build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485',
      step_key: 'build',
      job_id: JOB.job_id,
      agent_id: JOB.agent_id,
      build_source: 'api',
      runner_environment: 'self-hosted',
    })
    assert.deepEqual(Object.keys(claimsFor()).slice(0, 6), ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp'])
  })

  it('has no jti, and build_number is a number', () => {
    const claims = claimsFor()
    assert.equal('jti' in claims, false)
    assert.equal(typeof claims.build_number, 'number')
  })

  it('puts refs/tags/TAG in sub and build_tag in the token when the build has a tag', () => {
    const claims = claimsFor({}, { ...JOB, build_tag: 'v1.0.0' })
    assert.equal(claims.sub, 'organization:acme-inc:pipeline:super-duper-app:ref:refs/tags/v1.0.0:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:build')
    assert.equal(claims.build_tag, 'v1.0.0')
    assert.equal(claims.build_branch, 'main')
  })

  it('leaves build_tag out when the build has none', () => {
    assert.equal(Object.hasOwn(claimsFor(), 'build_tag'), false)
  })

  it('ends sub with "step:" and sets step_key null when the step has no key', () => {
    const claims = claimsFor({}, { ...JOB, step_key: null })
    assert.match(String(claims.sub), /:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:$/)
    assert.equal(claims.step_key, null)
    assert.equal(compositeSubject({ ...JOB, step_key: null }).endsWith(':step:'), true)
  })

  it('uses the requested audience, and the default for an empty one', () => {
    assert.equal(claimsFor({ audience: 'https://packyard.example/acme/tools' }).aud, 'https://packyard.example/acme/tools')
    assert.equal(claimsFor({ audience: '' }).aud, 'https://buildkite.com/acme-inc')
  })

  describe('lifetime', () => {
    for (const [lifetime, expected] of [[undefined, 300], [0, 300], [1, 1], [600, 600], [7200, 7200]] as const) {
      it(`gives exp = iat + ${String(expected)} for lifetime ${String(lifetime)}`, () => {
        const claims = claimsFor({ lifetime })
        assert.equal(Number(claims.exp) - Number(claims.iat), expected)
      })
    }
    it('refuses a negative lifetime with the agent\'s message', () => {
      assert.equal(refusalFor({ lifetime: -1 }), 'lifetime -1 must be a non-negative integer')
    })
    it('refuses a fractional lifetime', () => {
      assert.match(refusalFor({ lifetime: 1.5 }), /non-negative integer/)
    })
    it('refuses a lifetime over two hours', () => {
      assert.match(refusalFor({ lifetime: 7201 }), /exceeds the maximum of 7200 seconds/)
    })
  })

  describe('optional claims', () => {
    it('adds the requested ids and names, after the standard claims', () => {
      const claims = claimsFor({ claims: ['organization_id', 'pipeline_id', 'build_id', 'cluster_id', 'cluster_name'] })
      assert.equal(claims.organization_id, JOB.organization_id)
      assert.equal(claims.pipeline_id, JOB.pipeline_id)
      assert.equal(claims.build_id, JOB.build_id)
      assert.equal(claims.cluster_id, JOB.cluster_id)
      assert.equal(claims.cluster_name, 'default')
      assert.deepEqual(Object.keys(claims).slice(-5), ['organization_id', 'pipeline_id', 'build_id', 'cluster_id', 'cluster_name'])
    })
    it('adds agent_tag:NAME for the agent\'s tags', () => {
      const claims = claimsFor({ claims: ['agent_tag:queue', 'agent_tag:os'] })
      assert.equal(claims['agent_tag:queue'], 'default')
      assert.equal(claims['agent_tag:os'], 'linux')
    })
    it('leaves out a requested claim the job has no value for', () => {
      const claims = claimsFor({ claims: ['queue_id', 'agent_tag:missing'] })
      assert.equal(Object.hasOwn(claims, 'queue_id'), false)
      assert.equal(Object.hasOwn(claims, 'agent_tag:missing'), false)
    })
    it('never adds claims that were not requested', () => {
      for (const name of ['organization_id', 'cluster_id', 'agent_tag:queue']) assert.equal(Object.hasOwn(claimsFor(), name), false)
    })
    for (const name of ['repository', 'pipeline_slug', 'agent_tag:', 'agent_tag:bad name', '__proto__']) {
      it(`refuses the unknown claim ${JSON.stringify(name)} with a message naming it`, () => {
        assert.ok(refusalFor({ claims: [name] }).startsWith(`unknown claim ${JSON.stringify(name)}:`))
      })
    }
  })

  describe('subject_claim', () => {
    it('replaces sub with the immutable id and includes the claim', () => {
      const claims = claimsFor({ subject_claim: 'pipeline_id' })
      assert.equal(claims.sub, JOB.pipeline_id)
      assert.equal(claims.pipeline_id, JOB.pipeline_id)
    })
    for (const name of ['organization_id', 'pipeline_id', 'cluster_id', 'build_id', 'job_id', 'agent_id']) {
      it(`allows ${name}`, () => {
        assert.equal(claimsFor({ subject_claim: name }).sub, JOB[name as keyof JobClaims])
      })
    }
    for (const name of ['pipeline_slug', 'organization_slug', 'build_branch', 'sub', 'cluster_name']) {
      it(`refuses the mutable or unknown ${name}`, () => {
        assert.match(refusalFor({ subject_claim: name }), /is not allowed/)
      })
    }
    it('refuses an id the job does not have', () => {
      assert.match(refusalFor({ subject_claim: 'queue_id' }), /the job has no queue_id/)
    })
  })

  describe('AWS session tags', () => {
    it('adds principal tags as lists of strings, numbers stringified and null as ""', () => {
      const claims = claimsFor({ aws_session_tags: ['organization_slug', 'build_number', 'step_key', 'organization_id', 'queue_id', 'build_tag'] }, { ...JOB, step_key: null })
      assert.deepEqual(claims[AWS_SESSION_TAGS_CLAIM], {
        principal_tags: {
          organization_slug: ['acme-inc'],
          build_number: ['1'],
          step_key: [''],
          organization_id: [JOB.organization_id],
          queue_id: [''],
          build_tag: [''],
        },
      })
    })
    it('adds no tags claim when none are requested', () => {
      assert.equal(Object.hasOwn(claimsFor(), AWS_SESSION_TAGS_CLAIM), false)
    })
    it('tags an agent tag, without adding the claim itself', () => {
      const claims = claimsFor({ aws_session_tags: ['agent_tag:queue'] })
      assert.deepEqual(claims[AWS_SESSION_TAGS_CLAIM], { principal_tags: { 'agent_tag:queue': ['default'] } })
      assert.equal(Object.hasOwn(claims, 'agent_tag:queue'), false)
    })
    it('refuses a claim that cannot be a tag', () => {
      assert.match(refusalFor({ aws_session_tags: ['iss'] }), /unknown AWS session tag claim "iss"/)
    })
  })
})
