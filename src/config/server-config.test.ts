import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { envNameOf, flagNameOf, loadServerConfig } from './server-config.js'

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof AppError && error.code === 'config_invalid' && pattern.test(error.message))
}

describe('loadServerConfig', () => {
  it('gives the documented defaults', () => {
    const config = loadServerConfig({ env: {}, flags: {} })
    assert.equal(config.listen, '127.0.0.1:8080')
    assert.equal(config.public_url, 'http://127.0.0.1:8080')
    assert.equal(config.data_dir, './data')
    assert.equal(config.database, 'sqlite')
    assert.equal(config.blobs, 'file')
    assert.equal(config.max_upload_bytes, 2_147_483_648)
    assert.equal(config.embedded_issuer, true)
    assert.equal(config.bootstrap.organization, 'default')
    assert.deepEqual(config.issuers.map((entry) => ('preset' in entry ? entry.preset : entry.issuer)), ['buildkite', 'github', 'gitlab', 'circleci'])
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.bootstrap))
  })

  it('takes flag over env over file', () => {
    const file = { name: 'packyard.yaml', text: 'listen: 127.0.0.1:1\npublic_url: https://file.example\ndata_dir: /file\n' }
    const config = loadServerConfig({
      file,
      env: { PACKYARD_PUBLIC_URL: 'https://env.example/', PACKYARD_DATA_DIR: '/env' },
      flags: { data_dir: '/flag' },
    })
    assert.equal(config.listen, '127.0.0.1:1')
    assert.equal(config.public_url, 'https://env.example')
    assert.equal(config.data_dir, '/flag')
  })

  it('reads booleans, numbers and nested keys from the environment', () => {
    const config = loadServerConfig({
      env: { PACKYARD_EMBEDDED_ISSUER: 'false', PACKYARD_MAX_UPLOAD_BYTES: '1024', PACKYARD_BOOTSTRAP_ORGANIZATION: 'acme' },
      flags: {},
    })
    assert.equal(config.embedded_issuer, false)
    assert.equal(config.max_upload_bytes, 1024)
    assert.equal(config.bootstrap.organization, 'acme')
  })

  it('takes the embedded issuer\'s first-key algorithm, RS256 by default, and refuses others', () => {
    assert.equal(loadServerConfig({ env: {}, flags: {} }).embedded_issuer_algorithm, 'RS256')
    assert.equal(loadServerConfig({ env: { PACKYARD_EMBEDDED_ISSUER_ALGORITHM: 'ES256' }, flags: {} }).embedded_issuer_algorithm, 'ES256')
    refused(() => loadServerConfig({ env: {}, flags: { embedded_issuer_algorithm: 'HS256' } }), /embedded_issuer_algorithm/)
  })

  it('accepts PACKYARD_DATABASE_URL for the database', () => {
    assert.equal(loadServerConfig({ env: { PACKYARD_DATABASE_URL: 'postgres://u@h:5432/db' }, flags: {} }).database, 'postgres://u@h:5432/db')
  })

  it('refuses an unknown key in the file', () => {
    refused(() => loadServerConfig({ file: { name: 'c.yaml', text: 'listen: 127.0.0.1:1\nlisten_port: 2\n' }, env: {}, flags: {} }), /listen_port/)
  })

  it('refuses bad values with the source named', () => {
    refused(() => loadServerConfig({ env: { PACKYARD_MAX_UPLOAD_BYTES: 'lots' }, flags: {} }), /PACKYARD_MAX_UPLOAD_BYTES/)
    refused(() => loadServerConfig({ env: { PACKYARD_EMBEDDED_ISSUER: 'yes' }, flags: {} }), /PACKYARD_EMBEDDED_ISSUER/)
    refused(() => loadServerConfig({ env: {}, flags: { public_url: 'ftp://x' } }), /public_url/)
    refused(() => loadServerConfig({ env: {}, flags: { public_url: 'https://x/?a=1' } }), /query/)
    refused(() => loadServerConfig({ env: {}, flags: { listen: 'nowhere' } }), /HOST:PORT/)
    refused(() => loadServerConfig({ env: {}, flags: { database: 'mysql://x' } }), /database/)
  })

  it('refuses YAML that is not the safe subset', () => {
    refused(() => loadServerConfig({ file: { name: 'c.yaml', text: 'listen: &a 127.0.0.1:1\n' }, env: {}, flags: {} }), /c\.yaml:1:\d+: anchors/)
  })

  it('names flags and variables after the keys', () => {
    assert.equal(flagNameOf('public_url'), 'public-url')
    assert.equal(flagNameOf('bootstrap.organization'), 'bootstrap-organization')
    assert.equal(envNameOf('public_url'), 'PACKYARD_PUBLIC_URL')
    assert.equal(envNameOf('bootstrap.organization'), 'PACKYARD_BOOTSTRAP_ORGANIZATION')
  })
})
