/**
 * Bench-only: the scale benchmark's data set, generated deterministically (a seeded PRNG, digests from names)
 * so that the SQLite and the PostgreSQL store hold exactly the same rows in exactly the same order.
 *
 * 1,000,000 package versions in the rows the server writes (packages/store/package-repository.ts,
 * ecosystems/npm/npm-version-metadata.ts, registry/provenance.ts): an `npm` registry with one package of
 * exactly BIG_VERSIONS versions and many of a handful (1 to 9) each, and a `files` registry of many files of a
 * handful of versions each. Versions of all packages are interleaved in publish order over ~3 years, as a
 * real registry's history is: the big package's versions are spread over the whole table, not one run of rows.
 * 80% of the versions carry Buildkite OIDC provenance, the rest were published with an API token.
 */
import { createHash } from 'node:crypto'

export const TOTAL_VERSIONS = 1_000_000
/** The npm registry's share; the files registry holds the rest (and the deep listing runs there). */
const NPM_SHARE = 0.4
export const BIG_NAME = 'big-pkg'
export const BIG_VERSIONS = 5_000
const MAX_SMALL_VERSIONS = 9
const HISTORY_START_MS = Date.parse('2023-01-01T00:00:00.000Z')
/** ~3 years of history over 1M versions. */
const STEP_MS = 90_000
const OIDC_SHARE = 0.8

/** Which of the two registries a row belongs to; the loader maps it to that store's registry id. */
export type ScaleRegistry = 'npm' | 'files'

export interface PackageRow {
  readonly id: string
  readonly registry: ScaleRegistry
  readonly name: string
  readonly version: string
  readonly filename: string
  readonly size: number
  readonly sha256: string
  readonly sha512: string
  readonly provenance: string | null
  /** null: published with the bench's API token (`api_token:{id}`, which differs per store). */
  readonly published_by: string | null
  readonly created_at: string
  readonly metadata: string | null
}

export interface NameRow {
  readonly registry: ScaleRegistry
  readonly name: string
  /** What the server's bumps would have reached: one per version published. */
  readonly revision: number
}

export interface DistTagRow {
  readonly registry: ScaleRegistry
  readonly name: string
  readonly tag: string
  readonly version: string
  readonly updated_at: string
}

/** What the rows of one store refer to: its registries' ids and its API token. */
export interface ScaleTargets {
  readonly npmId: string
  readonly filesId: string
  /** `api_token:{id}`: who the non-OIDC versions were published by. */
  readonly apiTokenActor: string
}

export function registryIdOf(targets: ScaleTargets, registry: ScaleRegistry): string {
  return registry === 'npm' ? targets.npmId : targets.filesId
}

interface PackagePlan {
  readonly ecosystem: ScaleRegistry
  readonly name: string
  readonly count: number
  published: number
}

/** mulberry32: small, fast and good enough to spread data; seeded so both stores get the same rows. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function planPackages(random: () => number, total: number): PackagePlan[] {
  const plans: PackagePlan[] = [{ ecosystem: 'npm', name: BIG_NAME, count: BIG_VERSIONS, published: 0 }]
  const fill = (ecosystem: ScaleRegistry, total: number, nameOf: (index: number) => string) => {
    let left = total
    for (let index = 0; left > 0; index += 1) {
      const count = Math.min(left, 1 + Math.floor(random() * MAX_SMALL_VERSIONS))
      plans.push({ ecosystem, name: nameOf(index), count, published: 0 })
      left -= count
    }
  }
  // Some scoped npm names, and files names with capitals and underscores: collation differences show there.
  const npmVersions = Math.round(total * NPM_SHARE)
  fill('npm', npmVersions - BIG_VERSIONS, (i) => (i % 5 === 0 ? `@scope${String(i % 50)}/lib-${String(i)}` : `pkg-${String(i)}`))
  fill('files', total - npmVersions, (i) => (i % 7 === 0 ? `Tool_${String(i)}` : `tool-${String(i)}`))
  return plans
}

/** The k-th version of a package: 0.0.0, 0.0.1, ... 0.0.9, 0.1.0, ... (the big package reaches 49.9.9). */
export function versionAt(k: number): string {
  return `${String(Math.floor(k / 100))}.${String(Math.floor(k / 10) % 10)}.${String(k % 10)}`
}

/** A UUID v7 as the store makes them (lib/uuid-v7.ts), with its random bits from `random`. */
function uuidV7(ms: number, random: () => number): string {
  const bytes = Buffer.alloc(16)
  bytes.writeUIntBE(ms, 0, 6)
  for (let i = 6; i < 16; i += 1) bytes[i] = Math.floor(random() * 256)
  bytes[6] = 0x70 | (bytes[6]! & 0x0f)
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const digest = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex')

function manifestOf(name: string, version: string, k: number): Record<string, unknown> {
  const slug = name.replace(/^@/, '').replace('/', '-')
  return {
    name,
    version,
    description: `Generated package ${name} for Packyard's scale benchmark`,
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    license: 'MIT',
    keywords: ['packyard', 'bench', 'scale'],
    repository: { type: 'git', url: `git+https://github.com/acme/${slug}.git` },
    homepage: `https://github.com/acme/${slug}#readme`,
    bugs: { url: `https://github.com/acme/${slug}/issues` },
    author: 'Acme Engineering <eng@acme.example>',
    scripts: { build: 'tsc -p tsconfig.build.json', test: 'node --test', prepare: 'npm run build' },
    dependencies: { 'left-pad': '^1.3.0', lodash: `^4.17.${String(k % 22)}`, zod: '^3.23.0' },
    devDependencies: { typescript: '^5.4.0', '@types/node': '^20.11.0' },
    engines: { node: '>=18' },
  }
}

function provenanceOf(name: string, ms: number, random: () => number): { provenance: string; publishedBy: string } {
  const pipeline = name.replace(/^@/, '').replace('/', '-').toLowerCase()
  const commit = digest('sha1', `${name}:${String(ms)}`)
  const subject = `organization:acme:pipeline:${pipeline}:ref:refs/heads/main:commit:${commit}:step:publish`
  const claims = {
    organization_slug: 'acme',
    organization_id: '0190a7e4-2f6b-7c1d-9a55-3f1e2d4c5b6a',
    pipeline_slug: pipeline,
    pipeline_id: uuidV7(HISTORY_START_MS, random),
    build_number: 1 + Math.floor(random() * 5000),
    build_branch: 'main',
    build_commit: commit,
    step_key: 'publish',
    job_id: uuidV7(ms, random),
    agent_id: uuidV7(ms, random),
    build_source: 'webhook',
    runner_environment: 'buildkite-hosted',
  }
  const provenance = { issuer: 'https://agent.buildkite.com', subject, statement: 0, policy_version: 1, claims }
  return { provenance: JSON.stringify(provenance), publishedBy: `oidc:https://agent.buildkite.com|${subject}` }
}

/** Rows of package versions and, once all are made, of names and dist-tags. */
export interface ScaleDataset {
  /** Versions in the files registry (the rest are npm's). */
  readonly filesVersions: number
  /** The versions in publish order, `batchSize` at a time. */
  batches(batchSize: number): Generator<PackageRow[]>
  /** After `batches` ran to its end: one row per package name. */
  names(): NameRow[]
  /** After `batches` ran to its end: `latest` of every npm name, and `next` and `beta` of the big package. */
  distTags(): DistTagRow[]
}

/** `total` versions (TOTAL_VERSIONS; fewer only to try the benchmark out), the same for the same `seed`. */
export function createScaleDataset(total = TOTAL_VERSIONS, seed = 20_240_601): ScaleDataset {
  const random = createRandom(seed)
  const plans = planPackages(random, total)
  let lastMs = HISTORY_START_MS
  function rowOf(plan: PackagePlan, sequence: number): PackageRow {
    const k = plan.published
    plan.published += 1
    const ms = HISTORY_START_MS + sequence * STEP_MS + Math.floor(random() * STEP_MS)
    lastMs = ms
    const version = versionAt(k)
    const filename = plan.ecosystem === 'npm' ? `${plan.name}-${version}.tgz` : `${plan.name}-${version}.tar.gz`
    const size = 512 + Math.floor(random() ** 3 * 8_000_000)
    const oidc = random() < OIDC_SHARE ? provenanceOf(plan.name, ms, random) : null
    let metadata: string | null = null
    if (plan.ecosystem === 'npm') {
      metadata = JSON.stringify({
        manifest: manifestOf(plan.name, version, k),
        shasum: digest('sha1', `sha1:${filename}`),
        file_count: 4 + Math.floor(random() * 60),
        unpacked_size: size * 3,
        has_install_script: false,
        has_shrinkwrap: false,
      })
    }
    return {
      id: uuidV7(ms, random),
      registry: plan.ecosystem,
      name: plan.name,
      version,
      filename,
      size,
      sha256: digest('sha256', `sha256:${plan.ecosystem}:${filename}`),
      sha512: digest('sha512', `sha512:${plan.ecosystem}:${filename}`),
      provenance: oidc?.provenance ?? null,
      published_by: oidc?.publishedBy ?? null,
      created_at: new Date(ms).toISOString(),
      metadata,
    }
  }
  return {
    filesVersions: plans.filter((plan) => plan.ecosystem === 'files').reduce((sum, plan) => sum + plan.count, 0),
    *batches(batchSize) {
      // Every plan index once per version, shuffled (Fisher-Yates): the publish order of the whole history.
      const order = new Int32Array(total)
      let at = 0
      plans.forEach((plan, index) => { for (let i = 0; i < plan.count; i += 1) order[at++] = index })
      for (let i = order.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1))
        const swap = order[i]!
        order[i] = order[j]!
        order[j] = swap
      }
      for (let start = 0; start < order.length; start += batchSize) {
        const batch: PackageRow[] = []
        for (let i = start; i < Math.min(order.length, start + batchSize); i += 1) batch.push(rowOf(plans[order[i]!]!, i))
        yield batch
      }
    },
    names: () => plans.map((plan) => ({ registry: plan.ecosystem, name: plan.name, revision: plan.count })),
    distTags() {
      const updatedAt = new Date(lastMs).toISOString()
      const tags = plans
        .filter((plan) => plan.ecosystem === 'npm')
        .map((plan) => ({ registry: 'npm' as const, name: plan.name, tag: 'latest', version: versionAt(plan.count - 1), updated_at: updatedAt }))
      tags.push({ registry: 'npm', name: BIG_NAME, tag: 'next', version: versionAt(BIG_VERSIONS - 1), updated_at: updatedAt })
      tags.push({ registry: 'npm', name: BIG_NAME, tag: 'beta', version: versionAt(BIG_VERSIONS - 10), updated_at: updatedAt })
      return tags
    },
  }
}
