import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { buildNpmVersionMetadata, readNpmVersionMetadata, toStoredMetadata } from './npm-version-metadata.js'

const facts = { fileCount: 3, unpackedSize: 120, hasBindingGyp: false, hasShrinkwrap: false }

describe('npm version metadata', () => {
  it('drops registry-owned fields from the tarball\'s manifest', () => {
    const metadata = buildNpmVersionMetadata({ ...facts, manifest: { name: 'x', version: '1.0.0', _id: 'evil', _resolved: 'http://evil', dist: { tarball: 'http://evil' } } }, 'ab')
    assert.deepEqual(metadata.manifest, { name: 'x', version: '1.0.0' })
  })

  for (const [what, manifest, bindingGyp, expected] of [
    ['a postinstall script', { scripts: { postinstall: 'node x' } }, false, true],
    ['a binding.gyp', {}, true, true],
    ['only a test script', { scripts: { test: 'x' } }, false, false],
  ] as const) {
    it(`marks hasInstallScript for ${what}: ${String(expected)}`, () => {
      assert.equal(buildNpmVersionMetadata({ ...facts, hasBindingGyp: bindingGyp, manifest }, '').hasInstallScript, expected)
    })
  }

  it('round-trips through the stored form, and reads a missing one as empty', () => {
    const metadata = buildNpmVersionMetadata({ ...facts, manifest: { name: 'x' } }, 'ab')
    assert.deepEqual(readNpmVersionMetadata(toStoredMetadata(metadata)), metadata)
    assert.deepEqual(readNpmVersionMetadata(null), { manifest: {}, shasum: '', fileCount: 0, unpackedSize: 0, hasInstallScript: false, hasShrinkwrap: false })
  })
})
