import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { deriveBuildId, deriveNameUuid, deriveOrganizationId, derivePipelineId } from './derive-stable-id.js'

describe('deriveNameUuid and the derived job ids', () => {
  it('computes RFC 9562 UUIDv5 (the DNS namespace test vector)', () => {
    assert.equal(deriveNameUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2')
  })

  it('gives a pipeline the same id in every build, and different pipelines and organizations different ids', () => {
    assert.equal(derivePipelineId('acme', 'web'), derivePipelineId('acme', 'web'))
    assert.notEqual(derivePipelineId('acme', 'web'), derivePipelineId('acme', 'api'))
    assert.notEqual(derivePipelineId('acme', 'web'), derivePipelineId('other', 'web'))
    assert.notEqual(deriveOrganizationId('acme'), deriveOrganizationId('acme-inc'))
    assert.notEqual(deriveBuildId('acme', 'web', 1), deriveBuildId('acme', 'web', 2))
    assert.match(deriveOrganizationId('acme'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  it('keeps the names apart: organization "a/b" is not pipeline b of organization a', () => {
    assert.notEqual(deriveOrganizationId('a/b'), derivePipelineId('a', 'b'))
  })
})
