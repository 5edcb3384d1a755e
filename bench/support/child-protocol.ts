/**
 * How a benchmark talks to a server it runs in a child process (so the server's CPU and memory are its own):
 * the child sends `{type: 'ready', url}` over IPC once listening, and closes and exits on `{type: 'stop'}` or
 * when the parent goes away. Exiting normally lets `--cpu-prof` write its profile.
 */
import { z } from 'zod'

/** The server admin token the bench's Packyard child accepts (PACKYARD_ADMIN_TOKEN). */
export const BENCH_ADMIN_TOKEN = 'pky_bench_server_admin_token_0123456789abcdef'

export const ReadyMessage = z.object({ type: z.literal('ready'), url: z.string() })
const StopMessage = z.object({ type: z.literal('stop') })

/** Child side: announces `url`, then runs `close` and exits when told to stop or orphaned. */
export function announceReadyUntilStopped(url: string, close: () => Promise<void>): void {
  if (process.send === undefined) throw new Error('this script is started by a benchmark, with an IPC channel')
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    void close().finally(() => process.exit(0))
  }
  process.on('message', (message: unknown) => { if (StopMessage.safeParse(message).success) stop() })
  process.on('disconnect', stop)
  process.on('SIGTERM', stop)
  process.send({ type: 'ready', url })
}
