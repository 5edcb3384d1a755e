/**
 * Parent side of child-protocol.ts: spawns a bench server script under tsx with an IPC channel and waits until
 * it listens. With `BENCH_CPU_PROF_DIR=DIR` set, the child runs with `--cpu-prof` and writes its profile there
 * when stopped (open it in Chrome DevTools, or summarize it by self time). `BENCH_NODE_FLAGS` adds node flags
 * to the child (e.g. `--trace-gc`, which NODE_OPTIONS refuses).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ReadyMessage } from './child-protocol.js'

/** Starting loads tsx, Fastify and SQLite: generous, since this machine's speed varies. */
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000

export interface ServerChild {
  readonly url: string
  readonly pid: number
  /** Asks the child to close and waits for it to exit (killed after STOP_TIMEOUT_MS). */
  stop(): Promise<void>
}

/** Starts `bench/support/{script}` with `args`; rejects when it exits or is silent before announcing readiness. */
export async function startServerChild(script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ServerChild> {
  const path = fileURLToPath(new URL(script, import.meta.url))
  const profileDir = process.env.BENCH_CPU_PROF_DIR
  const profile = profileDir === undefined || profileDir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  const extraFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '')
  const child = spawn(process.execPath, [...profile, ...extraFlags, '--import', 'tsx', path, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not spawn ${script}`)
  const url = await waitUntilReady(child, script)
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  return {
    url,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.send({ type: 'stop' })
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    },
  }
}

function waitUntilReady(child: ChildProcess, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} did not start within ${String(START_TIMEOUT_MS)} ms`))
    }, START_TIMEOUT_MS)
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited with ${String(code)} before it was ready`))
    }
    child.once('exit', onExit)
    child.on('message', (message: unknown) => {
      const ready = ReadyMessage.safeParse(message)
      if (!ready.success) return
      clearTimeout(timer)
      child.off('exit', onExit)
      resolve(ready.data.url)
    })
  })
}
