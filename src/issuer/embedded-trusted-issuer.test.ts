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

  it('keeps a configured entry for the same URL, with its settings, and still serves its keys from memory', () => {
    const configured = resolveTrustedIssuers([{ issuer: ISSUER, max_lifetime_seconds: 3600 }])
    const { issuers, keySources } = trustEmbeddedIssuer(configured, { issuerUrl: ISSUER, keySource: KEY_SOURCE })
    assert.equal(issuers.length, 1)
    assert.equal(issuers[0]?.maxLifetimeSeconds, 3600)
    assert.equal(keySources[ISSUER], KEY_SOURCE)
  })
})
