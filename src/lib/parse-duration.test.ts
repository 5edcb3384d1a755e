import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { formatDurationMs, parseDurationMs } from './parse-duration.js'

describe('parseDurationMs', () => {
  it('reads a whole number and a unit', () => {
    assert.equal(parseDurationMs('0'), 0)
    assert.equal(parseDurationMs('500ms'), 500)
    assert.equal(parseDurationMs('90s'), 90_000)
    assert.equal(parseDurationMs('15m'), 900_000)
    assert.equal(parseDurationMs('1h'), 3_600_000)
    assert.equal(parseDurationMs('7d'), 604_800_000)
  })

  it('refuses fractions, signs, compounds, bare numbers and unknown units', () => {
    for (const text of ['1.5h', '-1h', '+1h', '1h30m', '60', '', 'h', '1 h', '1H', '1w', '0x10s']) {
      assert.equal(parseDurationMs(text), undefined, text)
    }
  })
})

describe('formatDurationMs', () => {
  it('uses the largest unit that divides evenly', () => {
    assert.equal(formatDurationMs(3_600_000), '1h')
    assert.equal(formatDurationMs(90_000), '90s')
    assert.equal(formatDurationMs(0), '0ms')
    assert.equal(formatDurationMs(1_500), '1500ms')
  })
})
