import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { readCredential } from './read-credential.js'

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const refusedWith = (code: string) => (error: unknown) => error instanceof AppError && error.code === code

describe('readCredential', () => {
  it('reads Bearer, Token and Basic (any username) credentials', () => {
    assert.equal(readCredential('Bearer abc.def.ghi'), 'abc.def.ghi')
    assert.equal(readCredential('bearer abc'), 'abc')
    assert.equal(readCredential('Token pky_x'), 'pky_x')
    assert.equal(readCredential(basic('buildkite', 'pky_y')), 'pky_y')
    assert.equal(readCredential(basic('', 'a:b')), 'a:b')
  })
  it('returns undefined when there is no header', () => {
    assert.equal(readCredential(undefined), undefined)
    assert.equal(readCredential(''), undefined)
  })
  it('refuses an unknown scheme, an empty credential and a Basic value without a password', () => {
    assert.throws(() => readCredential('Digest x'), refusedWith('token_malformed'))
    assert.throws(() => readCredential('Bearer'), refusedWith('token_malformed'))
    assert.throws(() => readCredential('Bearer   '), refusedWith('token_malformed'))
    assert.throws(() => readCredential(basic('user', '')), refusedWith('token_malformed'))
    assert.throws(() => readCredential('Basic !!!'), refusedWith('token_malformed'))
  })
  it('refuses a huge header as too large', () => {
    assert.throws(() => readCredential(`Bearer ${'a'.repeat(30_000)}`), refusedWith('token_too_large'))
  })
})
