/**
 * Opaque cursors over `seq` columns for newest-first listings. `before` pages towards older rows, `after`
 * towards newer ones; both return rows newest first.
 */
import { AppError } from '../errors.js'
import type { Page, PageRequest } from '../registry/ports.js'

const CURSOR_PREFIX = 's'

export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${String(seq)}`).toString('base64url')
}

/** @throws AppError `request_invalid` for a cursor this server did not make. */
export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,32}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('latin1') : ''
  const digits = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : ''
  if (!/^\d{1,15}$/.test(digits)) throw new AppError('request_invalid', 'the page cursor is not valid')
  return Number(digits)
}

/** Which way to read, and from where, for a page request. */
export interface PagePlan {
  readonly direction: 'older' | 'newer'
  readonly fromSeq: number | null
  /** One more than the page, to learn whether another page follows. */
  readonly fetch: number
}

export function planPage(request: PageRequest): PagePlan {
  if (request.before !== undefined && request.after !== undefined) {
    throw new AppError('request_invalid', 'give either before or after, not both')
  }
  if (request.after !== undefined) return { direction: 'newer', fromSeq: decodeCursor(request.after), fetch: request.limit + 1 }
  return { direction: 'older', fromSeq: request.before === undefined ? null : decodeCursor(request.before), fetch: request.limit + 1 }
}

/**
 * Builds the page from rows read in the plan's direction (`older`: seq descending; `newer`: ascending).
 */
export function buildPage<Row extends { seq: number }, T>(plan: PagePlan, limit: number, rows: readonly Row[], map: (row: Row) => T): Page<T> {
  const more = rows.length > limit
  const kept = rows.slice(0, limit)
  const newestFirst = plan.direction === 'older' ? kept : [...kept].reverse()
  const newest = newestFirst[0]
  const oldest = newestFirst[newestFirst.length - 1]
  const hasOlder = plan.direction === 'older' ? more : plan.fromSeq !== null
  const hasNewer = plan.direction === 'newer' ? more : plan.fromSeq !== null
  return Object.freeze({
    items: Object.freeze(newestFirst.map(map)),
    next: hasOlder && oldest !== undefined ? encodeCursor(oldest.seq) : null,
    previous: hasNewer && newest !== undefined ? encodeCursor(newest.seq) : null,
  })
}
