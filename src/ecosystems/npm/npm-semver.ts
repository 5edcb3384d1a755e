/**
 * Versions as npm's registry accepts them: Semantic Versioning 2.0.0 exactly (no leading `v` or `=`, which the
 * npm client strips before publishing), with precedence for choosing `latest`.
 */

/** Longer versions are refused (semver's own MAX_LENGTH), also bounding the work of every comparison. */
const MAX_VERSION_LENGTH = 256

// semver.org's recommended expression; fixed, linear for the capped input.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

export interface Semver {
  readonly major: number
  readonly minor: number
  readonly patch: number
  readonly prerelease: readonly (string | number)[]
}

/** The parsed version, or null when `text` is not a semantic version npm would publish. */
export function parseSemver(text: string): Semver | null {
  if (text.length > MAX_VERSION_LENGTH) return null
  const match = SEMVER.exec(text)
  if (match === null) return null
  const [, major = '', minor = '', patch = '', pre] = match
  const numbers = [Number(major), Number(minor), Number(patch)] as const
  if (!numbers.every((n) => Number.isSafeInteger(n))) return null
  const prerelease = pre === undefined ? [] : pre.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id))
  return { major: numbers[0], minor: numbers[1], patch: numbers[2], prerelease }
}

export function isValidSemver(text: string): boolean {
  return parseSemver(text) !== null
}

/** Precedence (semver.org §11): negative when `a` comes first. Build metadata is ignored. */
export function compareSemver(a: Semver, b: Semver): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch
  if (core !== 0) return Math.sign(core)
  // A release outranks its own pre-releases: 1.0.0 > 1.0.0-rc.1.
  if (a.prerelease.length === 0 && b.prerelease.length === 0) return 0
  if (a.prerelease.length === 0) return 1
  if (b.prerelease.length === 0) return -1
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i += 1) {
    const x = a.prerelease[i]
    const y = b.prerelease[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (x === y) continue
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y)
    if (typeof x === 'number') return -1
    if (typeof y === 'number') return 1
    return x < y ? -1 : 1
  }
  return 0
}

/**
 * The version `latest` falls back to when no live version carries the tag: the highest release, else the
 * highest pre-release. Unparseable versions are skipped.
 */
export function pickFallbackLatest(versions: readonly string[]): string | undefined {
  let best: { text: string; parsed: Semver } | undefined
  for (const text of versions) {
    const parsed = parseSemver(text)
    if (parsed === null) continue
    if (best === undefined) { best = { text, parsed }; continue }
    const release = parsed.prerelease.length === 0
    const bestRelease = best.parsed.prerelease.length === 0
    if ((release && !bestRelease) || (release === bestRelease && compareSemver(parsed, best.parsed) > 0)) best = { text, parsed }
  }
  return best?.text
}
