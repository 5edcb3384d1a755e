/**
 * Matchers compiled for `evaluatePolicy`'s hot path. A `Matcher` comes in three shapes whose fields mean
 * different things, so one call site testing all of them sees many hidden classes and cannot be optimized
 * well; a `CompiledCheck` has one shape, every field always present, and a small integer `kind` that evaluation
 * dispatches on with one switch. Lists are copied into arrays that are not frozen: V8 in Node 20 loads the
 * elements of frozen arrays through a generic path, several times slower (bench/policy.bench.ts).
 *
 * `testMatcher` (test-matcher.ts) stays the plain statement of DESIGN.md 1.3, used by `explainPolicy`; this file
 * must decide exactly as it does, which compiled-check.test.ts checks on random matchers and values.
 */
import type { Glob } from './glob.js'
import { matchesGlob } from './glob.js'
import { isNonNullScalar, isScalar } from './test-matcher.js'
import type { Check, Matcher, Scalar } from './types.js'

/** `value === expected`: `equals`, and `matches` with one wildcard-free glob (string equality). */
export const CHECK_EQUALS = 0
export const CHECK_NOT_EQUALS = 1
/** In `list`: `in` with a short list, and `matches` with several wildcard-free globs. */
export const CHECK_IN_LIST = 2
export const CHECK_NOT_IN_LIST = 3
export const CHECK_IN_SET = 4
export const CHECK_NOT_IN_SET = 5
export const CHECK_MATCHES = 6

export type CheckKind =
  | typeof CHECK_EQUALS
  | typeof CHECK_NOT_EQUALS
  | typeof CHECK_IN_LIST
  | typeof CHECK_NOT_IN_LIST
  | typeof CHECK_IN_SET
  | typeof CHECK_NOT_IN_SET
  | typeof CHECK_MATCHES

/** One matcher with the claim it reads; the fields a kind does not use hold the same neutral values. */
export interface CompiledCheck {
  readonly kind: CheckKind
  readonly claim: string
  /** The claim's position in `Policy.claimNames`. */
  readonly slot: number
  /** For the (not_)equals kinds. */
  readonly expected: Scalar
  /** For the (not_)in list kinds. */
  readonly list: readonly Scalar[]
  /** For the (not_)in set kinds. */
  readonly set: ReadonlySet<Scalar>
  /** For CHECK_MATCHES. */
  readonly globs: readonly Glob[]
}

type CheckOperands = Partial<Pick<CompiledCheck, 'expected' | 'list' | 'set' | 'globs'>>

const NO_SCALARS: readonly Scalar[] = []
const NO_SET: ReadonlySet<Scalar> = new Set()
const NO_GLOBS: readonly Glob[] = []

/** The compiled form of `check`, deciding every value exactly as `testMatcher(check.matcher, value)` does. */
export function compileCheck(check: Check): CompiledCheck {
  const { matcher } = check
  switch (matcher.name) {
    case 'equals':
      return createCompiledCheck(check, CHECK_EQUALS, { expected: matcher.expected })
    case 'not_equals':
      return createCompiledCheck(check, CHECK_NOT_EQUALS, { expected: matcher.expected })
    case 'in':
      return matcher.set === null
        ? createCompiledCheck(check, CHECK_IN_LIST, { list: [...matcher.expected] })
        : createCompiledCheck(check, CHECK_IN_SET, { set: matcher.set })
    case 'not_in':
      return matcher.set === null
        ? createCompiledCheck(check, CHECK_NOT_IN_LIST, { list: [...matcher.expected] })
        : createCompiledCheck(check, CHECK_NOT_IN_SET, { set: matcher.set })
    case 'matches':
      return compileMatches(check, matcher)
  }
}

/**
 * Wildcard-free globs are string equality, and a value equal to a string is a string, so they become the
 * equality kinds, which skip the glob code.
 */
function compileMatches(check: Check, matcher: Matcher & { name: 'matches' }): CompiledCheck {
  const literals = matcher.globs.map((glob) => glob.literal)
  if (!literals.every((literal) => literal !== null)) return createCompiledCheck(check, CHECK_MATCHES, { globs: [...matcher.globs] })
  const [first] = literals
  return literals.length === 1 && first !== undefined
    ? createCompiledCheck(check, CHECK_EQUALS, { expected: first })
    : createCompiledCheck(check, CHECK_IN_LIST, { list: literals })
}

/** Every compiled check is made here, with its fields in one order, so that all of them share one hidden class. */
function createCompiledCheck({ claim, slot }: Check, kind: CheckKind, operands: CheckOperands): CompiledCheck {
  const { expected = null, list = NO_SCALARS, set = NO_SET, globs = NO_GLOBS } = operands
  return Object.freeze({ kind, claim, slot, expected, list, set, globs })
}

/**
 * True when `value` (undefined = missing) passes `check`: the same rules as `testMatcher`. A missing claim,
 * an array or an object equals no scalar, so the equality kind needs no type test.
 */
export function testCompiledCheck(check: CompiledCheck, value: unknown): boolean {
  switch (check.kind) {
    case CHECK_EQUALS:
      return value === check.expected
    case CHECK_NOT_EQUALS:
      return isNonNullScalar(value) && value !== check.expected
    case CHECK_IN_LIST:
      return isScalar(value) && check.list.includes(value)
    case CHECK_NOT_IN_LIST:
      return isNonNullScalar(value) && !check.list.includes(value)
    case CHECK_IN_SET:
      return isScalar(value) && check.set.has(value)
    case CHECK_NOT_IN_SET:
      return isNonNullScalar(value) && !check.set.has(value)
    case CHECK_MATCHES:
      return typeof value === 'string' && matchesAnyGlob(check.globs, value)
  }
}

/** A plain loop rather than `some`: no closure is allocated on the evaluation path. */
function matchesAnyGlob(globs: readonly Glob[], value: string): boolean {
  for (let i = 0; i < globs.length; i += 1) {
    const glob = globs[i]
    if (glob !== undefined && matchesGlob(glob, value)) return true
  }
  return false
}
