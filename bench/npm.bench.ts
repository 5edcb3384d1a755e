/**
 * The npm registry against Verdaccio 6.8 with the real npm client (issue 5 targets: publishing 200 packages and
 * a cold `npm install` no slower than Verdaccio, ratio ≤ 1.0; packument requests per second ≥ 3× Verdaccio's).
 * Run: `node --import tsx bench/npm.bench.ts` (or `npm run bench -- npm`, which builds dist/ first).
 *
 * Verdaccio is installed by this benchmark into `.bench/verdaccio-6.8.0/` (reused afterwards; see
 * support/verdaccio-setup.ts); when it cannot be, the comparison is skipped with the reason and the exit status
 * is 1, so that a run without network is never mistaken for a pass. Both servers run in child processes on
 * loopback with their storage in a temp dir: Packyard (dist/, SQLite + file blobs) with an `npm` registry and an
 * API token, Verdaccio (its own CLI, JWT API tokens, no uplinks) with a user made by `npm adduser`'s request.
 *
 * 1. Publish: 200 generated packages (package.json + index.js; the second hundred each depend on one of the
 *    first), one `npm publish` process per package, PUBLISH_CONCURRENCY at a time, the same on both, in
 *    PUBLISH_ROUNDS rounds of 50 packages alternating which registry goes first; the ratio is the median of the
 *    per-round ratios. Each `npm publish` costs ~0.3 s of the client's own CPU and a few ms of the server's, so
 *    this ratio stays near 1.0 (±2% noise). Before it, a package with 10 versions is published to both,
 *    untimed: the packument load of step 3, and a warm-up of both servers' publish path.
 * 2. Install: `npm install` of a project depending on the second hundred (so 200 packages with their
 *    dependencies), each time in a fresh folder with a fresh cache and no lockfile, INSTALL_ROUNDS rounds
 *    alternating which registry goes first; ratio = median of per-round ratios.
 * 3. Packuments: autocannon, 20 connections, authenticated with each server's token, GET of the 10-version
 *    package, abbreviated (the `Accept` npm install sends) and full; rounds of a few seconds alternating
 *    between the servers, medians, ratio = median of per-round ratios.
 * npm runs with its own .npmrc, cache and HOME per folder (test/helpers/npm-client.ts), audit off (Verdaccio
 * configured without its audit middleware has no advisory endpoint), logging at `warn`. Times are wall-clock seconds, so for them the
 * ratio Packyard ÷ Verdaccio is better when lower. Misses are FAIL rows; the exit status stays 0 for them.
 * Temp data is removed and the servers stopped at the end, also on failure.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mapConcurrently } from '../src/lib/map-concurrently.js'
import { createNpmSandbox, type NpmResult, type NpmSandbox } from '../test/helpers/npm-client.js'
import { measureRequests, type RequestRate } from './support/measure-requests.js'
import { createApiToken, createNpmRegistry } from './support/packyard-setup.js'
import { formatRatioTable, median, medianRatio, type RatioRow } from './support/ratio-table.js'
import { startServerChild, type ServerChild } from './support/start-server-child.js'
import { addVerdaccioUser, ensureVerdaccio, VERDACCIO_VERSION, VerdaccioUnavailableError, writeVerdaccioConfig } from './support/verdaccio-setup.js'

const PACKAGE_COUNT = 200
const PUBLISH_ROUNDS = 4
/** Two cores: four npm processes keep both busy (an `npm publish` is ~0.3 s, mostly npm starting up). */
const PUBLISH_CONCURRENCY = 4
const INSTALL_DEPENDENCIES = 100
const INSTALL_ROUNDS = 5
const MANY_VERSIONS = 10
const MANY_NAME = 'bench-many'
const CONNECTIONS = 20
/** Per server and Accept: PACKUMENT_ROUNDS × PACKUMENT_SECONDS measured, after a warm-up. */
const PACKUMENT_ROUNDS = 3
const PACKUMENT_SECONDS = 3
const WARMUP_SECONDS = 1
const TARGET_TIME_RATIO = 1.0
const TARGET_PACKUMENT_RATIO = 3.0
const REGISTRY = 'js'
/** What npm 11 sends when installing. */
const ABBREVIATED_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
const FULL_ACCEPT = 'application/json'

/** What to undo at the end, last first: stopping servers, removing temp dirs. Also run on SIGINT and SIGTERM. */
const cleanup: (() => Promise<void>)[] = []
let cleaning: Promise<void> | undefined

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const close of cleanup.splice(0).reverse()) await close().catch((error: unknown) => { console.error('npm bench: cleanup:', error) })
  })()
  return cleaning
}

interface Target {
  readonly name: 'Packyard' | 'Verdaccio'
  /** The npm registry URL, ending in `/`. */
  readonly registry: string
  readonly token: string
  /** Where the 200 packages are written, to publish from. */
  readonly publisher: NpmSandbox
}

interface Pair<T> {
  readonly packyard: T
  readonly verdaccio: T
}

const packageName = (index: number) => `bench-pkg-${String(index).padStart(3, '0')}`

/** The i-th generated package: the second half each depend on one of the first. */
function manifestOf(index: number): Record<string, unknown> {
  const half = PACKAGE_COUNT / 2
  return {
    name: packageName(index),
    version: '1.0.0',
    description: `generated package ${String(index)} for the npm benchmark`,
    main: 'index.js',
    license: 'MIT',
    ...(index >= half ? { dependencies: { [packageName(index - half)]: '^1.0.0' } } : {}),
  }
}

function check(result: NpmResult, what: string): void {
  if (result.code !== 0) throw new Error(`${what} failed (${String(result.code)}):\n${result.stdout}\n${result.stderr}`.trim())
}

async function timeSeconds(work: () => Promise<void>): Promise<number> {
  const started = performance.now()
  await work()
  return (performance.now() - started) / 1000
}

/** Each round runs both targets, Packyard first in even rounds and Verdaccio first in odd ones; returns seconds per target. */
async function alternate(targets: Pair<Target>, rounds: number, run: (target: Target, round: number) => Promise<number>): Promise<Pair<number[]>> {
  const times = { packyard: [] as number[], verdaccio: [] as number[] }
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['packyard', 'verdaccio'] as const) : (['verdaccio', 'packyard'] as const)
    for (const key of order) times[key].push(await run(targets[key], round))
  }
  return times
}

/** Untimed: MANY_VERSIONS versions of one package, published one after the other with npm. */
async function publishManyVersions(target: Target): Promise<void> {
  for (let minor = 0; minor < MANY_VERSIONS; minor += 1) {
    const folder = `${MANY_NAME}-${String(minor)}`
    await target.publisher.writePackage(folder, {
      name: MANY_NAME,
      version: `1.${String(minor)}.0`,
      description: 'a package with many versions, for the packument load',
      main: 'index.js',
      license: 'MIT',
      keywords: ['bench', 'packument'],
      dependencies: { [packageName(0)]: '^1.0.0', [packageName(1)]: '^1.0.0' },
    })
    check(await target.publisher.npm(['publish', '--loglevel=warn'], { folder }), `${target.name}: npm publish ${MANY_NAME}@1.${String(minor)}.0`)
  }
}

async function measurePublish(targets: Pair<Target>): Promise<Pair<number[]>> {
  for (const target of [targets.packyard, targets.verdaccio]) {
    for (let index = 0; index < PACKAGE_COUNT; index += 1) await target.publisher.writePackage(packageName(index), manifestOf(index))
    await publishManyVersions(target)
  }
  const perRound = PACKAGE_COUNT / PUBLISH_ROUNDS
  return alternate(targets, PUBLISH_ROUNDS, (target, round) => {
    const names = Array.from({ length: perRound }, (_, i) => packageName(round * perRound + i))
    return timeSeconds(async () => {
      await mapConcurrently(names, PUBLISH_CONCURRENCY, async (name) => {
        check(await target.publisher.npm(['publish', '--loglevel=warn'], { folder: name }), `${target.name}: npm publish ${name}`)
      })
    })
  })
}

/** One cold install: a new folder, cache and node_modules; checks that every package arrived. */
async function installOnce(target: Target): Promise<number> {
  const sandbox = await createNpmSandbox({ registry: target.registry, token: target.token })
  cleanup.push(() => sandbox.close())
  try {
    const dependencies = Object.fromEntries(Array.from({ length: INSTALL_DEPENDENCIES }, (_, i) => [packageName(PACKAGE_COUNT - INSTALL_DEPENDENCIES + i), '^1.0.0']))
    await sandbox.writePackage('app', { name: 'bench-app', version: '1.0.0', private: true, dependencies })
    let result: NpmResult | undefined
    const seconds = await timeSeconds(async () => {
      result = await sandbox.npm(['install', '--no-audit', '--no-fund', '--loglevel=warn'], { folder: 'app' })
    })
    check(result!, `${target.name}: npm install`)
    const installed = (await readdir(join(sandbox.dir, 'app/node_modules'))).filter((name) => name.startsWith('bench-pkg-'))
    const expected = INSTALL_DEPENDENCIES + Math.min(INSTALL_DEPENDENCIES, PACKAGE_COUNT / 2)
    if (installed.length !== expected) throw new Error(`${target.name}: npm install left ${String(installed.length)} packages, not ${String(expected)}`)
    return seconds
  } finally {
    await sandbox.close()
  }
}

interface PackumentShape {
  readonly contentType: string
  readonly bytes: number
}

/** One GET of the packument, checked: 200, JSON, all versions, tarball URLs on the same server. */
async function probePackument(target: Target, accept: string): Promise<PackumentShape> {
  const response = await fetch(`${target.registry}${MANY_NAME}`, { headers: { authorization: `Bearer ${target.token}`, accept } })
  const text = await response.text()
  if (response.status !== 200) throw new Error(`${target.name}: GET ${MANY_NAME} answered ${String(response.status)} ${text}`)
  const document = JSON.parse(text) as { versions?: Record<string, { dist?: { tarball?: string } }> }
  const versions = Object.values(document.versions ?? {})
  if (versions.length !== MANY_VERSIONS) throw new Error(`${target.name}: ${MANY_NAME} has ${String(versions.length)} versions, not ${String(MANY_VERSIONS)}`)
  const origin = new URL(target.registry).origin
  if (!versions.every((version) => version.dist?.tarball?.startsWith(origin) === true)) throw new Error(`${target.name}: a tarball URL of ${MANY_NAME} is not on ${origin}`)
  return { contentType: response.headers.get('content-type') ?? '', bytes: Buffer.byteLength(text) }
}

async function measurePackuments(targets: Pair<Target>, accept: string): Promise<Pair<RequestRate[]>> {
  const load = (target: Target, seconds: number) => measureRequests({
    url: `${target.registry}${MANY_NAME}`,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    headers: { authorization: `Bearer ${target.token}`, accept },
  })
  await load(targets.packyard, WARMUP_SECONDS)
  await load(targets.verdaccio, WARMUP_SECONDS)
  const rates = { packyard: [] as RequestRate[], verdaccio: [] as RequestRate[] }
  for (let round = 0; round < PACKUMENT_ROUNDS; round += 1) {
    const order = round % 2 === 0 ? (['packyard', 'verdaccio'] as const) : (['verdaccio', 'packyard'] as const)
    for (const key of order) rates[key].push(await load(targets[key], PACKUMENT_SECONDS))
  }
  return rates
}

const formatSeconds = (values: readonly number[]) => `${values.reduce((sum, value) => sum + value, 0).toFixed(1)} s`
const formatRounds = (values: readonly number[]) => values.map((value) => value.toFixed(1)).join(' + ')

function compareTimes(name: string, times: Pair<number[]>, total: boolean): RatioRow {
  const ratio = medianRatio(times.packyard, times.verdaccio)
  const show = total ? formatSeconds : (values: readonly number[]) => `${median(values).toFixed(1)} s`
  return { name, packyard: show(times.packyard), baseline: show(times.verdaccio), ratio, target: `≤ ${TARGET_TIME_RATIO.toFixed(2)}`, pass: ratio <= TARGET_TIME_RATIO }
}

function compareRates(name: string, rates: Pair<RequestRate[]>): RatioRow {
  const perSecond = (values: readonly RequestRate[]) => `${median(values.map((rate) => rate.requestsPerSecond)).toFixed(0)} req/s`
  const ratio = medianRatio(rates.packyard.map((rate) => rate.requestsPerSecond), rates.verdaccio.map((rate) => rate.requestsPerSecond))
  return { name, packyard: perSecond(rates.packyard), baseline: perSecond(rates.verdaccio), ratio, target: `≥ ${TARGET_PACKUMENT_RATIO.toFixed(2)}`, pass: ratio >= TARGET_PACKUMENT_RATIO }
}

async function npmVersion(): Promise<string> {
  const sandbox = await createNpmSandbox({ registry: 'http://127.0.0.1:9/' })
  try {
    return (await sandbox.npm(['--version'])).stdout.trim()
  } finally {
    await sandbox.close()
  }
}

async function printLogTail(path: string): Promise<void> {
  try {
    const tail = (await readFile(path, 'utf8')).trim().split('\n').slice(-20).join('\n')
    if (tail !== '') console.error(`last lines of Verdaccio's log (${path}):\n${tail}`)
  } catch {
    // Verdaccio never started
  }
}

async function setUp(root: string): Promise<Pair<Target> & { installNote: string }> {
  const install = await ensureVerdaccio()
  const installNote = install.installSeconds === null ? `reused ${install.dir}` : `installed into ${install.dir} in ${install.installSeconds.toFixed(0)} s`
  const config = await writeVerdaccioConfig(join(root, 'verdaccio'))
  const packyard = await startServerChild('packyard-server.ts', ['--data-dir', join(root, 'packyard')])
  cleanup.push(() => packyard.stop())
  const verdaccio = await startServerChild('verdaccio-server.ts', ['--bin', install.bin, '--config', config, '--log', join(root, 'verdaccio.log')])
  cleanup.push(() => verdaccio.stop())
  const servers: Pair<ServerChild> = { packyard, verdaccio }
  await createNpmRegistry(servers.packyard.url, REGISTRY)
  const packyardToken = await createApiToken(servers.packyard.url, ['read_packages', 'write_packages'])
  const verdaccioToken = await addVerdaccioUser(servers.verdaccio.url, 'bench', 'bench-password-0123456789')
  const packyardRegistry = `${servers.packyard.url}/default/${REGISTRY}/npm/`
  const verdaccioRegistry = `${servers.verdaccio.url}/`
  const packyardPublisher = await createNpmSandbox({ registry: packyardRegistry, token: packyardToken })
  cleanup.push(() => packyardPublisher.close())
  const verdaccioPublisher = await createNpmSandbox({ registry: verdaccioRegistry, token: verdaccioToken })
  cleanup.push(() => verdaccioPublisher.close())
  return {
    packyard: { name: 'Packyard', registry: packyardRegistry, token: packyardToken, publisher: packyardPublisher },
    verdaccio: { name: 'Verdaccio', registry: verdaccioRegistry, token: verdaccioToken, publisher: verdaccioPublisher },
    installNote,
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'packyard-bench-npm-'))
  cleanup.push(() => rm(root, { recursive: true, force: true }))
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`npm bench: ${signal}: stopping the servers and removing temp data`)
      void cleanUp().finally(() => process.exit(status))
    })
  }
  const started = performance.now()
  try {
    const { installNote, ...targets } = await setUp(root)
    const publish = await measurePublish(targets)
    const install = await alternate(targets, INSTALL_ROUNDS, (target) => installOnce(target))
    const shapes = {
      abbreviated: { packyard: await probePackument(targets.packyard, ABBREVIATED_ACCEPT), verdaccio: await probePackument(targets.verdaccio, ABBREVIATED_ACCEPT) },
      full: { packyard: await probePackument(targets.packyard, FULL_ACCEPT), verdaccio: await probePackument(targets.verdaccio, FULL_ACCEPT) },
    }
    const abbreviated = await measurePackuments(targets, ABBREVIATED_ACCEPT)
    const full = await measurePackuments(targets, FULL_ACCEPT)
    const perRound = PACKAGE_COUNT / PUBLISH_ROUNDS
    console.log(`Packyard ÷ Verdaccio ${VERDACCIO_VERSION}, same machine, same run, the same npm client (baseline column: Verdaccio)\n`)
    console.log(formatRatioTable([
      compareTimes(`publish ${String(PACKAGE_COUNT)} packages: \`npm publish\` each, ${String(PUBLISH_CONCURRENCY)} at a time (total s; ratio of times)`, publish, true),
      compareTimes(`cold \`npm install\`, ${String(INSTALL_DEPENDENCIES)} dependencies, ${String(INSTALL_DEPENDENCIES * 2)} packages (median s; ratio of times)`, install, false),
      compareRates(`packument ${MANY_NAME} (${String(MANY_VERSIONS)} versions), abbreviated, ${String(CONNECTIONS)} connections, token`, abbreviated),
      compareRates(`packument ${MANY_NAME} (${String(MANY_VERSIONS)} versions), full JSON, ${String(CONNECTIONS)} connections, token`, full),
    ]))
    const describe = (shape: PackumentShape) => `${String(shape.bytes)} B ${shape.contentType.split(';')[0] ?? ''}`
    console.log(`
Times are wall-clock seconds: for them the ratio Packyard ÷ Verdaccio is better when lower (target ≤ ${TARGET_TIME_RATIO.toFixed(1)}); for packuments, req/s, better when higher.
publish: ${String(PUBLISH_ROUNDS)} rounds of ${String(perRound)} packages, alternating which registry goes first; Packyard ${formatRounds(publish.packyard)} s, Verdaccio ${formatRounds(publish.verdaccio)} s; ratio = median of per-round ratios.
install: fresh folder, cache and no lockfile each time, audit off; ${String(INSTALL_ROUNDS)} rounds alternating; Packyard ${formatRounds(install.packyard)} s, Verdaccio ${formatRounds(install.verdaccio)} s; ratio = median of per-round ratios.
packuments: autocannon, ${String(PACKUMENT_ROUNDS)} interleaved rounds of ${String(PACKUMENT_SECONDS)} s per server and Accept after ${String(WARMUP_SECONDS)} s of warm-up; medians; ratio = median of per-round ratios. Bodies: abbreviated Packyard ${describe(shapes.abbreviated.packyard)}, Verdaccio ${describe(shapes.abbreviated.verdaccio)}; full Packyard ${describe(shapes.full.packyard)}, Verdaccio ${describe(shapes.full.verdaccio)}.
Packyard: dist/, SQLite + file blobs, API token (read+write), log level warn. Verdaccio ${VERDACCIO_VERSION} (node-fetch 2.7.0; ${installNote}): its CLI, NODE_ENV=production, JWT API tokens (security.api.legacy: false), no uplinks, htpasswd user, log level warn. Both child processes on loopback; npm ${await npmVersion()}, Node ${process.version}; whole benchmark ${((performance.now() - started) / 1000).toFixed(0)} s.`)
  } catch (error) {
    if (error instanceof VerdaccioUnavailableError) {
      console.error(`npm bench: the comparison with Verdaccio ${VERDACCIO_VERSION} was skipped: Verdaccio could not be installed.\n${error.message}`)
      process.exitCode = 1
      return
    }
    await printLogTail(join(root, 'verdaccio.log'))
    throw error
  } finally {
    await cleanUp()
  }
}

await main()
