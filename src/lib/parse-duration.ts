/** Durations as people type them on a command line: `90s`, `15m`, `1h`, `7d`, `500ms`, or `0`. */

const UNITS_MS: ReadonlyMap<string, number> = new Map([['ms', 1], ['s', 1_000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]])
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/

/** Milliseconds, or undefined for text that is not one whole number and a unit (fractions, signs, `1h30m`). */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0
  const match = DURATION.exec(text)
  const unitMs = UNITS_MS.get(match?.[2] ?? '')
  if (match === null || unitMs === undefined) return undefined
  return Number(match[1]) * unitMs
}

/** `3600000` → `1h`, `90000` → `90s`: the largest unit that divides the duration evenly. */
export function formatDurationMs(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) {
    const unitMs = UNITS_MS.get(unit) ?? 1
    if (ms >= unitMs && ms % unitMs === 0) return `${String(ms / unitMs)}${unit}`
  }
  return `${String(ms)}ms`
}
