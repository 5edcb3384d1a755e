/**
 * Bench-only: Verdaccio, the npm benchmark's baseline, installed by the benchmark itself with the ordinary npm
 * client into `.bench/verdaccio-{version}/` (gitignored, reused while it holds a finished install of that
 * version), and a configuration for one run: JWT API tokens (`security.api.legacy: false`, its faster
 * setting), no uplinks, access and publish for authenticated users only, storage and htpasswd in the run's
 * temp dir, no web UI, logging at `warn` as the bench Packyard does; and a user made as `npm adduser` makes one.
 *
 * 6.8 is the last Verdaccio that runs on Node 20 (6.10 needs Node 22), and it needs `node-fetch` held at 2.7.0.
 */
import { execFile } from 'node:child_process'
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { z } from 'zod'

export const VERDACCIO_VERSION = '6.8.0'
/** npm resolving and fetching 327 packages: 12 s here with a warm network; generous for a slow mirror. */
const INSTALL_TIMEOUT_MS = 240_000
const INSTALL_DIR = fileURLToPath(new URL(`../../.bench/verdaccio-${VERDACCIO_VERSION}/`, import.meta.url))
/** Written last, once `npm install` succeeded: a folder without it is an interrupted install and is redone. */
const MARKER = 'installed.json'
const Marker = z.object({ version: z.string() })

/** Verdaccio could not be installed (no network, registry down): the comparison cannot run. */
export class VerdaccioUnavailableError extends Error {}

export interface VerdaccioInstall {
  /** The CLI script, to run with `node`. */
  readonly bin: string
  readonly dir: string
  /** Seconds `npm install` took; null when an earlier install was reused. */
  readonly installSeconds: number | null
}

async function isInstalled(): Promise<boolean> {
  try {
    const marker = Marker.parse(JSON.parse(await readFile(join(INSTALL_DIR, MARKER), 'utf8')))
    const manifest = Marker.parse(JSON.parse(await readFile(join(INSTALL_DIR, 'node_modules/verdaccio/package.json'), 'utf8')))
    return marker.version === VERDACCIO_VERSION && manifest.version === VERDACCIO_VERSION
  } catch {
    return false
  }
}

/**
 * The caller's environment for npm, less what an outer `npm run` put there about this repository (above all
 * `npm_config_local_prefix`, which would make npm install into the repository instead).
 */
function environmentForNpm(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    const fromOuterNpm = key.startsWith('npm_') && key !== 'npm_config_registry' && key !== 'npm_config_cafile'
    if (!fromOuterNpm) env[key] = value
  }
  return env
}

function runNpmInstall(): Promise<void> {
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error', '--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=5000']
  return new Promise((resolve, reject) => {
    execFile('npm', args, { cwd: INSTALL_DIR, env: environmentForNpm(), timeout: INSTALL_TIMEOUT_MS, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve()
        return
      }
      const reason = error.killed ? `timed out after ${String(INSTALL_TIMEOUT_MS / 1000)} s` : `exited with ${String(error.code)}`
      // npm's message without its stack trace and error-object dump: `npm error code ...`, the reason, the log.
      const tail = stderr.trim().split('\n').filter((line) => !/^npm error(\s{2,}|\s*[{}]?\s*$)/.test(line)).slice(0, 8).join('\n')
      reject(new VerdaccioUnavailableError(`npm install of verdaccio@${VERDACCIO_VERSION} in ${INSTALL_DIR} ${reason}${tail === '' ? '' : `:\n${tail}`}`))
    })
  })
}

/** Installs Verdaccio unless a finished install of this version is there; throws VerdaccioUnavailableError. */
export async function ensureVerdaccio(): Promise<VerdaccioInstall> {
  const bin = join(INSTALL_DIR, 'node_modules/verdaccio/bin/verdaccio')
  if (await isInstalled()) return { bin, dir: INSTALL_DIR, installSeconds: null }
  await rm(INSTALL_DIR, { recursive: true, force: true })
  await mkdir(INSTALL_DIR, { recursive: true })
  const manifest = {
    name: 'packyard-bench-verdaccio',
    private: true,
    description: 'Installed by bench/npm.bench.ts; safe to delete.',
    dependencies: { verdaccio: VERDACCIO_VERSION },
    overrides: { 'node-fetch': '2.7.0' },
  }
  await writeFile(join(INSTALL_DIR, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const started = performance.now()
  await runNpmInstall()
  const installSeconds = (performance.now() - started) / 1000
  try {
    await access(bin)
  } catch {
    throw new VerdaccioUnavailableError(`npm install succeeded but ${bin} is missing`)
  }
  await writeFile(join(INSTALL_DIR, MARKER), `${JSON.stringify({ version: VERDACCIO_VERSION })}\n`)
  return { bin, dir: INSTALL_DIR, installSeconds }
}

/** Writes a configuration keeping everything in `dir`; returns its path. The port is given on the command line. */
export async function writeVerdaccioConfig(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const config = {
    storage: join(dir, 'storage'),
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 10 } },
    security: {
      api: { legacy: false, jwt: { sign: { expiresIn: '7d' } } },
      web: { sign: { expiresIn: '7d' } },
    },
    uplinks: {},
    packages: { '**': { access: '$authenticated', publish: '$authenticated', unpublish: '$authenticated' } },
    web: { enable: false },
    log: { type: 'stdout', format: 'pretty', level: 'warn' },
    max_body_size: '10mb',
  }
  const path = join(dir, 'config.yaml')
  await writeFile(path, stringify(config))
  return path
}

const AddedUser = z.object({ token: z.string() })

/**
 * Creates a user the way `npm adduser` does (`PUT /-/user/org.couchdb.user:{name}`) and returns the token
 * Verdaccio issues for it (a JWT with `security.api.legacy: false`).
 */
export async function addVerdaccioUser(url: string, name: string, password: string): Promise<string> {
  const response = await fetch(`${url}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
  })
  const text = await response.text()
  if (response.status !== 201) throw new Error(`Verdaccio adduser ${name}: ${String(response.status)} ${text}`)
  return AddedUser.parse(JSON.parse(text)).token
}
