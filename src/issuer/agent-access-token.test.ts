import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateAgentAccessToken, hashAgentAccessToken, matchesAgentAccessToken } from './agent-access-token.js'

describe('agent access tokens', () => {
  it('are random, prefixed, and not API tokens', () => {
    const a = generateAgentAccessToken()
    assert.match(a, /^pkyagent_[A-Za-z0-9_-]{43}$/)
    assert.notEqual(a, generateAgentAccessToken())
    assert.equal(a.startsWith('pky_'), false)
  })

  it('match their stored hash only', () => {
    const token = generateAgentAccessToken()
    const stored = hashAgentAccessToken(token)
    assert.match(stored, /^[0-9a-f]{64}$/)
    assert.equal(matchesAgentAccessToken(token, stored), true)
    assert.equal(matchesAgentAccessToken(`${token}x`, stored), false)
    assert.equal(matchesAgentAccessToken('', stored), false)
    assert.equal(matchesAgentAccessToken(token, 'not hex'), false)
  })
})
