/** Reading the small JSON answers of token endpoints and the registry, within a size cap. */
import { isJsonObject } from '../lib/is-json-object.js'

/**
 * Token answers are a few KiB (Packyard refuses tokens over 16 KiB) and error bodies smaller; the cap keeps
 * a broken or hostile endpoint from filling the CI job's memory.
 */
export const MAX_RESPONSE_BYTES = 256 * 1024

/** The body as text, or undefined when it is larger than `maxBytes` or breaks off. */
export async function readResponseText(response: Response, maxBytes = MAX_RESPONSE_BYTES): Promise<string | undefined> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  try {
    for (;;) {
      const read = await reader.read()
      if (read.done) break
      const chunk: unknown = read.value
      if (!(chunk instanceof Uint8Array) || length + chunk.byteLength > maxBytes) {
        await reader.cancel()
        return undefined
      }
      length += chunk.byteLength
      chunks.push(chunk)
    }
  } catch {
    return undefined
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The JSON object a text holds, or undefined for anything else (not JSON, an array, a string, ...). */
export function parseJsonObject(text: string | undefined): Readonly<Record<string, unknown>> | undefined {
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return isJsonObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** A string member of a JSON object, when it is one and not empty. */
export function stringMember(object: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  const value = object !== undefined && Object.hasOwn(object, name) ? object[name] : undefined
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Why a fetch threw, in a few words: `connect ECONNREFUSED 127.0.0.1:9`, `timed out`, `other side closed`. */
export function describeFetchError(error: unknown): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return 'timed out'
  if (!(error instanceof Error)) return String(error)
  const cause: unknown = error.cause
  if (cause instanceof Error) {
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined
    return code !== undefined && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message
  }
  return error.message
}
