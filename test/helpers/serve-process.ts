/**
 * `packyard serve` as a real child process (src/main.ts through tsx), for the tests that need what only a
 * process gives: SIGKILL in the middle of a request, several servers sharing one database and bucket.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { findFreePort } from './find-free-port.js'
import { requestAs, type RequestFunction } from './request-as.js'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
/** Starting loads tsx and compiles the sources: generous, since this machine's speed varies. */
const START_TIMEOUT_MS = 60_000

export interface ServeProcessOptions {
  readonly dataDir: string
  /** A fixed port (to restart on the same address); default a free one. */
  readonly port?: number
  /** Default the server's own address; several servers behind one proxy share theirs. */
  readonly publicUrl?: string
  readonly database?: string
  readonly blobs?: string
  readonly adminToken: string
  /** More environment (e.g. AWS credentials for an S3 bucket). */
  readonly env?: Readonly<Record<string, string>>
}

export interface ServeProcess {
  /** Where this server listens (not its public URL when one was given). */
  readonly url: string
  readonly port: number
  readonly child: ChildProcess
  /** A request to this server, as the server admin unless `token` says otherwise (null: anonymous). */
  request: RequestFunction
  /** What the server wrote to stderr so far, for failure messages. */
  stderr(): string
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>
  /** SIGTERM (a graceful shutdown), and wait. */
  stop(): Promise<void>
}

export async function startServeProcess(options: ServeProcessOptions): Promise<ServeProcess> {
  const port = options.port ?? (await findFreePort())
  const url = `http://127.0.0.1:${String(port)}`
  const args = ['serve', '--listen', `127.0.0.1:${String(port)}`, '--public-url', options.publicUrl ?? url, '--data-dir', options.dataDir]
  if (options.database !== undefined) args.push('--database', options.database)
  if (options.blobs !== undefined) args.push('--blobs', options.blobs)
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...options.env, PACKYARD_ADMIN_TOKEN: options.adminToken, PACKYARD_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  const waitForExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`packyard serve exited with ${String(child.exitCode)}: ${stderr}`)
    if (await fetch(`${url}/healthz`).then((response) => response.ok, () => false)) {
      return { url, port, child, request: requestAs(url, options.adminToken), stderr: () => stderr, kill: () => waitForExit('SIGKILL'), stop: () => waitForExit('SIGTERM') }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await waitForExit('SIGKILL')
  throw new Error(`packyard serve did not answer /healthz within ${String(START_TIMEOUT_MS)} ms: ${stderr}`)
}
