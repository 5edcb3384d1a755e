import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { parseIssuersFile } from './issuer-entry.js'

function refusal(source: string): string {
  try {
    parseIssuersFile(source, 'issuers.yaml')
  } catch (error) {
    assert.ok(error instanceof AppError)
    assert.equal(error.code, 'config_invalid')
    return error.message
  }
  assert.fail('expected the file to be refused')
}

describe('parseIssuersFile', () => {
  it('reads presets and custom issuers with their settings', () => {
    const entries = parseIssuersFile(
      `issuers:
  - preset: buildkite
  - preset: gitlab
    max_lifetime_seconds: 7200
  - issuer: https://ci.example.com
    algorithms: [ES256]
    clock_skew_seconds: 10
    tenant_claims: [team_id]
    jwks_uri: https://ci.example.com/keys
`,
      'issuers.yaml',
    )
    assert.equal(entries.length, 3)
    assert.deepEqual(entries[1], { preset: 'gitlab', max_lifetime_seconds: 7200 })
    assert.deepEqual(entries[2], {
      issuer: 'https://ci.example.com',
      algorithms: ['ES256'],
      clock_skew_seconds: 10,
      tenant_claims: ['team_id'],
      jwks_uri: 'https://ci.example.com/keys',
    })
  })

  it('refuses an unknown key', () => {
    assert.match(refusal('issuers:\n  - preset: github\n    audience: x\n'), /audience/)
  })

  it('refuses an unknown preset and a non-http issuer', () => {
    refusal('issuers:\n  - preset: jenkins\n')
    refusal('issuers:\n  - issuer: ftp://ci.example.com\n')
  })

  it('refuses HMAC and none as algorithms', () => {
    refusal('issuers:\n  - issuer: https://ci.example.com\n    algorithms: [HS256]\n')
    refusal('issuers:\n  - issuer: https://ci.example.com\n    algorithms: [none]\n')
  })

  it('refuses a clock skew over 60 seconds', () => {
    refusal('issuers:\n  - preset: buildkite\n    clock_skew_seconds: 61\n')
  })

  it('refuses an empty list and a file without `issuers:`', () => {
    refusal('issuers: []\n')
    refusal('- preset: buildkite\n')
  })

  it('reports YAML problems with their position', () => {
    assert.match(refusal('issuers:\n  - preset: buildkite\n  - preset: &a github\n'), /issuers\.yaml:3:\d+: anchors/)
  })
})
