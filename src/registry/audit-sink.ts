/**
 * Authentication decisions are audited on every request, so they are buffered and written in batches, one
 * multi-row insert each, instead of one synchronous write per request. Repeats of one decision within a batch
 * (a client reusing its token for hundreds of requests) are coalesced into one event that carries `count`
 * and `last_at`, so the log stays complete without growing by a row per request. Changes (registries,
 * policies, packages, tokens) are not buffered: they are written in the transaction of the change itself.
 */
import type { MetadataStore } from './ports.js'
import type { AuditEvent } from './records.js'

/** How long a decision may wait in memory before it is written, in ms: bounds what a crash can lose. */
export const AUDIT_FLUSH_INTERVAL_MS = 200
/** Distinct events buffered before a write is forced, whatever the interval. */
const AUDIT_BATCH_SIZE = 500

export type AuditRecord = Omit<AuditEvent, 'id' | 'seq' | 'createdAt'>

export interface AuditSink {
  /**
   * Queues an event; never throws, never waits. Events given the same `coalesceKey` before the next write
   * are stored once, with `detail.count` and `detail.last_at`; the key must identify everything in the event.
   */
  record(event: AuditRecord, coalesceKey?: string): void
  /** Writes everything queued; called before the log is read, and at shutdown. */
  flush(): Promise<void>
  close(): Promise<void>
}

interface Pending {
  readonly event: AuditRecord
  count: number
  lastAtMs: number
}

export function createAuditSink(deps: {
  store: MetadataStore
  onError: (error: unknown) => void
  nowMs: () => number
  flushIntervalMs?: number
}): AuditSink {
  let pending = new Map<string, Pending>()
  let unkeyed = 0
  let writing: Promise<void> = Promise.resolve()
  const flush = (): Promise<void> => {
    const batch = [...pending.values()].map(toEvent)
    pending = new Map()
    unkeyed = 0
    if (batch.length > 0) {
      writing = writing.then(() => deps.store.transaction((tx) => tx.audit.appendMany(batch))).catch(deps.onError)
    }
    return writing
  }
  const timer = setInterval(() => void flush(), deps.flushIntervalMs ?? AUDIT_FLUSH_INTERVAL_MS)
  timer.unref()
  return {
    record(event, coalesceKey) {
      const now = deps.nowMs()
      const key = coalesceKey ?? `\u0000${String((unkeyed += 1))}`
      const seen = pending.get(key)
      if (seen === undefined) pending.set(key, { event, count: 1, lastAtMs: now })
      else {
        seen.count += 1
        seen.lastAtMs = now
      }
      if (pending.size >= AUDIT_BATCH_SIZE) void flush()
    },
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}

function toEvent({ event, count, lastAtMs }: Pending): AuditRecord {
  if (count === 1) return event
  return { ...event, detail: { ...event.detail, count, last_at: new Date(lastAtMs).toISOString() } }
}
