/**
 * The arguments of `packyard admin migrate-store`, checked before anything is opened: where the source
 * database and blobs are, and where they go. Every mistake is a UsageError (exit 2) saying what to write.
 */
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseBlobLocation } from '../blobs/parse-blob-location.js'
import { isAppError } from '../errors.js'
import { parsePostgresUrl } from '../store/open-postgres-store.js'
import { UsageError } from './command.js'

export interface MigrateStoreArguments {
  readonly from: string | undefined
  readonly to: string | undefined
  readonly fromBlobs: string | undefined
  readonly toBlobs: string | undefined
  /** The data directory `--from sqlite` and `--from-blobs file` mean, as for `packyard serve`. */
  readonly dataDir: string
}

export interface MigrateStoreTargets {
  /** The source SQLite file, absolute. */
  readonly sourcePath: string
  readonly destinationUrl: string
  /** Blob stores in the configuration's form (`file:/abs/dir`, `s3://...`); both null when blobs stay put. */
  readonly sourceBlobs: string | null
  readonly destinationBlobs: string | null
}

/** The embedded layout (DESIGN.md 1.2): {data_dir}/packyard.db and {data_dir}/blobs. */
const DATABASE_FILE = 'packyard.db'
const BLOB_DIRECTORY = 'blobs'

export function parseMigrateStoreTargets(input: MigrateStoreArguments): MigrateStoreTargets {
  const sourcePath = readSource(input.from, input.dataDir)
  const destinationUrl = readDestination(input.to)
  if (input.toBlobs === undefined) {
    if (input.fromBlobs !== undefined) throw new UsageError('--from-blobs needs --to-blobs: without it the blobs are not copied')
    return { sourcePath, destinationUrl, sourceBlobs: null, destinationBlobs: null }
  }
  const destinationBlobs = readBlobTarget(input.toBlobs, '--to-blobs', null)
  // The source's blobs sit beside its database unless said otherwise.
  const sourceBlobs = readBlobTarget(input.fromBlobs ?? 'file', '--from-blobs', join(dirname(sourcePath), BLOB_DIRECTORY))
  if (sourceBlobs.startsWith('file:')) requireBlobDirectory(sourceBlobs.slice('file:'.length), input.fromBlobs === undefined)
  if (sourceBlobs === destinationBlobs) throw new UsageError('--to-blobs names the source blob store; leave --to-blobs out to keep the blobs where they are')
  return { sourcePath, destinationUrl, sourceBlobs, destinationBlobs }
}

function readSource(from: string | undefined, dataDir: string): string {
  if (from === undefined || from === '') throw new UsageError('--from is required: sqlite:PATH (the database file or its data directory), or sqlite for {data-dir}/packyard.db')
  if (from !== 'sqlite' && !from.startsWith('sqlite:')) {
    throw new UsageError(`--from must be sqlite or sqlite:PATH, got ${JSON.stringify(from)}: migrate-store moves an embedded (SQLite) registry`)
  }
  const named = from === 'sqlite' ? dataDir : from.slice('sqlite:'.length)
  if (named === '') throw new UsageError('--from sqlite: names no path')
  const path = isDirectory(named) ? join(named, DATABASE_FILE) : named
  if (!existsSync(path)) throw new UsageError(`--from: ${path} does not exist`)
  return resolve(path)
}

function readDestination(to: string | undefined): string {
  if (to === undefined || to === '') throw new UsageError('--to is required: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, an empty database')
  try {
    parsePostgresUrl(to)
  } catch (error) {
    if (isAppError(error)) throw new UsageError(`--to: ${error.message.replace(/^database: /, '')}`)
    throw error
  }
  return to
}

/**
 * `file` (only where a default directory exists), `file:DIR`, a bare DIR, or `s3://...`, in the configuration's
 * form; directories become absolute, so that two spellings of one directory compare equal.
 */
function readBlobTarget(value: string, flag: string, defaultDirectory: string | null): string {
  if (value.startsWith('s3://')) {
    try {
      // Checked whole here, before anything is opened; credentials come from the environment when it is opened.
      parseBlobLocation(value, { dataDir: '.', env: {} })
    } catch (error) {
      if (isAppError(error)) throw new UsageError(`${flag}: ${error.message}`)
      throw error
    }
    return value
  }
  if (value === 'file') {
    if (defaultDirectory === null) throw new UsageError(`${flag} file names no directory; write ${flag} file:DIR`)
    return `file:${resolve(defaultDirectory)}`
  }
  const directory = value.startsWith('file:') ? value.slice('file:'.length) : value
  if (directory === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(directory)) throw new UsageError(`${flag} must be file:DIR, DIR or s3://BUCKET?..., got ${JSON.stringify(value)}`)
  return `file:${resolve(directory)}`
}

/** A source blob directory must exist: opening a wrong path would create an empty store and report every blob missing. */
function requireBlobDirectory(directory: string, defaulted: boolean): void {
  if (isDirectory(join(directory, 'sha256'))) return
  const hint = defaulted ? ' (the default beside the source database); name the right one with --from-blobs file:DIR' : ''
  throw new UsageError(`${directory} is not a Packyard blob directory: it has no sha256/ folder${hint}`)
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
