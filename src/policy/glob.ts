/**
 * The glob of the `matches` matcher (DESIGN.md 1.3): anchored to the whole value; `*` is any run of characters
 * except `/`; `**` (or any longer run of stars) is any run including `/`; `?` is one character except `/`; `\`
 * escapes the next character; everything else is literal and case-sensitive. Characters are Unicode code points,
 * so `?` matches one emoji, never half of a surrogate pair.
 *
 * Matching simulates the pattern's NFA over the set of live states, so the cost is at most
 * O(length of value × length of pattern) whatever the pattern: no backtracking, and never a RegExp built from
 * policy text (reference/security-catalog.md §2.2: `*a*a*a*a*b` takes over 30 s in regex-based globbers).
 */
import { AppError } from '../errors.js'

/** Token codes below zero; a token ≥ 0 is a literal code point. */
const ANY_ONE = -1
const ANY_IN_SEGMENT = -2
const ANY = -3
const SLASH = 0x2f
/** State sets of up to 31 states fit a small integer bitmask, so matching allocates nothing. */
const MAX_BITMASK_STATES = 31

/** A compiled glob. Opaque: build with `compileGlob`, use with `matchesGlob`. */
export interface Glob {
  readonly source: string
  /** The unescaped text when the pattern has no wildcard: matching is then plain equality. */
  readonly literal: string | null
  /** Literal code points and the wildcard codes above, one per token. */
  readonly tokens: readonly number[]
  /** Indexes of `*` and `**` tokens, ascending: a state there may also skip ahead (empty run). */
  readonly stars: readonly number[]
  /** Bit-parallel tables (when the pattern has fewer than 31 tokens): see `matchWithBitmask`. */
  readonly masks: GlobMasks | null
  /** Present when the pattern is literal text around one run of stars: see `matchOneStarRun`. */
  readonly oneStarRun: OneStarRun | null
}

/**
 * `prefix*suffix` or `prefix**suffix` with literal prefix and suffix (`release/*`, `*.tgz`, `refs/tags/**`): the
 * common shapes, matched with string comparisons instead of the NFA.
 */
interface OneStarRun {
  readonly prefix: string
  readonly suffix: string
  /** True for `**`: the run may hold `/`. */
  readonly crossesSlash: boolean
}

/** Bit i stands for token i. */
interface GlobMasks {
  /** For each ASCII code, the literal tokens equal to it. */
  readonly ascii: readonly number[]
  /** The same for other code points. */
  readonly other: ReadonlyMap<number, number>
  readonly one: number
  readonly star: number
  readonly any: number
}

/** Why `pattern` is not a valid glob, or null when it is. The only invalid form is a trailing lone `\`. */
export function findGlobProblem(pattern: string): string | null {
  let escaped = false
  for (const char of pattern) escaped = !escaped && char === '\\'
  return escaped ? 'the glob ends with a lone `\\`: write `\\\\` for a literal backslash' : null
}

/**
 * Compiles a glob once, at policy check time.
 * @throws AppError `policy_invalid` when `findGlobProblem` reports a problem.
 */
export function compileGlob(pattern: string): Glob {
  const problem = findGlobProblem(pattern)
  if (problem !== null) throw new AppError('policy_invalid', problem)
  const tokens: number[] = []
  let escaped = false
  for (const char of pattern) {
    const code = char.codePointAt(0) ?? 0
    if (escaped) {
      tokens.push(code)
      escaped = false
    } else if (char === '\\') {
      escaped = true
    } else if (char === '*') {
      pushStar(tokens)
    } else {
      tokens.push(char === '?' ? ANY_ONE : code)
    }
  }
  const stars = tokens.flatMap((token, index) => (token === ANY || token === ANY_IN_SEGMENT ? [index] : []))
  const literal = tokens.every((token) => token >= 0) ? String.fromCodePoint(...tokens) : null
  const masks = tokens.length < MAX_BITMASK_STATES ? buildMasks(tokens) : null
  const oneStarRun = findOneStarRun(tokens, stars)
  return Object.freeze({ source: pattern, literal, tokens: Object.freeze(tokens), stars: Object.freeze(stars), masks, oneStarRun })
}

/**
 * The prefix and suffix around the pattern's only star run, or null when the pattern has `?`, no star or
 * several runs. Also null when the prefix ends with a high surrogate or the suffix starts with a low one: the
 * NFA reads a value's surrogate pair as one code point, which such a lone half never equals, while string
 * comparison would match the half (`x\uD83D*` must not match `x😀`).
 */
function findOneStarRun(tokens: readonly number[], stars: readonly number[]): OneStarRun | null {
  const [star] = stars
  if (star === undefined || stars.length > 1 || tokens.includes(ANY_ONE)) return null
  const prefix = String.fromCodePoint(...tokens.slice(0, star))
  const suffix = String.fromCodePoint(...tokens.slice(star + 1))
  if (isSurrogateIn(prefix.charCodeAt(prefix.length - 1), 0xd800) || isSurrogateIn(suffix.charCodeAt(0), 0xdc00)) return null
  return Object.freeze({ prefix, suffix, crossesSlash: tokens[star] === ANY })
}

/** True when `code` is in the 1024 surrogates starting at `first` (0xd800 high, 0xdc00 low). */
function isSurrogateIn(code: number, first: number): boolean {
  return code >= first && code < first + 0x400
}

function buildMasks(tokens: readonly number[]): GlobMasks {
  const ascii = new Array<number>(128).fill(0)
  const other = new Map<number, number>()
  let [one, star, any] = [0, 0, 0]
  tokens.forEach((token, index) => {
    const bit = 1 << index
    if (token === ANY_ONE) one |= bit
    else if (token === ANY_IN_SEGMENT) star |= bit
    else if (token === ANY) [star, any] = [star | bit, any | bit]
    else if (token < 128) ascii[token] = (ascii[token] ?? 0) | bit
    else other.set(token, (other.get(token) ?? 0) | bit)
  })
  return Object.freeze({ ascii: Object.freeze(ascii), other, one, star, any })
}

/** A second consecutive star turns `*` into `**`; further stars change nothing. */
function pushStar(tokens: number[]): void {
  const last = tokens.length - 1
  if (tokens[last] === ANY_IN_SEGMENT || tokens[last] === ANY) tokens[last] = ANY
  else tokens.push(ANY_IN_SEGMENT)
}

/** True when `glob` matches the whole of `value`. Linear in `value` for a given glob. */
export function matchesGlob(glob: Glob, value: string): boolean {
  if (glob.literal !== null) return glob.literal === value
  if (glob.oneStarRun !== null) return matchOneStarRun(glob.oneStarRun, value)
  return glob.masks === null ? matchWithArrays(glob, value) : matchWithBitmask(glob.masks, glob.tokens.length, value)
}

/** The one-star-run shape: prefix and suffix in place without overlapping, and no `/` between them for `*`. */
function matchOneStarRun({ prefix, suffix, crossesSlash }: OneStarRun, value: string): boolean {
  const runEnd = value.length - suffix.length
  if (runEnd < prefix.length || !value.startsWith(prefix) || !value.endsWith(suffix)) return false
  if (crossesSlash) return true
  const slash = value.indexOf('/', prefix.length)
  return slash === -1 || slash >= runEnd
}

/**
 * Bit-parallel NFA simulation (shift-and): bit i of `live` means tokens 0..i-1 have matched. Each character
 * costs a constant number of integer operations. Two star tokens are never adjacent (runs merge into one), so
 * one shift closes a state set over the empty runs of the stars.
 */
function matchWithBitmask(masks: GlobMasks, length: number, value: string): boolean {
  const { ascii, other, one, star, any } = masks
  let live = 1 | ((1 & star) << 1)
  for (let i = 0; i < value.length && live !== 0; i += 1) {
    const code = value.codePointAt(i) ?? 0
    if (code > 0xffff) i += 1 // the low surrogate belongs to this code point
    const literal = code < 128 ? (ascii[code] ?? 0) : (other.get(code) ?? 0)
    const slash = code === SLASH
    const next = ((live & (literal | (slash ? 0 : one))) << 1) | (live & (slash ? any : star))
    live = next | ((next & star) << 1)
  }
  return (live & (1 << length)) !== 0
}

/** The same simulation with byte arrays, for patterns with more tokens than a bitmask holds. */
function matchWithArrays(glob: Glob, value: string): boolean {
  const { tokens, stars } = glob
  let live = new Uint8Array(tokens.length + 1)
  let next = new Uint8Array(tokens.length + 1)
  live[0] = 1
  closeArrayOverStars(stars, live)
  for (let i = 0; i < value.length; i += 1) {
    const code = value.codePointAt(i) ?? 0
    if (code > 0xffff) i += 1
    next.fill(0)
    let any = false
    for (let state = 0; state < tokens.length; state += 1) {
      if (live[state] === 0) continue
      const token = tokens[state] ?? 0
      const stays = token === ANY || (token === ANY_IN_SEGMENT && code !== SLASH)
      const advances = token === code || (token === ANY_ONE && code !== SLASH)
      if (stays) next[state] = 1
      if (advances) next[state + 1] = 1
      any ||= stays || advances
    }
    if (!any) return false
    closeArrayOverStars(stars, next)
    ;[live, next] = [next, live]
  }
  return live[tokens.length] === 1
}

function closeArrayOverStars(stars: readonly number[], live: Uint8Array): void {
  for (const star of stars) if (live[star] === 1) live[star + 1] = 1
}
