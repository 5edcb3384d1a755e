import { PostgresAdapter, sql, type Expression, type Insertable, type Kysely, type SqlBool } from 'kysely'
import { isJsonObject } from '../lib/is-json-object.js'
import type { AuditRepository } from '../registry/ports.js'
import type { AuditEvent } from '../registry/records.js'
import type { AuditEventsTable, Database } from './database.js'
import { compileOnce, rowOfColumns } from './compile-once.js'
import { buildPage, planPage } from './page-cursor.js'
import { nowIso, toNumber, type StoreContext } from './store-context.js'

const OUTCOMES: readonly AuditEvent['outcome'][] = ['accepted', 'refused', 'done']

/** Rows per multi-row INSERT: 9 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const AUDIT_ROWS_PER_INSERT = 200

type NewAuditEvent = Parameters<AuditRepository['append']>[0]
type AuditRow = Insertable<AuditEventsTable>

const AUDIT_COLUMNS = ['id', 'organization_id', 'registry_id', 'type', 'outcome', 'code', 'actor', 'detail', 'created_at'] as const

/**
 * The multi-row INSERT of `count` audit rows, compiled once per row count: decisions are written in batches of
 * hundreds a second under load, and compiling each batch cost more than SQLite takes to store it.
 */
const insertAuditRows = new Map<number, ReturnType<typeof compileAuditInsert>>()

function compileAuditInsert(count: number) {
  return compileOnce((db, values: readonly unknown[]) => {
    const rows = Array.from({ length: count }, (_, row) => rowOfColumns(AUDIT_COLUMNS, values, row * AUDIT_COLUMNS.length) as AuditRow)
    return db.insertInto('audit_events').values(rows)
  }, count * AUDIT_COLUMNS.length)
}

/** A change's own event, written in the change's transaction (every publish), with its `seq`: compiled once. */
const insertAuditRowReturningSeq = compileOnce((db, values: readonly unknown[]) =>
  db.insertInto('audit_events').values(rowOfColumns(AUDIT_COLUMNS, values) as AuditRow).returning('seq'),
AUDIT_COLUMNS.length)

function insertAuditRowsOf(count: number) {
  let insert = insertAuditRows.get(count)
  if (insert === undefined) insertAuditRows.set(count, (insert = compileAuditInsert(count)))
  return insert
}

export function createAuditRepository(context: StoreContext): AuditRepository {
  const { db } = context
  const toRow = (event: NewAuditEvent, createdAt: string) => ({
    id: context.newId(),
    organization_id: event.organizationId,
    registry_id: event.registryId,
    type: event.type,
    outcome: event.outcome,
    code: event.code,
    actor: event.actor,
    detail: JSON.stringify(event.detail),
    created_at: createdAt,
  })
  return {
    async append(event) {
      const row = toRow(event, nowIso(context))
      const [inserted] = await insertAuditRowReturningSeq(db, AUDIT_COLUMNS.map((column) => row[column]))
      if (inserted === undefined) throw new Error('the audit insert returned no row')
      return toAuditEvent({ ...row, seq: toNumber(inserted.seq) })
    },
    async appendMany(events) {
      // One batch is one moment: its rows are written together.
      const createdAt = nowIso(context)
      for (let start = 0; start < events.length; start += AUDIT_ROWS_PER_INSERT) {
        const rows = events.slice(start, start + AUDIT_ROWS_PER_INSERT).map((event) => toRow(event, createdAt))
        await insertAuditRowsOf(rows.length)(db, rows.flatMap((row) => AUDIT_COLUMNS.map((column) => row[column])))
      }
    },
    async list(organizationId, filter, page) {
      const plan = planPage(page)
      let query = db.selectFrom('audit_events').selectAll().where('organization_id', '=', organizationId)
      if (filter.registryId !== undefined) query = query.where('registry_id', '=', filter.registryId)
      if (filter.type !== undefined) query = query.where('type', '=', filter.type)
      if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome)
      if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor)
      if (filter.code !== undefined) query = query.where('code', '=', filter.code)
      if (filter.jti !== undefined) query = query.where(namesToken(db, 'jti', 'jtis', filter.jti))
      if (filter.tokenDigest !== undefined) query = query.where(namesToken(db, 'token_digest', 'token_digests', filter.tokenDigest))
      if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since)
      if (filter.until !== undefined) query = query.where('created_at', '<', filter.until)
      if (plan.fromSeq !== null) query = query.where('seq', plan.direction === 'older' ? '<' : '>', plan.fromSeq)
      const rows = await query.orderBy('seq', plan.direction === 'older' ? 'desc' : 'asc').limit(plan.fetch).execute()
      return buildPage(plan, page.limit, rows.map((row) => ({ ...row, seq: toNumber(row.seq) })), toAuditEvent)
    },
  }
}

/**
 * An event's detail names `value` as its token in `field`, or lists it in `listField` (an event that coalesced
 * several tokens' decisions). JSON is read with each dialect's functions, the detail being JSON text on both; the
 * organization's events are scanned, so a search over a long log is best bounded with `since` and `until`.
 */
function namesToken(db: Kysely<Database>, field: string, listField: string, value: string): Expression<SqlBool> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    return sql<SqlBool>`(cast(detail as jsonb) ->> ${field} = ${value} or cast(detail as jsonb) -> ${listField} @> to_jsonb(cast(${value} as text)))`
  }
  return sql<SqlBool>`(json_extract(detail, ${`$.${field}`}) = ${value} or exists (select 1 from json_each(detail, ${`$.${listField}`}) where json_each.value = ${value}))`
}

function toAuditEvent(row: Omit<AuditEventsTable, 'seq'> & { seq: number }): AuditEvent {
  const detail: unknown = JSON.parse(row.detail)
  return Object.freeze({
    id: row.id,
    seq: row.seq,
    organizationId: row.organization_id,
    registryId: row.registry_id,
    type: row.type,
    outcome: OUTCOMES.find((outcome) => outcome === row.outcome) ?? 'done',
    code: row.code,
    actor: row.actor,
    detail: isJsonObject(detail) ? Object.freeze(detail) : {},
    createdAt: row.created_at,
  })
}
