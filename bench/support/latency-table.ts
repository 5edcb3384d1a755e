/**
 * The scale benchmark's table, a sibling of ratio-table.ts for latencies: per case, p50 and p99 on SQLite and
 * on PostgreSQL, the PostgreSQL ÷ SQLite ratio of p99s, the target and whether it was met. A missed target is a
 * FAIL row, never an exit status.
 */
import { percentile } from './measure-latency.js'

export interface LatencyRow {
  readonly name: string
  /** Milliseconds per request, in the order measured. */
  readonly sqlite: readonly number[]
  readonly postgres: readonly number[]
  /** Both stores' p99 must stay under this, in ms; null: no absolute target. */
  readonly maxP99Ms: number | null
  /** PostgreSQL's p99 ÷ SQLite's at most this; null: context only. */
  readonly maxRatio: number | null
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2))

export function formatLatencyTable(rows: readonly LatencyRow[]): string {
  const lines = [
    '| case | SQLite p50 | SQLite p99 | PG p50 | PG p99 | PG/SQLite p99 | target | result |',
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const row of rows) {
    const sqliteP99 = percentile(row.sqlite, 0.99)
    const postgresP99 = percentile(row.postgres, 0.99)
    const ratio = postgresP99 / sqliteP99
    const targets: string[] = []
    let pass: boolean | null = null
    if (row.maxP99Ms !== null) {
      targets.push(`p99 < ${String(row.maxP99Ms)} ms`)
      pass = sqliteP99 < row.maxP99Ms && postgresP99 < row.maxP99Ms
    }
    if (row.maxRatio !== null) {
      targets.push(`PG ≤ ${row.maxRatio.toFixed(1)}× SQLite`)
      pass = (pass ?? true) && ratio <= row.maxRatio
    }
    const result = pass === null ? 'context' : pass ? 'pass' : 'FAIL'
    const count = row.sqlite.length === row.postgres.length ? `n=${String(row.sqlite.length)}` : `n=${String(row.sqlite.length)}/${String(row.postgres.length)}`
    lines.push(`| ${row.name} (${count}) | ${ms(percentile(row.sqlite, 0.5))} ms | ${ms(sqliteP99)} ms | ${ms(percentile(row.postgres, 0.5))} ms | ${ms(postgresP99)} ms | ${ratio.toFixed(2)} | ${targets.join('; ') || '—'} | ${result} |`)
  }
  return lines.join('\n')
}
