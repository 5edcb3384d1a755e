/**
 * Token verification throughput against raw `crypto.verify` (brief: full path with a 10-statement policy at
 * least 0.70 of raw, RS256 and ES256). Run: `node --import tsx bench/verify.bench.ts` (or `npm run bench -- verify`).
 *
 * Same keys and tokens for every path, in one process: raw synchronous `crypto.verify` on pre-split input
 * (baseline 1.00), jose's `jwtVerify` with a local JWKS, and Packyard's full path (parse, cached key from the
 * JWKS cache, signature, claims) followed by `evaluatePolicy` with 1, 10 and 1000 statements, the token
 * matching the last one. Cases are interleaved over ROUNDS rounds; the table shows median throughput and the
 * median of per-round ratios, because this machine's speed varies up to 3x.
 */
import { sign, verify as verifySignature } from 'node:crypto'
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose'
import { createFixedClock } from '../src/lib/clock.js'
import type { FetchJson } from '../src/oidc/guarded-fetch.js'
import { resolveTrustedIssuers } from '../src/oidc/resolve-trusted-issuers.js'
import type { SigningAlgorithm } from '../src/oidc/trusted-issuer.js'
import { createTokenVerifier, type TokenVerifier } from '../src/oidc/verify-id-token.js'
import { checkPolicy } from '../src/policy/check-policy.js'
import { createPolicy } from '../src/policy/create-policy.js'
import { evaluatePolicy } from '../src/policy/evaluate-policy.js'
import type { Policy } from '../src/policy/types.js'
import { generateLocalKey, type LocalKey } from '../test/helpers/local-key.js'

const ISS = 'https://agent.buildkite.com'
const AUD = 'https://packages.example.com/acme/npm'
const ORG_ID = '0190a3c2-7b4e-7d1a-9c1e-2f5b8e6d4a10'
const NOW_S = 1_900_000_000
const TOKENS = 64
/** Short slices, many rounds: each case's ratio is taken against the raw slice of its own round, so load from
 * other processes (which comes and goes over seconds) mostly cancels out; the medians are reported. */
const ROUNDS = 15
const CASE_MS = 150
const WARMUP_MS = 400
const TARGET_RATIO = 0.7
const TARGET_CASE = 'Packyard, policy of 10 statements'

type Run = (token: number) => unknown

interface Case {
  readonly name: string
  readonly run: Run
}

function createStatement(pipeline: number): Record<string, unknown> {
  return {
    iss: ISS, scopes: ['read_packages', 'write_packages'],
    claims: {
      organization_slug: 'acme', organization_id: ORG_ID, pipeline_slug: `pipeline-${String(pipeline)}`,
      build_branch: { matches: ['main', 'release/*'], not_equals: 'release/broken' },
      runner_environment: { in: ['buildkite-hosted', 'self-hosted'] },
    },
  }
}

/** A policy of `count` statements; over the 256-statement cap, built from checked chunks (as bench/policy does). */
function compilePolicy(count: number): Policy {
  const chunkSize = Math.min(count, 125)
  const chunks = Array.from({ length: Math.ceil(count / chunkSize) }, (_, c) => {
    const result = checkPolicy(Array.from({ length: chunkSize }, (_, i) => createStatement(c * chunkSize + i)), [{ issuer: ISS, tenantClaims: ['organization_slug'] }])
    if (result.policy === null) throw new Error(JSON.stringify(result.errors))
    return result.policy
  })
  const [first] = chunks
  if (chunks.length === 1 && first !== undefined) return first
  return createPolicy(chunks.flatMap((chunk) => chunk.statements).map((statement, index) => ({ ...statement, index })))
}

function createClaims(pipeline: number, serial: number): Record<string, unknown> {
  return {
    iss: ISS, sub: `organization:acme:pipeline:pipeline-${String(pipeline)}:ref:refs/heads/main:commit:9f31:step:build`,
    aud: AUD, exp: NOW_S + 300, nbf: NOW_S, iat: NOW_S, jti: `0190a3c2-0000-7000-8000-${String(serial).padStart(12, '0')}`,
    organization_slug: 'acme', organization_id: ORG_ID, pipeline_slug: `pipeline-${String(pipeline)}`, build_number: 42 + serial,
    build_branch: 'main', build_commit: '9f3182061f1e2cca4702c368cbc039b7dc9d4485', step_key: 'build',
    job_id: '0190a3c2-0000-7000-8000-000000000001', agent_id: '0190a3c2-0000-7000-8000-000000000002',
    build_source: 'webhook', runner_environment: 'self-hosted',
  }
}

function signToken(key: LocalKey, claims: Record<string, unknown>): string {
  const header = { alg: key.alg, kid: key.kid, typ: 'JWT' }
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  const options = key.kind === 'ecdsa' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' as const } : key.privateKey
  return `${input}.${signData(key, input, options).toString('base64url')}`
}

function signData(key: LocalKey, input: string, options: Parameters<typeof sign>[2]): Buffer {
  return sign(key.hash, Buffer.from(input, 'latin1'), options)
}

/** Ops per second of `run` over about `ms`, cycling through the tokens; `run` may return a promise. */
async function measure(run: Run, ms: number): Promise<number> {
  const started = performance.now()
  let operations = 0
  let sink = 0
  while (performance.now() - started < ms) {
    for (let i = 0; i < 32; i += 1) {
      const result = run(operations % TOKENS)
      if ((result instanceof Promise ? await result : result) !== undefined) sink += 1
      operations += 1
    }
  }
  if (sink < 0) console.log(sink)
  return operations / ((performance.now() - started) / 1000)
}

async function createCases(alg: SigningAlgorithm): Promise<Case[]> {
  const key = generateLocalKey(alg, `${alg.toLowerCase()}-bench`)
  const jwks: JSONWebKeySet = { keys: [{ ...key.publicJwk }] }
  const tokens = Array.from({ length: TOKENS }, (_, i) => signToken(key, createClaims(9, i)))
  const split = tokens.map((token) => {
    const cut = token.lastIndexOf('.')
    return { data: Buffer.from(token.slice(0, cut)), signature: Buffer.from(token.slice(cut + 1), 'base64url') }
  })
  const rawKey = key.kind === 'ecdsa' ? { key: key.publicKey, dsaEncoding: 'ieee-p1363' as const } : key.publicKey
  const joseKeys = createLocalJWKSet(jwks)
  const joseOptions = { issuer: ISS, audience: AUD, algorithms: [alg], currentDate: new Date(NOW_S * 1000 + 10_000) }
  const verifier = await createWarmVerifier(jwks, alg, tokens[0] ?? '')
  const policies = [1, 10, 1000].map((count) => [count, compilePolicy(count)] as const)
  const lastOf = (count: number) => (count === 1 ? 0 : count === 10 ? 9 : 999)
  const policyTokens = new Map(policies.map(([count]) => [count, Array.from({ length: TOKENS }, (_, i) => signToken(key, createClaims(lastOf(count), i)))]))
  return [
    { name: 'raw crypto.verify (sync)', run: (i) => split[i] && verifySignature(key.hash, split[i].data, rawKey, split[i].signature) },
    { name: 'jose jwtVerify, local JWKS', run: (i) => jwtVerify(tokens[i] ?? '', joseKeys, joseOptions) },
    ...policies.map(([count, policy]): Case => ({
      name: `Packyard, policy of ${String(count)} statement${count === 1 ? '' : 's'}`,
      run: async (i) => {
        const result = await verifier.verify(policyTokens.get(count)?.[i] ?? '', AUD)
        if (!result.ok) throw new Error(`bench token refused: ${result.code}`)
        const decision = evaluatePolicy(policy, result.token.claims)
        if (decision.decision !== 'accept') throw new Error('bench token not accepted by the policy')
        return decision
      },
    })),
  ]
}

/** A verifier whose JWKS cache is filled from memory (no network), then warmed with one verification. */
async function createWarmVerifier(jwks: JSONWebKeySet, alg: SigningAlgorithm, token: string): Promise<TokenVerifier> {
  const fetchJson: FetchJson = () => Promise.resolve({ ok: true, value: jwks })
  const issuers = resolveTrustedIssuers([{ preset: 'buildkite', algorithms: [alg] }])
  const verifier = createTokenVerifier({ issuers, clock: createFixedClock(NOW_S * 1000 + 10_000), fetchJson })
  const warm = await verifier.verify(token, AUD)
  if (!warm.ok) throw new Error(`bench setup: ${warm.code} ${warm.message}`)
  return verifier
}

async function benchAlgorithm(alg: SigningAlgorithm): Promise<{ rows: string[]; pass: boolean }> {
  const cases = await createCases(alg)
  for (const benchCase of cases) await measure(benchCase.run, WARMUP_MS)
  const rates = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  const ratios = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < ROUNDS; round += 1) {
    let raw = Number.NaN
    for (const benchCase of cases) {
      const rate = await measure(benchCase.run, CASE_MS)
      if (benchCase === cases[0]) raw = rate
      rates.get(benchCase.name)?.push(rate)
      ratios.get(benchCase.name)?.push(rate / raw)
    }
  }
  let pass = true
  const rows = cases.map((benchCase) => {
    const ratio = median(ratios.get(benchCase.name) ?? [])
    const isTarget = benchCase.name === TARGET_CASE
    if (isTarget && ratio < TARGET_RATIO) pass = false
    const verdict = isTarget ? ` (target ≥ ${TARGET_RATIO.toFixed(2)}: ${ratio >= TARGET_RATIO ? 'pass' : 'FAIL'})` : ''
    return `| ${alg} | ${benchCase.name} | ${Math.round(median(rates.get(benchCase.name) ?? [])).toLocaleString('en-US')} | ${ratio.toFixed(2)}${verdict} |`
  })
  return { rows, pass }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function main(): Promise<void> {
  const results = [await benchAlgorithm('RS256'), await benchAlgorithm('ES256')]
  console.log(`Node ${process.version}, ${String(ROUNDS)} rounds of ${String(CASE_MS)} ms per case; medians.\n`)
  console.log('| algorithm | path | tokens/s | ratio to raw crypto.verify |')
  console.log('|---|---|---:|---:|')
  for (const row of results.flatMap((result) => result.rows)) console.log(row)
  // Benchmarks report; a missed target is in the table, and only a crash fails the run.
  if (!results.every((result) => result.pass)) console.log('\nA target was missed (see the table).')
}

await main()
