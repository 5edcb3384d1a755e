/**
 * Policy evaluation and glob matching against their targets (DESIGN.md 1.3; brief: 1000 statements < 50 µs,
 * hostile globs < 1 ms). Run: `node --import tsx bench/policy.bench.ts` (or `npm run bench -- policy`).
 *
 * Each case is warmed up, then timed in batches; the table shows the median time per operation, and baselines
 * measured in the same process (a one-statement policy, a RegExp glob on a friendly input) give ratios that
 * survive this machine's speed swings. Exit status 1 when a target is missed.
 */
import { checkPolicy } from '../src/policy/check-policy.js'
import { createPolicy } from '../src/policy/create-policy.js'
import { evaluatePolicy } from '../src/policy/evaluate-policy.js'
import { compileGlob, matchesGlob } from '../src/policy/glob.js'
import type { Policy, PolicyIssuer } from '../src/policy/types.js'

const BK = 'https://agent.buildkite.com'
const ISSUERS: readonly PolicyIssuer[] = [{ issuer: BK, tenantClaims: ['organization_slug', 'organization_id'] }]
const ORG_ID = '0190a3c2-7b4e-7d1a-9c1e-2f5b8e6d4a10'
const SAMPLES = 31
const TARGET_BATCH_NS = 5_000_000

interface Case {
  readonly name: string
  readonly run: () => unknown
  readonly targetNs: number | null
  readonly baseline?: string
}

/** A statement as a real registry would have it: tenant pinned by slug and id, one pipeline, branch rules. */
function createStatement(pipeline: number, indexable = true): Record<string, unknown> {
  const pipelineSlug = `pipeline-${String(pipeline)}`
  return {
    iss: BK,
    scopes: ['read_packages', 'write_packages'],
    claims: {
      organization_slug: 'acme',
      organization_id: ORG_ID,
      // A glob without wildcards matches like `equals` but is never indexed: the worst case for evaluation.
      pipeline_slug: indexable ? pipelineSlug : { matches: pipelineSlug },
      build_branch: { matches: ['main', 'release/*'], not_equals: 'release/broken' },
      runner_environment: { in: ['buildkite-hosted', 'self-hosted'] },
    },
  }
}

function compile(statements: readonly Record<string, unknown>[]): Policy {
  const result = checkPolicy(statements, ISSUERS)
  if (result.policy === null) throw new Error(JSON.stringify(result.errors))
  return result.policy
}

/** Statements per checked chunk: 125 of these statements stay under the 64 KiB cap. */
const CHUNK = 125

/**
 * Policies are capped at 256 statements and 64 KiB, so the 1000-statement policy of the target is built from
 * checked chunks with their statements renumbered; evaluation reads nothing else.
 */
function compileLarge(count: number, indexable: boolean): Policy {
  const starts = Array.from({ length: count / CHUNK }, (_, i) => i * CHUNK)
  const chunks = starts.map((start) => compile(Array.from({ length: CHUNK }, (_, i) => createStatement(start + i, indexable))))
  return createPolicy(chunks.flatMap((chunk) => chunk.statements).map((statement, index) => Object.freeze({ ...statement, index })))
}

function createToken(pipeline: number): Record<string, unknown> {
  return {
    iss: BK, sub: `organization:acme:pipeline:pipeline-${String(pipeline)}:ref:refs/heads/main:commit:9f31:step:build`,
    aud: 'https://packages.example.com/acme/npm', exp: 1_900_000_300, nbf: 1_900_000_000, iat: 1_900_000_000,
    organization_slug: 'acme', organization_id: ORG_ID, pipeline_slug: `pipeline-${String(pipeline)}`, build_number: 42,
    build_branch: 'main', build_tag: null, build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: 'build',
    job_id: '0190a3c2-0000-7000-8000-000000000001', agent_id: '0190a3c2-0000-7000-8000-000000000002',
    build_source: 'webhook', runner_environment: 'self-hosted',
  }
}

/** Median nanoseconds per call of `run`, after a warm-up, over SAMPLES batches of about 5 ms each. */
function measure(run: () => unknown): number {
  let sink = 0
  const timeBatch = (iterations: number): number => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < iterations; i += 1) if (run() !== undefined) sink += 1
    return Number(process.hrtime.bigint() - started)
  }
  let iterations = 1
  while (timeBatch(iterations) < TARGET_BATCH_NS) iterations *= 2
  for (let i = 0; i < 3; i += 1) timeBatch(iterations)
  const perOp = Array.from({ length: SAMPLES }, () => timeBatch(iterations) / iterations).sort((a, b) => a - b)
  if (sink < 0) console.log(sink) // keeps the calls observable, so they are not optimized away
  return perOp[Math.floor(SAMPLES / 2)] ?? Number.NaN
}

function formatNs(ns: number): string {
  if (ns >= 1_000_000) return `${(ns / 1_000_000).toFixed(2)} ms`
  if (ns >= 1_000) return `${(ns / 1_000).toFixed(2)} µs`
  return `${ns.toFixed(0)} ns`
}

function createCases(): Case[] {
  const large = compileLarge(1000, true)
  const scanned = compileLarge(1000, false)
  const capped = compile(Array.from({ length: 180 }, (_, i) => createStatement(i)))
  const scannedCapped = compile(Array.from({ length: 180 }, (_, i) => createStatement(i, false)))
  if (large.index === null || scanned.index !== null || scannedCapped.index !== null) throw new Error('the bench policies are not shaped as intended')
  const single = compile([createStatement(0)])
  const [last, none, first, lastCapped] = [createToken(999), createToken(5000), createToken(0), createToken(179)]
  const regex = /^release\/[^/]*$/
  const friendly = compileGlob('release/*')
  const hostile = [
    ['`*-*-*-*-*-rc` vs 2000 × `-`', compileGlob('*-*-*-*-*-rc'), '-'.repeat(2000)],
    ['`**a**a**a**b` vs 2000 × `a`', compileGlob('**a**a**a**b'), 'a'.repeat(2000)],
    ['`**a**a**a**a**a**a**b` vs 2000 × `a`', compileGlob('**a**a**a**a**a**a**b'), 'a'.repeat(2000)],
    ['`*a*a*a*a*a*a*b` vs 2000 × `a`', compileGlob('*a*a*a*a*a*a*b'), 'a'.repeat(2000)],
  ] as const
  return [
    { name: 'baseline: 1 statement, token matches', run: () => evaluatePolicy(single, first), targetNs: null },
    { name: '1000 statements, token matches the last', run: () => evaluatePolicy(large, last), targetNs: 50_000, baseline: 'baseline: 1 statement, token matches' },
    { name: '1000 statements, token matches none', run: () => evaluatePolicy(large, none), targetNs: 50_000, baseline: 'baseline: 1 statement, token matches' },
    // Beyond the 256-statement and 64 KiB caps, yet held to the target: the worst case, where every statement is tested.
    { name: '1000 statements, unindexed (full scan), matches none', run: () => evaluatePolicy(scanned, none), targetNs: 50_000, baseline: 'baseline: 1 statement, token matches' },
    { name: '180 statements (the 64 KiB cap), unindexed (full scan), matches none', run: () => evaluatePolicy(scannedCapped, none), targetNs: 50_000, baseline: 'baseline: 1 statement, token matches' },
    { name: '180 statements (about 64 KiB, the size cap), matches the last', run: () => evaluatePolicy(capped, lastCapped), targetNs: 50_000, baseline: 'baseline: 1 statement, token matches' },
    { name: 'baseline: RegExp `^release\\/[^/]*$` on `release/1.2`', run: () => regex.test('release/1.2'), targetNs: null },
    { name: 'glob `release/*` on `release/1.2`', run: () => matchesGlob(friendly, 'release/1.2'), targetNs: null, baseline: 'baseline: RegExp `^release\\/[^/]*$` on `release/1.2`' },
    ...hostile.map(([name, glob, value]): Case => ({
      name: `glob ${name}`,
      run: () => matchesGlob(glob, value),
      targetNs: 1_000_000,
      baseline: 'baseline: RegExp `^release\\/[^/]*$` on `release/1.2`',
    })),
  ]
}

function describeResult(benchCase: Case, pass: boolean): string {
  if (benchCase.targetNs !== null) return pass ? 'pass' : 'FAIL'
  return benchCase.baseline === undefined ? 'baseline' : 'context'
}

function main(): void {
  const cases = createCases()
  const timings = new Map<string, number>()
  console.log('| case | time per op | target | ratio to baseline | result |')
  console.log('|---|---|---|---|---|')
  let failed = 0
  for (const benchCase of cases) {
    const ns = measure(benchCase.run)
    timings.set(benchCase.name, ns)
    const baselineNs = benchCase.baseline === undefined ? undefined : timings.get(benchCase.baseline)
    const ratio = baselineNs === undefined ? '—' : `${(ns / baselineNs).toFixed(1)}×`
    const pass = benchCase.targetNs === null || ns < benchCase.targetNs
    if (!pass) failed += 1
    const target = benchCase.targetNs === null ? '—' : `< ${formatNs(benchCase.targetNs)}`
    console.log(`| ${benchCase.name} | ${formatNs(ns)} | ${target} | ${ratio} | ${describeResult(benchCase, pass)} |`)
  }
  if (failed > 0) console.log(`\n${String(failed)} target(s) missed (see the table).`)
}

main()
