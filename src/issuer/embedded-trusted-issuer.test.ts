import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { KeySource } from '../oidc/key-source.js'
import { resolveTrustedIssuers } from '../oidc/resolve-trusted-issuers.js'
import { embeddedIssuerUrl, trustEmbeddedIssuer } from './embedded-trusted-issuer.js'

const KEY_SOURCE: KeySource = { getKeys: () => ({ ok: true, keys: [] }), refreshKeys: () => null }
const ISSUER = embeddedIssuerUrl('https://packyard.example/')

describe('trustEmbeddedIssuer', () => {
  it('names the issuer {public_url}/issuer', () => {
    assert.equal(ISSUER, 'https://packyard.example/issuer')
  })

  it('adds the embedded issuer as multi-tenant, with Buildkite\'s claims and the default verifier settings', () => {
    const { issuers, keySources } = trustEmbeddedIssuer(resolveTrustedIssuers([{ preset: 'buildkite' }]), { issuerUrl: ISSUER, keySource: KEY_SOURCE })
    const embedded = issuers.find((issuer) => issuer.issuer === ISSUER)
    assert.ok(embedded)
    assert.equal(issuers.length, 2)
    assert.deepEqual(embedded.tenantClaims, ['organization_slug', 'organization_id'])
    assert.equal(embedded.maxLifetimeSeconds, 300)
    assert.equal(embedded.clockSkewSeconds, 30)
    assert.deepEqual(embedded.algorithms, ['RS256', 'ES256'])
    assert.deepEqual(embedded.claims?.types.build_number, ['number'])
    assert.deepEqual(embedded.claims.immutableAlternatives, {})
    assert.equal(keySources[ISSUER], KEY_SOURCE)
  })

  it('takes a configured entry\'s verifier settings for the same URL, and still serves its keys from memory', () => {
    const configured = resolveTrustedIssuers([{ issuer: ISSUER, max_lifetime_seconds: 3600, clock_skew_seconds: 10, algorithms: ['ES256'] }])
    const { issuers, keySources } = trustEmbeddedIssuer(configured, { issuerUrl: ISSUER, keySource: KEY_SOURCE })
    assert.equal(issuers.length, 1)
    assert.equal(issuers[0]?.maxLifetimeSeconds, 3600)
    assert.equal(issuers[0].clockSkewSeconds, 10)
    assert.deepEqual(issuers[0].algorithms, ['ES256'])
    assert.equal(keySources[ISSUER], KEY_SOURCE)
  })

  it('keeps what the embedded issuer is when a configured entry overrides its settings: name, claims and tenant claims', () => {
    // Provenance finds the claims to record by the issuer's name, the lints use its catalog, and a policy must
    // still pin the organization: an override cannot open one organization's registries to another's jobs.
    const configured = resolveTrustedIssuers([{ issuer: ISSUER, max_lifetime_seconds: 3600, tenant_claims: [] }])
    const [embedded] = trustEmbeddedIssuer(configured, { issuerUrl: ISSUER, keySource: KEY_SOURCE }).issuers
    assert.equal(embedded?.name, 'embedded')
    assert.deepEqual(embedded.tenantClaims, ['organization_slug', 'organization_id'])
    assert.deepEqual(embedded.claims?.types.pipeline_slug, ['string'])
  })
})
