import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPackyard } from '../helpers/run-packyard.js'

const BK = 'https://agent.buildkite.com'
const SEED = `- iss: ${BK}
  organization_slug: my-organization
  pipeline_slug: my-pipeline
  build_branch: main
- iss: ${BK}
  organization_slug: my-organization
  pipeline_slug: my-second-pipeline
`
const UNKNOWN_MATCHER = `- iss: ${BK}
  scopes: [read_packages]
  claims:
    organization_slug: my-organization
    pipeline_slug: { looks_like: web }
`

describe('packyard policy (CLI)', () => {
  let dir = ''
  const path = (name: string) => join(dir, name)
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'packyard-cli-'))
    await writeFile(path('seed.yaml'), SEED)
    await writeFile(path('bad.yaml'), UNKNOWN_MATCHER)
    await writeFile(path('main.json'), JSON.stringify({ iss: BK, organization_slug: 'my-organization', pipeline_slug: 'my-pipeline', build_branch: 'main' }))
    await writeFile(path('dev.json'), JSON.stringify({ iss: BK, organization_slug: 'my-organization', pipeline_slug: 'my-pipeline', build_branch: 'dev' }))
  })
  after(async () => rm(dir, { recursive: true, force: true }))

  it('accepts the seed example with exit 0 and warns that it has no scopes', async () => {
    const run = await runPackyard(['policy', 'check', path('seed.yaml'), '--json'])
    assert.equal(run.code, 0, run.stderr)
    const result = JSON.parse(run.stdout) as { valid: boolean; errors: unknown[]; warnings: { message: string }[] }
    assert.equal(result.valid, true)
    assert.deepEqual(result.errors, [])
    assert.ok(result.warnings.length > 0)
  })

  it('refuses an unknown matcher with exit 1, naming statement, claim, line and column', async () => {
    const run = await runPackyard(['policy', 'check', path('bad.yaml'), '--json'])
    assert.equal(run.code, 1)
    const result = JSON.parse(run.stdout) as { valid: boolean; errors: { statement: number; claim: string; line: number; column: number }[] }
    assert.equal(result.valid, false)
    const [first] = result.errors
    assert.ok(first)
    assert.equal(first.statement, 0)
    assert.equal(first.claim, 'pipeline_slug')
    assert.equal(first.line, 5)
  })

  it('prints human-readable problems with file:line:column', async () => {
    const run = await runPackyard(['policy', 'check', path('bad.yaml')])
    assert.equal(run.code, 1)
    assert.match(run.stdout, /bad\.yaml:5:\d+: error: statement 0, claim pipeline_slug: /)
    assert.match(run.stdout, /invalid \(1 error\)/)
  })

  it('explains an accepted claim set with exit 0 and every statement', async () => {
    const run = await runPackyard(['policy', 'explain', '--policy', path('seed.yaml'), '--claims', path('main.json'), '--json'])
    assert.equal(run.code, 0, run.stderr)
    const result = JSON.parse(run.stdout) as { decision: string; statement: number; statements: unknown[]; scopes: string[] }
    assert.equal(result.decision, 'accept')
    assert.equal(result.statement, 0)
    assert.equal(result.statements.length, 2)
    assert.deepEqual(result.scopes, ['read_packages', 'write_packages'])
  })

  it('rejects another branch with exit 1 and shows the failing rule with expected and actual on one line', async () => {
    const run = await runPackyard(['policy', 'explain', '--policy', path('seed.yaml'), '--claims', path('dev.json')])
    assert.equal(run.code, 1)
    assert.match(run.stdout, /^reject \(policy_no_match\)/)
    assert.match(run.stdout, /statement 0 \(https:\/\/agent\.buildkite\.com\): build_branch equals "main", actual "dev"/)
  })

  it('exits 2 on usage errors', async () => {
    assert.equal((await runPackyard(['policy', 'check'])).code, 2)
    assert.equal((await runPackyard(['policy', 'explain', '--policy', path('seed.yaml')])).code, 2)
    assert.equal((await runPackyard(['policy', 'check', path('missing.yaml')])).code, 2)
    assert.equal((await runPackyard(['policy', 'check', path('seed.yaml'), '--bogus'])).code, 2)
    assert.equal((await runPackyard(['no-such-command'])).code, 2)
  })

  it('has --help on every command', async () => {
    for (const args of [['--help'], ['policy', 'check', '--help'], ['policy', 'explain', '--help']]) {
      const run = await runPackyard(args)
      assert.equal(run.code, 0)
      assert.match(run.stdout, /Usage: packyard/)
    }
  })
})
