/**
 * Reads npm's publish document (`PUT /<pkg>`, JSON with the tarball base64-encoded in `_attachments.<file>.data`)
 * as it streams in. The attachment is decoded on the fly and handed to a sink, so a 2 GiB tarball never sits in
 * memory, not even once (security catalog R10); everything else is kept, capped, and parsed at the end with the
 * data strings left empty.
 *
 * The scanner follows the JSON structure only as far as it needs to find those strings; `JSON.parse` of the
 * remainder then checks the syntax of everything else, and the base64 is checked here as it passes.
 */
import { AppError } from '../../errors.js'

/** Objects and arrays nested deeper than this are refused: npm's documents are a few levels deep. */
const MAX_DEPTH = 64
/** Keys longer than this are kept in the document but never match `_attachments` or `data`. */
const MAX_TRACKED_KEY_BYTES = 4096

const QUOTE = 0x22
const BACKSLASH = 0x5c

export interface AttachmentSink {
  /** Decoded bytes of the attachment, in order. @throws to refuse the upload */
  write(chunk: Buffer): void
  end(): void
}

export interface PublishBodyScannerOptions {
  /** Bytes of the document, attachments excluded, past which it is refused (`payload_too_large`). */
  readonly maxDocumentBytes: number
  /** Called when the `data` string of `_attachments[name]` starts. @throws to refuse the attachment */
  onAttachment(name: string): AttachmentSink
}

export interface PublishBodyScanner {
  /** @throws AppError `request_invalid`, `payload_too_large`, or what a sink throws */
  write(chunk: Buffer): void
  /** The parsed document, each attachment's `data` replaced by `""`. @throws AppError `request_invalid` */
  end(): unknown
}

interface Frame {
  readonly kind: 'object' | 'array'
  /** For objects: the key whose value is being read, null before it (or when too long to track). */
  key: string | null
  awaitingKey: boolean
}

export function createPublishBodyScanner(options: PublishBodyScannerOptions): PublishBodyScanner {
  const stack: Frame[] = []
  const kept: Buffer[] = []
  let keptBytes = 0
  let inString = false
  let stringIsKey = false
  let escaped = false
  let keyBytes: number[] | null = null
  let data: { sink: AttachmentSink; decoder: Base64Decoder; escaped: boolean } | null = null

  const keep = (piece: Buffer) => {
    keptBytes += piece.length
    if (keptBytes > options.maxDocumentBytes) {
      throw new AppError('payload_too_large', `the package document (without its tarball) is larger than ${String(options.maxDocumentBytes)} bytes`)
    }
    kept.push(Buffer.from(piece))
  }

  const attachmentName = (): string | null => {
    const [root, attachments, attachment] = stack
    if (stack.length !== 3 || root?.kind !== 'object' || attachments?.kind !== 'object' || attachment?.kind !== 'object') return null
    if (root.key !== '_attachments' || attachment.key !== 'data' || attachment.awaitingKey) return null
    return attachments.key
  }

  /** Scans one byte outside an attachment; true when an attachment's data starts after it. */
  const scanByte = (byte: number): boolean => {
    if (inString) {
      if (escaped) escaped = false
      else if (byte === BACKSLASH) escaped = true
      else if (byte === QUOTE) {
        inString = false
        if (stringIsKey) finishKey()
        return false
      }
      if (stringIsKey && keyBytes !== null) {
        if (keyBytes.length < MAX_TRACKED_KEY_BYTES) keyBytes.push(byte)
        else keyBytes = null
      }
      return false
    }
    const top = stack.at(-1)
    switch (byte) {
      case 0x7b: // {
      case 0x5b: // [
        if (stack.length >= MAX_DEPTH) throw new AppError('request_invalid', 'the package document is nested too deeply')
        stack.push({ kind: byte === 0x7b ? 'object' : 'array', key: null, awaitingKey: byte === 0x7b })
        return false
      case 0x7d: // }
      case 0x5d: // ]
        stack.pop()
        return false
      case 0x2c: // ,
        if (top?.kind === 'object') {
          top.awaitingKey = true
          top.key = null
        }
        return false
      case QUOTE:
        inString = true
        stringIsKey = top?.kind === 'object' && top.awaitingKey
        keyBytes = stringIsKey ? [] : null
        if (!stringIsKey && attachmentName() !== null) {
          inString = false
          return true
        }
        return false
      default:
        return false
    }
  }

  const finishKey = () => {
    const top = stack.at(-1)
    if (top === undefined) return
    top.awaitingKey = false
    top.key = keyBytes === null ? null : decodeKey(Buffer.from(keyBytes))
    keyBytes = null
  }

  /** Consumes attachment data from `chunk` at `start`; returns where the closing quote is, or the chunk's end. */
  const scanData = (chunk: Buffer, start: number, current: NonNullable<typeof data>): number => {
    let i = start
    while (i < chunk.length) {
      if (current.escaped) {
        current.escaped = false
        const byte = chunk[i]
        // Base64 needs no escapes; allow `\/` and the line breaks of wrapped base64, nothing else.
        if (byte === 0x2f) current.sink.write(current.decoder.push('/'))
        else if (byte !== 0x6e && byte !== 0x72) throw new AppError('request_invalid', 'the attachment data is not base64')
        i += 1
        continue
      }
      const quote = chunk.indexOf(QUOTE, i)
      const slash = chunk.indexOf(BACKSLASH, i)
      const stop = Math.min(quote === -1 ? chunk.length : quote, slash === -1 ? chunk.length : slash)
      if (stop > i) current.sink.write(current.decoder.push(chunk.toString('latin1', i, stop)))
      if (stop === chunk.length) return stop
      if (chunk[stop] === QUOTE) return stop
      current.escaped = true
      i = stop + 1
    }
    return i
  }

  return {
    write(chunk) {
      let segmentStart = 0
      let i = 0
      while (i < chunk.length) {
        if (data !== null) {
          const stop = scanData(chunk, i, data)
          if (stop === chunk.length) return
          data.sink.write(data.decoder.finish())
          data.sink.end()
          data = null
          segmentStart = stop // the closing quote is kept: the document gets `""`
          i = stop + 1
          continue
        }
        if (scanByte(chunk[i] ?? 0)) {
          keep(chunk.subarray(segmentStart, i + 1))
          const name = attachmentName() ?? ''
          data = { sink: options.onAttachment(name), decoder: createBase64Decoder(), escaped: false }
          i += 1
          segmentStart = i
          continue
        }
        i += 1
      }
      if (data === null) keep(chunk.subarray(segmentStart))
    },
    end() {
      if (data !== null) throw new AppError('request_invalid', 'the package document ends inside an attachment')
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(kept, keptBytes).toString('utf8'))
        return parsed
      } catch {
        throw new AppError('request_invalid', 'the package document is not valid JSON')
      }
    },
  }
}

function decodeKey(raw: Buffer): string | null {
  try {
    const value: unknown = JSON.parse(`"${raw.toString('utf8')}"`)
    return typeof value === 'string' ? value : null
  } catch {
    return null
  }
}

interface Base64Decoder {
  /** Decodes the complete quartets of what has arrived; keeps the rest. */
  push(text: string): Buffer
  /** @throws AppError `request_invalid` when the data is not whole, padded base64 */
  finish(): Buffer
}

/** Strict standard base64 (RFC 4648 §4): the alphabet, `=` only as the last one or two characters. */
function createBase64Decoder(): Base64Decoder {
  let carry = ''
  let padding = 0
  const invalid = () => new AppError('request_invalid', 'the attachment data is not valid base64')
  return {
    push(text) {
      if (/[^A-Za-z0-9+/=]/.test(text)) throw invalid()
      const pad = text.indexOf('=')
      if (padding > 0 && pad !== 0 && text.length > 0) throw invalid()
      if (pad !== -1) {
        if (!/^=*$/.test(text.slice(pad))) throw invalid()
        padding += text.length - pad
        if (padding > 2) throw invalid()
      }
      const combined = carry + text
      const whole = combined.length - (combined.length % 4)
      carry = combined.slice(whole)
      return whole === 0 ? Buffer.alloc(0) : Buffer.from(combined.slice(0, whole), 'base64')
    },
    finish() {
      if (carry !== '') throw invalid()
      return Buffer.alloc(0)
    },
  }
}
