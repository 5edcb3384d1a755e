/**
 * Authentication decisions are audited on every request, so they are buffered and written in batches, one
 * multi-row insert each, instead of one synchronous write per request. Repeats of one decision within a batch
 * (a client reusing its token for hundreds of requests) are coalesced into one event that carries `count`
 * and `last_at`, so the log stays complete without growing by a row per request. So are one decision's
 * repeats for distinct tokens of one caller (a job that requests a token per request): the event then lists
 * the tokens (`jtis`, or `token_digests`) in the order first seen, up to MAX_MEMBERS_PER_EVENT per event.
 * Under such a load a row per decision cost more than verifying its signature, and its buffered events
 * outlived the young generation. Changes (registries, policies, packages, tokens) are not buffered: they are
 * written in the transaction of the change itself.
 */
import type { MetadataStore } from './ports.js'
import type { AuditEvent } from './records.js'

/** How long a decision may wait in memory before it is written, in ms: bounds what a crash can lose. */
export const AUDIT_FLUSH_INTERVAL_MS = 200
/** Distinct events buffered before a write is forced, whatever the interval. */
const AUDIT_BATCH_SIZE = 500
/** Distinct tokens listed in one coalesced event: its detail stays a few kilobytes. */
export const MAX_MEMBERS_PER_EVENT = 100

export type AuditRecord = Omit<AuditEvent, 'id' | 'seq' | 'createdAt'>

/** What tells one coalesced decision from the others of its event: its token, by `jti` or digest. */
export interface AuditMember {
  /** The detail field that names the token of an event of one token (`jti`). */
  readonly field: string
  /** The detail field that lists the distinct tokens of an event of several, in the order first seen (`jtis`). */
  readonly listField: string
  readonly value: string
}

export interface AuditSink {
  /**
   * Queues an event; never throws, never waits. Events given the same `coalesceKey` before the next write
   * are stored once, with `detail.count` and `detail.last_at`; the key must identify everything in the event
   * but its `member`. When the events' members differ, the stored event lists them in `member.listField`
   * instead of naming one in `member.field`.
   */
  record(event: AuditRecord, coalesceKey?: string, member?: AuditMember): void
  /** Writes everything queued; called before the log is read, and at shutdown. */
  flush(): Promise<void>
  close(): Promise<void>
}

interface Pending {
  readonly event: AuditRecord
  count: number
  lastAtMs: number
  readonly member: AuditMember | null
  /** The members' distinct values, in the order first seen; null for an event recorded without a member. */
  readonly members: Set<string> | null
}

export function createAuditSink(deps: {
  store: MetadataStore
  onError: (error: unknown) => void
  nowMs: () => number
  flushIntervalMs?: number
}): AuditSink {
  let pending = new Map<string, Pending>()
  /** Events whose member list is full, written with the next batch; their key starts a new event. */
  let sealed: Pending[] = []
  let unkeyed = 0
  let writing: Promise<void> = Promise.resolve()
  const flush = (): Promise<void> => {
    const batch = [...sealed, ...pending.values()].map(toEvent)
    pending = new Map()
    sealed = []
    unkeyed = 0
    if (batch.length > 0) {
      writing = writing.then(() => deps.store.transaction((tx) => tx.audit.appendMany(batch))).catch(deps.onError)
    }
    return writing
  }
  const timer = setInterval(() => void flush(), deps.flushIntervalMs ?? AUDIT_FLUSH_INTERVAL_MS)
  timer.unref()
  return {
    record(event, coalesceKey, member) {
      const now = deps.nowMs()
      const key = coalesceKey ?? `\u0000${String((unkeyed += 1))}`
      const seen = pending.get(key)
      if (seen === undefined) {
        pending.set(key, { event, count: 1, lastAtMs: now, member: member ?? null, members: member === undefined ? null : new Set([member.value]) })
      } else {
        seen.count += 1
        seen.lastAtMs = now
        if (seen.members !== null && member !== undefined && seen.members.add(member.value).size >= MAX_MEMBERS_PER_EVENT) {
          sealed.push(seen)
          pending.delete(key)
        }
      }
      if (pending.size + sealed.length >= AUDIT_BATCH_SIZE) void flush()
    },
    flush,
    async close() {
      clearInterval(timer)
      await flush()
    },
  }
}

function toEvent({ event, count, lastAtMs, member, members }: Pending): AuditRecord {
  if (count === 1) return event
  const detail: Record<string, unknown> = { ...event.detail, count, last_at: new Date(lastAtMs).toISOString() }
  if (member !== null && members !== null && members.size > 1) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the field is the caller's, named in its AuditMember
    delete detail[member.field]
    detail[member.listField] = [...members]
  }
  return { ...event, detail }
}
