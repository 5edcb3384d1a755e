import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { AppError } from '../errors.js'
import { compileGlob, findGlobProblem, matchesGlob } from './glob.js'

const match = (pattern: string, value: string) => matchesGlob(compileGlob(pattern), value)

/** A slow, obviously-correct reference: memoized recursion over code points, straight from DESIGN.md 1.3. */
function matchesReference(pattern: string, value: string): boolean {
  interface Token {
    kind: 'lit' | 'one' | 'seg' | 'any'
    char?: string
  }
  const tokens: Token[] = []
  const chars = Array.from(pattern) // code points, as DESIGN.md 1.3 decides
  for (let i = 0; i < chars.length; i += 1) {
    const char = chars[i]!
    if (char === '\\') tokens.push({ kind: 'lit', char: chars[(i += 1)]! })
    else if (char === '?') tokens.push({ kind: 'one' })
    else if (char === '*') {
      let run = 1
      while (chars[i + 1] === '*') [run, i] = [run + 1, i + 1]
      tokens.push({ kind: run > 1 ? 'any' : 'seg' })
    } else tokens.push({ kind: 'lit', char })
  }
  const text = Array.from(value)
  const memo = new Map<string, boolean>()
  const at = (t: number, v: number): boolean => {
    const key = `${String(t)},${String(v)}`
    const known = memo.get(key)
    if (known !== undefined) return known
    const token = tokens[t]
    let result: boolean
    if (token === undefined) result = v === text.length
    else if (token.kind === 'seg' || token.kind === 'any') {
      result = at(t + 1, v) || (v < text.length && (token.kind === 'any' || text[v] !== '/') && at(t, v + 1))
    } else if (v >= text.length) result = false
    else if (token.kind === 'one') result = text[v] !== '/' && at(t + 1, v + 1)
    else result = text[v] === token.char && at(t + 1, v + 1)
    memo.set(key, result)
    return result
  }
  return at(0, 0)
}

describe('matchesGlob', () => {
  const cases: [pattern: string, value: string, expected: boolean][] = [
    ['main', 'main', true],
    ['main', 'MAIN', false],
    ['main', 'main\n', false],
    ['main', 'evil-main', false],
    ['feature/*', 'feature/a', true],
    ['feature/*', 'feature/', true],
    ['feature/*', 'feature/.hidden', true],
    ['feature/*', 'feature/a/b', false],
    ['feature/**', 'feature/a/b', true],
    ['feature/**', 'feature', false],
    ['your-org/*', 'your-org/repo', true],
    ['your-org/*', 'other-org/repo', false],
    ['*', '', true],
    ['release-*', 'release-', true],
    ['v?.?', 'v1.2', true],
    ['v?.?', 'v1/2', false],
    ['a?c', 'a/c', false],
    ['a/*/c', 'a//c', true],
    ['**', 'a/b/c', true],
    ['***', 'a/b', true],
    ['!main', 'evil', false],
    ['{main,dev}', 'dev', false],
    ['[ab]', 'a', false],
    ['v1.0', 'v1x0', false],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['a\\?', 'a?', true],
    ['a\\?', 'ab', false],
    ['\\\\', '\\', true],
    ['\\a', 'a', true],
    ['*a*a*a*b', 'aaaaaaaaab', true],
    ['*a*a*a*b', 'aaaaaaaaaa', false],
  ]
  for (const [pattern, value, expected] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} ${JSON.stringify(value)} for ${JSON.stringify(pattern)}`, () => {
      assert.equal(match(pattern, value), expected)
    })
  }

  it('treats an astral character as one character for ? and *', () => {
    assert.equal(match('?', '😀'), true)
    assert.equal(match('??', '😀'), false)
    assert.equal(match('a*b', 'a😀😀b'), true)
    assert.equal(match('😀?', '😀x'), true)
    assert.equal(match('x?y', 'x\uD83Dy'), true, 'a lone surrogate is one character too')
  })

  it('rejects a value that only matches when the pattern is a regex', () => {
    assert.equal(match('.*', 'anything'), false)
    assert.equal(match('^main$', 'main'), false)
  })

  it('handles patterns longer than a bitmask holds', () => {
    const pattern = `${'a?'.repeat(20)}*z`
    assert.equal(match(pattern, `${'ab'.repeat(20)}xyz`), true)
    assert.equal(match(pattern, `${'ab'.repeat(20)}xy/z`), false)
  })

  it('rejects a glob ending with a lone backslash', () => {
    assert.match(findGlobProblem('main\\') ?? '', /lone/)
    assert.equal(findGlobProblem('main\\\\'), null)
    assert.throws(() => compileGlob('a\\'), (error) => error instanceof AppError && error.code === 'policy_invalid')
  })

  it('agrees with a reference backtracker on random patterns and values', () => {
    const patternChar = fc.constantFrom('a', 'b', '/', '*', '?', '\\', '😀')
    const valueChar = fc.constantFrom('a', 'b', '/', '*', '?', '\\', '😀')
    const pattern = fc.array(patternChar, { maxLength: 40 }).map((chars) => chars.join('')).filter((p) => findGlobProblem(p) === null)
    const value = fc.array(valueChar, { maxLength: 12 }).map((chars) => chars.join(''))
    fc.assert(
      fc.property(pattern, value, (p, v) => matchesGlob(compileGlob(p), v) === matchesReference(p, v)),
      { numRuns: 3000 },
    )
  })

  it('agrees with the reference when the value is built to match', () => {
    const segment = fc.constantFrom('a', 'b', '/', 'ab/')
    fc.assert(
      fc.property(fc.array(fc.tuple(segment, fc.constantFrom('*', '**', '?', '')), { maxLength: 8 }), fc.array(segment, { maxLength: 8 }), (parts, fill) => {
        const p = parts.map(([literal, wild]) => literal + wild).join('')
        const v = parts.map(([literal], i) => literal + (fill[i] ?? '')).join('')
        return matchesGlob(compileGlob(p), v) === matchesReference(p, v)
      }),
      { numRuns: 2000 },
    )
  })

  describe('one-star-run fast path', () => {
    const cases: [pattern: string, value: string, expected: boolean][] = [
      ['release/*', 'release/1.2', true],
      ['release/*', 'release/', true],
      ['release/*', 'release/1/2', false],
      ['release/*', 'release', false],
      ['*.tgz', 'pkg-1.0.tgz', true],
      ['*.tgz', 'dir/pkg.tgz', false],
      ['refs/tags/**', 'refs/tags/v1/rc', true],
      ['refs/tags/**', 'refs/heads/v1', false],
      ['ab*ba', 'aba', false],
      ['ab*ba', 'abba', true],
      ['a**b', 'a/x/b', true],
      ['a*b', 'a/b', false],
      ['x\uD83D*', 'x😀', false],
      ['*\uDE00', '😀', false],
      ['😀*😀', '😀/😀', false],
      ['😀*😀', '😀x😀', true],
    ]
    for (const [pattern, value, expected] of cases) {
      it(`${expected ? 'accepts' : 'rejects'} ${JSON.stringify(value)} for ${JSON.stringify(pattern)}`, () => {
        assert.equal(match(pattern, value), expected)
        assert.equal(matchesReference(pattern, value), expected, 'the case itself agrees with the reference')
      })
    }

    it('is taken for literal text around one star run, and not for ? or two runs', () => {
      assert.notEqual(compileGlob('release/*').oneStarRun, null)
      assert.notEqual(compileGlob('*.tgz').oneStarRun, null)
      assert.equal(compileGlob('a?*').oneStarRun, null)
      assert.equal(compileGlob('a*b*').oneStarRun, null)
    })

    it('agrees with the reference on random one-star-run patterns, lone surrogates included', () => {
      const char = fc.constantFrom('a', 'b', '/', '😀', '\uD83D', '\uDE00', '\\*')
      const text = fc.array(char, { maxLength: 4 }).map((chars) => chars.join(''))
      const pattern = fc.tuple(text, fc.constantFrom('*', '**'), text).map(([prefix, stars, suffix]) => prefix + stars + suffix)
      const value = fc.array(fc.constantFrom('a', 'b', '/', '😀', '\uD83D', '\uDE00', '*'), { maxLength: 10 }).map((chars) => chars.join(''))
      fc.assert(
        fc.property(pattern, value, (p, v) => matchesGlob(compileGlob(p), v) === matchesReference(p, v)),
        { numRuns: 5000 },
      )
    })
  })
})
