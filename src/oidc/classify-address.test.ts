import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { classifyAddress, isAddressAllowed, type AddressClass } from './classify-address.js'

const STRICT = { allowInsecureHttp: false, allowPrivateAddresses: false }
const EVERYTHING = { allowInsecureHttp: true, allowPrivateAddresses: true }

describe('classifyAddress', () => {
  const cases: readonly (readonly [string, AddressClass])[] = [
    ['8.8.8.8', 'public'], ['140.82.112.3', 'public'], ['2606:4700::1111', 'public'], ['172.32.0.1', 'public'],
    ['10.0.0.5', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['fc00::1', 'private'], ['fd12:3456::1', 'private'],
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'], ['[::1]', 'loopback'],
    ['169.254.1.1', 'link_local'], ['fe80::1', 'link_local'], ['fe80::1%eth0', 'link_local'],
    ['100.64.0.1', 'shared'], ['100.127.255.254', 'shared'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['255.255.255.255', 'reserved'], ['240.0.0.1', 'reserved'],
    ['169.254.169.254', 'metadata'], ['169.254.170.2', 'metadata'], ['100.100.100.200', 'metadata'], ['fd00:ec2::254', 'metadata'],
    ['not-an-address', 'reserved'],
  ]
  for (const [address, expected] of cases) {
    it(`classifies ${address} as ${expected}`, () => {
      assert.equal(classifyAddress(address), expected)
    })
  }

  const mapped: readonly (readonly [string, AddressClass])[] = [
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'], ['::ffff:a9fe:a9fe', 'metadata'], ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'], ['64:ff9b::169.254.169.254', 'metadata'], ['64:ff9b::a00:1', 'private'],
  ]
  for (const [address, expected] of mapped) {
    it(`classifies the IPv6 form ${address} by the IPv4 address it carries (${expected})`, () => {
      assert.equal(classifyAddress(address), expected)
    })
  }
})

describe('isAddressAllowed', () => {
  it('allows public addresses under the strictest settings', () => {
    assert.equal(isAddressAllowed('public', STRICT), true)
  })

  it('refuses loopback unless allowInsecureHttp, and private or shared ranges unless allowPrivateAddresses', () => {
    assert.equal(isAddressAllowed('loopback', STRICT), false)
    assert.equal(isAddressAllowed('loopback', { ...STRICT, allowInsecureHttp: true }), true)
    assert.equal(isAddressAllowed('loopback', { ...STRICT, allowPrivateAddresses: true }), false)
    for (const addressClass of ['private', 'shared'] as const) {
      assert.equal(isAddressAllowed(addressClass, STRICT), false)
      assert.equal(isAddressAllowed(addressClass, { ...STRICT, allowPrivateAddresses: true }), true)
    }
  })

  it('never allows metadata, link-local, unspecified, multicast or reserved addresses', () => {
    for (const addressClass of ['metadata', 'link_local', 'unspecified', 'multicast', 'reserved'] as const) {
      assert.equal(isAddressAllowed(addressClass, EVERYTHING), false)
    }
  })
})
