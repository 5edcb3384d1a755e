/**
 * Issuer URLs in configuration may hold one `*` standing for exactly one non-empty path segment, as CircleCI's
 * per-organization issuer does (`https://oidc.circleci.com/org/*`). Everything else is compared exactly: no case
 * folding, no trailing-slash tolerance (an `iss` is compared as a string, OIDC Core §3.1.3.7 step 2).
 */

/** True when `pattern` holds the one-segment wildcard. */
export function isIssuerPattern(pattern: string): boolean {
  return pattern.includes('*')
}

/**
 * True when `iss` is exactly `pattern`, or `pattern` has one `*` and `iss` fills it with one non-empty path
 * segment (no `/`, `?`, `#` or `*` inside it).
 */
export function matchesIssuerPattern(pattern: string, iss: string): boolean {
  const star = pattern.indexOf('*')
  if (star === -1) return pattern === iss
  if (pattern.indexOf('*', star + 1) !== -1) return false
  const prefix = pattern.slice(0, star)
  const suffix = pattern.slice(star + 1)
  if (iss.length <= prefix.length + suffix.length) return false
  if (!iss.startsWith(prefix) || !iss.endsWith(suffix)) return false
  const segment = iss.slice(prefix.length, iss.length - suffix.length)
  return !/[/?#*\s]/.test(segment)
}
