/**
 * The `blobs` setting (DESIGN.md 1.2) read into where blobs live: `file` ({data_dir}/blobs), `file:PATH`, or
 * `s3://bucket[/prefix]?endpoint=URL&region=R&force_path_style=true|false`.
 *
 * The URL is checked whole before anything connects: an unknown parameter, a second copy of one, credentials
 * in the URL or a malformed endpoint is `config_invalid`, never a guess. Messages name the parameter, not its
 * value, since a misplaced secret must not reach a log. Credentials come only from the standard AWS sources.
 */
import { join } from 'node:path'
import { AppError } from '../errors.js'

export interface FileBlobLocation {
  readonly kind: 'file'
  readonly root: string
}

export interface S3BlobLocation {
  readonly kind: 's3'
  readonly bucket: string
  /** Prepended to every key: '' or segments ending in '/' (`s3://bucket/packyard/prod` → `packyard/prod/`). */
  readonly prefix: string
  readonly region: string
  /** An S3-compatible server (`http(s)://host[:port]`); undefined for AWS itself. */
  readonly endpoint: string | undefined
  readonly forcePathStyle: boolean
}

export type BlobLocation = FileBlobLocation | S3BlobLocation

/** The region when neither the URL nor AWS_REGION names one, as the AWS CLI assumes. */
export const DEFAULT_S3_REGION = 'us-east-1'

const S3_PARAMETERS = ['endpoint', 'region', 'force_path_style'] as const
/** S3's bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
/** Prefix segments are plain names, so a key never holds `..`, an empty segment or characters to escape. */
const PREFIX_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/
const REGION = /^[a-z0-9-]{1,64}$/

/**
 * @param value the `blobs` setting
 * @param context `dataDir` for `file`; `env` for AWS_REGION
 * @throws AppError `config_invalid` naming what is wrong
 */
export function parseBlobLocation(value: string, context: { dataDir: string; env: Readonly<Record<string, string | undefined>> }): BlobLocation {
  if (value === 'file') return { kind: 'file', root: join(context.dataDir, 'blobs') }
  if (value.startsWith('file:') && value.length > 'file:'.length) return { kind: 'file', root: value.slice('file:'.length) }
  if (value.startsWith('s3://')) return parseS3Location(value, context.env)
  throw invalid('must be file, file:PATH or s3://bucket?...')
}

function parseS3Location(value: string, env: Readonly<Record<string, string | undefined>>): S3BlobLocation {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalid('is not a valid s3:// URL')
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid('must not hold credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or another AWS credential source)')
  }
  if (url.port !== '' || url.hash !== '') throw invalid('s3:// takes a bucket, an optional /prefix and ?parameters only')
  if (!BUCKET_NAME.test(url.hostname)) throw invalid('needs a bucket name: 3-63 lowercase letters, digits, dots or hyphens (s3://bucket)')
  const parameters = readParameters(url.searchParams)
  const region = parameters.get('region') ?? nonEmpty(env.AWS_REGION) ?? DEFAULT_S3_REGION
  if (!REGION.test(region)) throw invalid('region must be an AWS region name such as us-east-1')
  return Object.freeze({
    kind: 's3',
    bucket: url.hostname,
    // From the text as written: URL parsing would quietly resolve `..` and decode `%2e`.
    prefix: parsePrefix(rawPathOf(value, url.hostname)),
    region,
    endpoint: parseEndpoint(parameters.get('endpoint')),
    forcePathStyle: parseBoolean(parameters.get('force_path_style')),
  })
}

function readParameters(search: URLSearchParams): Map<string, string> {
  const parameters = new Map<string, string>()
  for (const [name, value] of search) {
    if (!S3_PARAMETERS.some((known) => known === name)) {
      throw invalid(`has an unknown parameter ${JSON.stringify(name)}; known: ${S3_PARAMETERS.join(', ')}`)
    }
    if (parameters.has(name)) throw invalid(`names the parameter ${name} twice`)
    parameters.set(name, value)
  }
  return parameters
}

/** The path between the bucket and the query; the URL has no credentials or port here, so the bucket follows `s3://`. */
function rawPathOf(value: string, bucket: string): string {
  return (value.slice('s3://'.length).split(/[?#]/, 1)[0] ?? '').slice(bucket.length)
}

function parsePrefix(pathname: string): string {
  const trimmed = pathname.replace(/^\/|\/$/g, '')
  if (trimmed === '') return ''
  const segments = trimmed.split('/')
  if (!segments.every((segment) => PREFIX_SEGMENT.test(segment))) {
    throw invalid('prefix segments may hold only letters, digits, ".", "_" and "-" (s3://bucket/a/b)')
  }
  return `${segments.join('/')}/`
}

function parseEndpoint(text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  let endpoint: URL
  try {
    endpoint = new URL(text)
  } catch {
    throw invalid('endpoint must be a URL such as https://s3.example.com or http://127.0.0.1:9000')
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') throw invalid('endpoint must be an http:// or https:// URL')
  if (endpoint.username !== '' || endpoint.password !== '') throw invalid('endpoint must not hold credentials')
  if (endpoint.pathname !== '/' || endpoint.search !== '' || endpoint.hash !== '') {
    throw invalid('endpoint must be scheme://host[:port], without a path, query or fragment')
  }
  return endpoint.origin
}

function parseBoolean(text: string | undefined): boolean {
  if (text === undefined || text === 'false') return false
  if (text === 'true') return true
  throw invalid('force_path_style must be true or false')
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text
}

function invalid(problem: string): AppError {
  return new AppError('config_invalid', `blobs: the location ${problem}`)
}
