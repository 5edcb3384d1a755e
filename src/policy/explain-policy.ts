/**
 * The explanation of a decision (DESIGN.md 1.5): the decision itself, then every statement with each of its
 * rules, expected and actual, so people can see why each statement failed. For the audit log and the explain
 * API only: it shows claim values, so it never goes to an unauthenticated caller.
 */
import { evaluatePolicy } from './evaluate-policy.js'
import { readClaim, testIssuer, testMatcher } from './test-matcher.js'
import type { ExplainedRule, ExplainedStatement, Explanation, Policy, PolicyStatement } from './types.js'

/**
 * Explains how `policy` decides on `claims`. The decision, code, statement and scopes are `evaluatePolicy`'s
 * (first match wins), while every statement is explained, including those after the winner.
 */
export function explainPolicy(policy: Policy, claims: Readonly<Record<string, unknown>>): Explanation {
  const decision = evaluatePolicy(policy, claims)
  const statements = policy.statements.map((statement) => explainStatement(statement, claims))
  return Object.freeze({ ...decision, statements: Object.freeze(statements) })
}

function explainStatement(statement: PolicyStatement, claims: Readonly<Record<string, unknown>>): ExplainedStatement {
  const iss = readClaim(claims, 'iss')
  const rules: ExplainedRule[] = [
    explainRule('iss', statement.issuerIsPattern ? 'matches' : 'equals', statement.iss, iss, testIssuer(statement, iss)),
  ]
  for (const rule of statement.rules) {
    const actual = readClaim(claims, rule.claim)
    for (const matcher of rule.matchers) {
      rules.push(explainRule(rule.claim, matcher.name, matcher.expected, actual, testMatcher(matcher, actual)))
    }
  }
  return Object.freeze({
    index: statement.index,
    iss: statement.iss,
    matched: rules.every((rule) => rule.passed),
    rules: Object.freeze(rules),
  })
}

function explainRule(
  claim: string,
  matcher: ExplainedRule['matcher'],
  expected: unknown,
  actual: unknown,
  passed: boolean,
): ExplainedRule {
  // `missing: true` tells an absent claim from one that is present and null (both show `actual: null`).
  const base = { claim, matcher, expected, actual: actual === undefined ? null : actual, passed }
  return Object.freeze(actual === undefined ? { ...base, missing: true as const } : base)
}
