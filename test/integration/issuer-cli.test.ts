import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeProtectedHeader } from 'jose'
import { requestToken, type CreatedJob } from '../helpers/issuer-jobs.js'
import { runPackyard } from '../helpers/run-packyard.js'
import { startServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/start-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const JOB_FLAGS = ['--org', 'default', '--pipeline', 'web', '--branch', 'main', '--commit', '9f3182061f1e2cca4702c368cbc039b7dc9d4485', '--build-number', '7']

describe('packyard issuer (CLI)', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => server.close())

  it('job create prints {job_id, agent_access_token, endpoint} JSON that the token API accepts', async () => {
    const run = await runPackyard(['issuer', 'job', 'create', '--server', server.url, '--token', TEST_ADMIN_TOKEN, ...JOB_FLAGS, '--step-key', 'publish', '--tag', 'v1.0.0'])
    assert.equal(run.code, 0, run.stderr)
    const job = JSON.parse(run.stdout) as CreatedJob
    assert.equal(job.endpoint, `${server.url}/issuer/v3`)
    const token = await requestToken(server, job)
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    assert.equal(claims.build_number, 7)
    assert.equal(claims.build_tag, 'v1.0.0')
    assert.match(String(claims.sub), /:ref:refs\/tags\/v1\.0\.0:commit:9f31820[0-9a-f]+:step:publish$/)
  })

  it('job create --format env prints the three exports, read from PACKYARD_SERVER and PACKYARD_ADMIN_TOKEN', async () => {
    const run = await runPackyard(['issuer', 'job', 'create', ...JOB_FLAGS, '--agent-tag', 'queue=deploy', '--format', 'env'], {
      env: { PACKYARD_SERVER: server.url, PACKYARD_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^export BUILDKITE_AGENT_ENDPOINT='[^']+'\nexport BUILDKITE_AGENT_ACCESS_TOKEN='pkyagent_[^']+'\nexport BUILDKITE_JOB_ID='[0-9a-f-]{36}'\n$/)
    const script = `${run.stdout}printf '%s\\n%s\\n%s' "$BUILDKITE_AGENT_ENDPOINT" "$BUILDKITE_AGENT_ACCESS_TOKEN" "$BUILDKITE_JOB_ID"`
    const [endpoint, agentToken, jobId] = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\n')
    assert.equal(endpoint, `${server.url}/issuer/v3`)
    const token = await requestToken(server, { job_id: jobId ?? '', agent_access_token: agentToken ?? '', endpoint, expires_at: '' }, { claims: ['agent_tag:queue'] })
    assert.match(token, /^ey/)
  })

  it('job create exits 1 with the server\'s code when refused', async () => {
    const run = await runPackyard(['issuer', 'job', 'create', '--server', server.url, '--token', server.orgAdminToken, ...JOB_FLAGS.map((flag) => (flag === 'default' ? 'other-org' : flag))])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /organization_mismatch/)
    assert.ok(!run.stderr.includes(server.orgAdminToken))
  })

  it('job create exits 2 on usage errors', async () => {
    for (const args of [
      ['--server', server.url, '--token', 'x', '--org', 'default'],
      ['--server', server.url, '--token', 'x', ...JOB_FLAGS, '--build-number', 'seven'],
      ['--server', server.url, '--token', 'x', ...JOB_FLAGS, '--format', 'yaml'],
      [...JOB_FLAGS],
      ['--server', 'ftp://example', '--token', 'x', ...JOB_FLAGS],
    ]) {
      const run = await runPackyard(['issuer', 'job', 'create', ...args], { env: { PACKYARD_SERVER: '', PACKYARD_ADMIN_TOKEN: '' } })
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    }
  })

  it('job create exits 1 when the server cannot be reached', async () => {
    const run = await runPackyard(['issuer', 'job', 'create', '--server', 'http://127.0.0.1:1', '--token', 'x', ...JOB_FLAGS])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /cannot reach http:\/\/127\.0\.0\.1:1/)
  })

  it('rotate-key switches the server\'s signing key at once', async () => {
    const run = await runPackyard(['issuer', 'rotate-key', '--server', server.url, '--token', TEST_ADMIN_TOKEN, '--algorithm', 'ES256', '--json'])
    assert.equal(run.code, 0, run.stderr)
    const rotation = JSON.parse(run.stdout) as { kid: string; algorithm: string; retired: unknown[] }
    assert.equal(rotation.algorithm, 'ES256')
    assert.equal(rotation.retired.length, 1)
    const jobRun = await runPackyard(['issuer', 'job', 'create', '--server', server.url, '--token', TEST_ADMIN_TOKEN, ...JOB_FLAGS])
    const token = await requestToken(server, JSON.parse(jobRun.stdout) as CreatedJob)
    assert.equal(decodeProtectedHeader(token).kid, rotation.kid)
  })

  it('rotate-key refuses an unknown algorithm (2) and an organization token (1)', async () => {
    assert.equal((await runPackyard(['issuer', 'rotate-key', '--server', server.url, '--token', 'x', '--algorithm', 'HS256'])).code, 2)
    const refused = await runPackyard(['issuer', 'rotate-key', '--server', server.url, '--token', server.orgAdminToken])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /api_token_invalid/)
  })

  it('has --help for both commands', async () => {
    for (const path of [['issuer', 'job', 'create'], ['issuer', 'rotate-key']]) {
      const run = await runPackyard([...path, '--help'])
      assert.equal(run.code, 0)
      assert.match(run.stdout, /^Usage: packyard issuer/)
    }
  })
})

describe('the issuer commands are HTTP clients', () => {
  it('import nothing of the server, directly or through their modules', () => {
    const serverCode = /^src\/(app\.ts|registry|store|http|blobs|ecosystems|web|issuer|oidc|policy|config)\//
    const serverPackages = /^(fastify|@fastify\/|kysely|better-sqlite3|pg|pino|@aws-sdk\/)/
    const seen = new Set<string>()
    const visit = (file: string): void => {
      if (seen.has(file)) return
      seen.add(file)
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^import [^'"]*['"]([^'"]+)['"]/gm)) {
        if (specifier === undefined) continue
        if (!specifier.startsWith('.')) {
          assert.doesNotMatch(specifier, serverPackages, `${relative(ROOT, file)} imports ${specifier}`)
          continue
        }
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
        assert.doesNotMatch(relative(ROOT, target), serverCode, `${relative(ROOT, file)} imports ${specifier}`)
        visit(target)
      }
    }
    for (const command of ['issuer-job.ts', 'issuer-rotate-key.ts']) visit(join(ROOT, 'src/cli/commands', command))
    assert.ok(seen.size >= 4)
  })
})
