import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { isIssuerPattern, matchesIssuerPattern } from './issuer-pattern.js'

describe('matchesIssuerPattern', () => {
  const circle = 'https://oidc.circleci.com/org/*'
  const cases: [string, string, boolean][] = [
    ['https://agent.buildkite.com', 'https://agent.buildkite.com', true],
    ['https://agent.buildkite.com', 'https://agent.buildkite.com/', false],
    ['https://agent.buildkite.com', 'https://Agent.buildkite.com', false],
    [circle, 'https://oidc.circleci.com/org/0c3e5a6a-1b1e-4a1e-9a8b-000000000000', true],
    [circle, 'https://oidc.circleci.com/org/', false],
    [circle, 'https://oidc.circleci.com/org/a/b', false],
    [circle, 'https://oidc.circleci.com/org/a?x', false],
    [circle, 'https://oidc.circleci.com/org/*', false],
    [circle, 'https://evil.example/https://oidc.circleci.com/org/a', false],
    ['https://x/*/y', 'https://x/a/y', true],
    ['https://x/*/y', 'https://x//y', false],
    ['https://x/*/*', 'https://x/a/b', false],
  ]
  for (const [pattern, iss, expected] of cases) {
    it(`${expected ? 'matches' : 'refuses'} ${iss} against ${pattern}`, () => {
      assert.equal(matchesIssuerPattern(pattern, iss), expected)
    })
  }
  it('tells a pattern from an exact issuer', () => {
    assert.equal(isIssuerPattern(circle), true)
    assert.equal(isIssuerPattern('https://agent.buildkite.com'), false)
  })
})
