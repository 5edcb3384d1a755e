/**
 * Bench-only: writes the scale data set straight into a Packyard SQLite database (already migrated by a server
 * start, with every index in place as production has it), through one prepared statement per table, a
 * transaction per batch. `synchronous = OFF` and a large page cache hold for this connection only: they make
 * the load fast and change nothing the server later reads. The WAL is folded into the database, on disk, at the end.
 */
import SqliteDatabase from 'better-sqlite3'
import { registryIdOf, type DistTagRow, type NameRow, type PackageRow, type ScaleTargets } from './scale-dataset.js'

/** Page cache of the loading connection, in KiB (negative: KiB for SQLite's cache_size). */
const LOAD_CACHE_KIB = 512 * 1024

export interface SqliteLoader {
  insertPackages(rows: readonly PackageRow[]): void
  insertNames(names: readonly NameRow[], tags: readonly DistTagRow[]): void
  /** Checkpoints the WAL into the database file and closes; again: nothing. */
  close(): void
}

export function openSqliteLoader(path: string, targets: ScaleTargets): SqliteLoader {
  const db = new SqliteDatabase(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma(`cache_size = -${String(LOAD_CACHE_KIB)}`)
  db.pragma('foreign_keys = ON')
  const insertPackage = db.prepare(`insert into packages (id, registry_id, name, version, filename, size, sha256, sha512, provenance, published_by, created_at, deleted_at, metadata, deprecated)
    values (@id, @registry_id, @name, @version, @filename, @size, @sha256, @sha512, @provenance, @published_by, @created_at, null, @metadata, null)`)
  const insertRevision = db.prepare('insert into package_revisions (registry_id, name, revision) values (@registry_id, @name, @revision)')
  const insertTag = db.prepare('insert into dist_tags (registry_id, name, tag, version, updated_at) values (@registry_id, @name, @tag, @version, @updated_at)')
  const packages = db.transaction((rows: readonly PackageRow[]) => {
    for (const row of rows) {
      insertPackage.run({ ...row, registry_id: registryIdOf(targets, row.registry), published_by: row.published_by ?? targets.apiTokenActor })
    }
  })
  const names = db.transaction((nameRows: readonly NameRow[], tagRows: readonly DistTagRow[]) => {
    for (const row of nameRows) insertRevision.run({ registry_id: registryIdOf(targets, row.registry), name: row.name, revision: row.revision })
    for (const row of tagRows) insertTag.run({ registry_id: registryIdOf(targets, row.registry), name: row.name, tag: row.tag, version: row.version, updated_at: row.updated_at })
  })
  return {
    insertPackages: (rows) => { packages(rows) },
    insertNames: (nameRows, tagRows) => { names(nameRows, tagRows) },
    close() {
      if (!db.open) return
      // Synchronous again, so the checkpoint ends with the database file on disk: the measurements that follow
      // must not share the disk with the kernel writing back a freshly loaded 2 GB.
      db.pragma('synchronous = FULL')
      db.pragma('wal_checkpoint(TRUNCATE)')
      db.close()
    },
  }
}
