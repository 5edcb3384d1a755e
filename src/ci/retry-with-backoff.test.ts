import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { backoffMs, retryWithBackoff, type Attempt } from './retry-with-backoff.js'

describe('retryWithBackoff', () => {
  const run = async (outcomes: Attempt<string>[]) => {
    const sleeps: number[] = []
    let calls = 0
    const result = await retryWithBackoff(() => Promise.resolve(outcomes[calls++] ?? { ok: false, retryable: true, reason: 'again' }), {
      sleep: (ms) => { sleeps.push(ms); return Promise.resolve() },
      warn: () => undefined,
    })
    return { result, sleeps, calls }
  }

  it('waits 2 s, 4 s, 8 s, 16 s: exponential with base 2 s', () => {
    assert.deepEqual([1, 2, 3, 4].map(backoffMs), [2000, 4000, 8000, 16000])
  })

  it('returns the first success without waiting', async () => {
    assert.deepEqual(await run([{ ok: true, value: 'x' }]), { result: { ok: true, value: 'x' }, sleeps: [], calls: 1 })
  })

  it('stops after 5 attempts with the last reason', async () => {
    const { result, sleeps, calls } = await run([])
    assert.deepEqual(result, { ok: false, reason: 'again' })
    assert.equal(calls, 5)
    assert.deepEqual(sleeps, [2000, 4000, 8000, 16000])
  })

  it('stops at once on a failure that is not retryable', async () => {
    const { result, calls } = await run([{ ok: false, retryable: true, reason: '500' }, { ok: false, retryable: false, reason: '403' }])
    assert.deepEqual(result, { ok: false, reason: '403' })
    assert.equal(calls, 2)
  })
})
