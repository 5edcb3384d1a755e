/**
 * RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2), for RS256, RS384 and RS512, by the method the RFC gives:
 * open the signature with the raw public-key operation (RSAVP1), encode the message's digest as
 * EMSA-PKCS1-v1_5 would, and compare the two blocks whole. Nothing of the opened block is parsed, so the
 * forgeries that lenient DigestInfo parsers let through (Bleichenbacher 2006, BERserk) have nothing to work on.
 *
 * Why not `crypto.verify`, which computes the same in OpenSSL: on Node 20 every call allocates a native job
 * object that only the garbage collector frees, in a weak-handle pass of its own. With a fresh token on every
 * request that pass took about 0.5 ms of every young-generation collection, ~3 µs a request
 * (docs/verification.md). `publicDecrypt` and `hash` are plain calls that leave nothing behind.
 */
import { constants, hash, publicDecrypt, type KeyObject } from 'node:crypto'

/** The DER `DigestInfo` prefix of each digest, up to its OCTET STRING's length (RFC 8017 §9.2, note 1). */
const DIGEST_INFO_PREFIXES = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
} as const

export type Pkcs1Digest = keyof typeof DIGEST_INFO_PREFIXES

const DIGEST_BYTES: Readonly<Record<Pkcs1Digest, number>> = { sha256: 32, sha384: 48, sha512: 64 }

/** The length of EMSA-PKCS1-v1_5's fixed bytes: 0x00 0x01, at least eight 0xff, 0x00 (RFC 8017 §9.2 step 3). */
const MIN_PADDING_BYTES = 11

/**
 * True when `signature` is a valid RSASSA-PKCS1-v1_5 signature with `digest` of `message` under `key`, whose
 * modulus is `modulusBytes` long. @throws when OpenSSL refuses the signature as a number (not below the
 * modulus); the caller treats any throw as an invalid signature.
 */
export function verifyRsaPkcs1(digest: Pkcs1Digest, key: KeyObject, modulusBytes: number, message: Uint8Array, signature: Uint8Array): boolean {
  // Step 1: exactly k octets. OpenSSL would take a shorter one as a number with leading zeros left off.
  if (signature.length !== modulusBytes) return false
  const head = encodedHeadOf(digest, modulusBytes)
  if (head === null) return false
  // Step 2: RSAVP1, s^e mod n, as k octets; OpenSSL refuses s ≥ n.
  const opened = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature)
  if (opened.length !== modulusBytes) return false
  // Steps 3 and 4, the encoding compared in two parts so that nothing is allocated but the digest. Not in
  // constant time: the signature, the message and the key are all public.
  const hashed = hash(digest, message, 'buffer')
  return opened.compare(head, 0, head.length, 0, head.length) === 0 && opened.compare(hashed, 0, hashed.length, head.length) === 0
}

/** EMSA-PKCS1-v1_5 blocks of one digest and length share all but the digest: that part, built once each. */
const encodedHeads = new Map<string, Buffer>()
/** Digests × the modulus sizes issuers use; a key of an odd size past this bound only costs an encoding. */
const MAX_ENCODED_HEADS = 32

/** 0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ DigestInfo prefix: EM up to the digest, `length` − digest bytes; null when too short. */
function encodedHeadOf(digest: Pkcs1Digest, length: number): Buffer | null {
  const id = `${digest}:${String(length)}`
  const known = encodedHeads.get(id)
  if (known !== undefined) return known
  const encoded = encodeEmsaPkcs1(digest, Buffer.alloc(0), length)
  if (encoded === null) return null
  const head = encoded.subarray(0, length - DIGEST_BYTES[digest])
  if (encodedHeads.size < MAX_ENCODED_HEADS) encodedHeads.set(id, head)
  return head
}

/** EM = 0x00 ‖ 0x01 ‖ 0xff… ‖ 0x00 ‖ DigestInfo(digest of `message`), `length` bytes; null when that is too short. */
export function encodeEmsaPkcs1(digest: Pkcs1Digest, message: Uint8Array, length: number): Buffer | null {
  const prefix = DIGEST_INFO_PREFIXES[digest]
  const hashed = hash(digest, message, 'buffer')
  const digestInfoLength = prefix.length + hashed.length
  if (length < digestInfoLength + MIN_PADDING_BYTES) return null
  const encoded = Buffer.alloc(length, 0xff)
  encoded[0] = 0x00
  encoded[1] = 0x01
  encoded[length - digestInfoLength - 1] = 0x00
  prefix.copy(encoded, length - digestInfoLength)
  hashed.copy(encoded, length - hashed.length)
  return encoded
}
