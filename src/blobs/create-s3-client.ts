/**
 * The S3 client for a blob location, and the start-up check that its bucket answers. Credentials come from the
 * standard AWS sources: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in the server's
 * environment, else the SDK's default chain (shared config files, web identity, container and instance roles).
 * No message here ever holds a credential.
 */
import { ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3'
import { AppError } from '../errors.js'
import type { S3BlobLocation } from './parse-blob-location.js'

/** A server that does not accept the connection within 5 s is down or firewalled; waiting longer helps no one. */
const CONNECTION_TIMEOUT_MS = 5_000
/**
 * Sockets per endpoint. A download holds one for as long as its client reads, so the SDK's default of 50 would
 * queue the 51st download behind slow readers. No idle timeout either: a paused download is a live one.
 */
const MAX_SOCKETS = 256
/** What the start-up check lists: a name outside our layout (sha256/, tmp/), so it matches nothing. */
const PROBE_NAME = 'packyard-start-up-check'
/** The start-up check gives up after 15 s (three attempts with back-off fit in it). */
const REACHABILITY_TIMEOUT_MS = 15_000

export function createS3Client(location: S3BlobLocation, env: Readonly<Record<string, string | undefined>>): S3Client {
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  const sessionToken = env.AWS_SESSION_TOKEN
  const fromEnv = accessKeyId !== undefined && accessKeyId !== '' && secretAccessKey !== undefined && secretAccessKey !== ''
  return new S3Client({
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
    ...(fromEnv ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined || sessionToken === '' ? {} : { sessionToken }) } } : {}),
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
    },
  })
}

/**
 * Lists the keys under a name inside the location's prefix that no key of ours has: the bucket exists, the
 * credentials work and the server answers, and the answer is empty however much the bucket holds. A listing
 * rather than HeadBucket, because a policy may grant s3:ListBucket for the prefix only, and garbage collection
 * needs that listing anyway.
 * @throws AppError `config_invalid` saying what failed, without a stack trace or a credential.
 */
export async function checkBucketReachable(client: S3Client, location: S3BlobLocation): Promise<void> {
  try {
    await client.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}${PROBE_NAME}`, MaxKeys: 1 }), {
      abortSignal: AbortSignal.timeout(REACHABILITY_TIMEOUT_MS),
    })
  } catch (error) {
    const where = `bucket "${location.bucket}" at ${location.endpoint ?? `AWS S3 (${location.region})`}`
    throw new AppError('config_invalid', `blobs: cannot use ${where}: ${describeFailure(error)}`, { cause: error })
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode
    if (error.name === 'NoSuchBucket' || status === 404) return 'the bucket does not exist'
    if (status === 301 || error.name === 'PermanentRedirect' || error.name === 'AuthorizationHeaderMalformed') {
      return 'the bucket is in another region; set region= in the URL or AWS_REGION'
    }
    if (status === 403) return `access denied (${error.name}); check the AWS credentials and the bucket policy`
    return `${error.name} (HTTP ${String(status ?? 'no status')})`
  }
  if (error instanceof Error) {
    if (error.name === 'CredentialsProviderError') return 'no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
    if (error.name === 'AbortError' || error.name === 'TimeoutError') return `no answer within ${String(REACHABILITY_TIMEOUT_MS / 1000)} s`
    const code = 'code' in error && typeof error.code === 'string' ? error.code : error.name
    return `the server is not reachable (${code})`
  }
  return 'unknown failure'
}
