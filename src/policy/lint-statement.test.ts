import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { resolveTrustedIssuers } from '../oidc/resolve-trusted-issuers.js'
import { checkPolicy } from './check-policy.js'

const ISSUERS = resolveTrustedIssuers([{ preset: 'buildkite' }, { preset: 'github' }, { preset: 'gitlab' }, { preset: 'circleci' }])
const BK = 'https://agent.buildkite.com'

/** Warnings of a valid Buildkite statement whose tenant is pinned by id (so no mutable-name warning). */
function warningsFor(rules: string): readonly string[] {
  const result = checkPolicy(`- iss: ${BK}\n  scopes: [read_packages]\n  claims:\n    organization_id: "0190"\n${rules}`, ISSUERS)
  assert.deepEqual(result.errors, [], 'warnings never make a policy invalid')
  return result.warnings.map((warning) => warning.message)
}

const assertWarns = (rules: string, pattern: RegExp) => {
  const warnings = warningsFor(rules)
  assert.ok(warnings.some((message) => pattern.test(message)), `${rules} → ${JSON.stringify(warnings)}`)
}
const assertQuiet = (rules: string) => {
  assert.deepEqual(warningsFor(rules), [], rules)
}

describe('lintStatement', () => {
  const never: [rules: string, pattern: RegExp][] = [
    ['    build_branch: {equals: main, not_equals: main}\n', /can never pass: no value/],
    ['    build_branch: {equals: main, in: [dev, rc]}\n', /can never pass: no value/],
    ['    build_branch: {equals: main, not_in: [main]}\n', /can never pass: no value/],
    ['    build_branch: {in: [a, b], not_in: [a, b]}\n', /can never pass: no value/],
    ['    build_branch: {in: [a, b], not_in: [a], not_equals: b}\n', /can never pass: no value/],
    ['    build_branch: {equals: main, matches: "feature/*"}\n', /can never pass: no value/],
    ['    build_number: "42"\n', /a number in these tokens, never a string/],
    ['    build_number: {in: ["1", "2"]}\n', /never a string/],
    ['    build_branch: 42\n', /a string in these tokens, never a number/],
    ['    build_number: {matches: "4*"}\n', /`matches` needs a string/],
    ['    https://aws.amazon.com/tags: {not_equals: x}\n', /fails on arrays and objects/],
  ]
  for (const [rules, pattern] of never) {
    it(`warns about ${rules.trim()}`, () => {
      assertWarns(rules, pattern)
    })
  }

  const quiet = [
    '    build_branch: {equals: main, not_equals: dev}\n',
    '    build_branch: {in: [main, dev], not_in: [dev]}\n',
    '    build_branch: {equals: feature/x, matches: "feature/*"}\n',
    '    build_branch: {matches: "feature/*", not_equals: feature/x}\n',
    '    build_number: 42\n',
    '    step_key: null\n',
    '    "agent_tag:queue": deploy\n',
    '    pipeline_id: {in: [a, b]}\n',
  ]
  for (const rules of quiet) {
    it(`stays quiet about ${rules.trim()}`, () => {
      assertQuiet(rules)
    })
  }

  it('warns about a claim the issuer does not emit, suggesting the near name', () => {
    assertWarns('    pipline_id: x\n', /not known to have the claim `pipline_id`.*did you mean `pipeline_id`/)
    assertWarns('    favourite_colour: blue\n', /not known to have the claim `favourite_colour`, and a missing claim/)
  })

  it('does not warn about unknown claims for an issuer without a catalog', () => {
    const result = checkPolicy('- {iss: "https://ci.example.com", scopes: [read_packages], claims: {anything: x}}', [
      { issuer: 'https://ci.example.com', tenantClaims: [] },
    ])
    assert.deepEqual(result.warnings, [])
  })

  it('does not treat prototype members as known claims', () => {
    assertWarns('    constructor: x\n', /not known to have the claim `constructor`/)
    assertWarns('    __proto__: x\n', /not known to have the claim `__proto__`/)
  })

  it('warns about a mutable name pinned without its immutable id, and not when the id is pinned', () => {
    const result = checkPolicy(`- {iss: ${BK}, scopes: [read_packages], claims: {organization_slug: acme, pipeline_slug: web}}`, ISSUERS)
    assert.deepEqual(
      result.warnings.map((warning) => [warning.claim, /pin `(\w+)`/.exec(warning.message)?.[1]]),
      [['organization_slug', 'organization_id'], ['pipeline_slug', 'pipeline_id']],
    )
    assertQuiet('    organization_slug: acme\n    pipeline_slug: web\n    pipeline_id: "0191"\n')
  })

  it('warns about a GitHub repository pinned by name only', () => {
    const result = checkPolicy('- {iss: "https://token.actions.githubusercontent.com", scopes: [read_packages], claims: {repository: acme/app}}', ISSUERS)
    assert.match(result.warnings[0]?.message ?? '', /pin `repository_id`/)
  })

  it('warns about a statement without scopes, at the statement', () => {
    const result = checkPolicy(`- iss: ${BK}\n  organization_id: x\n`, ISSUERS)
    assert.deepEqual(
      result.warnings.map((w) => [w.statement, w.line, w.column]),
      [[0, 1, 3]],
    )
    const statement = result.policy?.statements[0]
    assert.deepEqual(statement?.scopes, ['read_packages', 'write_packages'])
    assert.equal(statement.scopesDefaulted, true)
  })
})
