import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { buildPackageTarball, buildTar, type TarFile } from '../../../test/helpers/npm-tarball.js'
import { AppError } from '../../errors.js'
import { createTarballInspector, type NpmTarballFacts } from './inspect-npm-tarball.js'

async function inspect(tarball: Buffer, chunk = 4096): Promise<NpmTarballFacts> {
  const inspector = createTarballInspector()
  for (let offset = 0; offset < tarball.length; offset += chunk) await inspector.write(tarball.subarray(offset, offset + chunk))
  return inspector.finish()
}

const refused = (code: string, pattern: RegExp) => (error: unknown) => error instanceof AppError && error.code === code && pattern.test(error.message)
const tarOf = (files: TarFile[]) => gzipSync(buildTar(files))

describe('createTarballInspector', () => {
  it('reads package/package.json and counts files', async () => {
    const facts = await inspect(buildPackageTarball({ name: 'x', version: '1.0.0' }, [{ path: 'package/binding.gyp', content: '{}' }, { path: 'package/npm-shrinkwrap.json', content: '{}' }]))
    assert.deepEqual(facts.manifest, { name: 'x', version: '1.0.0' })
    assert.equal(facts.fileCount, 4)
    assert.equal(facts.hasBindingGyp, true)
    assert.equal(facts.hasShrinkwrap, true)
    assert.ok(facts.unpackedSize > 0)
  })

  it('accepts a byte-order mark and ./-prefixed paths', async () => {
    const facts = await inspect(tarOf([{ path: './package/package.json', content: '\uFEFF{"name":"bom"}' }]))
    assert.equal(facts.manifest.name, 'bom')
  })

  it('refuses a tarball without package/package.json, or with it elsewhere', async () => {
    await assert.rejects(inspect(tarOf([{ path: 'package/index.js', content: '' }])), refused('request_invalid', /no package\/package\.json/))
    await assert.rejects(inspect(tarOf([{ path: 'other/package.json', content: '{}' }])), refused('request_invalid', /must be a file at package\/package\.json/))
  })

  it('refuses a second root package.json (what npm extracts would differ from what we read)', async () => {
    const files = [{ path: 'package/package.json', content: '{"name":"a"}' }, { path: 'package/package.json', content: '{"name":"b"}' }]
    await assert.rejects(inspect(tarOf(files)), refused('request_invalid', /more than one package\.json/))
  })

  it('refuses a package.json that is a link', async () => {
    await assert.rejects(inspect(tarOf([{ path: 'package/package.json', type: '2' }])), refused('request_invalid', /must be a file/))
  })

  for (const path of ['/etc/passwd', 'package/../../x', 'C:/x', 'package\\..\\x']) {
    it(`refuses the unsafe path ${path}`, async () => {
      await assert.rejects(inspect(buildPackageTarball({ name: 'x' }, [{ path, content: 'x' }])), refused('request_invalid', /unsafe path/))
    })
  }

  it('refuses data that is not gzip, and a manifest that is not a JSON object', async () => {
    await assert.rejects(inspect(buildTar([{ path: 'package/package.json', content: '{}' }])), refused('request_invalid', /not gzip/))
    await assert.rejects(inspect(Buffer.from([0x1f, 0x8b, 0, 0, 1, 2, 3])), refused('request_invalid', /not valid gzip/))
    await assert.rejects(inspect(tarOf([{ path: 'package/package.json', content: '[1]' }])), refused('request_invalid', /not a JSON object/))
    await assert.rejects(inspect(tarOf([{ path: 'package/package.json', content: '{' }])), refused('request_invalid', /not valid JSON/))
  })

  it('stops a gzip bomb by its ratio, long before it is unpacked', async () => {
    const bomb = gzipSync(Buffer.concat([buildTar([{ path: 'package/package.json', content: '{}' }]).subarray(0, 1024), Buffer.alloc(64 * 1024 * 1024)]))
    const started = Date.now()
    await assert.rejects(inspect(bomb), refused('request_invalid', /gzip bomb/))
    assert.ok(Date.now() - started < 3_000, `took ${String(Date.now() - started)} ms`)
  })
})
