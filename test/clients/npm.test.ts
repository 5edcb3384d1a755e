/**
 * The real npm client (11.x, on the machine) against a Packyard npm registry: publish with an OIDC token and
 * with an API token, install and ci with a read token and anonymously, dist-tags, view, deprecate, unpublish,
 * ping, whoami, search, and npm's own trusted-publishing exchange (GITLAB_CI + NPM_ID_TOKEN).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { access, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createNpmSandbox, type NpmSandbox } from '../helpers/npm-client.js'
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js'
import { startServer, type TestServer } from '../helpers/start-server.js'

interface Json { [key: string]: unknown }
const API = '/v2/packages/organizations/default'
const exists = (path: string) => access(path).then(() => true, () => false)

describe('npm client against a Packyard npm registry', () => {
  let issuer: LocalIssuer
  let server: TestServer
  const tokens: Record<'reader' | 'writer' | 'deleter', string> = { reader: '', writer: '', deleter: '' }
  const sandboxes: NpmSandbox[] = []
  const registryUrl = (slug: string) => `${server.url}/default/${slug}/npm/`
  const audience = (slug: string) => `${server.url}/default/${slug}`
  const sandbox = async (slug: string, token?: string) => {
    const created = await createNpmSandbox({ registry: registryUrl(slug), ...(token !== undefined ? { token } : {}) })
    sandboxes.push(created)
    return created
  }
  const getJson = async (path: string, token: string | null = tokens.reader, headers: Record<string, string> = {}) => {
    const response = await server.request('GET', path, { token, headers })
    assert.equal(response.status, 200, await response.clone().text())
    return (await response.json()) as Json
  }
  const ok = (result: { code: number; stdout: string; stderr: string }) => {
    assert.equal(result.code, 0, `npm failed:\n${result.stdout}\n${result.stderr}`)
    return result
  }

  before(async () => {
    issuer = await startLocalIssuer()
    server = await startServer({ issuers: [{ issuer: issuer.issuer, allow_insecure_http: true }] })
    const policy = `- iss: ${issuer.issuer}
  scopes: [read_packages, write_packages]
  claims: { pipeline_slug: web }
- iss: ${issuer.issuer}
  scopes: [read_packages, write_packages]
  claims: { project_path: acme/widgets }
`
    for (const [name, isPublic] of [['js', false], ['pub', true]] as const) {
      const response = await server.request('POST', `${API}/registries`, { json: { name, ecosystem: 'npm', oidc_policy: policy, public: isPublic } })
      assert.equal(response.status, 201, await response.text())
    }
    const scopes = { reader: ['read_packages'], writer: ['read_packages', 'write_packages'], deleter: ['read_packages', 'write_packages', 'delete_packages'] }
    for (const [role, granted] of Object.entries(scopes)) {
      const response = await server.request('POST', `/v2/organizations/default/api_tokens`, { json: { description: role, scopes: granted } })
      assert.equal(response.status, 201, await response.clone().text())
      tokens[role as keyof typeof tokens] = String(((await response.json()) as Json).token)
    }
  })
  after(async () => {
    await Promise.all(sandboxes.map((created) => created.close()))
    await server.close()
    await issuer.close()
  })

  it('publishes an unscoped package with the OIDC token as _authToken and shows its provenance', async () => {
    const npm = await sandbox('js', issuer.sign({ aud: audience('js') }))
    await npm.writePackage('lib', { name: 'lib', version: '1.0.0', description: 'a library' })
    const published = ok(await npm.npm(['publish'], { folder: 'lib' }))
    assert.match(published.stdout, /\+ lib@1\.0\.0/)
    const packument = await getJson('/default/js/npm/lib')
    const version = (packument.versions as Record<string, Json>)['1.0.0']!
    const provenance = (version._packyard as Json).provenance as Json
    assert.equal(provenance.issuer, issuer.issuer)
    assert.equal(provenance.statement, 0)
    const listed = await getJson(`${API}/registries/js/packages?name=lib`)
    const [item] = listed.items as Json[]
    assert.equal((item!.provenance as Json).issuer, issuer.issuer)
    assert.equal(item!.download_url, `${server.url}/default/js/npm/lib/-/lib-1.0.0.tgz`)
  })

  it('publishes a scoped package with an API token, served under the encoded and plain URL forms', async () => {
    const npm = await sandbox('js', tokens.writer)
    await npm.writePackage('widget', { name: '@acme/widget', version: '1.0.0', dependencies: { lib: '^1.0.0' } })
    ok(await npm.npm(['publish'], { folder: 'widget' }))
    const encoded = await server.request('GET', '/default/js/npm/@acme%2fwidget', { token: tokens.reader, headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' } })
    assert.equal(encoded.status, 200)
    assert.match(encoded.headers.get('content-type') ?? '', /^application\/vnd\.npm\.install-v1\+json/)
    const abbreviated = (await encoded.json()) as Json
    const dist = ((abbreviated.versions as Record<string, Json>)['1.0.0']!.dist) as Json
    assert.equal(dist.tarball, `${server.url}/default/js/npm/@acme/widget/-/widget-1.0.0.tgz`)
    assert.match(String(dist.integrity), /^sha512-/)
    assert.match(String(dist.shasum), /^[0-9a-f]{40}$/)
    const plain = await getJson('/default/js/npm/@acme/widget')
    assert.deepEqual(plain['dist-tags'], { latest: '1.0.0' })
  })

  it('installs and ci-installs a package and its dependency with a read-only token, audit on', async () => {
    const npm = await sandbox('js', tokens.reader)
    await npm.writePackage('app', { name: 'app', version: '1.0.0', private: true, dependencies: { '@acme/widget': '^1.0.0' } })
    const installed = ok(await npm.npm(['install', '--audit=true'], { folder: 'app' }))
    assert.match(installed.stderr, /POST 200 .*\/-\/npm\/v1\/security\/advisories\/bulk/)
    assert.ok(await exists(join(npm.dir, 'app/node_modules/@acme/widget/package.json')))
    assert.ok(await exists(join(npm.dir, 'app/node_modules/lib/package.json')))
    const lock = JSON.parse(await readFile(join(npm.dir, 'app/package-lock.json'), 'utf8')) as { packages: Record<string, Json> }
    assert.equal(lock.packages['node_modules/lib']!.resolved, `${server.url}/default/js/npm/lib/-/lib-1.0.0.tgz`)
    assert.match(String(lock.packages['node_modules/@acme/widget']!.integrity), /^sha512-/)
    await rm(join(npm.dir, 'app/node_modules'), { recursive: true })
    await rm(join(npm.dir, 'cache'), { recursive: true })
    ok(await npm.npm(['ci'], { folder: 'app' }))
    assert.ok(await exists(join(npm.dir, 'app/node_modules/lib/index.js')))
  })

  it('installs anonymously from a public registry', async () => {
    const publisher = await sandbox('pub', tokens.writer)
    await publisher.writePackage('open', { name: 'open-lib', version: '2.0.0' })
    ok(await publisher.npm(['publish'], { folder: 'open' }))
    const anonymous = await sandbox('pub')
    await anonymous.writePackage('app', { name: 'app', version: '1.0.0', private: true, dependencies: { 'open-lib': '2.0.0' } })
    ok(await anonymous.npm(['install', '--no-audit'], { folder: 'app' }))
    assert.ok(await exists(join(anonymous.dir, 'app/node_modules/open-lib/package.json')))
    const refused = await (await sandbox('js')).npm(['view', 'lib'])
    assert.notEqual(refused.code, 0, 'a private registry refuses anonymous reads')
  })

  it('adds, lists and removes dist-tags, and shows them with npm view', async () => {
    const npm = await sandbox('js', tokens.writer)
    ok(await npm.npm(['dist-tag', 'add', 'lib@1.0.0', 'stable']))
    assert.match(ok(await npm.npm(['dist-tag', 'ls', 'lib'])).stdout, /stable: 1\.0\.0/)
    const view = JSON.parse(ok(await npm.npm(['view', 'lib', 'dist-tags', '--json'])).stdout) as Json
    assert.deepEqual(view, { latest: '1.0.0', stable: '1.0.0' })
    ok(await npm.npm(['dist-tag', 'rm', 'lib', 'stable']))
    assert.doesNotMatch(ok(await npm.npm(['dist-tag', 'ls', 'lib'])).stdout, /stable/)
  })

  it('deprecates and undeprecates a version', async () => {
    const npm = await sandbox('js', tokens.writer)
    ok(await npm.npm(['deprecate', '@acme/widget@1.0.0', 'use 2.x']))
    assert.equal(((await getJson('/default/js/npm/@acme/widget')).versions as Record<string, Json>)['1.0.0']!.deprecated, 'use 2.x')
    assert.match(ok(await npm.npm(['view', '@acme/widget@1.0.0', 'deprecated'])).stdout, /use 2\.x/)
    ok(await npm.npm(['deprecate', '@acme/widget@1.0.0', '']))
    assert.equal(((await getJson('/default/js/npm/@acme/widget')).versions as Record<string, Json>)['1.0.0']!.deprecated, undefined)
  })

  it('unpublishes only with delete_packages, and never takes the version again', async () => {
    const writer = await sandbox('js', tokens.writer)
    for (const version of ['3.0.0', '3.1.0']) {
      await writer.writePackage(`gone-${version}`, { name: 'gone', version })
      ok(await writer.npm(['publish'], { folder: `gone-${version}` }))
    }
    const refused = await writer.npm(['unpublish', 'gone@3.1.0', '--force'])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /403|delete_packages/)
    const deleter = await sandbox('js', tokens.deleter)
    ok(await deleter.npm(['unpublish', 'gone@3.1.0', '--force']))
    const packument = await getJson('/default/js/npm/gone')
    assert.deepEqual(Object.keys(packument.versions as Json), ['3.0.0'])
    assert.deepEqual(packument['dist-tags'], { latest: '3.0.0' })
    const again = await writer.npm(['publish'], { folder: 'gone-3.1.0' })
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /E409/)
    assert.match(again.stderr, /cannot publish over the previously published version/)
  })

  it('publishes through npm\'s own OIDC exchange (GITLAB_CI, NPM_ID_TOKEN) with a minted registry token', async () => {
    const npm = await sandbox('js')
    await npm.writePackage('trusted', { name: '@acme/trusted', version: '1.0.0' })
    const idToken = issuer.sign({ aud: audience('js'), sub: 'project_path:acme/widgets:ref_type:branch:ref:main', project_path: 'acme/widgets', pipeline_slug: undefined })
    const result = ok(await npm.npm(['publish'], { folder: 'trusted', env: { GITLAB_CI: 'true', NPM_ID_TOKEN: idToken } }))
    assert.match(result.stderr, /POST 201 .*\/-\/npm\/v1\/oidc\/token\/exchange\/package\/@acme%2ftrusted/)
    const version = ((await getJson('/default/js/npm/@acme/trusted')).versions as Record<string, Json>)['1.0.0']!
    const provenance = (version._packyard as Json).provenance as Json
    assert.equal(provenance.statement, 1)
    assert.equal(provenance.subject, 'project_path:acme/widgets:ref_type:branch:ref:main')
  })

  it('tells why a publish is refused', async () => {
    const npm = await sandbox('js', issuer.sign({ aud: audience('js'), pipeline_slug: 'evil' }))
    await npm.writePackage('evil', { name: 'evil', version: '1.0.0' })
    const result = await npm.npm(['publish'], { folder: 'evil' })
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /403 Forbidden .* the token matches no statement of the registry's OIDC policy/)
  })

  it('answers ping, whoami and search', async () => {
    const npm = await sandbox('js', tokens.reader)
    ok(await npm.npm(['ping']))
    assert.equal(ok(await npm.npm(['whoami'])).stdout.trim(), 'api-token:reader')
    const found = JSON.parse(ok(await npm.npm(['search', 'widget', '--json'])).stdout) as Json[]
    assert.deepEqual(found.map((entry) => entry.name), ['@acme/widget'])
  })
})
