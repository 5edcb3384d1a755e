/**
 * The part of autocannon 8's programmatic API the benchmarks use (the package ships no types). Shapes follow
 * its README: `autocannon(options)` resolves to the aggregated result when no callback is given.
 */
declare module 'autocannon' {
  export interface AutocannonRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    /** Called before every request (shared by all connections); returns the request to send. */
    setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest
  }

  export interface AutocannonOptions {
    url: string
    connections?: number
    pipelining?: number
    /** Seconds; ignored when `amount` is set. */
    duration?: number
    /** Total requests, split across the connections. */
    amount?: number
    timeout?: number
    headers?: Record<string, string>
    requests?: AutocannonRequest[]
  }

  export interface AutocannonHistogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p99: number
  }

  export interface AutocannonResult {
    requests: AutocannonHistogram
    throughput: AutocannonHistogram
    latency: AutocannonHistogram
    /** Seconds from the first request to the last response. */
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }

  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>
  export default autocannon
}
