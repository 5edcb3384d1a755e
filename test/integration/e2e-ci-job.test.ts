/**
 * End to end, exactly as a user and a CI job do it: `packyard serve` from the built executable (dist/main.js) in
 * a child process, a registry created over REST, and each "job" a `sh -c` script that evals the exports of
 * `packyard issuer job create --format env`, requests a token with `packyard oidc request-token`, uploads with
 * curl (node's fetch when the machine has no curl) and runs `packyard publish`. Nothing of the CLI side runs
 * in-process; the in-process flows are in issuer-publish.test.ts and cli-publish.test.ts.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { findFreePort } from '../helpers/start-server.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN_JS = join(ROOT, 'dist', 'main.js')
const ADMIN = 'pky_e2e_ci_job_admin_token_0123456789abcdef'
const COMMIT = '9f3182061f1e2cca4702c368cbc039b7dc9d4485'
/** Generous for one CLI call or a server start; the whole file takes a few seconds. */
const CHILD_TIMEOUT_MS = 20_000

interface Json { [key: string]: unknown }
interface Run { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** Runs `npm run build` when a source file is newer than its build output (or has none): the test runs dist/. */
function buildIfStale(): void {
  const sources = readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
  const stale = sources.some((source) => {
    const built = join(ROOT, 'dist', relative(join(ROOT, 'src'), source).replace(/\.ts$/, '.js'))
    try {
      return statSync(built).mtimeMs < statSync(source).mtimeMs
    } catch {
      return true
    }
  })
  if (!stale) return
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}${build.stderr}`)
}

/** Runs `command` to its end and collects its output; killed (and the test failed) after CHILD_TIMEOUT_MS. */
async function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: CHILD_TIMEOUT_MS })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', resolve)
  })
  return { code, stdout, stderr }
}

/** `key=value` lines of a job script's output (the first `=` splits). */
function readOutputs(stdout: string): Map<string, string> {
  return new Map(stdout.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

function output(outputs: Map<string, string>, key: string): string {
  const value = outputs.get(key)
  assert.ok(value !== undefined, `the job printed no ${key}`)
  return value
}

/** The upload the shell made: its HTTP status and the server's JSON answer. */
function uploadOf(outputs: Map<string, string>): { status: number; body: Json } {
  return { status: Number(output(outputs, 'upload_status')), body: JSON.parse(output(outputs, 'upload_body')) as Json }
}

/**
 * Prepended to every job script. `upload TOKEN FILE REGISTRY` is the publish of docs/ci.md (`curl -F file=@...`),
 * or node's fetch when there is no curl. The job is created with an assignment first, not `eval "$(...)"`, so that
 * `set -e` stops the script when `job create` fails (an eval of an empty substitution succeeds).
 */
const PRELUDE = `set -eu
upload() {
  url="$PACKYARD_SERVER/v2/packages/organizations/default/registries/$3/packages"
  if [ -n "$HAVE_CURL" ]; then
    status="$(curl -sS -o "$2.answer" -w '%{http_code}' -H "Authorization: Bearer $1" -F "file=@$2" "$url")"
  else
    status="$(node "$UPLOAD_JS" "$1" "$2" "$url" "$2.answer")"
  fi
  echo "upload_status=$status"
  echo "upload_body=$(cat "$2.answer")"
}
job_env="$(packyard issuer job create --org default --pipeline "$PIPELINE" --branch main --commit "$COMMIT" --build-number 42 --step-key publish --format env)"
eval "$job_env"
echo "job_id=$BUILDKITE_JOB_ID"
`

const UPLOAD_JS = `import { openAsBlob, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
const [token, file, url, answer] = process.argv.slice(2)
const body = new FormData()
body.append('file', await openAsBlob(file), basename(file))
const response = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer ' + token }, body })
writeFileSync(answer, await response.text())
process.stdout.write(String(response.status))
`

describe('a CI job publishes through the packyard executable, with the embedded issuer of a running server', () => {
  let dir = ''
  let work = ''
  let server: ChildProcess | undefined
  let serverLog = ''
  let url = ''
  let audience = ''
  let env: NodeJS.ProcessEnv = {}
  const api = (path: string) => `${url}/v2/packages/organizations/default${path}`
  const asAdmin = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } })
  /** Runs a job of `pipeline` (on main): the prelude, then `script`, in the directory holding the files. */
  const runJob = (pipeline: string, script: string) => run('sh', ['-c', PRELUDE + script], { cwd: work, env: { ...env, PIPELINE: pipeline } })

  before(async () => {
    buildIfStale()
    dir = await mkdtemp(join(tmpdir(), 'packyard-e2e-ci-'))
    work = join(dir, 'work')
    const bin = join(dir, 'bin')
    await Promise.all([mkdir(work), mkdir(bin)])
    // `packyard` on PATH, as `npm install --global` puts it on a CI agent.
    await symlink(MAIN_JS, join(bin, 'packyard'))
    await writeFile(join(dir, 'upload.mjs'), UPLOAD_JS)
    for (const name of ['cli-1.0.0.tar.gz', 'cli-1.0.1.tar.gz', 'evil-1.0.0.tgz', 'aud-1.0.0.tgz', 'long-1.0.0.tgz', 'old-key-1.0.0.tgz', 'new-key-1.0.0.tgz']) {
      await writeFile(join(work, name), `contents of ${name}\n`)
    }
    const port = await findFreePort()
    url = `http://127.0.0.1:${String(port)}`
    audience = `${url}/default/tools`
    // The runner's own CI variables must not leak into the jobs: each job gets only what its shell evals.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(BUILDKITE_|ACTIONS_|PACKYARD_)/.test(name)))
    const path = [bin, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter)
    const haveCurl = spawnSync('sh', ['-c', 'command -v curl'], { env: { PATH: path } }).status === 0
    env = {
      ...inherited, PATH: path, PACKYARD_SERVER: url, PACKYARD_ADMIN_TOKEN: ADMIN, COMMIT, AUDIENCE: audience,
      HAVE_CURL: haveCurl ? 'yes' : '', UPLOAD_JS: join(dir, 'upload.mjs'),
    }
    server = spawn(process.execPath, [MAIN_JS, 'serve', '--listen', `127.0.0.1:${String(port)}`, '--public-url', url, '--data-dir', join(dir, 'data')], {
      env: { ...inherited, PACKYARD_ADMIN_TOKEN: ADMIN, PACKYARD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (serverLog += chunk))
    await waitForHealth(server, `${url}/healthz`, () => serverLog)
    const policy = `- iss: ${url}/issuer\n  scopes: [read_packages, write_packages]\n  claims:\n    organization_slug: default\n    pipeline_slug: web\n    build_branch: main\n`
    for (const name of ['tools', 'other']) {
      const created = await fetch(api('/registries'), asAdmin({ method: 'POST', body: JSON.stringify({ name, ecosystem: 'files', oidc_policy: policy }) }))
      assert.equal(created.status, 201, await created.text())
    }
  })

  after(async () => {
    if (server !== undefined) await stopProcess(server)
    await rm(dir, { recursive: true, force: true })
  })

  it('publishes with a token of a job on the pinned pipeline and branch, by curl and by packyard publish', async () => {
    const job = await runJob('web', `TOKEN="$(packyard oidc request-token --audience "$AUDIENCE" --lifetime 300)"
echo "token=$TOKEN"
upload "$TOKEN" cli-1.0.0.tar.gz tools
echo "published=$(packyard publish cli-1.0.1.tar.gz --registry default/tools)"
`)
    assert.equal(job.code, 0, job.stderr)
    assert.equal(job.stderr, '')
    const outputs = readOutputs(job.stdout)
    const jobId = output(outputs, 'job_id')
    const token = output(outputs, 'token')
    const claims = decodeJwt(token)
    assert.equal(claims.iss, `${url}/issuer`)
    assert.equal(claims.aud, audience)
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 300)
    const uploaded = uploadOf(outputs)
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body))
    const published = output(outputs, 'published')
    assert.match(published, new RegExp(`^${url}/ui/default/tools/packages/[0-9a-f-]{36}$`))

    for (const id of [String(uploaded.body.id), published.slice(published.lastIndexOf('/') + 1)]) {
      const response = await fetch(api(`/registries/tools/packages/${id}`), asAdmin())
      assert.equal(response.status, 200)
      const provenance = (await response.json() as Json).provenance as Json
      assert.equal(provenance.issuer, `${url}/issuer`)
      assert.equal(provenance.statement, 0)
      assert.deepEqual(pick(provenance.claims as Json, ['organization_slug', 'pipeline_slug', 'build_branch', 'build_number', 'build_commit', 'step_key', 'job_id']), {
        organization_slug: 'default', pipeline_slug: 'web', build_branch: 'main', build_number: 42, build_commit: COMMIT, step_key: 'publish', job_id: jobId,
      })
    }

    const file = `${url}/default/tools/files/cli-1.0.0.tar.gz`
    const anonymous = await fetch(file)
    assert.equal(anonymous.status, 401)
    assert.equal((await anonymous.json() as Json).code, 'token_missing')
    const download = await fetch(file, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(download.status, 200)
    assert.equal(await download.text(), 'contents of cli-1.0.0.tar.gz\n')
  })

  it('refuses a job on another pipeline: packyard publish exits 1 with policy_no_match', async () => {
    const job = await runJob('evil', 'exec packyard publish evil-1.0.0.tgz --registry default/tools\n')
    assert.equal(job.code, 1)
    assert.match(job.stdout, /^job_id=[0-9a-f-]{36}\n$/)
    assert.match(job.stderr, /^packyard publish: evil-1\.0\.0\.tgz: policy_no_match: .+\n$/)
  })

  it('refuses a token requested for another registry\'s audience: 401 audience_mismatch', async () => {
    const job = await runJob('web', `upload "$(packyard oidc request-token --audience "$PACKYARD_SERVER/default/other" --lifetime 300)" aud-1.0.0.tgz tools\n`)
    assert.equal(job.code, 0, job.stderr)
    const uploaded = uploadOf(readOutputs(job.stdout))
    assert.equal(uploaded.status, 401)
    assert.equal(uploaded.body.code, 'audience_mismatch')
  })

  it('refuses a token requested with --lifetime 600, over the verifier\'s 300 s cap: 401 token_lifetime_exceeded', async () => {
    const job = await runJob('web', `TOKEN="$(packyard oidc request-token --audience "$AUDIENCE" --lifetime 600)"
echo "token=$TOKEN"
upload "$TOKEN" long-1.0.0.tgz tools
`)
    assert.equal(job.code, 0, job.stderr)
    const outputs = readOutputs(job.stdout)
    const claims = decodeJwt(output(outputs, 'token'))
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 600, 'the issuer mints what was asked; the verifier refuses it')
    const uploaded = uploadOf(outputs)
    assert.equal(uploaded.status, 401)
    assert.equal(uploaded.body.code, 'token_lifetime_exceeded')
  })

  it('after packyard issuer rotate-key, a token requested before still publishes and a new one carries the new kid', async () => {
    const job = await runJob('web', `OLD="$(packyard oidc request-token --audience "$AUDIENCE")"
echo "rotation=$(packyard issuer rotate-key --json)"
echo "old=$OLD"
echo "new=$(packyard oidc request-token --audience "$AUDIENCE")"
upload "$OLD" old-key-1.0.0.tgz tools
echo "published=$(packyard publish new-key-1.0.0.tgz --registry default/tools)"
`)
    assert.equal(job.code, 0, job.stderr)
    const outputs = readOutputs(job.stdout)
    const rotation = JSON.parse(output(outputs, 'rotation')) as { kid: string; retired: { kid: string }[] }
    const oldKid = decodeProtectedHeader(output(outputs, 'old')).kid
    assert.notEqual(oldKid, rotation.kid)
    assert.ok(rotation.retired.some((key) => key.kid === oldKid), 'the old key is retired, not deleted')
    assert.equal(decodeProtectedHeader(output(outputs, 'new')).kid, rotation.kid)
    const jwks = await (await fetch(`${url}/issuer/.well-known/jwks`)).json() as { keys: { kid: string }[] }
    assert.deepEqual(jwks.keys.map((key) => key.kid), [rotation.kid, oldKid])
    const uploaded = uploadOf(outputs)
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body))
    assert.match(output(outputs, 'published'), /\/ui\/default\/tools\/packages\/[0-9a-f-]{36}$/)
  })
})

function pick(object: Json, keys: readonly string[]): Json {
  return Object.fromEntries(keys.map((key) => [key, object[key]]))
}

/** Polls /healthz until the server answers; fails with its log when it exits or takes over 10 s. */
async function waitForHealth(child: ChildProcess, healthUrl: string, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) assert.fail(`packyard serve exited with ${String(child.exitCode)}:\n${log()}`)
    if (await fetch(healthUrl).then((response) => response.ok, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`packyard serve did not answer ${healthUrl} within 10 s:\n${log()}`)
}

/** SIGTERM (the server drains and closes its stores), SIGKILL if it has not exited within 5 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
