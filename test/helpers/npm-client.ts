/**
 * Runs the real `npm` client against a test server: a temporary folder per test with its own `.npmrc`
 * (`--userconfig`), cache (`--cache`) and HOME, and an environment stripped of the caller's npm and CI
 * settings, so that nothing reaches beyond loopback and no global configuration is read or written.
 * Commands run asynchronously: the server under test lives in this same process.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Long enough for an install on a busy 2-core machine, short enough that a hang fails the test. */
const NPM_TIMEOUT_MS = 60_000

export interface NpmResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface NpmSandbox {
  readonly dir: string
  /** Writes `{dir}/{folder}/package.json` (and an index.js) and returns the folder. */
  writePackage(folder: string, manifest: Record<string, unknown>): Promise<string>
  /** Runs `npm ...args` in `{dir}/{folder}`; never throws for a non-zero exit. */
  npm(args: readonly string[], options?: { folder?: string; env?: Record<string, string> }): Promise<NpmResult>
  close(): Promise<void>
}

export interface NpmSandboxOptions {
  /** `{public_url}/{org}/{registry}/npm/` */
  readonly registry: string
  /** The `_authToken` for the registry; none for anonymous use. */
  readonly token?: string
}

export async function createNpmSandbox(options: NpmSandboxOptions): Promise<NpmSandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'packyard-npm-'))
  const userconfig = join(dir, '.npmrc')
  const registry = options.registry.endsWith('/') ? options.registry : `${options.registry}/`
  const lines = [
    `registry=${registry}`,
    'fetch-retries=0',
    'fetch-timeout=30000',
    'fund=false',
    'update-notifier=false',
    'progress=false',
    'loglevel=http',
  ]
  if (options.token !== undefined) lines.push(`${registry.replace(/^https?:/, '')}:_authToken=${options.token}`)
  await writeFile(userconfig, `${lines.join('\n')}\n`, { mode: 0o600 })
  return {
    dir,
    async writePackage(folder, manifest) {
      const path = join(dir, folder)
      await mkdir(path, { recursive: true })
      await writeFile(join(path, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
      await writeFile(join(path, 'index.js'), `module.exports = ${JSON.stringify(String(manifest.name))}\n`)
      return path
    },
    npm(args, runOptions = {}) {
      const cwd = runOptions.folder === undefined ? dir : join(dir, runOptions.folder)
      // Only what npm needs: no npm_config_* from an outer `npm test`, no CI variables unless a test sets them.
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_UPDATE_NOTIFIER: '1', ...runOptions.env }
      return new Promise((resolve) => {
        execFile('npm', [...args, '--userconfig', userconfig, '--cache', join(dir, 'cache')], { cwd, env, timeout: NPM_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
          resolve({ code, stdout, stderr })
        })
      })
    },
    close: () => rm(dir, { recursive: true, force: true }),
  }
}
