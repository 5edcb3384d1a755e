/**
 * Requests per second of large downloads, each body read to the end and dropped, on `connections` keep-alive
 * connections for a fixed time. Large bodies do not go through autocannon: its parser tops out near 30 MiB/s
 * here, so it would measure itself; Node's own HTTP client (llhttp) reads at memory speed.
 */
import { Agent, get } from 'node:http'
import type { RequestRate } from './measure-requests.js'

export interface DownloadLoad {
  readonly url: string
  readonly connections: number
  readonly durationSeconds: number
}

/** One GET, its body read to the end; resolves with the bytes received; rejects unless 200. */
function download(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        reject(new Error(`GET ${url}: ${String(response.statusCode)}`))
        return
      }
      let bytes = 0
      response.on('data', (chunk: Buffer) => { bytes += chunk.length })
      response.once('end', () => { resolve(bytes) })
      response.once('error', reject)
    }).once('error', reject)
  })
}

/** Downloads that finish within the time count; the rate is over the time until the last one finished. */
export async function measureStreamedDownloads(load: DownloadLoad): Promise<RequestRate> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.connections })
  const started = performance.now()
  const deadline = started + load.durationSeconds * 1000
  let requests = 0
  let bytes = 0
  const loop = async () => {
    while (performance.now() < deadline) {
      bytes += await download(load.url, agent)
      requests += 1
    }
  }
  try {
    await Promise.all(Array.from({ length: load.connections }, loop))
  } finally {
    agent.destroy()
  }
  const seconds = (performance.now() - started) / 1000
  return { requestsPerSecond: requests / seconds, bytesPerSecond: bytes / seconds, requests }
}
