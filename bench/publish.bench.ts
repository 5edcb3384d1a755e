/**
 * Upload throughput and memory of REST publish (issue targets: ≥ 0.8 of a plain server's MB/s for 1 MiB and
 * 1 GiB files; the server's peak RSS growth during a 1 GiB upload < 100 MiB).
 * Run: `node --import tsx bench/publish.bench.ts` (or `npm run bench -- publish`).
 *
 * Packyard (`createApp`, SQLite and file blobs in a temp dir) and the baseline (`node:http` piping the request
 * body to a file, fsynced before answering) each run in a child process, so their CPU and memory are their
 * own; this process only streams multipart bodies over loopback, authenticated with an API token. Uploads
 * alternate between the two servers round by round, and each ratio is the median of per-round ratios, since this
 * machine's speed varies up to 3× between runs. Memory is the child's RSS high-water mark (/proc, reset before
 * each upload) minus its RSS before. Set `BENCH_CPU_PROF_DIR` to profile the servers. Temp data is removed.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readRssBytes, watchPeakRss } from './support/process-memory.js'
import { createApiToken, createFilesRegistry, publishUrlOf } from './support/packyard-setup.js'
import { formatMiB, formatRatioTable, median, medianRatio, type RatioRow } from './support/ratio-table.js'
import { startServerChild, type ServerChild } from './support/start-server-child.js'
import { uploadMultipart } from './support/upload-multipart.js'

const MIB = 1024 * 1024
const SMALL_BYTES = MIB
const LARGE_BYTES = 1024 * MIB
const SMALL_WARMUP = 5
const SMALL_ROUNDS = 21
/** Each 1 GiB upload is fsynced to a disk of about 200 MB/s: two rounds keep the run near a minute. */
const LARGE_ROUNDS = 2
const TARGET_RATIO = 0.8
const TARGET_RSS_GROWTH_BYTES = 100 * MIB
const REGISTRY = 'bench'

interface Target {
  readonly name: string
  readonly server: ServerChild
  readonly url: string
  readonly token: string | null
}

interface Upload {
  /** MiB per second, from the first byte sent to the answer. */
  readonly mibPerSecond: number
  /** The server's peak RSS during the upload minus its RSS before. */
  readonly rssGrowthBytes: number
}

let uploads = 0

/**
 * One upload of `sizeBytes` to `target`, with the server's RSS watched: a new version, and new content (the
 * upload's number stamped on its chunk), so Packyard stores a new blob as a real publish does, not a duplicate.
 */
async function upload(target: Target, sizeBytes: number, baseChunk: Buffer): Promise<Upload> {
  uploads += 1
  const chunk = Buffer.from(baseChunk)
  chunk.writeUInt32BE(uploads, 0)
  const before = readRssBytes(target.server.pid)
  const probe = watchPeakRss(target.server.pid)
  const result = await uploadMultipart({ url: target.url, token: target.token, filename: `bench-1.0.${String(uploads)}.bin`, sizeBytes, chunk })
  const peak = probe.stop()
  if (result.status !== 201) throw new Error(`${target.name}: upload answered ${String(result.status)} ${result.body}`)
  return { mibPerSecond: sizeBytes / MIB / (result.elapsedMs / 1000), rssGrowthBytes: Math.max(0, peak - before) }
}

/** `rounds` uploads to each target, alternating which goes first, so that drift in machine speed hits both. */
async function measureRounds(packyard: Target, baseline: Target, sizeBytes: number, rounds: number, chunk: Buffer): Promise<{ packyard: Upload[]; baseline: Upload[] }> {
  const results = { packyard: [] as Upload[], baseline: [] as Upload[] }
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      results.packyard.push(await upload(packyard, sizeBytes, chunk))
      results.baseline.push(await upload(baseline, sizeBytes, chunk))
    } else {
      results.baseline.push(await upload(baseline, sizeBytes, chunk))
      results.packyard.push(await upload(packyard, sizeBytes, chunk))
    }
  }
  return results
}

function describeThroughput(name: string, results: { packyard: Upload[]; baseline: Upload[] }): RatioRow {
  const ratio = medianRatio(results.packyard.map((u) => u.mibPerSecond), results.baseline.map((u) => u.mibPerSecond))
  return {
    name: `${name}: upload MiB/s (median of ${String(results.packyard.length)})`,
    packyard: median(results.packyard.map((u) => u.mibPerSecond)).toFixed(0),
    baseline: median(results.baseline.map((u) => u.mibPerSecond)).toFixed(0),
    ratio,
    target: `≥ ${TARGET_RATIO.toFixed(2)}`,
    pass: ratio >= TARGET_RATIO,
  }
}

function describeMemory(name: string, results: { packyard: Upload[]; baseline: Upload[] }, target: number | null): RatioRow {
  const packyard = Math.max(...results.packyard.map((u) => u.rssGrowthBytes))
  return {
    name: `${name}: server peak RSS growth (worst of ${String(results.packyard.length)})`,
    packyard: formatMiB(packyard),
    baseline: formatMiB(Math.max(...results.baseline.map((u) => u.rssGrowthBytes))),
    ratio: null,
    target: target === null ? '—' : `< ${formatMiB(target)}`,
    pass: target === null ? null : packyard < target,
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'packyard-bench-publish-'))
  const servers: ServerChild[] = []
  try {
    await mkdir(join(root, 'baseline'))
    const packyardServer = await startServerChild('packyard-server.ts', ['--data-dir', join(root, 'packyard')])
    servers.push(packyardServer)
    const baselineServer = await startServerChild('baseline-server.ts', ['--upload-dir', join(root, 'baseline')])
    servers.push(baselineServer)
    await createFilesRegistry(packyardServer.url, REGISTRY)
    const token = await createApiToken(packyardServer.url, ['read_packages', 'write_packages'])
    const packyard: Target = { name: 'Packyard', server: packyardServer, url: publishUrlOf(packyardServer.url, REGISTRY), token }
    const baseline: Target = { name: 'baseline', server: baselineServer, url: `${baselineServer.url}/upload`, token: null }
    const chunk = randomBytes(MIB)

    await measureRounds(packyard, baseline, SMALL_BYTES, SMALL_WARMUP, chunk)
    const small = await measureRounds(packyard, baseline, SMALL_BYTES, SMALL_ROUNDS, chunk)
    const large = await measureRounds(packyard, baseline, LARGE_BYTES, LARGE_ROUNDS, chunk)
    console.log(formatRatioTable([
      describeThroughput('1 MiB', small),
      describeThroughput('1 GiB', large),
      describeMemory('1 MiB', small, null),
      describeMemory('1 GiB', large, TARGET_RSS_GROWTH_BYTES),
    ]))
    console.log(`\nPackyard: REST publish, multipart, API token, SQLite + file blobs (sha256 + sha512 while streaming, fsync).`)
    console.log(`Baseline: node:http piping the raw request body to a file, fsync, 201. Both in child processes; ratio = median of per-round ratios.`)
  } finally {
    for (const server of servers) await server.stop()
    await rm(root, { recursive: true, force: true })
  }
}

await main()
