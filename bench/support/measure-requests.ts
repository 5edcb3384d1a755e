/**
 * Requests per second of one HTTP request shape against a server in another process, with autocannon in this
 * one (on a 2-core machine: one core for the client, one for the server). Any non-2xx answer or socket error
 * means the benchmark is set up wrong, so it throws rather than report a rate of refusals.
 */
import autocannon, { type AutocannonRequest } from 'autocannon'

export interface RequestLoad {
  readonly url: string
  readonly connections: number
  /** Seconds; ignored when `amount` is set. */
  readonly durationSeconds?: number
  /** Exactly this many requests (e.g. one per pre-signed token). */
  readonly amount?: number
  readonly headers?: Readonly<Record<string, string>>
  /** Called before every request, across all connections. */
  readonly setupRequest?: (request: AutocannonRequest) => AutocannonRequest
}

export interface RequestRate {
  readonly requestsPerSecond: number
  /** Response bytes per second (headers and body). */
  readonly bytesPerSecond: number
  readonly requests: number
}

export async function measureRequests(load: RequestLoad): Promise<RequestRate> {
  // autocannon reports `duration` in whole seconds, which makes short fixed-count runs meaningless (1500
  // requests in 1.2 s or in 1.9 s both read as 2 s); the elapsed time is measured here instead.
  const started = performance.now()
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    timeout: 30,
    ...(load.amount !== undefined ? { amount: load.amount } : { duration: load.durationSeconds ?? 5 }),
    ...(load.headers !== undefined ? { headers: { ...load.headers } } : {}),
    ...(load.setupRequest !== undefined ? { requests: [{ setupRequest: load.setupRequest }] } : {}),
  })
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${load.url}: ${String(result.non2xx)} non-2xx answers, ${String(result.errors)} errors, ${String(result.timeouts)} timeouts`)
  }
  const elapsedSeconds = (performance.now() - started) / 1000
  return {
    requestsPerSecond: result['2xx'] / elapsedSeconds,
    bytesPerSecond: result.throughput.total / elapsedSeconds,
    requests: result['2xx'],
  }
}
