/**
 * Reads an npm package tarball as it streams past (gzip, then tar), keeping only `package/package.json` and a
 * few facts: the file count, the unpacked size, whether it builds native code or ships a shrinkwrap. Gzip
 * bombs are stopped as soon as the output passes a cap or an implausible ratio (security catalog R8); paths
 * that could escape a folder are refused (R9); a second root `package.json` is refused, so the manifest read
 * here is the one npm will install (R3, manifest confusion).
 */
import { createGunzip, type Gunzip } from 'node:zlib'
import { AppError } from '../../errors.js'
import { isJsonObject } from '../../lib/is-json-object.js'
import { createTarParser, type TarEntry } from '../../lib/tar-reader.js'

/** Unpacked bytes past which a tarball is refused: ten times npm's largest common packages. */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
/** Output/input ratio past which (once 16 MiB are out) the gzip stream is taken for a bomb; text packs at ~10. */
export const MAX_COMPRESSION_RATIO = 200
const RATIO_CHECK_AFTER_BYTES = 16 * 1024 * 1024
/** Files in one package; the largest packages on npm hold a few tens of thousands. */
export const MAX_TARBALL_ENTRIES = 100_000
/** Longest entry path, in bytes (Linux PATH_MAX). */
const MAX_ENTRY_PATH_BYTES = 4096
/** package.json files are kilobytes; a few megabytes covers every real one. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

export interface NpmTarballFacts {
  /** The parsed `package/package.json`. */
  readonly manifest: Readonly<Record<string, unknown>>
  readonly fileCount: number
  readonly unpackedSize: number
  /** `package/binding.gyp` exists: npm runs `node-gyp rebuild` at install even without an install script. */
  readonly hasBindingGyp: boolean
  readonly hasShrinkwrap: boolean
}

export interface TarballInspector {
  /** Feeds compressed bytes; resolves when the inspector can take more. @throws AppError `request_invalid` */
  write(chunk: Buffer): Promise<void>
  /** Ends the input and returns the facts. @throws AppError `request_invalid`, `payload_too_large` */
  finish(): Promise<NpmTarballFacts>
  /** Stops early (the upload failed elsewhere). */
  abort(): void
}

export function createTarballInspector(): TarballInspector {
  const gunzip: Gunzip = createGunzip()
  // Set from stream callbacks; an object, so that reads after an await see the callbacks' writes.
  const state: { failure: Error | null; manifest: Buffer[] | null } = { failure: null, manifest: null }
  let compressedBytes = 0
  let unpackedBytes = 0
  let fileCount = 0
  let unpackedSize = 0
  let hasBindingGyp = false
  let hasShrinkwrap = false
  let manifestBytes = 0
  let manifestCount = 0

  const stop = (error: unknown) => {
    state.failure ??= error instanceof Error ? error : new AppError('request_invalid', 'the tarball could not be read')
    gunzip.destroy()
  }
  const check = () => {
    if (state.failure !== null) throw state.failure
  }
  const tar = createTarParser({
    maxEntries: MAX_TARBALL_ENTRIES,
    maxPathBytes: MAX_ENTRY_PATH_BYTES,
    onEntry(entry) {
      const path = normalizeEntryPath(entry)
      if (entry.type === 'file') {
        fileCount += 1
        unpackedSize += entry.size
      }
      if (path.rest === 'binding.gyp' && entry.type === 'file') hasBindingGyp = true
      if (path.rest === 'npm-shrinkwrap.json' && entry.type === 'file') hasShrinkwrap = true
      if (path.rest !== 'package.json') return undefined
      manifestCount += 1
      if (manifestCount > 1) invalid('the tarball holds more than one package.json at its root')
      if (path.root !== 'package' || entry.type !== 'file') invalid('the package.json must be a file at package/package.json')
      if (entry.size > MAX_MANIFEST_BYTES) invalid('package/package.json is too large')
      const chunks: Buffer[] = []
      state.manifest = chunks
      return (chunk) => {
        manifestBytes += chunk.length
        chunks.push(Buffer.from(chunk))
      }
    },
  })
  gunzip.on('data', (chunk: Buffer) => {
    unpackedBytes += chunk.length
    try {
      if (unpackedBytes > MAX_UNPACKED_BYTES) throw new AppError('payload_too_large', 'the tarball unpacks to more than the size limit')
      if (unpackedBytes > RATIO_CHECK_AFTER_BYTES && unpackedBytes > compressedBytes * MAX_COMPRESSION_RATIO) {
        throw new AppError('request_invalid', 'the tarball expands implausibly (a gzip bomb?)')
      }
      tar.write(chunk)
    } catch (error) {
      stop(error)
    }
  })
  const ended = new Promise<void>((resolve) => {
    gunzip.once('end', resolve)
    gunzip.once('close', resolve)
    gunzip.once('error', (error) => {
      stop(new AppError('request_invalid', `the tarball is not valid gzip: ${error.message}`))
      resolve()
    })
  })

  return {
    async write(chunk) {
      check()
      if (compressedBytes === 0 && chunk.length > 0 && chunk[0] !== 0x1f) stop(new AppError('request_invalid', 'the tarball is not gzip-compressed'))
      compressedBytes += chunk.length
      check()
      if (!gunzip.write(chunk)) await new Promise<void>((resolve) => { gunzip.once('drain', resolve); gunzip.once('close', resolve) })
      check()
    },
    async finish() {
      if (state.failure === null) gunzip.end()
      await ended
      check()
      tar.end()
      if (state.manifest === null) invalid('the tarball has no package/package.json')
      return Object.freeze({ manifest: parseManifest(Buffer.concat(state.manifest, manifestBytes)), fileCount, unpackedSize, hasBindingGyp, hasShrinkwrap })
    },
    abort() {
      stop(new AppError('request_invalid', 'the upload was aborted'))
    },
  }
}

function invalid(message: string): never {
  throw new AppError('request_invalid', message)
}

/**
 * The entry's path split into its root folder and the rest, as npm extracts it (`strip: 1`); `..` segments,
 * absolute paths, drive letters and backslashes are refused, whether or not an extractor would neutralize them.
 */
function normalizeEntryPath(entry: TarEntry): { root: string; rest: string } {
  const path = entry.path
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || path.includes('\0')) invalid(`the tarball holds an unsafe path: ${path.slice(0, 100)}`)
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.')
  if (segments.includes('..')) invalid(`the tarball holds an unsafe path: ${path.slice(0, 100)}`)
  const [root = '', ...rest] = segments
  return { root, rest: rest.join('/') }
}

function parseManifest(bytes: Buffer): Readonly<Record<string, unknown>> {
  let parsed: unknown
  try {
    // package.json may start with a byte-order mark; JSON.parse does not accept one.
    parsed = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''))
  } catch {
    invalid('package/package.json is not valid JSON')
  }
  if (!isJsonObject(parsed)) invalid('package/package.json is not a JSON object')
  return parsed
}
