/**
 * Blob names are lowercase hex sha256 digests and nothing else: checked before a digest becomes a file path or
 * an object key, so a caller's text can never name a place outside the store.
 */
import { AppError } from '../errors.js'

const SHA256_HEX = /^[0-9a-f]{64}$/

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value)
}

/** @throws AppError `request_invalid` when `value` is not a sha256 digest in lowercase hex. */
export function requireSha256Hex(value: string): string {
  if (!isSha256Hex(value)) throw new AppError('request_invalid', 'not a sha256 digest')
  return value
}
