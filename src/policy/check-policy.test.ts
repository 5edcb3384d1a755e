import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { resolveTrustedIssuers } from '../oidc/resolve-trusted-issuers.js'
import type { TrustedIssuer } from '../oidc/trusted-issuer.js'
import { checkPolicy } from './check-policy.js'
import type { PolicyIssuer, PolicyProblem } from './types.js'

const ISSUERS = resolveTrustedIssuers([{ preset: 'buildkite' }, { preset: 'github' }, { preset: 'gitlab' }, { preset: 'circleci' }])
const BK = 'https://agent.buildkite.com'
const ORG = 'organization_slug: acme'

/** Compiles only if every TrustedIssuer is a PolicyIssuer (the layering contract of DESIGN.md Part 2). */
const asPolicyIssuers: readonly PolicyIssuer[] = ISSUERS satisfies readonly TrustedIssuer[]

function errorsOf(source: string | readonly unknown[]): readonly PolicyProblem[] {
  const result = checkPolicy(source, asPolicyIssuers)
  assert.equal(result.valid, false)
  assert.equal(result.policy, null)
  return result.errors
}

function only(source: string | readonly unknown[]): PolicyProblem {
  const errors = errorsOf(source)
  assert.equal(errors.length, 1, JSON.stringify(errors))
  return errors[0]!
}

describe('checkPolicy structure', () => {
  it('accepts a valid policy and returns it frozen', () => {
    const result = checkPolicy(`- {iss: ${BK}, scopes: [read_packages], claims: {${ORG}, organization_id: x}}`, ISSUERS)
    assert.equal(result.valid, true)
    assert.deepEqual(result.errors, [])
    assert.ok(result.policy && Object.isFrozen(result.policy) && Object.isFrozen(result.policy.statements[0]))
  })

  it('accepts an empty policy with a warning', () => {
    const result = checkPolicy('[]', ISSUERS)
    assert.equal(result.valid, true)
    assert.match(result.warnings[0]?.message ?? '', /no statements/)
  })

  const refusals: [name: string, source: string, message: RegExp, line: number | null, column: number | null][] = [
    ['a map at the top level', `iss: ${BK}`, /list of statements.*- /, 1, 1],
    ['a statement that is not a map', '- just text', /a statement is a map/, 1, 3],
    ['a statement without iss', `- scopes: [read_packages]\n  claims: {${ORG}}`, /no `iss`/, 1, 3],
    ['an unknown issuer', `- iss: https://evil.example\n  ${ORG}`, /not a configured issuer/, 1, 8],
    ['a non-string iss', `- iss: 42\n  ${ORG}`, /issuer URL/, 1, 8],
    ['an unknown scope', `- iss: ${BK}\n  scopes: [read_packages, admin]\n  claims: {${ORG}}`, /unknown scope the string "admin"/, 2, 27],
    ['a duplicate scope', `- iss: ${BK}\n  scopes: [read_packages, read_packages]\n  claims: {${ORG}}`, /listed twice/, 2, 27],
    ['empty scopes', `- iss: ${BK}\n  scopes: []\n  claims: {${ORG}}`, /non-empty list/, 2, 11],
    ['scopes as a string', `- iss: ${BK}\n  scopes: read_packages\n  claims: {${ORG}}`, /non-empty list/, 2, 11],
    ['claims that are not a map', `- iss: ${BK}\n  claims: [a]`, /map of claim name/, 2, 11],
    ['an unknown matcher', `- iss: ${BK}\n  claims:\n    ${ORG}\n    pipeline_slug: {looks_like: web}`, /unknown matcher `looks_like`/, 4, 21],
    ['an empty rule map', `- iss: ${BK}\n  claims:\n    ${ORG}\n    pipeline_slug: {}`, /no matchers/, 4, 20],
    ['an empty rule value', `- iss: ${BK}\n  claims:\n    ${ORG}\n    pipeline_slug:\n`, /no value: write null/, 4, 19],
    ['a list as a rule', `- iss: ${BK}\n  claims:\n    ${ORG}\n    pipeline_slug: [a, b]`, /write `pipeline_slug: \{in/, 4, 20],
    ['equals with a list', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {equals: [a]}`, /takes a scalar/, 4, 17],
    ['not_equals with a map', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {not_equals: {a: b}}`, /takes a scalar/, 4, 21],
    ['in with a scalar', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {in: a}`, /takes a list of scalars/, 4, 13],
    ['an empty in list', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {in: []}`, /empty list/, 4, 13],
    ['an empty not_in list', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {not_in: []}`, /empty list/, 4, 17],
    ['a list inside in', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {in: [[a]]}`, /takes a scalar/, 4, 14],
    ['matches with a number', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {matches: 42}`, /takes a list of globs/, 4, 18],
    ['matches with a non-string item', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {matches: [a, 1]}`, /globs \(strings\)/, 4, 22],
    ['a glob with a dangling backslash', `- iss: ${BK}\n  claims:\n    ${ORG}\n    x: {matches: 'a\\'}`, /lone/, 4, 18],
    ['a flat key whose value is a map', `- iss: ${BK}\n  ${ORG}\n  pipeline_slug: {in: [a]}`, /did you mean to put `pipeline_slug` under `claims`/, 3, 18],
    ['flat claim keys mixed with claims', `- iss: ${BK}\n  pipeline_slug: web\n  claims: {${ORG}}`, /unknown statement key `pipeline_slug`/, 2, 3],
    ['a rule on iss', `- iss: ${BK}\n  claims: {${ORG}, iss: x}`, /`iss` cannot be a claim rule/, 2, 37],
    ['an unpinned tenant', `- iss: ${BK}\n  scopes: [read_packages]\n  claims: {pipeline_slug: web}`, /organization_slug, organization_id/, 1, 3],
    ['a tenant pinned only by matches', `- iss: ${BK}\n  claims: {organization_slug: {matches: "acme*"}}`, /does not pin a tenant/, 1, 3],
    ['a tenant pinned only by not_equals', `- iss: ${BK}\n  claims: {organization_slug: {not_equals: evil}}`, /does not pin a tenant/, 1, 3],
    ['the CircleCI pattern itself', '- iss: https://oidc.circleci.com/org/*', /every tenant.*<organization id>/, 1, 8],
    ['a numeric key', `- iss: ${BK}\n  claims: {${ORG}, 1: x}`, /the key 1 is not a string: quote it/, 2, 37],
  ]
  for (const [name, source, message, line, column] of refusals) {
    it(`rejects ${name}, naming its position`, () => {
      const error = only(source)
      assert.match(error.message, message)
      assert.deepEqual([error.line, error.column], [line, column], error.message)
      if (line !== 1 || !source.startsWith('iss')) assert.equal(error.statement, 0)
    })
  }

  it('rejects a statement without a tenant pin for every multi-tenant preset', () => {
    for (const [iss, claims] of [
      ['https://token.actions.githubusercontent.com', /repository_owner, repository_owner_id, repository, repository_id/],
      ['https://gitlab.com', /namespace_path, namespace_id, project_path, project_id/],
    ] as const) {
      assert.match(only(`- {iss: "${iss}", scopes: [read_packages], claims: {ref: main}}`).message, claims)
    }
  })

  it('accepts a tenant pinned by equals or in, on any one tenant claim', () => {
    for (const pin of ['organization_slug: acme', 'organization_id: {in: [a, b]}', 'organization_slug: {equals: acme, not_equals: x}']) {
      assert.equal(checkPolicy(`- {iss: ${BK}, scopes: [read_packages], claims: {${pin}}}`, ISSUERS).valid, true, pin)
    }
  })

  it('accepts a CircleCI organization named by its issuer without tenant claims', () => {
    const result = checkPolicy('- {iss: "https://oidc.circleci.com/org/0c3e5a6a", scopes: [read_packages]}', ISSUERS)
    assert.deepEqual(result.errors, [])
  })

  it('reports every error of every statement at once, in order', () => {
    const errors = errorsOf(`- iss: https://evil.example
- iss: ${BK}
  scopes: [nope]
  claims: {${ORG}, x: {bad: 1}, y: {in: []}}
- 42`)
    assert.deepEqual(errors.map((e) => e.statement), [0, 1, 1, 1, 2])
    assert.deepEqual(errors.map((e) => e.claim), [null, null, 'x', 'y', null])
  })

  it('rejects more than 256 statements', () => {
    const statement = { iss: BK, scopes: ['read_packages'], claims: { organization_slug: 'acme' } }
    assert.match(only(Array.from({ length: 257 }, () => statement)).message, /257 statements; at most 256/)
    assert.equal(checkPolicy(Array.from({ length: 256 }, () => statement), ISSUERS).valid, true)
  })
})

describe('checkPolicy JSON input', () => {
  const policy = [{ iss: BK, scopes: ['read_packages'], claims: { organization_slug: 'acme', build_number: { in: [1, 2] } } }]

  it('accepts JSON text with positions', () => {
    const result = checkPolicy(JSON.stringify(policy, null, 2), ISSUERS)
    assert.equal(result.valid, true, JSON.stringify(result.errors))
    const error = only(JSON.stringify([{ ...policy[0], scopes: ['bogus'] }], null, 2))
    assert.deepEqual([error.line, error.column], [5, 7])
  })

  it('accepts an already-parsed JSON array without positions', () => {
    assert.equal(checkPolicy(policy, ISSUERS).valid, true)
    const error = only([{ iss: BK, claims: { organization_slug: 'acme', x: { nope: 1 } } }])
    assert.deepEqual([error.statement, error.claim, error.line, error.column], [0, 'x', null, null])
  })

  it('rejects duplicate keys in JSON text', () => {
    const error = only(`[{"iss": "${BK}", "scopes": ["read_packages"], "claims": {"organization_slug": "acme", "organization_slug": "evil"}}]`)
    assert.match(error.message, /unique/)
    assert.equal(error.line, 1)
  })

  it('rejects values that are not JSON data in an array', () => {
    assert.match(only([{ iss: BK, claims: { organization_slug: new Date(0) } }]).message, /not JSON data/)
    assert.match(only([{ iss: BK, claims: { organization_slug: Number.NaN } }]).message, /not JSON data/)
    const cyclic: Record<string, unknown> = { iss: BK }
    cyclic.self = cyclic
    assert.match(only([cyclic]).message, /not JSON data/)
  })

  it('treats a __proto__ key of parsed JSON as an ordinary claim', () => {
    const parsed = JSON.parse(`[{"iss": "${BK}", "scopes": ["read_packages"], "claims": {"organization_slug": "acme", "__proto__": {"equals": "x"}}}]`) as unknown[]
    const result = checkPolicy(parsed, ISSUERS)
    assert.equal(result.valid, true, JSON.stringify(result.errors))
    assert.deepEqual(result.policy?.statements[0]?.rules.map((rule) => rule.claim), ['organization_slug', '__proto__'])
    assert.equal(({} as Record<string, unknown>).equals, undefined)
  })
})
