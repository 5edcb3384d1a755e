/**
 * The table every server benchmark prints: Packyard against a baseline measured in the same run, the ratio,
 * the target and whether it was met. Benchmarks report; a missed target is a FAIL row, never an exit status.
 */

export interface RatioRow {
  readonly name: string
  readonly packyard: string
  readonly baseline: string
  /** Packyard ÷ baseline (higher is better), or null where a row has no ratio. */
  readonly ratio: number | null
  readonly target: string
  /** null: context only, no target. */
  readonly pass: boolean | null
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * The median of per-round ratios `packyard[i] / baseline[i]`: each round's pair ran back to back, so load that
 * comes and goes over seconds mostly cancels out of it, unlike a ratio of medians.
 */
export function medianRatio(packyard: readonly number[], baseline: readonly number[]): number {
  return median(packyard.map((value, round) => value / (baseline[round] ?? Number.NaN)))
}

export function formatRatioTable(rows: readonly RatioRow[]): string {
  const lines = ['| case | Packyard | baseline | ratio | target | result |', '|---|---|---|---|---|---|']
  for (const row of rows) {
    const ratio = row.ratio === null ? '—' : row.ratio.toFixed(3)
    const result = row.pass === null ? 'context' : row.pass ? 'pass' : 'FAIL'
    lines.push(`| ${row.name} | ${row.packyard} | ${row.baseline} | ${ratio} | ${row.target} | ${result} |`)
  }
  return lines.join('\n')
}

export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}
