/**
 * The checks that need the issuer (DESIGN.md 1.3): the tenant-pin rule (an error) and the lints (warnings):
 * a rule that can never pass, `matches` on a claim known to be non-string, a claim the issuer does not emit,
 * and a mutable name pinned without its immutable id. Every lint is sound: it only fires when no token of the
 * issuer could ever behave otherwise.
 */
import { matchesGlob } from './glob.js'
import type { ParsedStatement, StatementDraft } from './parse-statement.js'
import { createProblem, type ProblemContext, type ProblemSink } from './policy-problem.js'
import { typeOfScalar } from './source-node.js'
import { suggestClaimName } from './suggest-claim-name.js'
import type { ClaimRule, ClaimType, Matcher, PolicyIssuer, Scalar } from './types.js'

/** Adds the tenant-pin error and the warnings of one parsed statement to `sink`. */
export function lintStatement({ statement, issuer }: ParsedStatement, sink: ProblemSink): void {
  checkTenantPin(statement, issuer, sink)
  for (const rule of statement.rules) {
    const context: ProblemContext = { statement: statement.index, claim: rule.claim }
    const warn = (message: string) => sink.warnings.push(createProblem(message, context, rule.position))
    const types = findClaimTypes(issuer, rule.claim)
    if (issuer.claims !== undefined && types === null) warn(describeUnknownClaim(issuer, rule.claim))
    const never = findNeverPassReason(rule, types)
    if (never !== null) warn(`the rule on \`${rule.claim}\` can never pass: ${never}`)
    const mutable = findMissingImmutable(statement, issuer, rule.claim)
    if (mutable !== null) warn(mutable)
  }
}

/**
 * Every tenant of a shared issuer (any Buildkite organization, any GitHub repository) can mint tokens with its
 * `iss`, so a statement that does not pin the tenant accepts strangers (reference/security-catalog.md F1).
 */
function checkTenantPin(statement: StatementDraft, issuer: PolicyIssuer, sink: ProblemSink): void {
  const tenants = issuer.tenantClaims
  if (tenants.length === 0) return
  const pinned = statement.rules.some(
    (rule) => tenants.includes(rule.claim) && rule.matchers.some((matcher) => matcher.name === 'equals' || matcher.name === 'in'),
  )
  if (pinned) return
  const message = `the statement does not pin a tenant: every tenant of ${issuer.issuer} can mint tokens it accepts; add \`equals\` or \`in\` on one of ${tenants.join(', ')}`
  sink.errors.push(createProblem(message, { statement: statement.index, claim: null }, statement.position))
}

/** The JSON types the issuer emits for `claim`, or null when it is not known to emit it (or has no catalog). */
function findClaimTypes(issuer: PolicyIssuer, claim: string): readonly ClaimType[] | null {
  const catalog = issuer.claims
  if (catalog === undefined) return null
  // Object.hasOwn: a claim named `__proto__` or `constructor` must not find Object.prototype's members.
  if (Object.hasOwn(catalog.types, claim)) return catalog.types[claim] ?? null
  const prefix = Object.keys(catalog.prefixes).find((candidate) => claim.startsWith(candidate))
  return prefix === undefined ? null : (catalog.prefixes[prefix] ?? null)
}

function describeUnknownClaim(issuer: PolicyIssuer, claim: string): string {
  const known = Object.keys(issuer.claims?.types ?? {})
  const suggestion = suggestClaimName(claim, known)
  const hint = suggestion === null ? '' : `; did you mean \`${suggestion}\`?`
  return `${issuer.issuer} tokens are not known to have the claim \`${claim}\`, and a missing claim fails every matcher${hint}`
}

/** Why no value can pass every matcher of `rule`, or null when some value can. */
function findNeverPassReason(rule: ClaimRule, types: readonly ClaimType[] | null): string | null {
  const candidates = collectCandidates(rule.matchers)
  if (candidates !== null && !candidates.some((value) => passesNegatives(rule.matchers, value))) {
    return 'no value satisfies all of its matchers'
  }
  if (types === null) return null
  const emitted = (value: Scalar) => types.includes(typeOfScalar(value))
  if (!types.some((type) => type !== 'array' && type !== 'object')) {
    return `it is ${describeTypes(types)} in these tokens, and every matcher fails on arrays and objects`
  }
  if (candidates !== null && !candidates.some(emitted)) {
    return `it is ${describeTypes(types)} in these tokens, never ${describeTypes([...new Set(candidates.map(typeOfScalar))])}; comparison is type-strict`
  }
  if (rule.matchers.some((matcher) => matcher.name === 'matches') && !types.includes('string')) {
    return `\`matches\` needs a string, and it is ${describeTypes(types)} in these tokens`
  }
  return null
}

/** `a number`, `a string or null`, `an array`. */
function describeTypes(types: readonly ClaimType[]): string {
  return types.map((type) => (type === 'null' ? 'null' : `${type === 'array' || type === 'object' ? 'an' : 'a'} ${type}`)).join(' or ')
}

/** The only values `equals` and `in` leave possible, or null when they leave any value possible. */
function collectCandidates(matchers: readonly Matcher[]): Scalar[] | null {
  let candidates: Scalar[] | null = null
  for (const matcher of matchers) {
    let allowed: readonly Scalar[]
    if (matcher.name === 'equals') allowed = [matcher.expected]
    else if (matcher.name === 'in') allowed = matcher.expected
    else continue
    candidates = candidates === null ? [...allowed] : candidates.filter((value) => allowed.includes(value))
  }
  return candidates
}

/** True when `value` passes every `not_equals`, `not_in` and `matches` of the rule. */
function passesNegatives(matchers: readonly Matcher[], value: Scalar): boolean {
  return matchers.every((matcher) => {
    switch (matcher.name) {
      case 'equals':
      case 'in':
        return true
      case 'not_equals':
        return value !== null && value !== matcher.expected
      case 'not_in':
        return value !== null && !matcher.expected.includes(value)
      case 'matches':
        return typeof value === 'string' && matcher.globs.some((glob) => matchesGlob(glob, value))
    }
  })
}

/**
 * A name such as `organization_slug` can be renamed, or deleted and registered again by someone else; the id
 * beside it cannot (reference/security-catalog.md F2). Pinning the name alone is allowed but warned about.
 */
function findMissingImmutable(statement: StatementDraft, issuer: PolicyIssuer, claim: string): string | null {
  const alternatives = issuer.claims?.immutableAlternatives
  if (alternatives === undefined || !Object.hasOwn(alternatives, claim)) return null
  const ids = alternatives[claim] ?? []
  if (ids.length === 0 || statement.rules.some((rule) => ids.includes(rule.claim))) return null
  const names = ids.map((id) => `\`${id}\``).join(' or ')
  return `\`${claim}\` is a name that can be renamed or re-registered by someone else; pin ${names} as well, which never changes`
}
