/**
 * The decision on a verified token's claims (DESIGN.md 1.3): statements in order, the first whose issuer and
 * every matcher pass wins and grants its scopes. This is the authorization hot path: it allocates only the
 * result and one small claim cache, and builds no explanation (explainPolicy does that, with the same matcher code).
 */
import { isScalar, readClaim, testIssuer, testMatcher } from './test-matcher.js'
import type { Decision, Policy, PolicyIndex, PolicyStatement } from './types.js'

const NO_SCOPES = Object.freeze([])
const NO_STATEMENTS: readonly number[] = Object.freeze([])
/** Marks a claim slot not read yet (undefined already means "missing from the token"). */
const UNREAD = Symbol('unread')

/**
 * The token's claims with a cache of the ones read so far, one slot per claim name of the policy: a claim
 * lookup on an arbitrary object costs tens of nanoseconds, and a large policy tests the same few claims in
 * every statement. This small array is the only allocation besides the result.
 */
interface TokenClaims {
  readonly claims: Readonly<Record<string, unknown>>
  readonly values: unknown[]
}

/**
 * Decides on `claims`. Never throws: a refusal is a value.
 * - `accept` / `accepted`: `statement` is the first matching statement, `scopes` its scopes.
 * - `reject` / `policy_missing`: the policy has no statements.
 * - `reject` / `policy_no_match`: no statement matches.
 */
export function evaluatePolicy(policy: Policy, claims: Readonly<Record<string, unknown>>): Decision {
  const { statements, index } = policy
  if (statements.length === 0) return freezeDecision('reject', 'policy_missing', null)
  const iss = readClaim(claims, 'iss')
  const token: TokenClaims = { claims, values: new Array<unknown>(policy.claimNames.length).fill(UNREAD) }
  const winner = index === null ? findFirstMatch(statements, iss, token) : findFirstIndexedMatch(policy, index, iss, token)
  return winner === null ? freezeDecision('reject', 'policy_no_match', null) : freezeDecision('accept', 'accepted', winner)
}

function findFirstMatch(statements: readonly PolicyStatement[], iss: unknown, token: TokenClaims): PolicyStatement | null {
  for (let i = 0; i < statements.length; i += 1) {
    const statement = statements[i]
    if (statement !== undefined && testIssuer(statement, iss) && matchesAllChecks(statement, token)) return statement
  }
  return null
}

/**
 * The same first match, testing only the statements that require the token's value of the index claim and
 * those that do not constrain it, merged in statement order so that the first match still wins.
 */
function findFirstIndexedMatch(
  policy: Policy,
  index: PolicyIndex,
  iss: unknown,
  token: TokenClaims,
): PolicyStatement | null {
  const value = readClaim(token.claims, index.claim)
  const candidates = (isScalar(value) ? index.byValue.get(value) : undefined) ?? NO_STATEMENTS
  const others = index.unindexed
  let [i, j] = [0, 0]
  while (i < candidates.length || j < others.length) {
    const a = candidates[i] ?? Number.MAX_SAFE_INTEGER
    const b = others[j] ?? Number.MAX_SAFE_INTEGER
    if (a < b) i += 1
    else j += 1
    const statement = policy.statements[Math.min(a, b)]
    if (statement !== undefined && testIssuer(statement, iss) && matchesAllChecks(statement, token)) return statement
  }
  return null
}

/** True when every matcher of `statement` passes (the checks are ordered so that most statements fail fast). */
function matchesAllChecks(statement: PolicyStatement, token: TokenClaims): boolean {
  const { values } = token
  const { checks } = statement
  // Indexed loops: this runs for every statement of a large policy, and beats for...of's iterator here.
  for (let i = 0; i < checks.length; i += 1) {
    const check = checks[i]
    if (check === undefined) return false
    let value = values[check.slot]
    if (value === UNREAD) {
      value = readClaim(token.claims, check.claim)
      values[check.slot] = value
    }
    if (!testMatcher(check.matcher, value)) return false
  }
  return true
}

function freezeDecision(decision: Decision['decision'], code: Decision['code'], statement: PolicyStatement | null): Decision {
  return Object.freeze({
    decision,
    code,
    statement: statement === null ? null : statement.index,
    scopes: statement === null ? NO_SCOPES : statement.scopes,
  })
}
