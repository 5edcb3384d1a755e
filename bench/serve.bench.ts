/**
 * Download throughput and the cost of authentication (issue targets: downloads ≥ 0.8 of a plain server's
 * requests/s for 1 KiB and 64 MiB files; a small authenticated read with a fresh OIDC token on every request
 * ≥ 0.7, and with one token reused ≥ 0.95, of the same server's anonymous reads).
 * Run: `node --import tsx bench/serve.bench.ts` (or `npm run bench -- serve`).
 *
 * Packyard (`createApp`, SQLite and file blobs in a temp dir, trusting a loopback OIDC issuer that lives in this
 * process) and the baseline (`node:http` streaming the same files from disk with fs.createReadStream) each run
 * in a child process; the clients run here, so on this 2-core machine client and server get a core each.
 * (a) GET `/{org}/{registry}/files/{filename}` of a public registry, anonymous, against the baseline's
 * `GET /files/{filename}`: 1 KiB through autocannon, 64 MiB through Node's HTTP client (autocannon's parser
 * cannot read bodies faster than about 30 MiB/s here). (b) GET of the 1 KiB file from a private registry whose policy accepts the token:
 * with one RS256 token in a fixed header (as twine and OCI clients send it) against a fixed anonymous GET of
 * the public registry's copy, and with a new RS256 token (own `jti`, pre-signed on worker threads) set on every
 * request by autocannon's `setupRequest` against anonymous GETs built the same way. Cases alternate round by round and
 * each ratio is the median of per-round ratios, since this machine's speed varies up to 3× between runs.
 * Set `BENCH_CPU_PROF_DIR` to profile the servers. Temp data is removed at the end.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AutocannonRequest } from 'autocannon'
import { startLocalIssuer, type LocalIssuer } from '../test/helpers/local-issuer.js'
import { measureRequests, type RequestLoad, type RequestRate } from './support/measure-requests.js'
import { measureStreamedDownloads } from './support/measure-streamed-downloads.js'
import { createFilesRegistry, publishFile } from './support/packyard-setup.js'
import { formatRatioTable, median, medianRatio, type RatioRow } from './support/ratio-table.js'
import { signDistinctTokens } from './support/sign-tokens.js'
import { startServerChild, type ServerChild } from './support/start-server-child.js'

const KIB = 1024
const MIB = 1024 * KIB
/** Many short rounds: each case's ratio is taken within a round, and other load on this machine comes and goes over seconds. */
const ROUNDS = 8
/**
 * The authentication ratios' targets (0.95, 0.70) sit within this machine's round-to-round noise (±0.03), so
 * their medians are taken over more rounds; the spread of the per-round ratios is printed with them.
 */
const AUTH_ROUNDS = 12
const DURATION_SECONDS = 1.5
const WARMUP_SECONDS = 1
const SMALL_CONNECTIONS = 10
/** Two streams of 64 MiB keep both cores busy; more only queue on the same loopback. */
const LARGE_CONNECTIONS = 2
/**
 * Highest authenticated rate expected, per second: fresh tokens are pre-signed for the whole run at this rate
 * (RS256 signing costs ~1 ms each, on worker threads); running out throws rather than reuse a token.
 */
const MAX_EXPECTED_REQUESTS_PER_SECOND = 10_000
const TARGET_DOWNLOAD_RATIO = 0.8
const TARGET_FRESH_RATIO = 0.7
const TARGET_REUSED_RATIO = 0.95
const SMALL_FILE = 'small-1.0.0.bin'
const LARGE_FILE = 'large-1.0.0.bin'

interface Bench {
  readonly packyard: ServerChild
  readonly baseline: ServerChild
  readonly issuer: LocalIssuer
}

/**
 * `rounds` measurements of every load, rotating which goes first in each round so drift hits all alike; the
 * loads are built per round (a fresh-token load takes new tokens each time).
 */
async function measureInterleaved(measures: readonly Measure[], rounds: number): Promise<RequestRate[][]> {
  for (const measure of measures) await measure(true)
  const rates: RequestRate[][] = measures.map(() => [])
  for (let round = 0; round < rounds; round += 1) {
    for (let step = 0; step < measures.length; step += 1) {
      const index = (round + step) % measures.length
      rates[index]!.push(await measures[index]!(false))
    }
  }
  return rates
}

/** One run of a case: a short one to warm up, or a measured one. */
type Measure = (warmup: boolean) => Promise<RequestRate>

/**
 * `rounds` measurements of each pair of loads [case, its baseline], the two always back to back (which goes
 * first alternating by round), so each per-round ratio compares runs 1.5 s apart, not up to a round apart:
 * this machine's speed drifts within seconds. Returns each pair's rates as [case, baseline].
 */
async function measurePaired(pairs: readonly (readonly [Measure, Measure])[], rounds: number): Promise<[RequestRate[], RequestRate[]][]> {
  for (const [ours, theirs] of pairs) {
    await ours(true)
    await theirs(true)
  }
  const rates = pairs.map((): [RequestRate[], RequestRate[]] => [[], []])
  for (let round = 0; round < rounds; round += 1) {
    for (let pair = 0; pair < pairs.length; pair += 1) {
      const [ours, theirs] = pairs[pair]!
      const [oursRates, theirsRates] = rates[pair]!
      if (round % 2 === 0) {
        oursRates.push(await ours(false))
        theirsRates.push(await theirs(false))
      } else {
        theirsRates.push(await theirs(false))
        oursRates.push(await ours(false))
      }
    }
  }
  return rates
}

/** Small requests through autocannon, for a fixed time. */
function timed(load: Omit<RequestLoad, 'durationSeconds'>): Measure {
  return (warmup) => measureRequests({ ...load, durationSeconds: warmup ? WARMUP_SECONDS : DURATION_SECONDS })
}

/** Large downloads through Node's HTTP client, for a fixed time. */
function streamed(url: string, connections: number): Measure {
  return (warmup) => measureStreamedDownloads({ url, connections, durationSeconds: warmup ? WARMUP_SECONDS : DURATION_SECONDS })
}

function formatRate(rates: readonly RequestRate[], withBytes: boolean): string {
  const perSecond = median(rates.map((rate) => rate.requestsPerSecond))
  const text = perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1)
  return withBytes ? `${text} req/s (${(median(rates.map((rate) => rate.bytesPerSecond)) / MIB).toFixed(0)} MiB/s)` : `${text} req/s`
}

function compareRates(name: string, packyard: readonly RequestRate[], baseline: readonly RequestRate[], target: number, withBytes = false): RatioRow {
  const ratio = medianRatio(packyard.map((rate) => rate.requestsPerSecond), baseline.map((rate) => rate.requestsPerSecond))
  return { name, packyard: formatRate(packyard, withBytes), baseline: formatRate(baseline, withBytes), ratio, target: `≥ ${target.toFixed(2)}`, pass: ratio >= target }
}

async function measureDownloads({ packyard, baseline }: Bench): Promise<RatioRow[]> {
  const rows: RatioRow[] = []
  const [smallOurs = [], smallTheirs = []] = await measureInterleaved([
    timed({ url: `${packyard.url}/default/public/files/${SMALL_FILE}`, connections: SMALL_CONNECTIONS }),
    timed({ url: `${baseline.url}/files/${SMALL_FILE}`, connections: SMALL_CONNECTIONS }),
  ], ROUNDS)
  rows.push(compareRates(`1 KiB download, ${String(SMALL_CONNECTIONS)} connections (autocannon), anonymous`, smallOurs, smallTheirs, TARGET_DOWNLOAD_RATIO))
  const [largeOurs = [], largeTheirs = []] = await measureInterleaved([
    streamed(`${packyard.url}/default/public/files/${LARGE_FILE}`, LARGE_CONNECTIONS),
    streamed(`${baseline.url}/files/${LARGE_FILE}`, LARGE_CONNECTIONS),
  ], ROUNDS)
  rows.push(compareRates(`64 MiB download, ${String(LARGE_CONNECTIONS)} connections (node:http client), anonymous`, largeOurs, largeTheirs, TARGET_DOWNLOAD_RATIO, true))
  return rows
}

/**
 * A timed load whose requests each get their credential from `credentialFor` (null: none), built per request
 * by autocannon's `setupRequest`: how a fresh token reaches every request. Its anonymous baseline is built
 * the same way, so the ratio compares like with like: a per-request `setupRequest` costs this machine's one
 * client core more than a fixed header does. (autocannon's fixed-count mode stops on a whole-second tick,
 * which made 1,500 requests read as either 1 or 2 seconds: unusable here.)
 */
function createCredentialedLoad(url: string, credentialFor: () => string | null): Measure {
  return (warmup) => measureRequests({
    url,
    connections: SMALL_CONNECTIONS,
    durationSeconds: warmup ? WARMUP_SECONDS : DURATION_SECONDS,
    setupRequest: (request: AutocannonRequest): AutocannonRequest => {
      const credential = credentialFor()
      return credential === null ? request : { ...request, headers: { ...request.headers, authorization: `Bearer ${credential}` } }
    },
  })
}

/**
 * A timed load sending the same request every time, with `credential` in a fixed header (null: none): how
 * twine and OCI clients send the one token they requested. Its anonymous baseline is a fixed request too.
 */
function createFixedLoad(url: string, credential: string | null): Measure {
  return timed({ url, connections: SMALL_CONNECTIONS, ...(credential === null ? {} : { headers: { authorization: `Bearer ${credential}` } }) })
}

/** The lowest and highest per-round ratio of `ours` to `theirs`. */
function describeSpread(ours: readonly RequestRate[], theirs: readonly RequestRate[]): string {
  const ratios = ours.map((rate, round) => rate.requestsPerSecond / (theirs[round]?.requestsPerSecond ?? Number.NaN))
  return `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`
}

/** Hands out each of `tokens` once, in order; throws when they run out. */
function nextTokenOf(tokens: readonly string[]): () => string {
  let next = 0
  return () => {
    const token = tokens[next]
    next += 1
    if (token === undefined) throw new Error('ran out of pre-signed tokens; raise the count in serve.bench.ts')
    return token
  }
}

async function measureAuthentication({ packyard, issuer }: Bench): Promise<RatioRow[]> {
  const audience = `${packyard.url}/default/private`
  const count = Math.ceil((WARMUP_SECONDS + AUTH_ROUNDS * DURATION_SECONDS) * MAX_EXPECTED_REQUESTS_PER_SECOND)
  const signingStarted = performance.now()
  const fresh = await signDistinctTokens(issuer, count, { aud: audience })
  const signingSeconds = (performance.now() - signingStarted) / 1000
  const reused = issuer.sign({ aud: audience })
  const publicUrl = `${packyard.url}/default/public/files/${SMALL_FILE}`
  const [[reusedRates, anonymousFixed] = [[], []], [freshRates, anonymousBuilt] = [[], []]] = await measurePaired([
    [createFixedLoad(`${audience}/files/${SMALL_FILE}`, reused), createFixedLoad(publicUrl, null)],
    [createCredentialedLoad(`${audience}/files/${SMALL_FILE}`, nextTokenOf(fresh)), createCredentialedLoad(publicUrl, () => null)],
  ], AUTH_ROUNDS)
  console.error(`(signed ${String(count)} RS256 tokens in ${signingSeconds.toFixed(1)} s on worker threads)`)
  console.error(`(per-round ratios: reused ${describeSpread(reusedRates, anonymousFixed)}, fresh ${describeSpread(freshRates, anonymousBuilt)})`)
  return [
    compareRates('1 KiB private read, one OIDC token reused (fixed header) ÷ anonymous public read (fixed request)', reusedRates, anonymousFixed, TARGET_REUSED_RATIO),
    compareRates('1 KiB private read, fresh OIDC token (RS256, own jti) per request ÷ anonymous public read (request built the same way)', freshRates, anonymousBuilt, TARGET_FRESH_RATIO),
  ]
}

/** The private registry's policy: read for tokens of acme's `web` pipeline (what the issuer signs by default). */
function createPolicy(issuer: LocalIssuer): string {
  return `- iss: ${issuer.issuer}\n  scopes: [read_packages]\n  claims:\n    organization_slug: acme\n    pipeline_slug: web\n`
}

async function setUp(root: string, stack: (() => Promise<void>)[]): Promise<Bench> {
  const filesDir = join(root, 'files')
  await mkdir(filesDir)
  await mkdir(join(root, 'uploads'))
  const small = randomBytes(KIB)
  const large = randomBytes(64 * MIB)
  await writeFile(join(filesDir, SMALL_FILE), small)
  await writeFile(join(filesDir, LARGE_FILE), large)
  const issuer = await startLocalIssuer({ algorithms: ['RS256'] })
  stack.push(() => issuer.close())
  const configPath = join(root, 'packyard.json')
  await writeFile(configPath, JSON.stringify({ issuers: [{ issuer: issuer.issuer, allow_insecure_http: true }] }))
  const packyard = await startServerChild('packyard-server.ts', ['--data-dir', join(root, 'packyard'), '--config', configPath])
  stack.push(() => packyard.stop())
  const baseline = await startServerChild('baseline-server.ts', ['--upload-dir', join(root, 'uploads'), '--files-dir', filesDir])
  stack.push(() => baseline.stop())
  await createFilesRegistry(packyard.url, 'public', { public: true })
  await createFilesRegistry(packyard.url, 'private', { policy: createPolicy(issuer) })
  await publishFile(packyard.url, 'public', SMALL_FILE, small)
  await publishFile(packyard.url, 'public', LARGE_FILE, large)
  await publishFile(packyard.url, 'private', SMALL_FILE, small)
  return { packyard, baseline, issuer }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'packyard-bench-serve-'))
  const cleanup: (() => Promise<void>)[] = []
  try {
    const bench = await setUp(root, cleanup)
    const downloads = await measureDownloads(bench)
    const authentication = await measureAuthentication(bench)
    console.log('(a) downloads: Packyard ÷ node:http + fs.createReadStream, same files, same run\n')
    console.log(formatRatioTable(downloads))
    console.log('\n(b) authentication: the same Packyard server, authenticated ÷ anonymous\n')
    console.log(formatRatioTable(authentication))
    console.log(`\nMedians of ${String(ROUNDS)} (downloads) and ${String(AUTH_ROUNDS)} (authentication) interleaved rounds of ${String(DURATION_SECONDS)} s (fresh tokens: each sent once); ratio = median of per-round ratios.`)
  } finally {
    for (const close of cleanup.reverse()) await close()
    await rm(root, { recursive: true, force: true })
  }
}

await main()
