/**
 * Kysely compiles a query builder to SQL on every run, which costs more than SQLite takes to run a small
 * query. A hot query whose shape never changes is compiled once per dialect, with a marker in place of each
 * value; each run then fills in its values. The markers are found in the compiled parameters, so the values
 * land where the dialect put them, whatever order its compiler emits them in.
 */
import { CompiledQuery, type Compilable, type Kysely } from 'kysely'
import type { Database } from './database.js'

/** A value that cannot come from the application: the marker of parameter `index`. */
const markerOf = (index: number) => `\u0000packyard-parameter-${String(index)}\u0000`

interface Template {
  readonly sql: string
  /** For each compiled parameter, the index of the value it takes. */
  readonly slots: readonly number[]
}

/**
 * The row an INSERT compiled once is built from: `columns` paired with `values` from `offset`, in order (each
 * run passes its values in the same column order).
 */
export function rowOfColumns<Column extends string>(columns: readonly Column[], values: readonly unknown[], offset = 0): Record<Column, unknown> {
  return Object.fromEntries(columns.map((column, index) => [column, values[offset + index]])) as Record<Column, unknown>
}

/**
 * Returns a function that runs the query `build` makes from `values`, compiled once per dialect. `build` must
 * give every value to the query as a parameter, unchanged (the marker strings stand in for them).
 */
export function compileOnce<Row, Values extends readonly unknown[]>(
  build: (db: Kysely<Database>, values: Values) => Compilable<Row>,
  arity: Values['length'],
): (db: Kysely<Database>, values: Values) => Promise<Row[]> {
  const templates = new Map<object, Template>()
  return async (db, values) => {
    // The adapter's class names the dialect; a transaction shares its database's adapter.
    const dialect = db.getExecutor().adapter.constructor
    let template = templates.get(dialect)
    if (template === undefined) {
      const markers = Array.from({ length: arity }, (_, index) => markerOf(index))
      const indexOfMarker = new Map(markers.map((marker, index) => [marker, index]))
      const compiled = build(db, markers as unknown as Values).compile()
      const slots = compiled.parameters.map((parameter) => {
        const index = typeof parameter === 'string' ? indexOfMarker.get(parameter) : undefined
        if (index === undefined) throw new Error(`compileOnce: the query has a parameter that is not one of its values: ${String(parameter)}`)
        return index
      })
      template = { sql: compiled.sql, slots }
      templates.set(dialect, template)
    }
    const result = await db.executeQuery<Row>(CompiledQuery.raw(template.sql, template.slots.map((slot) => values[slot])))
    return [...result.rows]
  }
}
