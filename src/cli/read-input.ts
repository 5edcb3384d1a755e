/** Bounded reads of the files and streams a command is pointed at. */
import { open } from 'node:fs/promises'
import { UsageError } from './command.js'

/** Policies are capped at 64 KiB and claims files are small; a megabyte is room enough for any honest input. */
export const MAX_INPUT_BYTES = 1024 * 1024

/** Reads a text file, refusing one larger than `maxBytes` without reading it all. */
export async function readTextFile(path: string, maxBytes = MAX_INPUT_BYTES): Promise<string> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${describeIoError(error)}`)
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > maxBytes) throw new UsageError(`${path} is larger than ${String(maxBytes)} bytes`)
    }
    return buffer.subarray(0, length).toString('utf8')
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot read ${path}: ${describeIoError(error)}`)
  } finally {
    await handle.close()
  }
}

/** Reads standard input whole, within the same cap. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    length += buffer.length
    if (length > MAX_INPUT_BYTES) throw new UsageError(`standard input is larger than ${String(MAX_INPUT_BYTES)} bytes`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function describeIoError(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code === 'ENOENT' ? 'no such file' : error.code === 'EISDIR' ? 'is a directory' : error.code
  }
  return error instanceof Error ? error.message : String(error)
}
