/**
 * Many distinct RS256 tokens, fast: RS256 signing costs about 1 ms here, so 20 000 fresh tokens are signed
 * on worker threads, one per core, before any measurement starts. Each token gets a new `jti`, so none is ever
 * a repeat of another (a cache of verified tokens must miss on every one).
 */
import { cpus } from 'node:os'
import { Worker } from 'node:worker_threads'
import { z } from 'zod'
import { encode, type LocalIssuer } from '../../test/helpers/local-issuer.js'

// Plain JavaScript, so the workers need no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createPrivateKey, sign } = require('node:crypto')
const key = createPrivateKey(workerData.pem)
parentPort.postMessage(workerData.inputs.map((input) => input + '.' + sign('sha256', Buffer.from(input, 'latin1'), key).toString('base64url')))
`
const Signed = z.array(z.string())

function signOnWorker(pem: string, inputs: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pem, inputs } })
    worker.once('message', (message: unknown) => {
      resolve(Signed.parse(message))
      void worker.terminate()
    })
    worker.once('error', reject)
  })
}

/** `count` RS256 tokens from `issuer`'s newest RS256 key, each `issuer.claims(overrides)` with its own jti. */
export async function signDistinctTokens(issuer: LocalIssuer, count: number, overrides: Readonly<Record<string, unknown>>): Promise<string[]> {
  const key = [...issuer.keys].reverse().find((candidate) => candidate.alg === 'RS256')
  if (key === undefined) throw new Error('the issuer has no RS256 key')
  const header = encode(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }))
  const inputs = Array.from({ length: count }, () => `${header}.${encode(JSON.stringify(issuer.claims(overrides)))}`)
  const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const workers = Math.max(1, cpus().length)
  const share = Math.ceil(count / workers)
  const batches = Array.from({ length: workers }, (_, i) => inputs.slice(i * share, (i + 1) * share))
  return (await Promise.all(batches.map((batch) => signOnWorker(pem, batch)))).flat()
}
