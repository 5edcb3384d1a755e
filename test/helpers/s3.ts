/**
 * An S3-compatible server for tests: s3rver 4 in-process on a free loopback port, with its buckets created at
 * start and its files in a temporary directory that `stop()` removes.
 *
 * It accepts the access key S3RVER with the secret S3RVER; `start` also puts them in process.env (restored by
 * `stop`), so a server under test that reads the standard AWS variables finds them, and the SDK never goes
 * looking for an instance role on the network (AWS_EC2_METADATA_DISABLED).
 *
 * Two gaps of s3rver are bridged: multipart uploads cannot be listed or aborted there (see
 * s3rver-multipart-listing.ts), and it canonicalizes a bucket-level request path `/bucket/` as `/bucket`, so
 * every ListObjectsV2 that SDK v3 signs fails its check; signatures are therefore not verified (the access key
 * still is). Its listings also cannot continue past one page (its continuation tokens use DES, which Node 20's
 * OpenSSL 3 no longer offers), so tests keep well under 1,000 keys per listing.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from '@20minutes/s3rver'
import { S3Client } from '@aws-sdk/client-s3'
import { findFreePort } from './find-free-port.js'
import { createMultipartListingMiddleware } from './s3rver-multipart-listing.js'

/** s3rver's built-in account. (Copied before use: the SDK marks the credentials object it is given.) */
export const S3_TEST_CREDENTIALS = Object.freeze({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' })
const REGION = 'us-east-1'

export interface TestS3 {
  readonly endpoint: string
  readonly region: string
  /** The AWS_* variables a client of this server needs. */
  readonly env: Readonly<Record<string, string>>
  /** `s3://bucket[/prefix]?endpoint=...&region=...&force_path_style=true` for the `blobs` setting. */
  blobsUrl(bucket: string, prefix?: string): string
  /** A client for looking into the buckets directly; closed by `stop()`. */
  readonly client: S3Client
  stop(): Promise<void>
}

export async function startS3(options: { buckets: readonly string[] }): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'packyard-s3-'))
  const port = await findFreePort()
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    configureBuckets: options.buckets.map((name) => ({ name })),
  })
  // Before s3rver's router (the last middleware), after its XML encoding of response bodies.
  server.middleware.splice(server.middleware.length - 1, 0, createMultipartListingMiddleware(directory))
  await server.run()
  const endpoint = `http://127.0.0.1:${String(port)}`
  const env = { AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey, AWS_REGION: REGION, AWS_EC2_METADATA_DISABLED: 'true' }
  const restoreEnv = setProcessEnv(env)
  const client = new S3Client({ endpoint, region: REGION, forcePathStyle: true, credentials: { ...S3_TEST_CREDENTIALS } })
  return {
    endpoint,
    region: REGION,
    env,
    blobsUrl: (bucket, prefix) => `s3://${bucket}${prefix === undefined ? '' : `/${prefix}`}?endpoint=${endpoint}&region=${REGION}&force_path_style=true`,
    client,
    async stop() {
      client.destroy()
      restoreEnv()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

/** A prefix no other test uses, so tests can share one server and bucket. */
export function uniquePrefix(): string {
  return `test-${randomUUID()}`
}

function setProcessEnv(values: Readonly<Record<string, string>>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]))
  Object.assign(process.env, values)
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = value
    }
  }
}
