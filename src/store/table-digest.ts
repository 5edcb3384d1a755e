/**
 * Exact comparison of a table's contents across dialects. Every value is carried as text (a cell): SQLite reads
 * integers as bigint, PostgreSQL returns `integer` as a number and `bigint` as a string, and both become the
 * same decimal text, so ids, timestamps, JSON text and 64-bit counters compare character for character.
 *
 * A table's digest is the sum, modulo 2^256, of the sha256 of each row's cells: it does not depend on the order
 * the rows were read in, so the source can be read by rowid and the destination by whatever order PostgreSQL
 * returns, without sorting a million rows in memory.
 */
import { createHash } from 'node:crypto'

/** A value as it travels between the dialects: decimal text for integers, the text itself, or null. */
export type Cell = string | null

const DIGEST_MODULUS = 1n << 256n

/**
 * The cell of a value read from either database.
 * @throws Error for anything but text, an integer or null (a REAL or a BLOB): the schema has none, and guessing
 * a conversion could change a value silently.
 */
export function toCell(value: unknown, where: string): Cell {
  if (value === null || typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
  const kind = Buffer.isBuffer(value) ? 'binary data' : typeof value === 'number' ? `the number ${String(value)}` : typeof value
  throw new Error(`${where} holds ${kind}, which migrate-store does not copy: every column is text or an integer`)
}

export interface TableDigest {
  add(row: readonly Cell[]): void
  readonly rows: number
  /** 64 hex digits. */
  value(): string
}

export function createTableDigest(): TableDigest {
  let sum = 0n
  let rows = 0
  return {
    add(row) {
      // JSON keeps null apart from the text "null" and cell boundaries apart from the cells' contents.
      const hash = createHash('sha256').update(JSON.stringify(row)).digest('hex')
      sum = (sum + BigInt(`0x${hash}`)) % DIGEST_MODULUS
      rows += 1
    },
    get rows() {
      return rows
    },
    value: () => sum.toString(16).padStart(64, '0'),
  }
}
