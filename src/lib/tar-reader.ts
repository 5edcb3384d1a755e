/**
 * A push parser for tar archives (POSIX ustar with pax extended headers, and GNU long names), fed chunk by
 * chunk and never holding more than one header: it reports each entry and hands its content to a sink only
 * when asked. It never touches a filesystem, so entry paths are reported, not trusted.
 *
 * Formats: POSIX.1-2008 `pax` (IEEE Std 1003.1, "pax - portable archive interchange"), which npm's `node-tar`
 * writes; GNU `L`/`K` long-name records; numbers in octal or GNU base-256.
 */
import { AppError } from '../errors.js'

const BLOCK_BYTES = 512
/** pax and GNU long-name records hold a path or a few attributes; a megabyte of them is an attack. */
const MAX_META_RECORD_BYTES = 1024 * 1024

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'

export interface TarEntry {
  /** The path as the archive gives it (pax `path`, GNU long name, or ustar prefix + name). */
  readonly path: string
  readonly type: TarEntryType
  /** Content bytes that follow the header (0 for directories and links). */
  readonly size: number
}

export interface TarParserOptions {
  /** Entries (not counting pax or GNU meta records) past which the archive is refused. */
  readonly maxEntries: number
  /** Longest accepted entry path, in UTF-8 bytes. */
  readonly maxPathBytes: number
  /** Called for each entry; return a function to receive its content in chunks, or undefined to skip it. */
  onEntry(entry: TarEntry): ((chunk: Buffer) => void) | undefined
}

export interface TarParser {
  /** Parses the next bytes of the archive. @throws AppError `request_invalid` */
  write(chunk: Buffer): void
  /** Ends the archive. @throws AppError `request_invalid` when it stops inside a header or an entry */
  end(): void
}

type State =
  | { readonly kind: 'header' }
  | { kind: 'content'; remaining: number; padding: number; sink: ((chunk: Buffer) => void) | undefined; meta: Buffer[] | null; metaType: string }
  | { kind: 'padding'; remaining: number }
  | { readonly kind: 'end' }

interface Overrides {
  path?: string
  size?: number
}

export function createTarParser(options: TarParserOptions): TarParser {
  const header = Buffer.alloc(BLOCK_BYTES)
  let headerFill = 0
  let state: State = { kind: 'header' }
  let zeroBlocks = 0
  let entries = 0
  let pending: Overrides = {}

  const fail = (message: string): never => {
    throw new AppError('request_invalid', `the tarball is not a valid tar archive: ${message}`)
  }

  const finishContent = (finished: Extract<State, { kind: 'content' }>) => {
    if (finished.meta !== null) applyMeta(finished.metaType, Buffer.concat(finished.meta))
    state = finished.padding > 0 ? { kind: 'padding', remaining: finished.padding } : { kind: 'header' }
  }

  const applyMeta = (type: string, content: Buffer) => {
    if (type === 'x') pending = { ...pending, ...readPaxRecords(content, fail) }
    else if (type === 'L') pending = { ...pending, path: content.toString('utf8').replace(/\0.*$/s, '') }
    // 'g' (global pax) and 'K' (GNU long link name) change nothing this reader reports.
  }

  const startEntry = (block: Buffer) => {
    if (!checksumMatches(block)) fail('a header checksum does not match')
    const typeflag = String.fromCharCode(block[156] ?? 0)
    const size = readNumber(block, 124, 12, fail)
    const padding = (BLOCK_BYTES - (size % BLOCK_BYTES)) % BLOCK_BYTES
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META_RECORD_BYTES) fail('an extended header is too large')
      state = { kind: 'content', remaining: size, padding, sink: undefined, meta: [], metaType: typeflag }
      if (size === 0) finishContent(state)
      return
    }
    entries += 1
    if (entries > options.maxEntries) fail(`it holds more than ${String(options.maxEntries)} entries`)
    const path = pending.path ?? readUstarPath(block)
    const entrySize = pending.size ?? size
    pending = {}
    if (Buffer.byteLength(path) > options.maxPathBytes) fail('an entry path is too long')
    const type = entryTypeOf(typeflag)
    const contentSize = type === 'file' || type === 'other' ? entrySize : 0
    const contentPadding = (BLOCK_BYTES - (contentSize % BLOCK_BYTES)) % BLOCK_BYTES
    const sink = options.onEntry(Object.freeze({ path, type, size: contentSize }))
    state = { kind: 'content', remaining: contentSize, padding: contentPadding, sink, meta: null, metaType: '' }
    if (contentSize === 0) finishContent(state)
  }

  const takeHeader = () => {
    headerFill = 0
    if (header.every((byte) => byte === 0)) {
      zeroBlocks += 1
      if (zeroBlocks === 2) state = { kind: 'end' }
      return
    }
    if (zeroBlocks > 0) fail('a lone zero block inside the archive')
    startEntry(header)
  }

  return {
    write(chunk) {
      let offset = 0
      while (offset < chunk.length) {
        const current = state
        if (current.kind === 'end') return // trailing zero records pad the archive to its record size
        if (current.kind === 'header') {
          const take = Math.min(BLOCK_BYTES - headerFill, chunk.length - offset)
          chunk.copy(header, headerFill, offset, offset + take)
          headerFill += take
          offset += take
          if (headerFill === BLOCK_BYTES) takeHeader()
        } else if (current.kind === 'padding') {
          const take = Math.min(current.remaining, chunk.length - offset)
          current.remaining -= take
          offset += take
          if (current.remaining === 0) state = { kind: 'header' }
        } else {
          const take = Math.min(current.remaining, chunk.length - offset)
          const piece = chunk.subarray(offset, offset + take)
          if (current.meta !== null) current.meta.push(Buffer.from(piece))
          else current.sink?.(piece)
          current.remaining -= take
          offset += take
          if (current.remaining === 0) finishContent(current)
        }
      }
    },
    end() {
      if (state.kind === 'end') return
      // Archives that stop at an entry boundary without the two zero blocks are accepted, as GNU tar does.
      if (state.kind !== 'header' || headerFill !== 0) fail('it ends inside an entry')
    },
  }
}

function entryTypeOf(typeflag: string): TarEntryType {
  switch (typeflag) {
    case '0': case '\0': case '7': return 'file'
    case '5': return 'directory'
    case '2': return 'symlink'
    case '1': return 'hardlink'
    default: return 'other'
  }
}

/** ustar splits long paths into `prefix` (155 bytes at 345) and `name` (100 bytes at 0). */
function readUstarPath(block: Buffer): string {
  const name = readString(block, 0, 100)
  const magic = block.toString('latin1', 257, 263)
  const prefix = magic === 'ustar\0' ? readString(block, 345, 155) : ''
  return prefix === '' ? name : `${prefix}/${name}`
}

function readString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length)
  const end = field.indexOf(0)
  return field.toString('utf8', 0, end === -1 ? length : end)
}

/** An octal field (NUL or space terminated), or GNU base-256 when the high bit of the first byte is set. */
function readNumber(block: Buffer, start: number, length: number, fail: (message: string) => never): number {
  const first = block[start] ?? 0
  if ((first & 0x80) !== 0) {
    if ((first & 0x40) !== 0) fail('a negative number')
    let value = first & 0x3f
    for (let i = start + 1; i < start + length; i += 1) value = value * 256 + (block[i] ?? 0)
    if (!Number.isSafeInteger(value)) fail('a number out of range')
    return value
  }
  const text = block.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) fail('a number field is not octal')
  const value = parseInt(text, 8)
  if (!Number.isSafeInteger(value)) fail('a number out of range')
  return value
}

/** The header checksum: the byte sum with the checksum field read as spaces (unsigned, or signed as some tars do). */
function checksumMatches(block: Buffer): boolean {
  const stored = block.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim()
  if (!/^[0-7]{1,8}$/.test(stored)) return false
  const expected = parseInt(stored, 8)
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK_BYTES; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0)
    unsigned += byte
    signed += byte > 127 ? byte - 256 : byte
  }
  return expected === unsigned || expected === signed
}

/** pax records: `LENGTH KEY=VALUE\n`, LENGTH counting the whole record in bytes. Only `path` and `size` matter here. */
function readPaxRecords(content: Buffer, fail: (message: string) => never): { path?: string; size?: number } {
  const found: { path?: string; size?: number } = {}
  let offset = 0
  while (offset < content.length) {
    if (content[offset] === 0) break
    const space = content.indexOf(0x20, offset)
    const length = space === -1 ? NaN : Number(content.toString('latin1', offset, space))
    if (!Number.isSafeInteger(length) || length <= space - offset + 1 || offset + length > content.length) fail('a malformed pax record')
    const record = content.toString('utf8', space + 1, offset + length - 1)
    offset += length
    const equals = record.indexOf('=')
    if (equals <= 0) fail('a malformed pax record')
    const key = record.slice(0, equals)
    const value = record.slice(equals + 1)
    if (key === 'path') found.path = value
    else if (key === 'size') {
      if (!/^\d{1,15}$/.test(value)) fail('a malformed pax size')
      found.size = Number(value)
    }
  }
  return found
}
