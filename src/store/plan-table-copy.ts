/**
 * Which tables `migrate-store` copies, and in which order. The list is never written down here: it is the
 * source's actual tables, which must match, table for table and column for column, the tables that this
 * version's migrations created in the destination. A table the destination schema lacks (a newer source), a
 * column either side lacks, or a table only the destination has (an older source, or someone else's table) is
 * a refusal, so no table or column is ever skipped silently.
 */
import type { SourceTable } from './open-sqlite-source.js'
import { isPlainIdentifier } from './sql-identifier.js'

/** A destination table as PostgreSQL describes it. */
export interface DestinationTable {
  readonly name: string
  readonly columns: readonly string[]
}

export type TableCopyPlan =
  | { readonly ok: true; readonly tables: readonly SourceTable[] }
  | { readonly ok: false; readonly problems: readonly string[] }

export function planTableCopy(source: readonly SourceTable[], destination: readonly DestinationTable[]): TableCopyPlan {
  const problems = [...compareTables(source, destination)]
  if (problems.length > 0) return { ok: false, problems }
  const ordered = orderByForeignKeys(source)
  return ordered.ok ? { ok: true, tables: ordered.tables } : { ok: false, problems: [ordered.problem] }
}

function* compareTables(source: readonly SourceTable[], destination: readonly DestinationTable[]): Generator<string> {
  const destinationByName = new Map(destination.map((table) => [table.name, table]))
  const sourceNames = new Set(source.map((table) => table.name))
  for (const table of source) {
    if (!isPlainIdentifier(table.name) || !table.columns.every(isPlainIdentifier)) {
      yield `the source table ${JSON.stringify(table.name)} has a name Packyard never uses: is this a Packyard database?`
      continue
    }
    const target = destinationByName.get(table.name)
    if (target === undefined) {
      yield `the source has a table ${table.name} that this version of packyard does not know how to copy (was the source made by a newer version?)`
      continue
    }
    const missing = table.columns.filter((column) => !target.columns.includes(column))
    const extra = target.columns.filter((column) => !table.columns.includes(column))
    if (missing.length > 0 || extra.length > 0) {
      const parts = [missing.length > 0 ? `only the source has ${missing.join(', ')}` : '', extra.length > 0 ? `only the destination has ${extra.join(', ')}` : '']
      yield `the table ${table.name} has different columns in the source and the destination: ${parts.filter((part) => part !== '').join('; ')}`
    }
  }
  for (const table of destination) {
    if (!sourceNames.has(table.name)) {
      yield `the destination has a table ${table.name} that the source lacks: the destination must be an empty database, and the source migrated by this version`
    }
  }
}

/** Parents before children (Kahn's algorithm, ties by name for a stable order); a cycle is a refusal. */
function orderByForeignKeys(tables: readonly SourceTable[]): { ok: true; tables: readonly SourceTable[] } | { ok: false; problem: string } {
  const known = new Set(tables.map((table) => table.name))
  const waitingOn = new Map(tables.map((table) => [table.name, new Set(table.parents.filter((parent) => known.has(parent)))]))
  const ordered: SourceTable[] = []
  let ready = tables.filter((table) => waitingOn.get(table.name)?.size === 0)
  while (ready.length > 0) {
    ordered.push(...ready)
    const done = new Set(ready.map((table) => table.name))
    for (const parents of waitingOn.values()) for (const name of done) parents.delete(name)
    ready = tables.filter((table) => !ordered.includes(table) && waitingOn.get(table.name)?.size === 0)
  }
  if (ordered.length === tables.length) return { ok: true, tables: ordered }
  const stuck = tables.filter((table) => !ordered.includes(table)).map((table) => table.name)
  return { ok: false, problem: `the tables ${stuck.join(', ')} reference each other (or themselves): there is no order to copy them in` }
}
