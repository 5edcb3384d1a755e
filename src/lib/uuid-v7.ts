/**
 * UUID version 7 (RFC 9562 §5.7): a 48-bit Unix time in milliseconds, then random bits. Ids made one after
 * another sort by time, so a unique index on them grows at its end; random (v4) ids land all over the index,
 * which made each audit row cost twice as much to insert once the table had grown.
 */
import { randomFillSync } from 'node:crypto'

/** Random bytes drawn in bulk: one `randomFillSync` per 512 ids instead of one per id. */
const POOL_IDS = 512
const RANDOM_BYTES_PER_ID = 10
const pool = Buffer.alloc(POOL_IDS * RANDOM_BYTES_PER_ID)
let poolOffset = pool.length

export function uuidV7(nowMs: number = Date.now()): string {
  if (poolOffset >= pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const bytes = Buffer.alloc(16)
  bytes.writeUIntBE(Math.floor(nowMs) % 2 ** 48, 0, 6)
  pool.copy(bytes, 6, poolOffset, poolOffset + RANDOM_BYTES_PER_ID)
  poolOffset += RANDOM_BYTES_PER_ID
  bytes.writeUInt8(0x70 | (bytes.readUInt8(6) & 0x0f), 6) // version 7
  bytes.writeUInt8(0x80 | (bytes.readUInt8(8) & 0x3f), 8) // variant 10
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
