/**
 * Bench-only: runs Verdaccio's own CLI (`node {bin} --config FILE --listen 127.0.0.1:PORT`, plain node, no
 * loader, NODE_ENV=production as its Docker image sets) as a grandchild, waits until it answers `/-/ping`, and
 * speaks child-protocol.ts for it, so a benchmark starts it with startServerChild like any bench server and
 * Verdaccio goes away with this process (stopped, or the benchmark gone). This wrapper only waits on IPC.
 * Verdaccio's output goes to `--log`.
 *
 *   node --import tsx bench/support/verdaccio-server.ts --bin PATH --config FILE --log FILE
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { findFreePort } from '../../test/helpers/find-free-port.js'
import { announceReadyUntilStopped } from './child-protocol.js'

/** Below startServerChild's 60 s, so that this wrapper reports (and kills Verdaccio) before it is killed. */
const START_TIMEOUT_MS = 45_000
const STOP_TIMEOUT_MS = 5_000


function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-20).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Resolves once `GET {url}/-/ping` answers 200; rejects when Verdaccio exits first or START_TIMEOUT_MS passes. */
async function waitUntilAnswering(url: string, child: ChildProcess, logPath: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Verdaccio exited with ${String(child.exitCode ?? child.signalCode)} before answering:\n${logTail(logPath)}`)
    }
    try {
      const response = await fetch(`${url}/-/ping`, { signal: AbortSignal.timeout(2_000) })
      await response.body?.cancel()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`Verdaccio did not answer ${url}/-/ping within ${String(START_TIMEOUT_MS)} ms:\n${logTail(logPath)}`)
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { bin: { type: 'string' }, config: { type: 'string' }, log: { type: 'string' } } })
  const { bin, config, log } = values
  if (bin === undefined || config === undefined || log === undefined) throw new Error('--bin, --config and --log are required')
  const port = await findFreePort()
  const url = `http://127.0.0.1:${String(port)}`
  const logFd = openSync(log, 'a')
  const child = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${String(port)}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production' },
    stdio: ['ignore', logFd, logFd],
  })
  closeSync(logFd)
  try {
    await waitUntilAnswering(url, child, log)
  } catch (error) {
    await stopChild(child)
    throw error
  }
  announceReadyUntilStopped(url, () => stopChild(child))
}

await main()
