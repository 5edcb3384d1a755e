import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import Fastify from 'fastify'
import { AppError } from '../errors.js'
import { registerErrorHandler } from './error-handler.js'

/** The error Node gives for a write to a full disk, made for real: /dev/full refuses every write with ENOSPC. */
function diskFullError(): Error {
  try {
    writeFileSync('/dev/full', 'x')
  } catch (error) {
    return error as Error
  }
  throw new Error('/dev/full accepted a write')
}

async function answerTo(fault: () => Error): Promise<{ status: number; body: Record<string, unknown> }> {
  const app = Fastify({ logger: false })
  registerErrorHandler(app)
  app.get('/', () => { throw fault() })
  try {
    const response = await app.inject({ method: 'GET', url: '/' })
    return { status: response.statusCode, body: response.json() }
  } finally {
    await app.close()
  }
}

describe('error handler', () => {
  it('answers a full disk, or a full database, with 507 storage_full instead of an internal error', async () => {
    const faults = [
      diskFullError,
      () => Object.assign(new Error('EDQUOT: disk quota exceeded, write'), { code: 'EDQUOT' }),
      () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
      () => Object.assign(new Error('could not extend file'), { code: '53100' }),
      () => new AppError('internal_error', 'wrapped', { cause: diskFullError() }),
    ]
    for (const fault of faults) {
      const { status, body } = await answerTo(fault)
      assert.equal(status, 507, JSON.stringify(body))
      assert.equal(body.code, 'storage_full')
      assert.match(String(body.message), /storage is full/)
      assert.doesNotMatch(String(body.message), /ENOSPC|\/dev\/full|SQLITE/)
    }
  })

  it('keeps other faults internal errors without their detail', async () => {
    const { status, body } = await answerTo(() => Object.assign(new Error('EACCES: permission denied, open /secret/path'), { code: 'EACCES' }))
    assert.equal(status, 500)
    assert.equal(body.code, 'internal_error')
    assert.doesNotMatch(String(body.message), /secret/)
  })
})
