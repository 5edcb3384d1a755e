/**
 * The CI-side commands run in CI jobs that only want a token and an upload: importing and running them must
 * not load the server (fastify, kysely, better-sqlite3, pino, src/registry, store, http, ...). A child node
 * records every module URL its ESM loader resolves (a module.register hook) and every CommonJS module in the
 * require cache; a control run through the server's test helper proves the recording sees such packages.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SERVER_CODE = /\/node_modules\/(fastify|@fastify\/[^/]+|kysely|better-sqlite3|pino|pg|@aws-sdk\/[^/]+)\/|\/src\/(app\.ts|registry|store|http|blobs|ecosystems|web|issuer|oidc|policy|config)\//

/** Runs in the loader-hooks thread: reports each resolved URL, and answers a flush once all earlier reports are sent. */
const HOOKS = `
let port
export function initialize(data) {
  port = data.port
  port.on('message', () => port.postMessage({ flushed: true }))
}
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context)
  port.postMessage(resolved.url)
  return resolved
}
`

/** Imports `modules` (file URLs) in a fresh node with tsx, runs `argv` through the CLI if given, and lists what loaded. */
function loadedBy(modules: readonly string[], argv: readonly string[][] = []): string[] {
  const script = `
import { createRequire, register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const { port1, port2 } = new MessageChannel()
const loaded = []
const flushed = new Promise((resolve) => port1.on('message', (m) => (typeof m === 'string' ? loaded.push(m) : resolve())))
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] })
for (const url of ${JSON.stringify(modules)}) await import(url)
if (${JSON.stringify(argv.length > 0)}) {
  const { runCli } = await import(${JSON.stringify(pathToFileURL(`${ROOT}src/cli/run-cli.ts`).href)})
  const io = { stdout: () => {}, stderr: () => {}, env: {}, readStdin: async () => '' }
  for (const args of ${JSON.stringify(argv)}) await runCli(args, io)
}
port1.postMessage('flush')
await flushed
port1.close()
const cjs = Object.keys(createRequire(process.cwd() + '/').cache).map((path) => 'file://' + path)
process.stdout.write(JSON.stringify([...loaded, ...cjs]))
`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(child.status, 0, child.stderr)
  return JSON.parse(child.stdout) as string[]
}

const moduleUrl = (path: string) => pathToFileURL(`${ROOT}${path}`).href

describe('the CI-side commands load no server code', () => {
  it('importing oidc-request-token.ts and publish.ts, and running their --help, loads none of it', () => {
    const loaded = loadedBy(
      [moduleUrl('src/cli/commands/oidc-request-token.ts'), moduleUrl('src/cli/commands/publish.ts')],
      [['oidc', 'request-token', '--help'], ['publish', '--help'], ['publish', 'x-1.0.0.tgz', '--registry', 'a/b', '--server', 'http://127.0.0.1:1']],
    )
    assert.ok(loaded.some((url) => url.endsWith('/src/ci/upload-package.ts')), 'the recording saw our own modules')
    assert.ok(loaded.some((url) => url.endsWith('/src/cli/run-cli.ts')))
    assert.deepEqual(loaded.filter((url) => SERVER_CODE.test(url)), [])
  })

  it('control: the same recording sees the server\'s packages when the server is imported', () => {
    const loaded = loadedBy([moduleUrl('test/helpers/start-server.ts')])
    for (const name of ['fastify', 'kysely', 'pino']) {
      assert.ok(loaded.some((url) => url.includes(`/node_modules/${name}/`)), `${name} seen`)
    }
    assert.ok(loaded.some((url) => url.includes('/src/registry/')))
  })
})
