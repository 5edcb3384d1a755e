import { sql, type Insertable } from 'kysely'
import { isJsonObject } from '../lib/is-json-object.js'
import type { PackageRepository } from '../registry/ports.js'
import type { PackageVersion } from '../registry/records.js'
import type { PackagesTable } from './database.js'
import { compileOnce, rowOfColumns } from './compile-once.js'
import { buildPage, planPage } from './page-cursor.js'
import { nowIso, toNumber, withConflict, type StoreContext } from './store-context.js'

type PackageRow = Omit<PackagesTable, 'seq'> & { seq: number }

/** Ids bound per `in (...)` list: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const IDS_PER_QUERY = 1_000

const PACKAGE_COLUMNS = [
  'id', 'registry_id', 'name', 'version', 'filename', 'size', 'sha256', 'sha512', 'provenance', 'published_by', 'created_at', 'deleted_at', 'metadata',
  'deprecated',
] as const satisfies readonly (keyof PackagesTable)[]

// Every publish runs these two (the version's lookup before its upload, its row after), so they are compiled once.
const insertPackageRow = compileOnce((db, values: readonly unknown[]) =>
  db.insertInto('packages').values(rowOfColumns(PACKAGE_COLUMNS, values) as Insertable<PackagesTable>),
PACKAGE_COLUMNS.length)
const selectByNameVersion = compileOnce((db, [registryId, name, version]: readonly [string, string, string]) =>
  db.selectFrom('packages').selectAll().where('registry_id', '=', registryId).where('name', '=', name).where('version', '=', version), 3)

export function createPackageRepository(context: StoreContext): PackageRepository {
  const { db } = context
  const select = () => db.selectFrom('packages').selectAll()
  const first = async (query: ReturnType<typeof select>) => {
    const row = await query.executeTakeFirst()
    return row === undefined ? undefined : toPackage(row)
  }
  return {
    async insert(input) {
      const row: Omit<PackagesTable, 'seq'> = {
        id: context.newId(),
        registry_id: input.registryId,
        name: input.name,
        version: input.version,
        filename: input.filename,
        size: input.size,
        sha256: input.sha256,
        sha512: input.sha512,
        provenance: input.provenance === null ? null : JSON.stringify(input.provenance),
        published_by: input.publishedBy,
        created_at: nowIso(context),
        deleted_at: null,
        metadata: input.metadata === undefined || input.metadata === null ? null : JSON.stringify(input.metadata),
        deprecated: null,
      }
      const message = `${input.name} ${input.version} already exists: published versions are immutable`
      await withConflict(insertPackageRow(db, PACKAGE_COLUMNS.map((column) => row[column])), message)
      return toPackage({ ...row, seq: 0 })
    },
    findById: (registryId, id) => first(select().where('registry_id', '=', registryId).where('id', '=', id).where('deleted_at', 'is', null)),
    async findByNameVersion(registryId, name, version) {
      const [row] = await selectByNameVersion(db, [registryId, name, version])
      return row === undefined ? undefined : toPackage(row)
    },
    findByFilename: (registryId, filename) =>
      first(select().where('registry_id', '=', registryId).where('filename', '=', filename).where('deleted_at', 'is', null)),
    async list(registryId, filter, page) {
      const plan = planPage(page)
      let query = select().where('registry_id', '=', registryId).where('deleted_at', 'is', null)
      if (filter.name !== undefined) query = query.where('name', '=', filter.name)
      if (plan.fromSeq !== null) query = query.where('seq', plan.direction === 'older' ? '<' : '>', plan.fromSeq)
      const rows = await query.orderBy('seq', plan.direction === 'older' ? 'desc' : 'asc').limit(plan.fetch).execute()
      return buildPage(plan, page.limit, rows.map(withNumericSeq), toPackage)
    },
    async markDeleted(registryId, id) {
      const found = await first(select().where('registry_id', '=', registryId).where('id', '=', id).where('deleted_at', 'is', null))
      if (found === undefined) return undefined
      const deletedAt = nowIso(context)
      await db.updateTable('packages').set({ deleted_at: deletedAt }).where('id', '=', id).execute()
      return Object.freeze({ ...found, deletedAt })
    },
    async listByName(registryId, name) {
      const rows = await select().where('registry_id', '=', registryId).where('name', '=', name).where('deleted_at', 'is', null).orderBy('seq', 'asc').execute()
      return rows.map(toPackage)
    },
    async listSummariesByName(registryId, name) {
      // Two reads answered by indexes alone (migration 0005): the live versions, and the deprecated ones' messages.
      const live = db.selectFrom('packages').where('registry_id', '=', registryId).where('name', '=', name).where('deleted_at', 'is', null)
      const [rows, deprecations] = await Promise.all([
        live.select(['id', 'version', 'created_at']).orderBy('seq', 'asc').execute(),
        live.select(['id', 'deprecated']).where('deprecated', 'is not', null).execute(),
      ])
      const messages = new Map(deprecations.map((row) => [row.id, row.deprecated]))
      return rows.map((row) => Object.freeze({ id: row.id, version: row.version, createdAt: row.created_at, deprecated: messages.get(row.id) ?? null }))
    },
    async findManyById(registryId, ids) {
      const found: PackageVersion[] = []
      for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
        // By id alone, the registry checked here: with `registry_id = ?` beside a long `id in (...)`, SQLite's
        // planner (no statistics) walks the registry's (registry_id, seq) index instead, ~0.7 s per 1,000 ids
        // at a million rows (bench/scale.bench.ts), where the unique index on id answers in milliseconds.
        const rows = await select().where('id', 'in', ids.slice(start, start + IDS_PER_QUERY)).execute()
        for (const row of rows) if (row.registry_id === registryId) found.push(toPackage(row))
      }
      return found
    },
    async searchNames(registryId, text, page) {
      const newest = db
        .selectFrom('packages')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('registry_id', '=', registryId)
        .where('deleted_at', 'is', null)
        .where(sql<boolean>`lower(name) like ${`%${escapeLike(text.toLowerCase())}%`} escape '\\'`)
        .groupBy('name')
        .orderBy('name')
        .limit(page.limit)
        .offset(page.offset)
      const rows = await select().where('seq', 'in', newest).orderBy('name').execute()
      return rows.map(toPackage)
    },
    async setDeprecated(registryId, id, message) {
      const result = await db
        .updateTable('packages')
        .set({ deprecated: message })
        .where('registry_id', '=', registryId)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async findReferencedDigests(sha256s) {
      const referenced = new Set<string>()
      for (let start = 0; start < sha256s.length; start += DIGESTS_PER_QUERY) {
        const rows = await db
          .selectFrom('packages')
          .select('sha256')
          .distinct()
          .where('sha256', 'in', sha256s.slice(start, start + DIGESTS_PER_QUERY))
          .where('deleted_at', 'is', null)
          .execute()
        for (const row of rows) referenced.add(row.sha256)
      }
      return referenced
    },
  }
}

/**
 * Digests bound in one `in (...)` list: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters, and each
 * is one probe of the `packages_sha256` index.
 */
const DIGESTS_PER_QUERY = 500

/** `text` with LIKE's wildcards escaped by a backslash, so a search for `a_b` finds only `a_b`. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`)
}

function withNumericSeq<Row extends { seq: number | string }>(row: Row): Row & { seq: number } {
  return { ...row, seq: toNumber(row.seq) }
}

function toPackage(row: PackageRow | PackagesTable): PackageVersion {
  return Object.freeze({
    id: row.id,
    registryId: row.registry_id,
    name: row.name,
    version: row.version,
    filename: row.filename,
    size: toNumber(row.size),
    sha256: row.sha256,
    sha512: row.sha512,
    provenance: row.provenance === null ? null : parseObject(row.provenance),
    publishedBy: row.published_by,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    metadata: row.metadata === null ? null : parseObject(row.metadata),
    deprecated: row.deprecated,
  })
}

function parseObject(text: string): Readonly<Record<string, unknown>> {
  const value: unknown = JSON.parse(text)
  return isJsonObject(value) ? Object.freeze(value) : {}
}
