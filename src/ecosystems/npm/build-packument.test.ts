import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { PackageVersion } from '../../registry/records.js'
import {
  assembleAbbreviatedPackument, assembleFullPackument, buildAbbreviatedPackument, buildFullPackument, buildPackumentParts, effectiveDistTags,
  type PackumentInput,
} from './build-packument.js'

type Json = Record<string, unknown>
const parse = (bytes: Buffer): Json => JSON.parse(bytes.toString()) as Json

function version(v: string, manifest: Record<string, unknown>, extra: Partial<PackageVersion> = {}): PackageVersion {
  return {
    id: `id-${v}`, registryId: 'r', name: '@acme/x', version: v, filename: `@acme/x-${v}.tgz`, size: 10, sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64),
    provenance: { issuer: 'https://ci.example' }, publishedBy: 'oidc:ci', createdAt: `2026-01-0${v.slice(0, 1)}T00:00:00.000Z`, deletedAt: null, deprecated: null,
    metadata: { manifest: { name: '@acme/x', version: v, ...manifest }, shasum: 'ef'.repeat(20), file_count: 2, unpacked_size: 99, has_install_script: false, has_shrinkwrap: false },
    ...extra,
  }
}

describe('npm package documents', () => {
  const versions = [
    version('1.0.0', { description: 'one', dependencies: { lib: '^1' }, scripts: { test: 'x' }, readme: 'r' }),
    version('2.0.0', { description: 'two', bin: { x: 'cli.js' } }, { deprecated: 'use 3' }),
  ]
  const input = { name: '@acme/x', versions, tags: { latest: '2.0.0', beta: '9.9.9' }, registryUrl: 'https://p.example/o/r/npm' }

  it('keeps tags of live versions, and falls back for latest', () => {
    assert.deepEqual(effectiveDistTags(['1.0.0', '2.0.0'], { latest: '2.0.0', beta: '9.9.9' }), { latest: '2.0.0' })
    assert.deepEqual(effectiveDistTags(['1.0.0', '1.1.0-rc.1'], { beta: '1.1.0-rc.1' }), { beta: '1.1.0-rc.1', latest: '1.0.0' })
  })

  it('builds the abbreviated document with only what installs need', () => {
    const doc = parse(buildAbbreviatedPackument(input))
    assert.deepEqual(Object.keys(doc), ['name', 'modified', 'dist-tags', 'versions'])
    const v1 = (doc.versions as Record<string, Record<string, unknown>>)['1.0.0']!
    assert.deepEqual(v1, {
      name: '@acme/x', version: '1.0.0', dependencies: { lib: '^1' },
      dist: { tarball: 'https://p.example/o/r/npm/@acme/x/-/x-1.0.0.tgz', shasum: 'ef'.repeat(20), integrity: `sha512-${Buffer.from('cd'.repeat(64), 'hex').toString('base64')}`, fileCount: 2, unpackedSize: 99 },
    })
    assert.equal((doc.versions as Record<string, Record<string, unknown>>)['2.0.0']!.deprecated, 'use 3')
  })

  it('builds the full document with provenance and the latest version\'s description', () => {
    const doc = parse(buildFullPackument(input))
    assert.equal(doc.description, 'two')
    assert.deepEqual(doc['dist-tags'], { latest: '2.0.0' })
    const v1 = (doc.versions as Record<string, Record<string, unknown>>)['1.0.0']!
    assert.equal(v1._id, '@acme/x@1.0.0')
    assert.deepEqual(v1._packyard, { provenance: { issuer: 'https://ci.example' }, published_by: 'oidc:ci', package_id: 'id-1.0.0' })
    assert.deepEqual(doc.time, { created: '2026-01-01T00:00:00.000Z', modified: '2026-01-02T00:00:00.000Z', '1.0.0': '2026-01-01T00:00:00.000Z', '2.0.0': '2026-01-02T00:00:00.000Z' })
  })

  it('assembles text that is exactly JSON.stringify of the document it holds, leaving out versions without entries', () => {
    const parts = buildPackumentParts(input)
    for (const { body } of [assembleAbbreviatedPackument(parts), assembleFullPackument(parts)]) assert.equal(JSON.stringify(parse(body)), body.toString())
    const entries = new Map([...parts.entries].filter(([id]) => id !== 'id-2.0.0'))
    const full = parse(assembleFullPackument({ ...parts, entries }).body)
    assert.deepEqual(Object.keys(full.versions as Json), ['1.0.0'])
    assert.deepEqual(full['dist-tags'], { latest: '1.0.0' })
    assert.equal(full.description, 'one')
  })

  it('gives each document an ETag that follows its bytes: equal bytes, equal ETag; any change, another', () => {
    const etagsOf = (over: Partial<PackumentInput>) => {
      const parts = buildPackumentParts({ ...input, ...over })
      return [assembleAbbreviatedPackument(parts), assembleFullPackument(parts)].map((document) => document.etag)
    }
    const [abbreviated, full] = etagsOf({})
    assert.match(abbreviated!, /^"[\w-]{27}"$/)
    assert.notEqual(abbreviated, full)
    assert.deepEqual(etagsOf({}), [abbreviated, full], 'built again from scratch: the same')
    const changes: Partial<PackumentInput>[] = [
      { tags: { latest: '1.0.0' } },
      { versions: versions.slice(0, 1) },
      { versions: [versions[0]!, { ...versions[1]!, deprecated: 'use 4' }] },
      { versions: [versions[0]!, { ...versions[1]!, createdAt: '2026-02-02T00:00:00.000Z' }] },
      { registryUrl: 'https://q.example/o/r/npm' },
    ]
    for (const change of changes) {
      const [otherAbbreviated, otherFull] = etagsOf(change)
      assert.notEqual(otherFull, full, JSON.stringify(change))
      assert.notEqual(otherAbbreviated, abbreviated, JSON.stringify(change))
    }
  })

  it('marks install scripts for the installer', () => {
    const scripted = version('1.0.0', {}, { metadata: { manifest: {}, shasum: '', has_install_script: true } })
    const doc = parse(buildAbbreviatedPackument({ ...input, versions: [scripted] }))
    assert.equal((doc.versions as Record<string, Record<string, unknown>>)['1.0.0']!.hasInstallScript, true)
  })
})
