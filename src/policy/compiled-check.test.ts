import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CHECK_EQUALS, CHECK_IN_LIST, CHECK_MATCHES, compileCheck, testCompiledCheck } from './compiled-check.js'
import { compileGlob } from './glob.js'
import { testMatcher } from './test-matcher.js'
import type { Matcher, Scalar } from './types.js'

const POSITION = { line: null, column: null }
/** parse-rule.ts turns lists this long into Sets. */
const SET_THRESHOLD = 8

function createListMatcher(name: 'in' | 'not_in', expected: readonly Scalar[]): Matcher {
  return { name, expected, set: expected.length >= SET_THRESHOLD ? new Set(expected) : null, position: POSITION }
}

function createMatchesMatcher(patterns: readonly string[]): Matcher {
  return { name: 'matches', expected: patterns, globs: patterns.map(compileGlob), position: POSITION }
}

const testCompiled = (matcher: Matcher, value: unknown) => testCompiledCheck(compileCheck({ claim: 'x', slot: 0, matcher }), value)

describe('compileCheck', () => {
  it('turns wildcard-free globs into equality, accepting the string and rejecting others', () => {
    const one = createMatchesMatcher(['main'])
    assert.equal(compileCheck({ claim: 'x', slot: 0, matcher: one }).kind, CHECK_EQUALS)
    assert.deepEqual([testCompiled(one, 'main'), testCompiled(one, 'Main'), testCompiled(one, undefined)], [true, false, false])
    const several = createMatchesMatcher(['main', '1', 'release\\*'])
    assert.equal(compileCheck({ claim: 'x', slot: 0, matcher: several }).kind, CHECK_IN_LIST)
    assert.deepEqual([testCompiled(several, 'release*'), testCompiled(several, '1'), testCompiled(several, 1)], [true, true, false])
  })

  it('keeps globs with wildcards as globs, and matches only strings', () => {
    const matcher = createMatchesMatcher(['main', 'release/*'])
    assert.equal(compileCheck({ claim: 'x', slot: 0, matcher }).kind, CHECK_MATCHES)
    assert.deepEqual([testCompiled(matcher, 'release/1'), testCompiled(matcher, 'release/1/2'), testCompiled(matcher, null)], [true, false, false])
  })

  it('rejects a missing, null, array or object claim for the negative kinds', () => {
    for (const matcher of [
      { name: 'not_equals', expected: 'x', position: POSITION } as const,
      createListMatcher('not_in', ['x']),
      createListMatcher('not_in', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
    ]) {
      for (const value of [undefined, null, ['y'], { y: 1 }]) assert.equal(testCompiled(matcher, value), false)
      assert.equal(testCompiled(matcher, 'y'), true)
    }
  })

  it('decides every value exactly as testMatcher on random matchers', () => {
    const scalar = fc.constantFrom<Scalar>('x', 'y', 'a/b', '', '1', 1, 0, -0, Number.NaN, 1.5, true, false, null)
    const list = fc.array(scalar, { minLength: 1, maxLength: 10 })
    const glob = fc.constantFrom('*', '**', 'x', 'y', '?', 'a/*', '*/b', '\\*', '', 'a/b', '1')
    const matcher = fc.oneof(
      fc.record({ name: fc.constantFrom('equals' as const, 'not_equals' as const), expected: scalar, position: fc.constant(POSITION) }),
      fc.tuple(fc.constantFrom('in' as const, 'not_in' as const), list).map(([name, values]) => createListMatcher(name, values)),
      fc.array(glob, { minLength: 1, maxLength: 3 }).map(createMatchesMatcher),
    )
    const value = fc.oneof(scalar, fc.constantFrom(undefined, ['x'], { x: 1 }, '*', 'a/c', 'a/b/c'))
    fc.assert(
      fc.property(matcher, value, (m, v) => testCompiled(m, v) === testMatcher(m, v)),
      { numRuns: 5000 },
    )
  })
})
