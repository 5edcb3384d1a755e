/**
 * Bench-only: writes the scale data set straight into a Packyard PostgreSQL database (already migrated by a
 * server start, every index in place as production has it): each batch is one `insert ... select from
 * unnest(...)` of column arrays, so a batch of thousands of rows is one statement and one round trip.
 * `synchronous_commit = off` holds for the loading session only. At the end, `VACUUM (ANALYZE)`: what
 * autovacuum does on its own soon after such a load (it would otherwise start in the middle of the
 * measurements), leaving statistics and visibility as a production database has them; then a checkpoint.
 */
import pg from 'pg'
import { registryIdOf, type DistTagRow, type NameRow, type PackageRow, type ScaleTargets } from './scale-dataset.js'

export interface PostgresLoader {
  insertPackages(rows: readonly PackageRow[]): Promise<void>
  insertNames(names: readonly NameRow[], tags: readonly DistTagRow[]): Promise<void>
  /** VACUUM (ANALYZE) of the loaded tables and a checkpoint. */
  finish(): Promise<void>
  close(): Promise<void>
}

/** Rows per statement for the names and tags (the packages come in the caller's batches). */
const NAME_BATCH = 20_000

export async function openPostgresLoader(url: string, targets: ScaleTargets): Promise<PostgresLoader> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => undefined)
  await client.connect()
  await client.query('set synchronous_commit = off')
  const column = <T>(rows: readonly T[], pick: (row: T) => string | number | null) => rows.map(pick)
  return {
    async insertPackages(rows) {
      await client.query(
        `insert into packages (id, registry_id, name, version, filename, size, sha256, sha512, provenance, published_by, created_at, metadata)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])`,
        [
          column(rows, (r) => r.id), column(rows, (r) => registryIdOf(targets, r.registry)), column(rows, (r) => r.name), column(rows, (r) => r.version),
          column(rows, (r) => r.filename), column(rows, (r) => r.size), column(rows, (r) => r.sha256), column(rows, (r) => r.sha512),
          column(rows, (r) => r.provenance), column(rows, (r) => r.published_by ?? targets.apiTokenActor), column(rows, (r) => r.created_at), column(rows, (r) => r.metadata),
        ],
      )
    },
    async insertNames(names, tags) {
      for (let start = 0; start < names.length; start += NAME_BATCH) {
        const rows = names.slice(start, start + NAME_BATCH)
        await client.query('insert into package_revisions (registry_id, name, revision) select * from unnest($1::text[], $2::text[], $3::integer[])',
          [column(rows, (r) => registryIdOf(targets, r.registry)), column(rows, (r) => r.name), column(rows, (r) => r.revision)])
      }
      for (let start = 0; start < tags.length; start += NAME_BATCH) {
        const rows = tags.slice(start, start + NAME_BATCH)
        await client.query('insert into dist_tags (registry_id, name, tag, version, updated_at) select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])',
          [column(rows, (r) => registryIdOf(targets, r.registry)), column(rows, (r) => r.name), column(rows, (r) => r.tag), column(rows, (r) => r.version), column(rows, (r) => r.updated_at)])
      }
    },
    async finish() {
      await client.query('vacuum (analyze) packages, package_revisions, dist_tags')
      // Written out now rather than by the checkpointer spreading 2 GB of writes over the measurements.
      await client.query('checkpoint')
    },
    close: () => client.end(),
  }
}
