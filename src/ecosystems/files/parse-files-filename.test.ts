import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../../errors.js'
import { INVALID_FILENAME_MESSAGE, parseFilesFilename } from './parse-files-filename.js'

describe('parseFilesFilename', () => {
  const accepted: [string, string, string][] = [
    ['app-1.2.3.tgz', 'app', '1.2.3'],
    ['my-tool-0.1.0.tar.gz', 'my-tool', '0.1.0'],
    ['my-tool-1.2.3-rc.1.tar.gz', 'my-tool', '1.2.3-rc.1'],
    ['x-1.0.0-beta.2.zip', 'x', '1.0.0-beta.2'],
    ['x-1.0.0+build.5.bin', 'x', '1.0.0+build.5'],
    ['lib_v2.core-10.20.30.jar', 'lib_v2.core', '10.20.30'],
  ]
  for (const [filename, name, version] of accepted) {
    it(`reads ${filename} as ${name} ${version}`, () => {
      const parsed = parseFilesFilename(filename)
      assert.equal(parsed.name, name)
      assert.equal(parsed.version, version)
    })
  }
  for (const filename of ['app.tgz', 'app-1.2.tgz', 'app-01.2.3.tgz', 'app-1.2.3', '-1.2.3.tgz', '../app-1.2.3.tgz', 'a/b-1.2.3.tgz', 'app-1.2.3.', 'app 1-1.2.3.tgz', `${'a'.repeat(250)}-1.2.3.tgz`]) {
    it(`refuses ${filename.slice(0, 40)} with Buildkite's message`, () => {
      assert.throws(() => parseFilesFilename(filename), (error: unknown) => error instanceof AppError && error.message === INVALID_FILENAME_MESSAGE)
    })
  }
  it('stays fast on a hostile name', () => {
    assert.throws(() => parseFilesFilename(`${'a-'.repeat(120)}1.2.3-${'x.'.repeat(60)}`))
  })
})
