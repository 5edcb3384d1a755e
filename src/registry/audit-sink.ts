/**
 * Authentication decisions are audited on every request, so they are buffered and written in batches, one
 * transaction each, instead of one synchronous write per request. Changes (registries, policies, packages,
 * tokens) are not buffered: they are written in the transaction of the change itself.
 */
import type { MetadataStore } from './ports.js'
import type { AuditEvent } from './records.js'

/** How long a decision may wait in memory before it is written, in ms: bounds what a crash can lose. */
export const AUDIT_FLUSH_INTERVAL_MS = 200
/** A full buffer is written at once, whatever the interval. */
const AUDIT_BATCH_SIZE = 500

export type AuditRecord = Omit<AuditEvent, 'id' | 'seq' | 'createdAt'>

export interface AuditSink {
  /** Queues an event; never throws, never waits. */
  record(event: AuditRecord): void
  /** Writes everything queued; called by tests and at shutdown. */
  flush(): Promise<void>
  close(): Promise<void>
}

export function createAuditSink(deps: { store: MetadataStore; onError: (error: unknown) => void; flushIntervalMs?: number }): AuditSink {
  let queue: AuditRecord[] = []
  let writing: Promise<void> = Promise.resolve()
  const flush = (): Promise<void> => {
    const batch = queue
    queue = []
    if (batch.length > 0) {
      writing = writing
        .then(() => deps.store.transaction((tx) => tx.audit.appendMany(batch)))
        .catch(deps.onError)
    }
    return writing
  }
  const timer = setInterval(() => void flush(), deps.flushIntervalMs ?? AUDIT_FLUSH_INTERVAL_MS)
  timer.unref()
  return {
    record(event) {
      queue.push(event)
      if (queue.length >= AUDIT_BATCH_SIZE) void flush()
    },
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}
