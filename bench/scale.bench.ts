/**
 * Latency at scale (issue 6): with 1,000,000 package versions loaded, p50 and p99 of listing packages (first
 * page, and a page 500,000 rows deep), of the npm packument of a package with 5,000 versions, and of an
 * authenticated publish, on SQLite and on PostgreSQL side by side. Targets: p99 under 50 ms for listings and
 * packuments; PostgreSQL's p99 within 2× of SQLite's on a single server.
 * Run: `npm run bench -- scale` (builds dist/ first), or `node --import tsx bench/scale.bench.ts` after a build.
 *
 * Two Packyard servers (dist/, child processes): one on SQLite in a temp dir, one on a PostgreSQL database of
 * its own on 127.0.0.1:5432 (PACKYARD_BENCH_POSTGRES_URL to change; created and dropped here). Each starts once
 * on its empty store (migrations, bootstrap; registries `js` (npm) and `artifacts` (files) and an API token
 * over the REST API), stops, gets the versions bulk-loaded straight into its database with every production
 * index in place (support/scale-dataset.ts: same rows, same order on both), and starts again. Then, after the
 * checks of support/scale-checks.ts, each case runs as sequential requests from this process over one
 * kept-alive connection, authenticated with the API token: a warm-up, then ROUNDS rounds alternating which
 * store goes first, so that drift in this machine's speed hits both alike.
 *
 * Packuments: the server caches each built document per package revision. "cached" is the steady state
 * between changes; "cold" moves a dist-tag through the npm API (untimed) before each request, which raises the
 * package's revision as a publish or deprecation does, so every timed request builds the document again.
 * BENCH_SCALE_VERSIONS loads fewer versions, only to try the benchmark out. Everything is removed at the end,
 * also on failure or Ctrl-C.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeCursor } from '../src/store/page-cursor.js'
import { formatLatencyTable, type LatencyRow } from './support/latency-table.js'
import { createLatencyClient, expectStatus, type LatencyClient } from './support/measure-latency.js'
import { ABBREVIATED_ACCEPT, checkConsistency, type Paths } from './support/scale-checks.js'
import { BIG_NAME, BIG_VERSIONS, createScaleDataset, TOTAL_VERSIONS, versionAt, type ScaleDataset } from './support/scale-dataset.js'
import { createBenchDatabase, FILES_REGISTRY, loadStores, NPM_REGISTRY, ORG, prepareStore, type LoadTimes, type ScaleStore } from './support/scale-stores.js'
import { uploadMultipart } from './support/upload-multipart.js'

const VERSIONS = Number(process.env.BENCH_SCALE_VERSIONS ?? TOTAL_VERSIONS)
/** How deep the deep page starts, in rows (less when trying out fewer versions). */
const DEEP_ROWS = 500_000
const PER_PAGE = 30
const ROUNDS = 10
const WARMUP = 20
/** Samples per store and case: several hundred, for a p99 that is more than the single worst request. */
const LIST_SAMPLES = 600
const CACHED_SAMPLES = 400
const COLD_SAMPLES = 300
const PUBLISH_SAMPLES = 400
const PUBLISH_BYTES = 1024
const TARGET_P99_MS = 50
const TARGET_RATIO = 2
const FULL_ACCEPT = 'application/json'

interface Bench {
  readonly store: ScaleStore
  readonly client: LatencyClient
  published: number
  tagMoves: number
}

interface Case {
  readonly name: string
  readonly samples: number
  readonly maxP99Ms: number | null
  /** One timed request, in ms (untimed preparation may come first). */
  sample(bench: Bench): Promise<number>
}

const cleanup: (() => Promise<void>)[] = []
let cleaning: Promise<void> | undefined
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const close of cleanup.splice(0).reverse()) await close().catch((error: unknown) => { console.error('scale bench: cleanup:', error) })
  })()
  return cleaning
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`

function createPaths(deepCursor: string): Paths {
  const api = `/v2/packages/organizations/${ORG}/registries`
  return {
    list: `${api}/${FILES_REGISTRY}/packages`,
    deepList: `${api}/${FILES_REGISTRY}/packages?before=${deepCursor}`,
    byName: (perPage) => `${api}/${NPM_REGISTRY}/packages?name=${BIG_NAME}&per_page=${String(perPage)}`,
    packument: `/${ORG}/${NPM_REGISTRY}/npm/${BIG_NAME}`,
    tag: `/${ORG}/${NPM_REGISTRY}/npm/-/package/${BIG_NAME}/dist-tags/bench`,
  }
}

async function timedGet(bench: Bench, path: string, headers: Record<string, string> = {}): Promise<number> {
  return expectStatus(await bench.client.get(path, headers), 200, `${bench.store.label} GET ${path}`).elapsedMs
}

async function publishOnce(bench: Bench): Promise<number> {
  bench.published += 1
  const chunk = randomBytes(PUBLISH_BYTES)
  const result = await uploadMultipart({
    url: `${bench.store.server().url}/v2/packages/organizations/${ORG}/registries/${FILES_REGISTRY}/packages`,
    token: bench.store.token,
    filename: `scale-publish-2.0.${String(bench.published)}.bin`,
    sizeBytes: PUBLISH_BYTES,
    chunk,
  })
  if (result.status !== 201) throw new Error(`${bench.store.label}: publish answered ${String(result.status)} ${result.body}`)
  return result.elapsedMs
}

/**
 * Moves the dist-tag `bench` of the big package between its two newest versions through the server's npm API,
 * as `npm dist-tag add` does: the package's revision rises, so the next document is built anew. A write through
 * the server, not into its database: another connection's write would also empty the server's SQLite page cache,
 * which no change made through the server does.
 */
async function moveTag(bench: Bench, paths: Paths): Promise<void> {
  bench.tagMoves += 1
  const response = await fetch(`${bench.store.server().url}${paths.tag}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${bench.store.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(versionAt(BIG_VERSIONS - 1 - (bench.tagMoves % 2))),
  })
  if (response.status !== 201) throw new Error(`${bench.store.label}: moving a dist-tag answered ${String(response.status)} ${await response.text()}`)
}

function createCases(paths: Paths, depth: number): Case[] {
  const packument = (accept: string, cold: boolean) => async (bench: Bench) => {
    if (cold) await moveTag(bench, paths)
    return timedGet(bench, paths.packument, { accept })
  }
  return [
    { name: `list packages, first page (${String(PER_PAGE)})`, samples: LIST_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: (b) => timedGet(b, paths.list) },
    { name: `list packages, page ${depth.toLocaleString('en')} rows deep (before cursor)`, samples: LIST_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: (b) => timedGet(b, paths.deepList) },
    { name: `list packages ?name=${BIG_NAME}, first page (${String(PER_PAGE)})`, samples: LIST_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: (b) => timedGet(b, paths.byName(PER_PAGE)) },
    { name: 'packument 5,000 versions, abbreviated, cached', samples: CACHED_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: packument(ABBREVIATED_ACCEPT, false) },
    { name: 'packument 5,000 versions, full, cached', samples: CACHED_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: packument(FULL_ACCEPT, false) },
    { name: 'packument 5,000 versions, abbreviated, cold (rebuilt after a dist-tag move)', samples: COLD_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: packument(ABBREVIATED_ACCEPT, true) },
    { name: 'packument 5,000 versions, full, cold (rebuilt after a dist-tag move)', samples: COLD_SAMPLES, maxP99Ms: TARGET_P99_MS, sample: packument(FULL_ACCEPT, true) },
    { name: `publish ${String(PUBLISH_BYTES)} B file, REST multipart, API token`, samples: PUBLISH_SAMPLES, maxP99Ms: null, sample: publishOnce },
  ]
}

/** WARMUP samples on each store, then ROUNDS rounds, SQLite first in even rounds and PostgreSQL first in odd ones. */
async function measure(testCase: Case, sqlite: Bench, postgres: Bench): Promise<LatencyRow> {
  for (const bench of [sqlite, postgres]) for (let i = 0; i < WARMUP; i += 1) await testCase.sample(bench)
  const times = { sqlite: [] as number[], postgres: [] as number[] }
  const perRound = Math.ceil(testCase.samples / ROUNDS)
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 === 0 ? (['sqlite', 'postgres'] as const) : (['postgres', 'sqlite'] as const)
    for (const key of order) {
      const bench = key === 'sqlite' ? sqlite : postgres
      for (let i = 0; i < perRound; i += 1) times[key].push(await testCase.sample(bench))
    }
  }
  return { name: testCase.name, sqlite: times.sqlite, postgres: times.postgres, maxP99Ms: testCase.maxP99Ms, maxRatio: TARGET_RATIO }
}

async function describeBodies(bench: Bench, paths: Paths): Promise<string> {
  const megabytes = async (accept: string) => ((await bench.client.get(paths.packument, { accept })).body.length / 1e6).toFixed(1)
  return `abbreviated ${await megabytes(ABBREVIATED_ACCEPT)} MB, full ${await megabytes(FULL_ACCEPT)} MB`
}

interface Setup {
  readonly sqlite: Bench
  readonly postgres: Bench
  readonly dataset: ScaleDataset
  readonly load: LoadTimes
  readonly sizes: { readonly sqlite: number; readonly postgres: number }
}

/** Both stores prepared, loaded and served again; the bench clients connected. */
async function setUp(root: string): Promise<Setup> {
  const database = await createBenchDatabase()
  cleanup.push(database.drop)
  const sqliteStore = await prepareStore('sqlite', join(root, 'sqlite'), null)
  cleanup.push(() => sqliteStore.close())
  const postgresStore = await prepareStore('postgres', join(root, 'postgres'), database.url)
  cleanup.push(() => postgresStore.close())
  const dataset = createScaleDataset(VERSIONS)
  console.error(`loading ${VERSIONS.toLocaleString('en')} versions into SQLite and PostgreSQL ...`)
  const load = await loadStores(dataset, sqliteStore, postgresStore)
  const sizes = { sqlite: await sqliteStore.sizeBytes(), postgres: await postgresStore.sizeBytes() }
  console.error(`loaded in ${seconds(load.totalSeconds * 1000)}; measuring ...`)
  const benches: Bench[] = []
  for (const store of [sqliteStore, postgresStore]) {
    const server = await store.startServer()
    const client = createLatencyClient(server.url, store.token)
    cleanup.push(() => { client.close(); return Promise.resolve() })
    benches.push({ store, client, published: 0, tagMoves: 0 })
  }
  const [sqlite, postgres] = benches as [Bench, Bench]
  return { sqlite, postgres, dataset, load, sizes }
}

/**
 * The first packument requests of a freshly started server, full then abbreviated (one each: no cache holds
 * anything yet, so the first renders every version from its whole row). Context for the table, not a case.
 */
async function measureFirstRequests(bench: Bench, paths: Paths): Promise<string> {
  const full = await timedGet(bench, paths.packument, { accept: FULL_ACCEPT })
  const abbreviated = await timedGet(bench, paths.packument, { accept: ABBREVIATED_ACCEPT })
  return `${bench.store.label} full ${full.toFixed(0)} ms then abbreviated ${abbreviated.toFixed(0)} ms`
}

async function main(): Promise<void> {
  const started = performance.now()
  const root = await mkdtemp(join(tmpdir(), 'packyard-bench-scale-'))
  cleanup.push(() => rm(root, { recursive: true, force: true }))
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`scale bench: ${signal}: stopping the servers, dropping the database, removing temp data`)
      void cleanUp().finally(() => process.exit(status))
    })
  }
  try {
    const { sqlite, postgres, dataset, load, sizes } = await setUp(root)
    const depth = Math.min(DEEP_ROWS, dataset.filesVersions - 10 * PER_PAGE)
    const [cursor, otherCursor] = await Promise.all([sqlite, postgres].map(async ({ store }) => encodeCursor((await store.rowsAt(depth - 1, 1))[0]!.seq)))
    // Both stores loaded the same rows in the same order: the same seq at the same depth (the checks compare the pages).
    if (cursor !== otherCursor) throw new Error(`the row ${String(depth)} deep has another seq in each store (${String(cursor)} vs ${String(otherCursor)})`)
    const paths = createPaths(cursor!)
    const firstRequests = [await measureFirstRequests(sqlite, paths), await measureFirstRequests(postgres, paths)]
    const checksStarted = performance.now()
    await checkConsistency(sqlite, postgres, paths, depth, PER_PAGE)
    const checkMs = performance.now() - checksStarted
    const rows: LatencyRow[] = []
    const measureStarted = performance.now()
    for (const testCase of createCases(paths, depth)) rows.push(await measure(testCase, sqlite, postgres))
    const measureMs = performance.now() - measureStarted
    console.log(`${VERSIONS.toLocaleString('en')} package versions in each store; sequential requests, one kept-alive connection, API token; milliseconds\n`)
    console.log(formatLatencyTable(rows))
    console.log(`
n = samples per store (after ${String(WARMUP)} warm-up requests each), in ${String(ROUNDS)} rounds alternating which store goes first; p99 is nearest-rank.
Packuments: cached = the server's document cache holds the package's current revision; cold = a dist-tag was moved through the server's npm API before each request (untimed; a publish or deprecation raises the revision the same way), so each request rebuilt the document: the 5,000 versions' summaries read again, their rendered entries reused (versions are immutable), the document assembled and hashed (ETag). First requests after a server start, which render all 5,000 versions from their whole rows: ${firstRequests.join('; ')}. Bodies: ${await describeBodies(sqlite, paths)}.
Data: ${dataset.filesVersions.toLocaleString('en')} versions in the files registry, the rest in the npm registry (${BIG_NAME}: 5,000 versions spread over the whole history, others 1 to 9); rows as the server writes them (npm metadata, OIDC provenance on 80%, digests, sizes, package_revisions, dist-tags). Checked first (${seconds(checkMs)}): first and deep pages equal to the database's rows and between stores, ${BIG_NAME} walked with next and back with prev, abbreviated packuments identical.
Load: ${seconds(load.totalSeconds * 1000)} wall for both stores in one pass (SQLite inserts ${seconds(load.sqliteSeconds * 1000)}, PostgreSQL inserts ${seconds(load.postgresSeconds * 1000)} overlapping, then VACUUM (ANALYZE) and CHECKPOINT ${seconds(load.vacuumSeconds * 1000)}); on disk SQLite ${mib(sizes.sqlite)}, PostgreSQL ${mib(sizes.postgres)}.
Measurement ${seconds(measureMs)}; whole benchmark ${seconds(performance.now() - started)}. dist/, log level warn, Node ${process.version}; PostgreSQL ${await postgres.store.serverVersion()} on 127.0.0.1 (pool of 10); SQLite ${await sqlite.store.serverVersion()}, WAL, synchronous=FULL.`)
  } finally {
    await cleanUp()
  }
}

await main()
