import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createReadinessCheck } from './readiness.js'

describe('createReadinessCheck', () => {
  it('is ready when every probe answers, and names the one that failed otherwise', async () => {
    const failures: string[] = []
    let databaseUp = true
    let now = 0
    const check = createReadinessCheck({
      probes: { database: () => (databaseUp ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))), blobs: () => Promise.resolve() },
      nowMs: () => now, reuseMs: 1_000, onFailure: (probe) => failures.push(probe),
    })
    assert.deepEqual(await check(), { ready: true, checks: { database: 'ok', blobs: 'ok' } })
    databaseUp = false
    now = 1_000
    assert.deepEqual(await check(), { ready: false, checks: { database: 'failed', blobs: 'ok' } })
    assert.deepEqual(failures, ['database'])
  })

  it('probes once per reuse period, however many checks arrive', async () => {
    let probes = 0
    let now = 0
    const check = createReadinessCheck({ probes: { database: () => { probes += 1; return Promise.resolve() } }, nowMs: () => now, reuseMs: 1_000, onFailure: () => undefined })
    await Promise.all([check(), check(), check()])
    now = 999
    await check()
    assert.equal(probes, 1)
    now = 1_000
    await check()
    assert.equal(probes, 2)
  })

  it('fails a probe that hangs, after the timeout', async () => {
    const check = createReadinessCheck({ probes: { blobs: () => new Promise(() => undefined) }, nowMs: () => 0, timeoutMs: 20, onFailure: () => undefined })
    assert.deepEqual(await check(), { ready: false, checks: { blobs: 'failed' } })
  })
})
