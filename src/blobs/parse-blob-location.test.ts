import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { AppError } from '../errors.js'
import { parseBlobLocation } from './parse-blob-location.js'

const context = { dataDir: '/srv/packyard', env: {} }
const parse = (value: string, env: Record<string, string> = {}) => parseBlobLocation(value, { ...context, env })
const refuses = (value: string, message: RegExp) => {
  assert.throws(() => parse(value), (error: unknown) => error instanceof AppError && error.code === 'config_invalid' && message.test(error.message), value)
}

describe('parseBlobLocation', () => {
  it('reads file locations', () => {
    assert.deepEqual(parse('file'), { kind: 'file', root: join('/srv/packyard', 'blobs') })
    assert.deepEqual(parse('file:/var/lib/blobs'), { kind: 'file', root: '/var/lib/blobs' })
  })

  it('reads an s3 location with every parameter', () => {
    assert.deepEqual(parse('s3://packages?endpoint=http://127.0.0.1:9000&region=eu-west-1&force_path_style=true'), {
      kind: 's3', bucket: 'packages', prefix: '', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true,
    })
  })

  it('defaults to AWS itself, the region of AWS_REGION or us-east-1, and virtual-hosted style', () => {
    assert.deepEqual(parse('s3://packages'), { kind: 's3', bucket: 'packages', prefix: '', region: 'us-east-1', endpoint: undefined, forcePathStyle: false })
    const location = parse('s3://packages', { AWS_REGION: 'ap-south-1' })
    assert.equal(location.kind === 's3' ? location.region : '', 'ap-south-1')
    const explicit = parse('s3://packages?region=eu-north-1', { AWS_REGION: 'ap-south-1' })
    assert.equal(explicit.kind === 's3' ? explicit.region : '', 'eu-north-1')
  })

  it('reads a key prefix from the path', () => {
    for (const [value, prefix] of [['s3://packages/prod', 'prod/'], ['s3://packages/a/b_c/d-e.f/', 'a/b_c/d-e.f/'], ['s3://packages/', '']]) {
      const location = parse(value ?? '')
      assert.equal(location.kind === 's3' ? location.prefix : undefined, prefix, value)
    }
  })

  it('refuses an unknown or repeated parameter, naming it but not its value', () => {
    refuses('s3://packages?secret_access_key=hunter2', /unknown parameter "secret_access_key"; known: endpoint, region, force_path_style/)
    assert.throws(() => parse('s3://packages?secret_access_key=hunter2'), (error: unknown) => error instanceof Error && !error.message.includes('hunter2'))
    refuses('s3://packages?region=a&region=b', /names the parameter region twice/)
  })

  it('refuses credentials in the URL without repeating them', () => {
    refuses('s3://AKIA:hunter2@packages', /must not hold credentials; set AWS_ACCESS_KEY_ID/)
    assert.throws(() => parse('s3://AKIA:hunter2@packages'), (error: unknown) => error instanceof Error && !error.message.includes('hunter2'))
    refuses('s3://packages?endpoint=https://user:pass@s3.example.com', /endpoint must not hold credentials/)
  })

  it('refuses a missing or malformed bucket', () => {
    for (const value of ['s3://', 's3:///prefix', 's3://Packages', 's3://ab', 's3://-packages', 's3://pack_ages', `s3://${'a'.repeat(64)}`]) refuses(value, /bucket name/)
    refuses('s3://packages:9000', /only/)
  })

  it('refuses a prefix that is not plain segments, before URL parsing would resolve it', () => {
    for (const value of ['s3://packages/../etc', 's3://packages/a//b', 's3://packages/%2e%2e/x', 's3://packages/./a', 's3://packages/a b']) refuses(value, /prefix segments/)
  })

  it('refuses a bad endpoint', () => {
    refuses('s3://packages?endpoint=not a url', /endpoint must be a URL/)
    refuses('s3://packages?endpoint=ftp://host', /http:\/\/ or https:\/\//)
    refuses('s3://packages?endpoint=https://host/path', /without a path/)
    refuses('s3://packages?endpoint=https://host?x=1', /without a path, query/)
  })

  it('refuses a bad region, force_path_style or scheme', () => {
    refuses('s3://packages?region=EU_WEST', /region must be/)
    refuses('s3://packages?force_path_style=yes', /force_path_style must be true or false/)
    refuses('gs://packages', /must be file, file:PATH or s3:\/\/bucket/)
    refuses('file:', /must be file, file:PATH/)
  })
})
