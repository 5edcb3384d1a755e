import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { checkPolicy } from './check-policy.js'
import { evaluatePolicy } from './evaluate-policy.js'
import { explainPolicy } from './explain-policy.js'
import type { Policy, PolicyIssuer } from './types.js'

const ISSUERS: readonly PolicyIssuer[] = [
  { issuer: 'https://a.example', tenantClaims: [] },
  { issuer: 'https://b.example', tenantClaims: [] },
  { issuer: 'https://p.example/org/*', tenantClaims: ['org'] },
]

function compile(source: string | readonly unknown[]): Policy {
  const result = checkPolicy(source, ISSUERS)
  assert.deepEqual(result.errors, [])
  assert.ok(result.policy)
  return result.policy
}

describe('explainPolicy', () => {
  const policy = compile(`- iss: https://a.example
  scopes: [read_packages]
  claims:
    branch: {matches: ["release/*"], not_equals: release/bad}
    tag: null
- iss: https://b.example
  scopes: [write_packages]
  claims:
    branch: {in: [main, dev]}
`)

  it('explains every statement and rule with expected and actual (DESIGN.md 1.5 shape)', () => {
    const explanation = explainPolicy(policy, { iss: 'https://b.example', branch: 'main' })
    assert.deepEqual(JSON.parse(JSON.stringify(explanation)), {
      decision: 'accept',
      code: 'accepted',
      statement: 1,
      scopes: ['write_packages'],
      statements: [
        {
          index: 0,
          iss: 'https://a.example',
          matched: false,
          rules: [
            { claim: 'iss', matcher: 'equals', expected: 'https://a.example', actual: 'https://b.example', passed: false },
            { claim: 'branch', matcher: 'matches', expected: ['release/*'], actual: 'main', passed: false },
            { claim: 'branch', matcher: 'not_equals', expected: 'release/bad', actual: 'main', passed: true },
            { claim: 'tag', matcher: 'equals', expected: null, actual: null, passed: false, missing: true },
          ],
        },
        {
          index: 1,
          iss: 'https://b.example',
          matched: true,
          rules: [
            { claim: 'iss', matcher: 'equals', expected: 'https://b.example', actual: 'https://b.example', passed: true },
            { claim: 'branch', matcher: 'in', expected: ['main', 'dev'], actual: 'main', passed: true },
          ],
        },
      ],
    })
  })

  it('tells a null claim from a missing one', () => {
    const statement = explainPolicy(policy, { iss: 'https://a.example', branch: 'release/1', tag: null }).statements[0]!
    assert.deepEqual(statement.rules[3], { claim: 'tag', matcher: 'equals', expected: null, actual: null, passed: true })
    assert.equal(statement.matched, true)
  })

  it('rejects with policy_no_match and still explains every statement', () => {
    const explanation = explainPolicy(policy, { iss: 'https://c.example' })
    assert.deepEqual([explanation.decision, explanation.code, explanation.statement, explanation.statements.length], ['reject', 'policy_no_match', null, 2])
  })

  it('rejects with policy_missing for an empty policy', () => {
    assert.deepEqual(explainPolicy(compile('[]'), {}), { decision: 'reject', code: 'policy_missing', statement: null, scopes: [], statements: [] })
  })

  it('shows a pattern issuer statement as a matches rule on iss', () => {
    const patterned = compile('- {iss: "https://p.example/org/*", scopes: [read_packages], claims: {org: acme}}')
    const [rule] = explainPolicy(patterned, { iss: 'https://p.example/org/42', org: 'acme' }).statements[0]?.rules ?? []
    assert.deepEqual(rule, { claim: 'iss', matcher: 'matches', expected: 'https://p.example/org/*', actual: 'https://p.example/org/42', passed: true })
  })

  it('never disagrees with evaluatePolicy on random policies and claims', () => {
    const scalar = fc.constantFrom<string | number | boolean | null>('x', 'y', 'a/b', '', 1, 0, true, false, null)
    const list = fc.array(scalar, { minLength: 1, maxLength: 3 })
    const glob = fc.constantFrom('*', '**', 'x', '?', 'a/*', '*/b', '\\*')
    const matcher = fc.oneof(
      fc.record({ equals: scalar }),
      fc.record({ not_equals: scalar }),
      fc.record({ in: list }),
      fc.record({ not_in: list }),
      fc.record({ matches: fc.oneof(glob, fc.array(glob, { minLength: 1, maxLength: 2 })) }),
      fc.record({ equals: scalar, not_in: list }, { requiredKeys: [] }).filter((rule) => Object.keys(rule).length > 0),
    )
    const rule = fc.oneof(scalar, matcher)
    const statement = fc.record({
      iss: fc.constantFrom('https://a.example', 'https://b.example'),
      scopes: fc.constantFrom(['read_packages'], ['write_packages'], ['delete_packages']),
      claims: fc.dictionary(fc.constantFrom('c1', 'c2', 'c3'), rule, { maxKeys: 3 }),
    })
    const claimValue = fc.oneof(scalar, fc.constant(['x']), fc.constant({ x: 1 }))
    const claims = fc.record(
      { iss: fc.constantFrom('https://a.example', 'https://b.example', 'https://c.example'), c1: claimValue, c2: claimValue, c3: claimValue },
      { requiredKeys: [] },
    )
    // Mostly-pinned c1 makes larger policies indexed (create-policy.ts), so the indexed path is compared too.
    const pinned = statement.chain((s) => fc.oneof(scalar, fc.record({ in: list })).map((c1) => ({ ...s, claims: { ...s.claims, c1 } })))
    const policies = fc.oneof(fc.array(statement, { maxLength: 5 }), fc.array(fc.oneof(pinned, pinned, pinned, statement), { minLength: 8, maxLength: 24 }))
    let indexed = 0
    fc.assert(
      fc.property(policies, claims, (statements, token) => {
        if (statements.length >= 8 && compile(statements).index !== null) indexed += 1
        const policy = compile(statements)
        const decision = evaluatePolicy(policy, token)
        const explanation = explainPolicy(policy, token)
        const firstMatched = explanation.statements.find((s) => s.matched)?.index ?? null
        assert.deepEqual({ ...explanation, statements: undefined }, { ...decision, statements: undefined })
        assert.equal(firstMatched, decision.statement)
        for (const s of explanation.statements) assert.equal(s.matched, s.rules.every((r) => r.passed))
      }),
      { numRuns: 2000 },
    )
    assert.ok(indexed > 100, `the indexed path was exercised (${String(indexed)} runs)`)
  })
})
