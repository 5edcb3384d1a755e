import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { MaybePromise } from '../lib/maybe-promise.js'
import type { TokenVerifier, VerifyResult } from '../oidc/verify-id-token.js'
import type { VerifiedToken } from '../oidc/verified-token.js'
import { checkPolicy } from '../policy/check-policy.js'
import type { Policy } from '../policy/types.js'
import { AccessDenied, createAccessControl, type AccessControl } from './access-control.js'
import type { AuditRecord, AuditSink } from './audit-sink.js'
import type { PolicyBook } from './policy-book.js'
import type { MetadataStore } from './ports.js'
import type { Organization, Registry } from './records.js'

const ISS = 'https://agent.buildkite.com'
const ORG: Organization = { id: 'org-1', slug: 'acme', name: 'Acme', createdAt: '2026-01-01T00:00:00.000Z' }
const REGISTRY: Registry = {
  id: 'reg-1', organizationId: ORG.id, slug: 'packages', name: 'packages', ecosystem: 'files', description: null, emoji: null,
  color: null, public: false, policyVersion: 1, createdAt: ORG.createdAt, updatedAt: ORG.createdAt,
}
const POLICY = compile(`- iss: ${ISS}\n  scopes: [read_packages]\n  claims:\n    organization_slug: acme\n    pipeline_slug: web\n`)

function compile(source: string): Policy {
  const { policy } = checkPolicy(source, [{ issuer: ISS, tenantClaims: ['organization_slug'] }])
  assert.ok(policy !== null)
  return policy
}

function verifiedToken(claims: Record<string, unknown>): VerifiedToken {
  return Object.freeze({ issuer: { issuer: ISS }, claims: Object.freeze({ iss: ISS, sub: 'job', ...claims }), algorithm: 'RS256', keyId: null, jti: 'j1', tokenDigest: 'd' }) as unknown as VerifiedToken
}

interface Harness {
  readonly access: AccessControl
  readonly events: AuditRecord[]
  /** Each audit record's coalescing key and member value, in order. */
  readonly grouping: { key: string | undefined; member: string | undefined }[]
}

/** Access control over a verifier and a policy book that answer at once, as their caches do (`policy` is read per request). */
function harness(verify: (token: string) => VerifyResult, policy: () => MaybePromise<Policy | null> = () => POLICY): Harness {
  const events: AuditRecord[] = []
  const grouping: Harness['grouping'] = []
  const audit: AuditSink = {
    record: (event, key, member) => {
      events.push(event)
      grouping.push({ key, member: member?.value })
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
  const verifier: TokenVerifier = { verify: (token) => verify(token) }
  const policies = { load: policy } as unknown as PolicyBook
  const access = createAccessControl({ store: {} as MetadataStore, verifier, policies, audit, publicUrl: 'https://packyard.test' })
  return { access, events, grouping }
}

async function refusalOf(result: unknown): Promise<string> {
  assert.ok(result instanceof Promise, 'a refusal is a rejected promise, never a throw')
  try {
    await result
  } catch (error) {
    assert.ok(error instanceof AccessDenied)
    return error.code
  }
  return 'accepted'
}

describe('createAccessControl: authorizeRegistry', () => {
  it('decides a reused token without a promise when its verification and policy are at hand', () => {
    const token = verifiedToken({ organization_slug: 'acme', pipeline_slug: 'web' })
    const { access, events } = harness(() => ({ ok: true, token, reused: true }))
    const principal = access.authorizeRegistry('jwt', ORG, REGISTRY, 'read_packages')
    assert.ok(!(principal instanceof Promise))
    assert.equal(principal.kind, 'oidc')
    assert.equal(events.length, 1)
    assert.equal(events[0]?.outcome, 'accepted')
  })

  it('evaluates the policy on every request, also for a reused token whose decision is remembered', async () => {
    const token = verifiedToken({ organization_slug: 'acme', pipeline_slug: 'web' })
    let policy = POLICY
    const { access, events } = harness(() => ({ ok: true, token, reused: true }), () => policy)
    assert.equal((await access.authorizeRegistry('jwt', ORG, REGISTRY, 'read_packages')).kind, 'oidc')
    policy = compile(`- iss: ${ISS}\n  scopes: [read_packages]\n  claims:\n    organization_slug: acme\n    pipeline_slug: api\n`)
    assert.equal(await refusalOf(access.authorizeRegistry('jwt', ORG, { ...REGISTRY, policyVersion: 2 }, 'read_packages')), 'policy_no_match')
    assert.deepEqual(events.map((event) => event.outcome), ['accepted', 'refused'])
  })

  it('rejects, never throws, on every refusal path: no credential, a bad token, no match, a missing scope', async () => {
    const good = verifiedToken({ organization_slug: 'acme', pipeline_slug: 'web' })
    const other = verifiedToken({ organization_slug: 'acme', pipeline_slug: 'api' })
    const { access } = harness((token) =>
      token === 'bad' ? { ok: false, code: 'signature_invalid', message: 'no' } : { ok: true, token: token === 'good' ? good : other })
    assert.equal(await refusalOf(access.authorizeRegistry(undefined, ORG, REGISTRY, 'read_packages')), 'token_missing')
    assert.equal(await refusalOf(access.authorizeRegistry('bad', ORG, REGISTRY, 'read_packages')), 'signature_invalid')
    assert.equal(await refusalOf(access.authorizeRegistry('other', ORG, REGISTRY, 'read_packages')), 'policy_no_match')
    assert.equal(await refusalOf(access.authorizeRegistry('good', ORG, REGISTRY, 'write_packages')), 'scope_missing')
  })

  it('waits for a policy that has to be loaded', async () => {
    const token = verifiedToken({ organization_slug: 'acme', pipeline_slug: 'web' })
    const { access } = harness(() => ({ ok: true, token }), () => Promise.resolve(POLICY))
    const principal = access.authorizeRegistry('jwt', ORG, REGISTRY, 'read_packages')
    assert.ok(principal instanceof Promise)
    assert.equal((await principal).kind, 'oidc')
  })

  it('lets anonymous reads of a public registry through at once', () => {
    const { access } = harness(() => ({ ok: false, code: 'token_malformed', message: 'unused' }))
    const principal = access.authorizeRegistry(undefined, ORG, { ...REGISTRY, public: true }, 'read_packages')
    assert.deepEqual(principal, { kind: 'anonymous' })
  })

  it('groups decisions by caller and decision, naming each token, whether reused or fresh', async () => {
    const reusedToken = Object.freeze({ ...verifiedToken({ organization_slug: 'acme', pipeline_slug: 'web', sub: 'job' }), jti: 'jti-r' }) as VerifiedToken
    const fresh = new Map([['a', { jti: 'jti-a', sub: 'job' }], ['b', { jti: 'jti-b', sub: 'job' }], ['c', { jti: 'jti-c', sub: 'other' }]])
    const { access, grouping: calls } = harness((credential) => {
      const claims = fresh.get(credential)
      if (claims === undefined) return { ok: true, token: reusedToken, reused: true }
      return { ok: true, token: Object.freeze({ ...verifiedToken({ organization_slug: 'acme', pipeline_slug: 'web', sub: claims.sub }), jti: claims.jti }) }
    })
    for (const credential of ['a', 'b', 'c', 'reused', 'reused']) void access.authorizeRegistry(credential, ORG, REGISTRY, 'read_packages')
    assert.equal(await refusalOf(access.authorizeRegistry('a', ORG, REGISTRY, 'write_packages')), 'scope_missing')
    const [a, b, c, reused1, reused2, otherScope] = calls
    assert.equal(a?.key, b?.key, 'one caller, one decision: one event')
    assert.equal(a?.key, reused1?.key)
    assert.equal(reused1?.key, reused2?.key)
    assert.notEqual(a?.key, c?.key, 'another subject is another event')
    assert.notEqual(a?.key, otherScope?.key, 'another scope and outcome is another event')
    assert.deepEqual(calls.map((call) => call.member), ['jti-a', 'jti-b', 'jti-c', 'jti-r', 'jti-r', 'jti-a'])
  })
})
