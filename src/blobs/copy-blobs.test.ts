import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { copyBlobs, verifyBlobsPresent, type RecordedBlob } from './copy-blobs.js'
import { openFsBlobStore, type FsBlobStore } from './fs-blob-store.js'

const record = (content: string): RecordedBlob => ({
  sha256: createHash('sha256').update(content).digest('hex'),
  sha512: createHash('sha512').update(content).digest('hex'),
  size: Buffer.byteLength(content),
  consistent: true,
  live: true,
})

describe('copyBlobs', () => {
  let root = ''
  let source: FsBlobStore
  const put = (store: FsBlobStore, content: string) => store.put(Readable.from([Buffer.from(content)]), { maxBytes: 1024 })
  const pathIn = (dir: string, sha256: string) => join(root, dir, 'sha256', sha256.slice(0, 2), sha256)
  const pagesOf = (blobs: readonly RecordedBlob[]) => (after: string | null, limit: number) =>
    [...blobs].sort((a, b) => a.sha256.localeCompare(b.sha256)).filter((blob) => after === null || blob.sha256 > after).slice(0, limit)
  const copy = async (destination: FsBlobStore, blobs: readonly RecordedBlob[]) =>
    copyBlobs({ source, destination, recordedBlobs: pagesOf(blobs), isRecorded: (sha256) => blobs.some((blob) => blob.sha256 === sha256) })

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'packyard-copy-blobs-'))
    source = await openFsBlobStore(join(root, 'source'))
    for (const content of ['one', 'two', 'three']) await put(source, content)
  })
  after(async () => rm(root, { recursive: true, force: true }))

  it('copies every recorded blob, and on a rerun verifies instead of copying', async () => {
    const destination = await openFsBlobStore(join(root, 'rerun'))
    const blobs = ['one', 'two', 'three'].map(record)
    await put(destination, 'two')
    const first = await copy(destination, blobs)
    assert.deepEqual([first.recorded, first.copied, first.present, first.bytesCopied, first.problemCount], [3, 2, 1, 8, 0])
    const again = await copy(destination, blobs)
    assert.deepEqual([again.copied, again.present, again.bytesVerified], [0, 3, 11])
    assert.deepEqual(await verifyBlobsPresent(destination, (after, limit) => Promise.resolve(pagesOf(blobs)(after, limit))), { checked: 3, problems: [], problemCount: 0 })
  })

  it('reports a source blob whose bytes changed on disk, and leaves no stray copy of them', async () => {
    const destination = await openFsBlobStore(join(root, 'corrupt'))
    const good = record('one')
    await writeFile(pathIn('source', good.sha256), 'ONE')
    try {
      const result = await copy(destination, [good])
      assert.equal(result.copied, 0)
      assert.match(result.problems.join('\n'), new RegExp(`blob ${good.sha256}: the source's bytes hash to sha256 ${record('ONE').sha256}`))
      assert.equal(await destination.stat(record('ONE').sha256), undefined)
      assert.equal(await destination.stat(good.sha256), undefined)
    } finally {
      await writeFile(pathIn('source', good.sha256), 'one')
    }
  })

  it('reports a blob missing from the source, one longer than recorded, and different bytes already at the destination', async () => {
    const destination = await openFsBlobStore(join(root, 'problems'))
    const longer = { ...record('three'), size: 3 }
    const tampered = record('two')
    await put(destination, 'two')
    await writeFile(pathIn('problems', tampered.sha256), 'TWO')
    const result = await copy(destination, [record('never stored'), longer, tampered])
    assert.equal(result.problemCount, 3)
    const problems = result.problems.join('\n')
    assert.match(problems, /missing from the source blob store/)
    assert.match(problems, /longer than the 3 bytes recorded/)
    assert.match(problems, /the destination already holds different bytes under this digest/)
    assert.equal(await readFile(pathIn('problems', tampered.sha256), 'utf8'), 'TWO', 'left for the operator to look at')
  })

  it('passes over a blob of deleted versions only that garbage collection removed from the source', async () => {
    const destination = await openFsBlobStore(join(root, 'collected'))
    const result = await copy(destination, [{ ...record('collected long ago'), live: false }, { ...record('one'), live: false }])
    assert.deepEqual([result.goneDeleted, result.copied, result.problemCount], [1, 1, 0])
  })

  it('reports package rows that disagree about a digest without copying it', async () => {
    const destination = await openFsBlobStore(join(root, 'inconsistent'))
    const result = await copy(destination, [{ ...record('one'), consistent: false }])
    assert.match(result.problems.join('\n'), /record different sha512 digests or sizes/)
    assert.equal(await destination.stat(record('one').sha256), undefined)
  })
})
