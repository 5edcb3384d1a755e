import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { explainInvalidDistTag, explainInvalidNpmName, storedFileName, tarballFileName } from './npm-names.js'

describe('npm package names', () => {
  for (const name of ['lib', 'a', '@acme/widget', 'my.pkg_name-2', '@a-b/c.d', '123', 'x'.repeat(214)]) {
    it(`accepts ${name.slice(0, 30)}`, () => { assert.equal(explainInvalidNpmName(name), null) })
  }
  const refused = [
    '', 'Upper', '@Acme/x', '.hidden', '_private', '@scope/.x', '@scope/_x', '@.scope/x', 'a b', ' a', 'a/b', '@scope', '@scope/', '@scope/a/b',
    '../x', '@scope/..', '..', 'node_modules', 'favicon.ico', 'a~b', "a'b", 'a!b', 'a(b)', 'a*b', 'é', 'a%2fb', 'x'.repeat(215),
  ]
  for (const name of refused) {
    it(`refuses ${JSON.stringify(name.slice(0, 30))}`, () => { assert.notEqual(explainInvalidNpmName(name), null) })
  }
  it('names tarballs without the scope and stores them with it', () => {
    assert.equal(tarballFileName('@acme/widget', '1.0.0'), 'widget-1.0.0.tgz')
    assert.equal(storedFileName('@acme/widget', '1.0.0'), '@acme/widget-1.0.0.tgz')
    assert.notEqual(storedFileName('@acme/x', '1.0.0'), storedFileName('acme-x', '1.0.0'))
  })
})

describe('npm dist-tags', () => {
  for (const tag of ['latest', 'beta', 'next', 'release-2', 'v', 'canary.1']) {
    it(`accepts ${tag}`, () => { assert.equal(explainInvalidDistTag(tag), null) })
  }
  for (const tag of ['', '1.0.0', '1.x', 'v1', 'V2.0', 'x', '*', '^1', 'a b', 'a/b', 'é', 't'.repeat(129)]) {
    it(`refuses ${JSON.stringify(tag.slice(0, 20))}`, () => { assert.notEqual(explainInvalidDistTag(tag), null) })
  }
})
