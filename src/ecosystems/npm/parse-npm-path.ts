/**
 * The npm registry API's paths below `{org}/{registry}/npm/`, as the npm client sends them. Scoped names arrive
 * encoded (`@acme%2fx`, npm 11) or not (`@acme/x`); the router has decoded both to `@acme/x` by now.
 */

export type NpmPath =
  | { readonly kind: 'ping' | 'whoami' | 'search' | 'audit' }
  | { readonly kind: 'dist-tags'; readonly name: string; readonly tag: string | null }
  | { readonly kind: 'package'; readonly name: string }
  /** `/<pkg>/-rev/<rev>`: unpublish (PUT of the document without some versions, or DELETE of all). */
  | { readonly kind: 'package-revision'; readonly name: string }
  | { readonly kind: 'tarball'; readonly name: string; readonly file: string }
  /** `/<pkg>/-/<file>/-rev/<rev>`: the tarball removal that ends `npm unpublish <pkg>@<version>`. */
  | { readonly kind: 'tarball-revision'; readonly name: string; readonly file: string }
  | { readonly kind: 'unknown' }

const UNKNOWN: NpmPath = { kind: 'unknown' }

/** Audit endpoints: npm 7+ sends the bulk advisory request, older clients the quick audit. */
const AUDIT_PATHS = new Set(['npm/v1/security/advisories/bulk', 'npm/v1/security/audits/quick', 'npm/v1/security/audits'])

/** `rest`: the decoded path after `npm/`, without a query. */
export function parseNpmPath(rest: string): NpmPath {
  const segments = rest.split('/')
  if (segments.at(-1) === '') segments.pop()
  if (segments[0] === '-') return parseSpecialPath(segments.slice(1))
  const split = splitName(segments)
  if (split === null) return UNKNOWN
  const { name, tail } = split
  const [first, second, third, fourth] = tail
  if (tail.length === 0) return { kind: 'package', name }
  if (tail.length === 2 && first === '-rev' && second !== '') return { kind: 'package-revision', name }
  if (tail.length === 2 && first === '-' && second !== undefined && second !== '') return { kind: 'tarball', name, file: second }
  if (tail.length === 4 && first === '-' && second !== undefined && second !== '' && third === '-rev' && fourth !== '') return { kind: 'tarball-revision', name, file: second }
  return UNKNOWN
}

function parseSpecialPath(segments: readonly string[]): NpmPath {
  const joined = segments.join('/')
  if (joined === 'ping') return { kind: 'ping' }
  if (joined === 'whoami') return { kind: 'whoami' }
  if (joined === 'v1/search') return { kind: 'search' }
  if (AUDIT_PATHS.has(joined)) return { kind: 'audit' }
  if (segments[0] !== 'package') return UNKNOWN
  const split = splitName(segments.slice(1))
  if (split === null) return UNKNOWN
  const [distTags, tag, ...extra] = split.tail
  if (distTags !== 'dist-tags' || extra.length > 0) return UNKNOWN
  return { kind: 'dist-tags', name: split.name, tag: tag === undefined || tag === '' ? null : tag }
}

/** The package name at the start of `segments` (two segments when scoped) and what follows it. */
function splitName(segments: readonly string[]): { name: string; tail: readonly string[] } | null {
  const [first, second] = segments
  if (first === undefined || first === '') return null
  if (!first.startsWith('@')) return { name: first, tail: segments.slice(1) }
  if (second === undefined || second === '') return null
  return { name: `${first}/${second}`, tail: segments.slice(2) }
}
