import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { findTrustedIssuer, resolveTrustedIssuers } from './resolve-trusted-issuers.js'

describe('resolveTrustedIssuers', () => {
  const presets = resolveTrustedIssuers([{ preset: 'buildkite' }, { preset: 'github' }, { preset: 'gitlab' }, { preset: 'circleci' }])

  it('gives presets their pinned JWKS, algorithms, lifetime cap and tenant claims', () => {
    const buildkite = presets[0]!
    assert.equal(buildkite.issuer, 'https://agent.buildkite.com')
    assert.equal(buildkite.jwksUri, 'https://agent.buildkite.com/.well-known/jwks')
    assert.deepEqual(buildkite.algorithms, ['RS256'])
    assert.equal(buildkite.maxLifetimeSeconds, 300)
    assert.equal(buildkite.clockSkewSeconds, 30)
    assert.deepEqual(buildkite.tenantClaims, ['organization_slug', 'organization_id'])
    assert.equal(buildkite.allowInsecureHttp, false)
    assert.ok(Object.isFrozen(buildkite))
  })

  it('lets an entry override a preset\'s verification settings', () => {
    const [gitlab] = resolveTrustedIssuers([{ preset: 'gitlab', max_lifetime_seconds: 7200, clock_skew_seconds: 5 }])
    assert.ok(gitlab)
    assert.equal(gitlab.maxLifetimeSeconds, 7200)
    assert.equal(gitlab.clockSkewSeconds, 5)
    assert.equal(gitlab.issuer, 'https://gitlab.com')
  })

  it('gives a custom issuer the documented defaults', () => {
    const [custom] = resolveTrustedIssuers([{ issuer: 'https://ci.example.com' }])
    assert.ok(custom)
    assert.deepEqual(custom.algorithms, ['RS256', 'ES256'])
    assert.equal(custom.maxLifetimeSeconds, 300)
    assert.equal(custom.clockSkewSeconds, 30)
    assert.deepEqual(custom.tenantClaims, [])
    assert.equal(custom.jwksUri, undefined)
  })

  it('refuses the same issuer configured twice', () => {
    assert.throws(
      () => resolveTrustedIssuers([{ preset: 'github' }, { issuer: 'https://token.actions.githubusercontent.com' }]),
      (error: unknown) => error instanceof AppError && error.code === 'config_invalid',
    )
  })

  it('finds the issuer of a token exactly, and CircleCI by its one-segment pattern', () => {
    assert.equal(findTrustedIssuer(presets, 'https://agent.buildkite.com')?.name, 'buildkite')
    assert.equal(findTrustedIssuer(presets, 'https://agent.buildkite.com/'), undefined)
    assert.equal(findTrustedIssuer(presets, 'https://oidc.circleci.com/org/6b5c1e0a-1111-4222-8333-444455556666')?.name, 'circleci')
    assert.equal(findTrustedIssuer(presets, 'https://oidc.circleci.com/org/a/b'), undefined)
    assert.equal(findTrustedIssuer(presets, 'https://evil.example'), undefined)
  })
})
