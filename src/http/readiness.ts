/**
 * `GET /healthz` as a load balancer's readiness check: the server is ready when its metadata store and blob
 * store answer. Results are shared for a moment, so a fleet of health checkers costs the database and the bucket
 * one probe per server per second at most, and a probe that hangs counts as a failure after a timeout instead
 * of hanging the check. Why a probe failed goes to the log only: the route is public, and the failure names
 * internal hosts.
 */

export interface ReadinessReport {
  readonly ready: boolean
  /** Each probe's outcome by name: `ok` or `failed`. */
  readonly checks: Readonly<Record<string, 'ok' | 'failed'>>
}

export interface ReadinessOptions {
  /** Probes by name; each resolves when its dependency answers. */
  readonly probes: Readonly<Record<string, () => Promise<void>>>
  readonly nowMs: () => number
  /** A probe slower than this fails. */
  readonly timeoutMs?: number
  /** How long one round of probes answers every check. */
  readonly reuseMs?: number
  readonly onFailure: (probe: string, error: unknown) => void
}

const DEFAULT_TIMEOUT_MS = 2_000
const DEFAULT_REUSE_MS = 1_000

export function createReadinessCheck(options: ReadinessOptions): () => Promise<ReadinessReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const reuseMs = options.reuseMs ?? DEFAULT_REUSE_MS
  let last: { readonly atMs: number; readonly report: Promise<ReadinessReport> } | null = null

  const probeAll = async (): Promise<ReadinessReport> => {
    const entries = await Promise.all(Object.entries(options.probes).map(async ([name, probe]) => {
      try {
        await withTimeout(probe(), timeoutMs, name)
        return [name, 'ok'] as const
      } catch (error) {
        options.onFailure(name, error)
        return [name, 'failed'] as const
      }
    }))
    return Object.freeze({ ready: entries.every(([, outcome]) => outcome === 'ok'), checks: Object.freeze(Object.fromEntries(entries)) })
  }

  return () => {
    const nowMs = options.nowMs()
    if (last === null || nowMs - last.atMs >= reuseMs) last = { atMs: nowMs, report: probeAll() }
    return last.report
  }
}

async function withTimeout(work: Promise<void>, timeoutMs: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`${name} did not answer within ${String(timeoutMs)} ms`)) }, timeoutMs)
  })
  try {
    await Promise.race([work, timedOut])
  } finally {
    clearTimeout(timer)
  }
}
