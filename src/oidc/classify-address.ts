/**
 * Classifies the IP address a discovery or JWKS fetch would connect to, so that an issuer URL (or a
 * redirect, or a DNS answer) cannot point Packyard at its own network (catalog G8; RFC 8725 §3.10).
 * IPv4-mapped, IPv4-compatible and NAT64 IPv6 forms are classified by the IPv4 address they carry.
 */
import { isIP } from 'node:net'

export type AddressClass =
  | 'public' | 'private' | 'loopback' | 'link_local' | 'shared' | 'unspecified' | 'multicast' | 'reserved' | 'metadata'

/** Which non-public classes a fetch may reach: the issuer's `allowInsecureHttp` / `allowPrivateAddresses`. */
export interface AddressPolicy {
  readonly allowInsecureHttp: boolean
  readonly allowPrivateAddresses: boolean
}

/**
 * Cloud metadata services, never reachable whatever the settings: AWS/GCP/Azure/OpenStack 169.254.169.254,
 * ECS task credentials 169.254.170.2, Alibaba 100.100.100.200, AWS IPv6 fd00:ec2::254.
 */
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200'])
const METADATA_V6 = new Set(['fd00:0ec2:0000:0000:0000:0000:0000:0254'])

/** IPv4 ranges as [first octets as a number, prefix length, class]; the first that contains the address wins. */
const V4_RANGES: readonly (readonly [number, number, AddressClass])[] = [
  [ipv4(0, 0, 0, 0), 8, 'unspecified'],
  [ipv4(10, 0, 0, 0), 8, 'private'],
  [ipv4(100, 64, 0, 0), 10, 'shared'], // CGNAT, RFC 6598
  [ipv4(127, 0, 0, 0), 8, 'loopback'],
  [ipv4(169, 254, 0, 0), 16, 'link_local'],
  [ipv4(172, 16, 0, 0), 12, 'private'],
  [ipv4(192, 0, 0, 0), 24, 'reserved'], // IETF protocol assignments, RFC 6890
  [ipv4(192, 168, 0, 0), 16, 'private'],
  [ipv4(198, 18, 0, 0), 15, 'reserved'], // benchmarking, RFC 2544
  [ipv4(224, 0, 0, 0), 4, 'multicast'],
  [ipv4(240, 0, 0, 0), 4, 'reserved'], // includes 255.255.255.255
]

/** The class of `address` (an IPv4 or IPv6 literal, brackets and zone id allowed); `reserved` when unparsable. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const family = isIP(bare)
  if (family === 4) return classifyIpv4(parseIpv4(bare))
  if (family === 6) return classifyIpv6(parseIpv6(bare))
  return 'reserved'
}

/** True when a fetch under `policy` may connect to an address of class `addressClass`. */
export function isAddressAllowed(addressClass: AddressClass, policy: AddressPolicy): boolean {
  switch (addressClass) {
    case 'public': return true
    // Loopback is how development and tests run an issuer; it goes with the explicit insecure setting.
    case 'loopback': return policy.allowInsecureHttp
    case 'private':
    case 'shared': return policy.allowPrivateAddresses
    // Link-local holds metadata-like services (ECS, Azure wireserver); no issuer legitimately lives there.
    case 'link_local':
    case 'unspecified':
    case 'multicast':
    case 'reserved':
    case 'metadata': return false
  }
}

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

function parseIpv4(text: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number)
  return ipv4(a, b, c, d)
}

function classifyIpv4(value: number): AddressClass {
  const dotted = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.')
  if (METADATA_V4.has(dotted)) return 'metadata'
  for (const [base, prefix, addressClass] of V4_RANGES) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
    if (((value & mask) >>> 0) === base) return addressClass
  }
  return 'public'
}

/** Eight 16-bit groups; `text` has passed `isIP`, so it is well formed. */
function parseIpv6(text: string): number[] {
  let body = text
  const v4Groups: number[] = []
  if (body.includes('.')) {
    const lastColon = body.lastIndexOf(':')
    const value = parseIpv4(body.slice(lastColon + 1))
    v4Groups.push(value >>> 16, value & 0xffff)
    body = body.slice(0, lastColon + 1)
    if (!body.endsWith('::')) body = body.slice(0, -1)
  }
  const toGroups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)))
  const [left = '', right] = body.split('::')
  if (right === undefined) return [...toGroups(left), ...v4Groups]
  const leftGroups = toGroups(left)
  const rightGroups = toGroups(right)
  const zeros = new Array<number>(8 - leftGroups.length - rightGroups.length - v4Groups.length).fill(0)
  return [...leftGroups, ...zeros, ...rightGroups, ...v4Groups]
}

function classifyIpv6(groups: readonly number[]): AddressClass {
  const g = (i: number) => groups[i] ?? 0
  const key = groups.map((group) => group.toString(16).padStart(4, '0')).join(':')
  if (METADATA_V6.has(key)) return 'metadata'
  const upperZero = [0, 1, 2, 3, 4].every((i) => g(i) === 0)
  const embedded = ((g(6) << 16) | g(7)) >>> 0
  if (upperZero && g(5) === 0xffff) return classifyIpv4(embedded) // IPv4-mapped ::ffff:a.b.c.d
  if (g(0) === 0x64 && g(1) === 0xff9b && [2, 3, 4, 5].every((i) => g(i) === 0)) return classifyIpv4(embedded) // NAT64
  if (upperZero && g(5) === 0) {
    if (embedded === 0) return 'unspecified'
    if (embedded === 1) return 'loopback'
    return classifyIpv4(embedded) // IPv4-compatible ::a.b.c.d (deprecated, still routable by some stacks)
  }
  if ((g(0) & 0xfe00) === 0xfc00) return 'private' // unique local fc00::/7
  if ((g(0) & 0xffc0) === 0xfe80) return 'link_local' // fe80::/10
  if ((g(0) & 0xff00) === 0xff00) return 'multicast'
  return 'public'
}
