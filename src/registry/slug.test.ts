import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { assertSlugAllowed, slugify } from './slug.js'

const invalid = (error: unknown) => error instanceof AppError && error.code === 'request_invalid'

describe('slugify', () => {
  for (const [name, slug] of [
    ['my registry', 'my-registry'],
    ['smoke files', 'smoke-files'],
    ['My  Registry!!', 'my-registry'],
    ['--Édition_2--', 'edition-2'],
    ['npm', 'npm'],
  ] as const) {
    it(`makes ${JSON.stringify(name)} into ${slug}`, () => {
      assert.equal(slugify(name), slug)
    })
  }
  it('refuses names with nothing to make a slug from', () => {
    assert.throws(() => slugify('!!!'), invalid)
  })
  it('refuses reserved slugs', () => {
    for (const name of ['v2', 'UI', 'issuer', 'healthz', 'metrics', 'static', 'api']) assert.throws(() => slugify(name), invalid)
    assert.throws(() => { assertSlugAllowed('.well-known'); }, invalid)
    assert.throws(() => { assertSlugAllowed('-'); }, invalid)
  })
  it('refuses slugs that are not kebab-case', () => {
    for (const slug of ['Acme', 'a--b', 'a_b', '', 'a'.repeat(64)]) assert.throws(() => { assertSlugAllowed(slug); }, invalid)
    assertSlugAllowed('acme-2')
  })
})
