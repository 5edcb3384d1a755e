import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { constants, generateKeyPairSync, hash, privateEncrypt, sign, verify, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { encodeEmsaPkcs1, verifyRsaPkcs1, type Pkcs1Digest } from './verify-rsa-pkcs1.js'

interface RsaPair {
  readonly publicKey: KeyObject
  readonly privateKey: KeyObject
  readonly bytes: number
}

function rsaPair(bits: number): RsaPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits })
  return { publicKey, privateKey, bytes: bits / 8 }
}

const KEY_2048 = rsaPair(2048)
const KEY_3072 = rsaPair(3072)
const OTHER_2048 = rsaPair(2048)
const DIGESTS: readonly Pkcs1Digest[] = ['sha256', 'sha384', 'sha512']

/** The signature whose opened block is exactly `block`: raw RSA with the private key, as a forger would need. */
function signBlock(pair: RsaPair, block: Buffer): Buffer {
  return privateEncrypt({ key: pair.privateKey, padding: constants.RSA_NO_PADDING }, block)
}

function ours(digest: Pkcs1Digest, pair: RsaPair, message: Buffer, signature: Buffer): boolean {
  try {
    return verifyRsaPkcs1(digest, pair.publicKey, pair.bytes, message, signature)
  } catch {
    return false
  }
}

function openssl(digest: Pkcs1Digest, pair: RsaPair, message: Buffer, signature: Buffer): boolean {
  return verify(digest, message, pair.publicKey, signature)
}

describe('verifyRsaPkcs1', () => {
  it('agrees with crypto.verify on valid signatures and on every single-bit change of signature or message', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        fc.constantFrom(...DIGESTS),
        fc.constantFrom(KEY_2048, KEY_3072),
        fc.nat(),
        fc.boolean(),
        (bytes, digest, pair, position, inSignature) => {
          const message = Buffer.from(bytes)
          const signature = sign(digest, message, pair.privateKey)
          assert.equal(ours(digest, pair, message, signature), true)
          const target = inSignature || message.length === 0 ? Buffer.from(signature) : Buffer.from(message)
          const bit = position % (target.length * 8)
          target[bit >> 3]! ^= 1 << (bit & 7)
          const [tamperedMessage, tamperedSignature] = inSignature || message.length === 0 ? [message, target] : [target, signature]
          assert.equal(ours(digest, pair, tamperedMessage, tamperedSignature), openssl(digest, pair, tamperedMessage, tamperedSignature))
          assert.equal(ours(digest, pair, tamperedMessage, tamperedSignature), false)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('refuses a signature made with another digest or another key', () => {
    const message = Buffer.from('header.payload')
    const signature = sign('sha256', message, KEY_2048.privateKey)
    assert.equal(ours('sha384', KEY_2048, message, signature), false)
    assert.equal(ours('sha256', OTHER_2048, message, signature), false)
  })

  it('refuses a signature of the wrong length, even one that only lacks a leading zero byte', () => {
    const message = Buffer.from('m')
    const block = encodeEmsaPkcs1('sha256', message, KEY_2048.bytes)
    assert.ok(block !== null)
    const signature = signBlock(KEY_2048, block)
    assert.equal(ours('sha256', KEY_2048, message, signature), true)
    assert.equal(ours('sha256', KEY_2048, message, signature.subarray(1)), false)
    assert.equal(ours('sha256', KEY_2048, message, Buffer.concat([Buffer.alloc(1), signature])), false)
    assert.equal(ours('sha256', KEY_2048, message, Buffer.alloc(0)), false)
  })

  it('does not take a number at or above the modulus as a signature', () => {
    assert.throws(() => verifyRsaPkcs1('sha256', KEY_2048.publicKey, KEY_2048.bytes, Buffer.from('m'), Buffer.alloc(KEY_2048.bytes, 0xff)))
  })

  it('refuses blocks a lenient parser would accept: other block types, short padding, no NULL, trailing bytes', () => {
    const message = Buffer.from('header.payload')
    const digest = hash('sha256', message, 'buffer')
    const valid = encodeEmsaPkcs1('sha256', message, KEY_2048.bytes)
    assert.ok(valid !== null)
    const k = KEY_2048.bytes
    const withByte = (offset: number, value: number) => {
      const block = Buffer.from(valid)
      block[offset] = value
      return block
    }
    const digestInfoWithoutNull = Buffer.concat([Buffer.from('302f300b0609608648016503040201', 'hex'), Buffer.from('0420', 'hex'), digest])
    const garbageAfterDigest = Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(8, 0xff), Buffer.from([0x00]),
      Buffer.from('3031300d060960864801650304020105000420', 'hex'), digest])
    const forgeries: Record<string, Buffer> = {
      'block type 2': withByte(1, 0x02),
      'a non-0xff padding byte': withByte(5, 0xfe),
      'no zero separator': withByte(k - 51 - 1, 0xff),
      'DigestInfo without NULL parameters': Buffer.concat([Buffer.from([0x00, 0x01]), Buffer.alloc(k - 3 - digestInfoWithoutNull.length, 0xff), Buffer.from([0x00]), digestInfoWithoutNull]),
      'eight bytes of padding and garbage after the digest': Buffer.concat([garbageAfterDigest, Buffer.alloc(k - garbageAfterDigest.length, 0x41)]),
      'the digest of another message': encodeEmsaPkcs1('sha256', Buffer.from('other'), k) ?? Buffer.alloc(0),
      'a SHA-384 DigestInfo': encodeEmsaPkcs1('sha384', message, k) ?? Buffer.alloc(0),
    }
    for (const [name, block] of Object.entries(forgeries)) {
      assert.equal(block.length, k, name)
      const signature = signBlock(KEY_2048, block)
      assert.equal(ours('sha256', KEY_2048, message, signature), false, name)
    }
    assert.equal(ours('sha256', KEY_2048, message, signBlock(KEY_2048, valid)), true)
  })

  it('encodes as RFC 8017 §9.2 says, and refuses a modulus too short for the digest', () => {
    const block = encodeEmsaPkcs1('sha512', Buffer.from('m'), 256)
    assert.ok(block !== null)
    assert.deepEqual([...block.subarray(0, 2)], [0x00, 0x01])
    assert.equal(block.indexOf(0x00, 2), 256 - 83 - 1)
    assert.equal(block.subarray(2, 256 - 84).every((byte) => byte === 0xff), true)
    assert.equal(encodeEmsaPkcs1('sha512', Buffer.from('m'), 93), null)
    assert.notEqual(encodeEmsaPkcs1('sha512', Buffer.from('m'), 94), null)
  })
})
