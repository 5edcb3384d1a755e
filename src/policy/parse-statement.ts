/**
 * Parses one statement (DESIGN.md 1.3): `iss` (a configured issuer), `scopes`, and `claims`, or the seed's flat
 * form where claims sit beside `iss` with exact values.
 */
import { isIssuerPattern, matchesIssuerPattern } from '../lib/issuer-pattern.js'
import { parseFlatRule, parseRule } from './parse-rule.js'
import { createProblem, type ProblemContext, type ProblemSink } from './policy-problem.js'
import { describeNode, type SourceEntry, type SourceNode } from './source-node.js'
import { DEFAULT_SCOPES, SCOPES, type ClaimRule, type PolicyIssuer, type PolicyStatement, type Scope } from './types.js'

/** A statement before createPolicy adds its evaluation order (`checks`). */
export type StatementDraft = Omit<PolicyStatement, 'checks'>

/** A parsed statement with the issuer it names, for the lints. */
export interface ParsedStatement {
  readonly statement: StatementDraft
  readonly issuer: PolicyIssuer
}

/** The statement at `index`, or null after reporting every problem it has. */
export function parseStatement(
  node: SourceNode,
  index: number,
  issuers: readonly PolicyIssuer[],
  sink: ProblemSink,
): ParsedStatement | null {
  const context: ProblemContext = { statement: index, claim: null }
  if (node.kind !== 'map') {
    const message = `a statement is a map with \`iss\`, \`scopes\` and \`claims\`, not ${describeNode(node)}`
    sink.errors.push(createProblem(message, context, node.position))
    return null
  }
  const find = (key: string) => node.entries.find((entry) => entry.key === key)
  const issEntry = find('iss')
  const issuer = issEntry === undefined ? reportMissingIss(node, context, sink) : resolveIssuer(issEntry, issuers, context, sink)
  const scopes = parseScopes(find('scopes'), node, context, sink)
  const rules = parseClaimRules(node, find('claims'), index, sink)
  if (issuer === null || scopes === null || rules === null || issEntry === undefined) return null
  const statement: StatementDraft = Object.freeze({
    index,
    iss: issuer.iss,
    issuerIsPattern: issuer.iss === issuer.issuer.issuer && isIssuerPattern(issuer.iss),
    scopes: scopes.scopes,
    scopesDefaulted: scopes.defaulted,
    rules,
    position: node.position,
  })
  return { statement, issuer: issuer.issuer }
}

function reportMissingIss(node: SourceNode, context: ProblemContext, sink: ProblemSink): null {
  sink.errors.push(createProblem('the statement has no `iss`: name the issuer of the tokens it accepts', context, node.position))
  return null
}

/**
 * A statement names a configured issuer exactly, or a concrete instance of a pattern issuer (CircleCI:
 * `https://oidc.circleci.com/org/<organization id>`), which pins the tenant. Naming the pattern itself is
 * allowed only when the issuer has tenant claims to pin instead; otherwise it would accept every tenant.
 */
function resolveIssuer(
  entry: SourceEntry,
  issuers: readonly PolicyIssuer[],
  context: ProblemContext,
  sink: ProblemSink,
): { iss: string; issuer: PolicyIssuer } | null {
  const { value } = entry
  if (value.kind !== 'scalar' || typeof value.value !== 'string') {
    sink.errors.push(createProblem(`\`iss\` is an issuer URL (a string), not ${describeNode(value)}`, context, value.position))
    return null
  }
  const iss = value.value
  const exact = issuers.find((candidate) => candidate.issuer === iss)
  if (exact !== undefined && isIssuerPattern(iss) && exact.tenantClaims.length === 0) {
    const example = iss.replace('*', '<organization id>')
    const message = `\`iss: ${iss}\` would accept every tenant of this issuer: name yours, e.g. \`${example}\``
    sink.errors.push(createProblem(message, context, value.position))
    return null
  }
  const issuer = exact ?? issuers.find((candidate) => isIssuerPattern(candidate.issuer) && matchesIssuerPattern(candidate.issuer, iss))
  if (issuer === undefined) {
    const configured = issuers.map((candidate) => candidate.issuer).join(', ')
    const message = `\`${iss}\` is not a configured issuer (configured: ${configured === '' ? 'none' : configured})`
    sink.errors.push(createProblem(message, context, value.position))
    return null
  }
  return { iss, issuer }
}

function parseScopes(
  entry: SourceEntry | undefined,
  statement: SourceNode,
  context: ProblemContext,
  sink: ProblemSink,
): { scopes: readonly Scope[]; defaulted: boolean } | null {
  if (entry === undefined) {
    const message = `the statement has no \`scopes\`: it grants ${DEFAULT_SCOPES.join(' and ')}; list the scopes to say so`
    sink.warnings.push(createProblem(message, context, statement.position))
    return { scopes: DEFAULT_SCOPES, defaulted: true }
  }
  const { value } = entry
  if (value.kind !== 'list' || value.items.length === 0) {
    const shown = value.kind === 'list' ? 'an empty list' : describeNode(value)
    sink.errors.push(createProblem(`\`scopes\` is a non-empty list of ${SCOPES.join(', ')}, not ${shown}`, context, value.position))
    return null
  }
  const scopes: Scope[] = []
  for (const item of value.items) {
    const scope = SCOPES.find((candidate) => item.kind === 'scalar' && candidate === item.value)
    if (scope === undefined) {
      sink.errors.push(createProblem(`unknown scope ${describeNode(item)}: use ${SCOPES.join(', ')}`, context, item.position))
    } else if (scopes.includes(scope)) {
      sink.errors.push(createProblem(`the scope ${scope} is listed twice`, context, item.position))
    } else {
      scopes.push(scope)
    }
  }
  return scopes.length === value.items.length ? { scopes: Object.freeze(scopes), defaulted: false } : null
}

/** The claim rules under `claims`, or the flat ones; mixing both forms is refused as ambiguous. */
function parseClaimRules(node: SourceNode & { kind: 'map' }, claims: SourceEntry | undefined, index: number, sink: ProblemSink): readonly ClaimRule[] | null {
  const flat = node.entries.filter((entry) => entry.key !== 'iss' && entry.key !== 'scopes' && entry.key !== 'claims')
  const errorsBefore = sink.errors.length
  let rules: (ClaimRule | null)[]
  if (claims === undefined) {
    rules = flat.map((entry) => parseNamedRule(entry, { statement: index, claim: entry.key }, sink, parseFlatRule))
  } else {
    for (const entry of flat) {
      const message = `unknown statement key \`${entry.key}\`: a statement with \`claims\` has only iss, scopes and claims; move \`${entry.key}\` under \`claims\``
      sink.errors.push(createProblem(message, { statement: index, claim: entry.key }, entry.keyPosition))
    }
    rules = parseClaimsMap(claims, index, sink)
  }
  if (sink.errors.length !== errorsBefore) return null
  return Object.freeze(rules.filter((rule) => rule !== null))
}

function parseClaimsMap(claims: SourceEntry, index: number, sink: ProblemSink): (ClaimRule | null)[] {
  const { value } = claims
  if (value.kind !== 'map') {
    const message = `\`claims\` is a map of claim name to rule, not ${describeNode(value)}`
    sink.errors.push(createProblem(message, { statement: index, claim: null }, value.position))
    return []
  }
  return value.entries.map((entry) => parseNamedRule(entry, { statement: index, claim: entry.key }, sink, parseRule))
}

function parseNamedRule(
  entry: SourceEntry,
  context: ProblemContext,
  sink: ProblemSink,
  parse: (entry: SourceEntry, context: ProblemContext, sink: ProblemSink) => ClaimRule | null,
): ClaimRule | null {
  if (entry.key === '') {
    sink.errors.push(createProblem('a claim name cannot be empty', context, entry.keyPosition))
    return null
  }
  if (entry.key === 'iss') {
    // `iss` is the statement's issuer; a rule on it too would be a second, conflicting place to say so.
    sink.errors.push(createProblem('`iss` cannot be a claim rule: it is the statement\'s issuer', context, entry.keyPosition))
    return null
  }
  return parse(entry, context, sink)
}
