/**
 * The metadata half of `packyard admin migrate-store`, in-process: exact values across dialects (64-bit sizes,
 * JSON text, timestamps, sequence numbers), a lossy copy caught by the verification before it could commit,
 * and a change to the source during the migration noticed.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFixedClock } from '../../src/lib/clock.js'
import type { MetadataStore } from '../../src/registry/ports.js'
import { copyMetadata } from '../../src/store/copy-metadata.js'
import { migrateDestination, openPostgresDestination, type CopyTransaction } from '../../src/store/open-postgres-destination.js'
import { openPostgresStore } from '../../src/store/open-postgres-store.js'
import { openSqliteSource } from '../../src/store/open-sqlite-source.js'
import { openSqliteStore } from '../../src/store/open-sqlite-store.js'
import { planTableCopy } from '../../src/store/plan-table-copy.js'
import { verifyMetadataCopy } from '../../src/store/verify-metadata-copy.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'

const clock = createFixedClock(Date.parse('2025-06-01T12:00:00.123Z'))
/** Beyond 32 bits, as a large container layer is: must arrive as the same integer. */
const BIG_SIZE = 5_000_000_123

async function fillSource(store: MetadataStore): Promise<{ packageId: string }> {
  const org = await store.organizations.create({ slug: 'acme', name: 'Acme' })
  await store.apiTokens.create({ organizationId: org.id, description: 'ci', scopes: ['read_packages'], tokenHash: 'ab'.repeat(32), createdBy: 'cli' })
  const registry = await store.registries.create({ organizationId: org.id, slug: 'tools', name: 'Tools', ecosystem: 'npm', description: 'ünïcode ✓', emoji: null, color: null, public: true })
  for (const source of ['- iss: a\n', '- iss: b\n']) await store.policyVersions.append({ registryId: registry.id, source, savedBy: 'cli', restoredFrom: null })
  await store.registries.update(registry.id, { policyVersion: 2 })
  const pkg = await store.packages.insert({
    registryId: registry.id, name: 'big', version: '1.0.0', filename: 'big-1.0.0.tgz', size: BIG_SIZE, sha256: 'a'.repeat(64), sha512: 'b'.repeat(128),
    provenance: { issuer: 'https://agent.buildkite.com', claims: { build_number: 42, branch: 'main' } }, publishedBy: 'token', metadata: { description: 'emoji 🎉', n: 1.5 },
  })
  await store.packages.insert({ registryId: registry.id, name: 'big', version: '0.1.0', filename: 'big-0.1.0.tgz', size: 1, sha256: 'c'.repeat(64), sha512: 'd'.repeat(128), provenance: null, publishedBy: 'token' })
  await store.packages.setDeprecated(registry.id, pkg.id, 'use 2.x')
  await store.distTags.set(registry.id, 'big', 'latest', '1.0.0')
  await store.packageRevisions.bump(registry.id, 'big')
  for (let i = 0; i < 3; i++) await store.audit.append({ organizationId: org.id, registryId: registry.id, type: 'test.event', outcome: 'done', code: null, actor: 'cli', detail: { i, text: 'quote " and \\ backslash' } })
  return { packageId: pkg.id }
}

describe('migrate-store: the metadata copy', { skip: postgresSkip }, () => {
  let dir = ''
  let sourcePath = ''
  let packageId = ''
  const databases: TestDatabase[] = []
  const freshDestination = async () => {
    const database = await createTestDatabase()
    databases.push(database)
    await migrateDestination(database.url)
    return database
  }
  /** Copies the source in one transaction through `wrap`, verifies, and commits only when nothing differs. */
  const copyInto = async (database: TestDatabase, wrap: (transaction: CopyTransaction) => CopyTransaction = (t) => t) => {
    const source = openSqliteSource(sourcePath)
    const destination = await openPostgresDestination(database.url)
    try {
      const plan = planTableCopy(source.tables(), await destination.tables())
      assert.ok(plan.ok)
      const transaction = await destination.beginCopy()
      const copy = await copyMetadata({ source, transaction: wrap(transaction), tables: plan.tables })
      const verification = await verifyMetadataCopy(source, transaction, copy.tables)
      await (verification.problems.length === 0 ? transaction.commit() : transaction.rollback())
      return { copy, verification, nonEmpty: await destination.nonEmptyTables() }
    } finally {
      source.close()
      await destination.close()
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'packyard-migrate-copy-'))
    sourcePath = join(dir, 'packyard.db')
    const store = await openSqliteStore({ path: sourcePath, clock })
    packageId = (await fillSource(store)).packageId
    await store.close()
  })
  after(async () => {
    for (const database of databases) await database.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('copies every value exactly, and counters continue above the copied numbers', async () => {
    const database = await freshDestination()
    const { copy, verification } = await copyInto(database)
    assert.deepEqual(verification.problems, [])
    assert.equal(verification.packagesCompared, 2)
    assert.deepEqual(copy.identities.find((identity) => identity.table === 'audit_events'), { table: 'audit_events', column: 'seq', next: '4' })
    const copied = await openPostgresStore({ url: database.url, clock })
    const original = await openSqliteStore({ path: sourcePath, clock })
    try {
      const registry = (await copied.registries.findBySlug((await copied.organizations.findBySlug('acme'))!.id, 'tools'))!
      assert.deepEqual(registry, await original.registries.findBySlug((await original.organizations.findBySlug('acme'))!.id, 'tools'))
      const pkg = await copied.packages.findById(registry.id, packageId)
      assert.equal(pkg?.size, BIG_SIZE)
      assert.deepEqual(pkg, await original.packages.findById(registry.id, packageId))
      assert.deepEqual(await copied.policyVersions.list(registry.id), await original.policyVersions.list(registry.id))
      assert.deepEqual(await copied.distTags.list(registry.id, 'big'), { latest: '1.0.0' })
      const page = { limit: 10 }
      assert.deepEqual(await copied.audit.list(registry.organizationId, {}, page), await original.audit.list(registry.organizationId, {}, page))
      const next = await copied.audit.append({ organizationId: registry.organizationId, registryId: null, type: 'after', outcome: 'done', code: null, actor: 'x', detail: {} })
      assert.equal(next.seq, 4)
    } finally {
      await copied.close()
      await original.close()
    }
  })

  it('catches a lossy copy before it commits: the table digest and the package\'s sha512', async () => {
    const database = await freshDestination()
    const lossy = (transaction: CopyTransaction): CopyTransaction => ({
      ...transaction,
      insertRows: (table, columns, rows) => transaction.insertRows(table, columns, table !== 'packages' ? rows : rows.map((row) =>
        row.map((cell, index) => (columns[index] === 'sha512' && cell?.startsWith('b') === true ? `${cell.slice(0, -1)}0` : cell)))),
    })
    const { verification, nonEmpty } = await copyInto(database, lossy)
    const problems = verification.problems.join('\n')
    assert.match(problems, /packages: the destination's rows differ from the source's/)
    assert.match(problems, new RegExp(`package ${packageId} \\(seq 1\\): sha512 differs in the destination`))
    assert.equal(verification.tables.find((table) => table.name === 'packages')?.verified, false)
    assert.deepEqual(nonEmpty, [], 'rolled back: the destination holds no rows')
  })

  it('notices a write to the source during the migration (a server left running)', async () => {
    const quiet = openSqliteSource(sourcePath)
    assert.equal(quiet.endSnapshot(), false)
    quiet.close()
    const source = openSqliteSource(sourcePath)
    const before = source.countRows('organizations')
    const writer = await openSqliteStore({ path: sourcePath, clock })
    await writer.organizations.create({ slug: 'late', name: 'Late' })
    await writer.close()
    assert.equal(source.countRows('organizations'), before, 'the snapshot does not see it')
    assert.equal(source.endSnapshot(), true)
    source.close()
  })
})
