import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { compareSemver, isValidSemver, parseSemver, pickFallbackLatest } from './npm-semver.js'

describe('npm versions', () => {
  for (const version of ['0.0.0', '1.2.3', '10.20.30', '1.0.0-rc.1', '1.0.0-alpha.beta.1', '1.0.0+build.5', '1.0.0-0.3.7+x.y']) {
    it(`accepts ${version}`, () => { assert.ok(isValidSemver(version)) })
  }
  for (const version of ['', '1', '1.2', 'v1.2.3', '=1.2.3', '01.2.3', '1.2.3-', '1.2.3-01', '1.2.3/../x', ' 1.2.3', `1.2.3-${'a'.repeat(300)}`, '99999999999999999.0.0']) {
    it(`refuses ${JSON.stringify(version.slice(0, 20))}`, () => { assert.ok(!isValidSemver(version)) })
  }

  it('orders versions by semver precedence', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '2.0.0']
    for (let i = 1; i < ordered.length; i += 1) {
      assert.ok(compareSemver(parseSemver(ordered[i - 1]!)!, parseSemver(ordered[i]!)!) < 0, `${ordered[i - 1]!} < ${ordered[i]!}`)
      assert.ok(compareSemver(parseSemver(ordered[i]!)!, parseSemver(ordered[i - 1]!)!) > 0)
    }
    assert.equal(compareSemver(parseSemver('1.0.0+a')!, parseSemver('1.0.0+b')!), 0)
  })

  it('falls back to the highest release for latest, else the highest pre-release', () => {
    assert.equal(pickFallbackLatest(['1.0.0', '2.0.0-rc.1', '1.5.0']), '1.5.0')
    assert.equal(pickFallbackLatest(['2.0.0-rc.1', '2.0.0-rc.2']), '2.0.0-rc.2')
    assert.equal(pickFallbackLatest([]), undefined)
  })
})
