/**
 * The matchers (DESIGN.md 1.3) as plainly as they can be written: `explainPolicy` uses them, and they are the
 * reference that `evaluatePolicy`'s compiled checks (compiled-check.ts) must agree with, which
 * compiled-check.test.ts and the evaluate-vs-explain property check. Comparison is by JSON type and exact
 * value: no coercion, no normalization.
 */
import { matchesIssuerPattern } from '../lib/issuer-pattern.js'
import { matchesGlob } from './glob.js'
import type { Matcher, PolicyStatement, Scalar } from './types.js'

/**
 * The claim's own value, or undefined when the token does not have it. Inherited properties (`toString`,
 * `__proto__`, `constructor`) are never claims.
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  const value = claims[name]
  // The ownership test runs only for a value that is there: a missing claim costs one lookup.
  return value !== undefined && Object.hasOwn(claims, name) ? value : undefined
}

/**
 * True when `value` (undefined = missing) passes `matcher`. A missing claim fails every matcher, negative ones
 * included, so "absent ≠ main" never grants; `null` passes only `equals: null` and an `in` holding null; an
 * array or object fails every matcher; `matches` needs a string.
 */
export function testMatcher(matcher: Matcher, value: unknown): boolean {
  if (value === undefined) return false
  switch (matcher.name) {
    case 'equals':
      return value === matcher.expected
    case 'not_equals':
      return isNonNullScalar(value) && value !== matcher.expected
    case 'in':
      return isScalar(value) && includesScalar(matcher, value)
    case 'not_in':
      return isNonNullScalar(value) && !includesScalar(matcher, value)
    case 'matches':
      return typeof value === 'string' && matchesAnyGlob(matcher, value)
  }
}

/** True when the token's `iss` is the statement's issuer (exactly, or an instance of a named pattern). */
export function testIssuer(statement: Pick<PolicyStatement, 'iss' | 'issuerIsPattern'>, iss: unknown): boolean {
  if (typeof iss !== 'string') return false
  return statement.issuerIsPattern ? matchesIssuerPattern(statement.iss, iss) : iss === statement.iss
}

function includesScalar(matcher: Matcher & { name: 'in' | 'not_in' }, value: Scalar): boolean {
  return matcher.set === null ? matcher.expected.includes(value) : matcher.set.has(value)
}

/** A plain loop rather than `some`: no closure is allocated on the evaluation path. */
function matchesAnyGlob(matcher: Matcher & { name: 'matches' }, value: string): boolean {
  for (const glob of matcher.globs) if (matchesGlob(glob, value)) return true
  return false
}

/** True for a JSON scalar: string, number, boolean or null. */
export function isScalar(value: unknown): value is Scalar {
  return value === null || isNonNullScalar(value)
}

/** True for a string, number or boolean. */
export function isNonNullScalar(value: unknown): value is string | number | boolean {
  const type = typeof value
  return type === 'string' || type === 'number' || type === 'boolean'
}
