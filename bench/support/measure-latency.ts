/**
 * Sequential request latency: one request at a time over one kept-alive connection, timed from sending to the
 * last byte of the answer read (so a large body's transfer counts, as it does for a client). Any answer but the
 * expected status means the benchmark is set up wrong, so it throws rather than time refusals.
 */
import { Agent, request as httpRequest } from 'node:http'

export interface TimedResponse {
  readonly status: number
  readonly body: Buffer
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly elapsedMs: number
}

export interface LatencyClient {
  /** GET `path` (absolute or below the client's base URL) with the client's token and `headers`. */
  get(path: string, headers?: Readonly<Record<string, string>>): Promise<TimedResponse>
  close(): void
}

export function createLatencyClient(baseUrl: string, token: string): LatencyClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  return {
    get(path, headers = {}) {
      const url = new URL(path, baseUrl)
      return new Promise((resolve, reject) => {
        const started = performance.now()
        const req = httpRequest(url, { method: 'GET', agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (response) => {
          const parts: Buffer[] = []
          response.on('data', (part: Buffer) => parts.push(part))
          response.once('error', reject)
          response.once('end', () => {
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts), headers: response.headers, elapsedMs: performance.now() - started })
          })
        })
        req.once('error', reject)
        req.end()
      })
    },
    close: () => { agent.destroy() },
  }
}

/** Throws unless `response` has `status`. */
export function expectStatus(response: TimedResponse, status: number, what: string): TimedResponse {
  if (response.status !== status) throw new Error(`${what}: answered ${String(response.status)}, not ${String(status)}: ${response.body.toString('utf8').slice(0, 300)}`)
  return response
}

/** Nearest-rank percentile (`fraction` in 0..1) of `values`; NaN for none. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!
}
