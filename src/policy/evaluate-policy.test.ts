import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { resolveTrustedIssuers } from '../oidc/resolve-trusted-issuers.js'
import { checkPolicy } from './check-policy.js'
import { evaluatePolicy } from './evaluate-policy.js'
import type { Policy } from './types.js'

const ISSUERS = resolveTrustedIssuers([{ preset: 'buildkite' }, { preset: 'github' }, { preset: 'gitlab' }, { preset: 'circleci' }])
const BK = 'https://agent.buildkite.com'
const GH = 'https://token.actions.githubusercontent.com'

function compile(source: string | readonly unknown[]): Policy {
  const result = checkPolicy(source, ISSUERS)
  assert.deepEqual(result.errors, [], 'the fixture policy is valid')
  assert.ok(result.policy)
  return result.policy
}

/** A one-statement Buildkite policy with `rule` on claim `x` (the tenant is pinned so the policy is valid). */
function policyWithRule(rule: string): Policy {
  return compile(`- iss: ${BK}\n  scopes: [read_packages]\n  claims:\n    organization_slug: acme\n    x: ${rule}\n`)
}

const accepts = (policy: Policy, claims: Record<string, unknown>) => evaluatePolicy(policy, { iss: BK, organization_slug: 'acme', ...claims }).decision === 'accept'

describe('evaluatePolicy matchers', () => {
  // rule, claims object (x absent when `missing`), expected
  const MISSING = Symbol('missing')
  const cases: [rule: string, value: unknown, expected: boolean][] = [
    ['main', 'main', true],
    ['main', 'Main', false],
    ['{equals: main}', 'main', true],
    ['{equals: main}', 'dev', false],
    ['{equals: main}', MISSING, false],
    ['{not_equals: main}', 'dev', true],
    ['{not_equals: main}', 'main', false],
    ['{not_equals: main}', MISSING, false],
    ['{not_equals: main}', null, false],
    ['{not_equals: main}', ['dev'], false],
    ['{in: [a, b]}', 'b', true],
    ['{in: [a, b]}', 'c', false],
    ['{in: [a, b]}', MISSING, false],
    ['{in: [a, b]}', ['a'], false],
    ['{not_in: [a, b]}', 'c', true],
    ['{not_in: [a, b]}', 'a', false],
    ['{not_in: [a, b]}', MISSING, false],
    ['{not_in: [a, b]}', null, false],
    ['{in: [a, b, c, d, e, f, g, h, i, j]}', 'j', true],
    ['{in: [a, b, c, d, e, f, g, h, i, j]}', 'k', false],
    ['{not_in: [a, b, c, d, e, f, g, h, i, j]}', 'k', true],
    ['{not_in: [a, b, c, d, e, f, g, h, i, j]}', 'j', false],
    ['{matches: "feature/*"}', 'feature/x', true],
    ['{matches: "feature/*"}', 'feature/x/y', false],
    ['{matches: [main, "release/**"]}', 'release/1/2', true],
    ['{matches: [main, "release/**"]}', 'dev', false],
    ['{matches: "*"}', MISSING, false],
    ['{matches: "*"}', 42, false],
    ['{matches: "*"}', null, false],
    ['{matches: "*"}', { a: 1 }, false],
    ['{matches: "feature/*", not_equals: feature/no}', 'feature/no', false],
    ['{matches: "feature/*", not_equals: feature/no}', 'feature/yes', true],
  ]
  for (const [rule, value, expected] of cases) {
    const shown = value === MISSING ? 'a missing claim' : JSON.stringify(value)
    it(`${expected ? 'accepts' : 'rejects'} ${shown} for x: ${rule}`, () => {
      assert.equal(accepts(policyWithRule(rule), value === MISSING ? {} : { x: value }), expected)
    })
  }
})

describe('evaluatePolicy type strictness', () => {
  const cases: [rule: string, value: unknown, expected: boolean][] = [
    ['42', 42, true],
    ['42', '42', false],
    ['"42"', 42, false],
    ['"042"', '042', true],
    ['true', true, true],
    ['true', 'true', false],
    ['"true"', true, false],
    ['null', null, true],
    ['null', 'null', false],
    ['null', undefined, false],
    ['"null"', null, false],
    ['{in: [null, a]}', null, true],
    ['{in: [1, 2]}', '1', false],
    ['{not_in: ["1"]}', 1, true],
    ['{equals: a}', ['a'], false],
    ['{equals: a}', { toString: 'a' }, false],
    ['café', 'cafe\u0301', false],
    ['acme', 'аcme', false],
    ['1.5', 1.5, true],
  ]
  for (const [rule, value, expected] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} ${value === undefined ? 'a missing claim' : JSON.stringify(value)} for x: ${rule}`, () => {
      assert.equal(accepts(policyWithRule(rule), value === undefined ? {} : { x: value }), expected)
    })
  }
})

describe('evaluatePolicy statements', () => {
  const seed = compile(`- iss: ${BK}
  organization_slug: my-organization
  pipeline_slug: my-pipeline
  build_branch: main
- iss: ${BK}
  organization_slug: my-organization
  pipeline_slug: my-second-pipeline
`)
  const token = { iss: BK, organization_slug: 'my-organization', pipeline_slug: 'my-pipeline', build_branch: 'main' }

  it('accepts the seed example main branch with the default scopes', () => {
    assert.deepEqual(evaluatePolicy(seed, token), { decision: 'accept', code: 'accepted', statement: 0, scopes: ['read_packages', 'write_packages'] })
  })

  it('accepts any branch of the second seed pipeline through statement 1', () => {
    assert.equal(evaluatePolicy(seed, { ...token, pipeline_slug: 'my-second-pipeline', build_branch: 'dev' }).statement, 1)
  })

  it('rejects another branch, another org and another issuer', () => {
    for (const claims of [{ ...token, build_branch: 'dev' }, { ...token, organization_slug: 'evil' }, { ...token, iss: GH }, { ...token, iss: undefined }]) {
      assert.deepEqual(evaluatePolicy(seed, claims), { decision: 'reject', code: 'policy_no_match', statement: null, scopes: [] })
    }
  })

  it('rejects everything with policy_missing when the policy is empty', () => {
    assert.equal(evaluatePolicy(compile('[]'), token).code, 'policy_missing')
    assert.equal(evaluatePolicy(compile(''), token).code, 'policy_missing')
  })

  it('grants only the first matching statement scopes', () => {
    const policy = compile(`- {iss: ${BK}, scopes: [read_packages], claims: {organization_slug: acme}}
- {iss: ${BK}, scopes: [delete_packages], claims: {organization_slug: acme}}`)
    assert.deepEqual(evaluatePolicy(policy, { iss: BK, organization_slug: 'acme' }).scopes, ['read_packages'])
  })

  it('accepts the complex Buildkite example (buildkite.md §1.2), tenant-pinned, only for the tokens it describes', () => {
    // As published, the GitHub statement pins the owner only through `matches`, which the tenant-pin rule
    // does not count (DESIGN.md 1.3: `equals` or `in`); checkPolicy refuses it, so the fixture adds the pin.
    const policy = compile(`- iss: ${BK}
  scopes: [read_packages, write_packages]
  claims:
    organization_slug:
      equals: your-org
    pipeline_slug:
      in: [one-pipeline, another-pipeline]
    build_branch:
      matches: [main, feature/*]
      not_equals: feature/not-this-one
- iss: ${GH}
  scopes: [delete_packages]
  claims:
    repository_owner: your-org
    repository:
      matches: your-org/*
    actor:
      in: [deploy-bot, revert-bot]`)
    const bk = { iss: BK, organization_slug: 'your-org', pipeline_slug: 'one-pipeline', build_branch: 'feature/x' }
    assert.equal(evaluatePolicy(policy, bk).statement, 0)
    assert.equal(evaluatePolicy(policy, { ...bk, build_branch: 'feature/not-this-one' }).decision, 'reject')
    assert.equal(evaluatePolicy(policy, { ...bk, pipeline_slug: 'third' }).decision, 'reject')
    const gh = { iss: GH, repository_owner: 'your-org', repository: 'your-org/app', actor: 'deploy-bot' }
    assert.deepEqual(evaluatePolicy(policy, gh).scopes, ['delete_packages'])
    assert.equal(evaluatePolicy(policy, { ...gh, repository: 'evil-org/your-org' }).decision, 'reject')
    assert.equal(evaluatePolicy(policy, { ...gh, actor: 'someone' }).decision, 'reject')
  })

  it('accepts a CircleCI token only from the organization named in iss', () => {
    const org = 'https://oidc.circleci.com/org/0c3e5a6a-1b1e-4a1e-9a8b-000000000000'
    const policy = compile(`- {iss: "${org}", scopes: [write_packages], claims: {oidc.circleci.com/vcs-ref: refs/heads/main}}`)
    const claims = { iss: org, 'oidc.circleci.com/vcs-ref': 'refs/heads/main' }
    assert.equal(evaluatePolicy(policy, claims).decision, 'accept')
    assert.equal(evaluatePolicy(policy, { ...claims, iss: 'https://oidc.circleci.com/org/other' }).decision, 'reject')
  })

  it('rejects inherited properties as claims (__proto__, constructor, toString)', () => {
    const policy = compile(`- {iss: ${BK}, scopes: [read_packages], claims: {organization_slug: acme, constructor: {not_equals: x}, toString: {matches: "**"}}}`)
    assert.equal(evaluatePolicy(policy, { iss: BK, organization_slug: 'acme' }).decision, 'reject')
    const own = JSON.parse('{"iss":"https://agent.buildkite.com","organization_slug":"acme","constructor":"y","toString":"z"}') as Record<string, unknown>
    assert.equal(evaluatePolicy(policy, own).decision, 'accept')
  })

  it('returns frozen decisions', () => {
    assert.ok(Object.isFrozen(evaluatePolicy(seed, token)))
    assert.ok(Object.isFrozen(evaluatePolicy(seed, token).scopes))
  })
})

describe('evaluatePolicy compiled program', () => {
  /** One statement per pipeline, selected with `matches` so that nothing is indexed: every statement is tested. */
  const scanned = compile(
    Array.from({ length: 40 }, (_, i) => ({
      iss: BK,
      scopes: ['read_packages'],
      claims: { organization_slug: 'acme', pipeline_slug: { matches: `pipeline-${String(i)}` } },
    })),
  )
  const token = (pipeline: string) => ({ iss: BK, organization_slug: 'acme', pipeline_slug: pipeline })

  it('accepts the one statement of a scanned policy that the token matches, and rejects a near miss', () => {
    assert.equal(scanned.index, null)
    assert.equal(evaluatePolicy(scanned, token('pipeline-37')).statement, 37)
    assert.equal(evaluatePolicy(scanned, token('pipeline-370')).decision, 'reject')
    assert.equal(evaluatePolicy(scanned, { ...token('pipeline-37'), organization_slug: 'evil' }).decision, 'reject')
    assert.equal(evaluatePolicy(scanned, { ...token('pipeline-37'), organization_slug: undefined }).decision, 'reject')
  })

  it('tells values of one claim apart by JSON type when several statements expect them', () => {
    const policy = compile(`- {iss: ${BK}, scopes: [read_packages], claims: {organization_slug: acme, x: 42}}
- {iss: ${BK}, scopes: [write_packages], claims: {organization_slug: acme, x: "42"}}
- {iss: ${BK}, scopes: [delete_packages], claims: {organization_slug: acme, x: null}}`)
    const decide = (x: unknown) => evaluatePolicy(policy, { iss: BK, organization_slug: 'acme', x }).statement
    assert.deepEqual([decide(42), decide('42'), decide(null), decide(true), decide(['42']), decide(undefined)], [0, 1, 2, null, null, null])
  })

  it('tests the claim that tells statements apart before the tenant pin every statement shares', () => {
    const [first] = scanned.statements[0]?.checks ?? []
    assert.equal(first?.claim, 'pipeline_slug')
  })

  it('treats 0 and -0 as equal like ===, and NaN as equal to nothing', () => {
    assert.equal(accepts(policyWithRule('0'), { x: -0 }), true)
    assert.equal(accepts(policyWithRule('0'), { x: Number.NaN }), false)
    assert.equal(accepts(policyWithRule('0'), { x: '0' }), false)
  })

  it('tests each statement against its own issuer, in policy order', () => {
    const policy = compile(`- {iss: ${GH}, scopes: [delete_packages], claims: {repository_owner: acme}}
- {iss: ${BK}, scopes: [read_packages], claims: {organization_slug: acme}}
- {iss: ${BK}, scopes: [write_packages], claims: {organization_slug: acme}}`)
    assert.equal(evaluatePolicy(policy, { iss: BK, organization_slug: 'acme', repository_owner: 'acme' }).statement, 1)
    assert.equal(evaluatePolicy(policy, { iss: GH, organization_slug: 'acme', repository_owner: 'acme' }).statement, 0)
    assert.equal(evaluatePolicy(policy, { iss: 'https://evil.example', organization_slug: 'acme', repository_owner: 'acme' }).decision, 'reject')
  })
})
