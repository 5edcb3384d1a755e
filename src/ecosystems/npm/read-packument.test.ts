import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { PackageVersion, Registry } from '../../registry/records.js'
import { buildAbbreviatedPackument, buildFullPackument } from './build-packument.js'
import { readPackument, type PackumentSource } from './read-packument.js'
import { createVersionEntryCache } from './version-entry-cache.js'

const REGISTRY_URL = 'https://p.example/acme/js/npm'
const registry: Registry = {
  id: 'r', organizationId: 'o', slug: 'js', name: 'js', ecosystem: 'npm', description: null, emoji: null, color: null, public: false,
  policyVersion: null, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
}

function version(minor: number, extra: Partial<PackageVersion> = {}): PackageVersion {
  const v = `1.${String(minor)}.0`
  return {
    id: `id-${v}`, registryId: 'r', name: 'lib', version: v, filename: `lib-${v}.tgz`, size: 10, sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64),
    provenance: null, publishedBy: 'api_token:t', createdAt: `2026-01-01T00:00:${String(minor).padStart(2, '0')}.000Z`, deletedAt: null, deprecated: null,
    metadata: { manifest: { name: 'lib', version: v, description: `minor ${String(minor)}` }, shasum: 'ef'.repeat(20), file_count: 1, unpacked_size: 5 },
    ...extra,
  }
}

/** A catalog over `rows` that records which ids each read of whole versions asked for. */
function createSource(rows: PackageVersion[]): PackumentSource & { fetched: string[][] } {
  const fetched: string[][] = []
  return {
    fetched,
    entries: createVersionEntryCache(),
    catalog: {
      summariesOf: (_registry, name) => Promise.resolve(rows.filter((row) => row.name === name && row.deletedAt === null)),
      versionsById: (_registry, ids) => {
        fetched.push([...ids])
        return Promise.resolve(rows.filter((row) => ids.includes(row.id)))
      },
      tagsOf: () => Promise.resolve({ latest: rows.filter((row) => row.deletedAt === null).at(-1)?.version ?? '' }),
    },
  }
}

describe('readPackument', () => {
  const read = async (source: PackumentSource, form: 'abbreviated' | 'full') => (await readPackument(source, { registry, name: 'lib', registryUrl: REGISTRY_URL, form }))?.body.toString()
  const expected = (rows: PackageVersion[], form: 'abbreviated' | 'full') => {
    const input = { name: 'lib', versions: rows.filter((row) => row.deletedAt === null), tags: { latest: rows.filter((row) => row.deletedAt === null).at(-1)!.version }, registryUrl: REGISTRY_URL }
    return (form === 'abbreviated' ? buildAbbreviatedPackument(input) : buildFullPackument(input)).toString()
  }

  it('reads the whole rows of versions it has not rendered before, and only those', async () => {
    const rows = [version(0), version(1), version(2)]
    const source = createSource(rows)
    assert.equal(await read(source, 'full'), expected(rows, 'full'))
    assert.deepEqual(source.fetched, [['id-1.0.0', 'id-1.1.0', 'id-1.2.0']])
    assert.equal(await read(source, 'abbreviated'), expected(rows, 'abbreviated'))
    rows.push(version(3))
    assert.equal(await read(source, 'abbreviated'), expected(rows, 'abbreviated'))
    assert.equal(await read(source, 'full'), expected(rows, 'full'))
    assert.deepEqual(source.fetched.slice(1), [['id-1.3.0']])
  })

  it('renders a version again when its deprecation changed, and leaves out unpublished ones', async () => {
    const rows = [version(0), version(1), version(2)]
    const source = createSource(rows)
    await read(source, 'full')
    rows[1] = { ...rows[1]!, deprecated: 'use 1.2.0' }
    rows[2] = { ...rows[2]!, deletedAt: '2026-02-01T00:00:00.000Z' }
    const full = await read(source, 'full')
    assert.equal(full, expected(rows, 'full'))
    assert.ok(full.includes('"deprecated":"use 1.2.0"'))
    assert.ok(!full.includes('"1.2.0":{'))
    assert.deepEqual(source.fetched.slice(1), [['id-1.1.0']])
  })

  it('answers undefined for a name without live versions', async () => {
    assert.equal(await read(createSource([version(0, { deletedAt: '2026-02-01T00:00:00.000Z' })]), 'full'), undefined)
  })
})
