/**
 * Bench-only: the scale benchmark's two Packyard servers, one on SQLite (a temp dir) and one on PostgreSQL (a
 * database of its own, created here and dropped at the end), each a child process running dist/. Set-up goes
 * through the server as a user would (the first start migrates and bootstraps; registries and the API token over
 * the REST API); then the server stops, the bulk loaders write the versions straight into its database, and it
 * starts again on the loaded data. The benchmark also reaches each database directly for what a client cannot
 * do: find the row 500,000 deep, and read the rows of a page to check the server's against.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { z } from 'zod'
import { openPostgresLoader } from './bulk-load-postgres.js'
import { openSqliteLoader } from './bulk-load-sqlite.js'
import { BENCH_ADMIN_TOKEN } from './child-protocol.js'
import type { ScaleDataset, ScaleTargets } from './scale-dataset.js'
import { startServerChild, type ServerChild } from './start-server-child.js'
import { createScratchDatabase } from '../../test/helpers/scratch-database.js'

export const ORG = 'default'
export const NPM_REGISTRY = 'js'
export const FILES_REGISTRY = 'artifacts'
const POSTGRES_ADMIN_URL = process.env.PACKYARD_BENCH_POSTGRES_URL ?? process.env.PACKYARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
/** Rows per loader batch: one SQLite transaction, one PostgreSQL statement. */
const LOAD_BATCH = 5_000
/** How long the benchmark's SQLite reads wait for a lock, in ms. */
const BUSY_TIMEOUT_MS = 5_000

export type StoreName = 'sqlite' | 'postgres'

export interface ListedRow {
  readonly seq: number
  readonly name: string
  readonly version: string
}

/** Where a store keeps its metadata. */
export type StoreDatabase = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string }

export interface ScaleStore {
  readonly name: StoreName
  readonly label: string
  readonly database: StoreDatabase
  readonly targets: ScaleTargets
  /** An API token with read_packages and write_packages. */
  readonly token: string
  /** The running server, after `startServer`. */
  server(): ServerChild
  startServer(): Promise<ServerChild>
  /** `limit` rows of the files registry's listing (newest first) after skipping `offset`, read directly. */
  rowsAt(offset: number, limit: number): Promise<readonly ListedRow[]>
  /** The database's size on disk, in bytes. */
  sizeBytes(): Promise<number>
  /** The database engine's version. */
  serverVersion(): Promise<string>
  /** Stops the server and closes the direct connection. */
  close(): Promise<void>
}

const Registry = z.object({ id: z.string() })
const IssuedToken = z.object({ id: z.string(), token: z.string() })

async function callApi(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${text}`)
  return JSON.parse(text)
}

async function createTargets(url: string): Promise<{ targets: ScaleTargets; token: string }> {
  const api = `/v2/packages/organizations/${ORG}/registries`
  const npm = Registry.parse(await callApi(url, 'POST', api, { name: NPM_REGISTRY, ecosystem: 'npm' }))
  const files = Registry.parse(await callApi(url, 'POST', api, { name: FILES_REGISTRY, ecosystem: 'files' }))
  const issued = IssuedToken.parse(await callApi(url, 'POST', `/v2/organizations/${ORG}/api_tokens`, { description: 'scale bench', scopes: ['read_packages', 'write_packages'] }))
  return { targets: { npmId: npm.id, filesId: files.id, apiTokenActor: `api_token:${issued.id}` }, token: issued.token }
}

/** A new PostgreSQL database for the run; `drop` removes it, closing what is still connected. */
export async function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  return createScratchDatabase(POSTGRES_ADMIN_URL, 'packyard_bench_scale').catch((error: unknown) => {
    throw new Error(`the scale benchmark needs PostgreSQL at ${POSTGRES_ADMIN_URL} (set PACKYARD_BENCH_POSTGRES_URL): ${error instanceof Error ? error.message : String(error)}`)
  })
}

/**
 * Starts the server once on an empty store (migrations, bootstrap), creates the registries and the token, and
 * stops it again, ready for the load. `postgresUrl` null: SQLite under `dir`.
 */
export async function prepareStore(name: StoreName, dir: string, postgresUrl: string | null): Promise<ScaleStore> {
  await mkdir(dir, { recursive: true })
  const configPath = join(dir, 'packyard.json')
  await writeFile(configPath, JSON.stringify(postgresUrl === null ? {} : { database: postgresUrl }))
  const args = ['--data-dir', join(dir, 'data'), '--config', configPath]
  const first = await startServerChild('packyard-server.ts', args)
  const { targets, token } = await createTargets(first.url).finally(() => first.stop())
  const database: StoreDatabase = postgresUrl === null ? { kind: 'sqlite', path: join(dir, 'data', 'packyard.db') } : { kind: 'postgres', url: postgresUrl }
  const direct = createDirectConnection(database)
  let server: ServerChild | null = null
  return {
    name,
    label: postgresUrl === null ? 'SQLite' : 'PostgreSQL',
    database,
    targets,
    token,
    server() {
      if (server === null) throw new Error(`the ${name} server is not running`)
      return server
    },
    async startServer() {
      server = await startServerChild('packyard-server.ts', args)
      return server
    },
    async rowsAt(offset, limit) {
      const rows = await direct.rows('select seq, name, version from packages where registry_id = $1 and deleted_at is null order by seq desc limit $2 offset $3', [targets.filesId, limit, offset])
      return rows.map((row) => ({ seq: Number(row.seq), name: String(row.name), version: String(row.version) }))
    },
    async sizeBytes() {
      if (database.kind === 'sqlite') return (await stat(database.path)).size
      const [row] = await direct.rows('select pg_database_size(current_database()) as size', [])
      return Number(row?.size)
    },
    async serverVersion() {
      const [row] = await direct.rows(database.kind === 'sqlite' ? 'select sqlite_version() as version' : 'show server_version', [])
      return String(row?.version ?? row?.server_version)
    },
    async close() {
      await server?.stop()
      server = null
      await direct.close()
    },
  }
}

interface DirectConnection {
  rows(text: string, params: readonly (string | number)[]): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

/** The benchmark's own connection to a store's database, opened at first use; `$n` placeholders on both. */
function createDirectConnection(database: StoreDatabase): DirectConnection {
  let sqlite: SqliteDatabase.Database | null = null
  let postgres: pg.Client | null = null
  const openSqlite = (path: string) => {
    if (sqlite === null) {
      sqlite = new SqliteDatabase(path)
      sqlite.pragma(`busy_timeout = ${String(BUSY_TIMEOUT_MS)}`)
    }
    return sqlite
  }
  const openPostgres = async (url: string) => {
    if (postgres === null) {
      postgres = new pg.Client({ connectionString: url })
      postgres.on('error', () => undefined)
      await postgres.connect()
    }
    return postgres
  }
  const toSqlite = (text: string) => text.replace(/\$\d+/g, '?')
  return {
    async rows(text, params) {
      if (database.kind === 'sqlite') return openSqlite(database.path).prepare<unknown[], Record<string, unknown>>(toSqlite(text)).all(...params)
      return (await (await openPostgres(database.url)).query<Record<string, unknown>>(text, [...params])).rows
    },
    async close() {
      sqlite?.close()
      await postgres?.end()
    },
  }
}

export interface LoadTimes {
  readonly totalSeconds: number
  /** Time spent inside the SQLite loader's inserts (synchronous, so exactly its own). */
  readonly sqliteSeconds: number
  /** From the first PostgreSQL insert to the last commit, overlapping the rest. */
  readonly postgresSeconds: number
  /** PostgreSQL's VACUUM (ANALYZE) and CHECKPOINT after the load. */
  readonly vacuumSeconds: number
}

/**
 * Loads the data set into both stores in one pass: each batch goes into SQLite (synchronously) while PostgreSQL
 * still works on the previous one, so the generator, SQLite and PostgreSQL keep both cores busy.
 */
export async function loadStores(dataset: ScaleDataset, sqliteStore: ScaleStore, postgresStore: ScaleStore): Promise<LoadTimes> {
  if (sqliteStore.database.kind !== 'sqlite' || postgresStore.database.kind !== 'postgres') throw new Error('loadStores takes the SQLite store, then the PostgreSQL one')
  const started = performance.now()
  const sqlite = openSqliteLoader(sqliteStore.database.path, sqliteStore.targets)
  const postgres = await openPostgresLoader(postgresStore.database.url, postgresStore.targets)
  let sqliteMs = 0
  const timeSqlite = (work: () => void) => {
    const at = performance.now()
    work()
    sqliteMs += performance.now() - at
  }
  try {
    let pending: Promise<void> = Promise.resolve()
    for (const batch of dataset.batches(LOAD_BATCH)) {
      timeSqlite(() => { sqlite.insertPackages(batch) })
      await pending
      pending = postgres.insertPackages(batch)
    }
    await pending
    const names = dataset.names()
    const tags = dataset.distTags()
    const postgresNames = postgres.insertNames(names, tags)
    timeSqlite(() => { sqlite.insertNames(names, tags); sqlite.close() })
    await postgresNames
    const loadedMs = performance.now()
    await postgres.finish()
    const vacuumMs = performance.now() - loadedMs
    return { totalSeconds: (performance.now() - started) / 1000, sqliteSeconds: sqliteMs / 1000, postgresSeconds: (loadedMs - started) / 1000, vacuumSeconds: vacuumMs / 1000 }
  } finally {
    sqlite.close()
    await postgres.close()
  }
}
