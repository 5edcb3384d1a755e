/**
 * Assembles checked statements into a frozen Policy ready for the hot path: each statement's matchers in
 * evaluation order, a slot per claim name so a token's claim is read once per evaluation, and an index. Large
 * policies usually hold one statement per pipeline or repository of one tenant: indexing on the claim that
 * tells them apart lets evaluation test a handful of statements instead of all of them.
 */
import { compileProgram } from './compile-program.js'
import type { StatementDraft } from './parse-statement.js'
import type { Check, Matcher, Policy, PolicyIndex, PolicyStatement, Scalar } from './types.js'

/** Below this many statements a plain scan is as fast as the index lookup. */
const MIN_INDEXED_STATEMENTS = 8

/** The frozen policy of `drafts`, whose `index` fields must be their positions. */
export function createPolicy(drafts: readonly StatementDraft[]): Policy {
  const claimNames = [...new Set(drafts.flatMap((draft) => draft.rules.map((rule) => rule.claim)))]
  const slots = new Map(claimNames.map((name, slot) => [name, slot]))
  const spreads = countExpectedValues(drafts)
  const statements = drafts.map((draft) => Object.freeze({ ...draft, checks: orderChecks(draft, slots, spreads) }))
  const index = statements.length >= MIN_INDEXED_STATEMENTS ? buildIndex(statements, claimNames) : null
  const program = compileProgram(statements, claimNames)
  return Object.freeze({ statements: Object.freeze(statements), index, claimNames: Object.freeze(claimNames), program })
}

/**
 * Exact tests first (`equals`, and `matches` with wildcard-free globs, which is equality too): they are cheap
 * and reject most statements of a large policy at the first check. The order never changes the outcome (AND).
 */
function rankMatcher(matcher: Matcher): number {
  if (matcher.name === 'matches') return matcher.globs.every((glob) => glob.literal !== null) ? 0 : 4
  return { equals: 0, in: 1, not_equals: 2, not_in: 3 }[matcher.name]
}

/**
 * Checks by rank, and within a rank the claims whose exact tests expect the most distinct values across the
 * policy first: a tenant pin expects the same value in every statement and rejects none of them, while the
 * pipeline or repository that tells statements apart rejects all but a few, so a scan tests one check per
 * statement instead of three.
 */
function orderChecks(draft: StatementDraft, slots: ReadonlyMap<string, number>, spreads: ReadonlyMap<string, number>): readonly Check[] {
  const checks = draft.rules.flatMap((rule) =>
    rule.matchers.map((matcher) => Object.freeze({ claim: rule.claim, slot: slots.get(rule.claim) ?? 0, matcher })),
  )
  const spreadOf = (check: Check) => spreads.get(check.claim) ?? 0
  checks.sort((a, b) => rankMatcher(a.matcher) - rankMatcher(b.matcher) || spreadOf(b) - spreadOf(a))
  return Object.freeze(checks)
}

/** Per claim, how many distinct values its exact tests expect across all statements. */
function countExpectedValues(drafts: readonly StatementDraft[]): ReadonlyMap<string, number> {
  const values = new Map<string, Set<unknown>>()
  for (const { claim, matchers } of drafts.flatMap((draft) => draft.rules)) {
    const seen = values.get(claim) ?? new Set()
    for (const matcher of matchers) for (const value of listExactValues(matcher)) seen.add(value)
    values.set(claim, seen)
  }
  return new Map([...values].map(([claim, seen]) => [claim, seen.size]))
}

/** The values an exact test (`equals`, or `matches` with wildcard-free globs) expects; none for other matchers. */
function listExactValues(matcher: Matcher): readonly unknown[] {
  if (matcher.name === 'equals') return [matcher.expected]
  return matcher.name === 'matches' && rankMatcher(matcher) === 0 ? matcher.globs.map((glob) => glob.literal) : []
}

/** The values `statement` requires of `claim` through `equals` or `in`, or null when it requires none. */
function findRequiredValues(statement: PolicyStatement, claim: string): readonly Scalar[] | null {
  for (const { claim: name, matcher } of statement.checks) {
    if (name !== claim) continue
    if (matcher.name === 'equals') return [matcher.expected]
    if (matcher.name === 'in') return matcher.expected
  }
  return null
}

/**
 * Indexes on the claim that leaves the fewest statements to test in the worst case (largest group plus the
 * unindexed ones); null when no claim at least halves the scan.
 */
function buildIndex(statements: readonly PolicyStatement[], claimNames: readonly string[]): PolicyIndex | null {
  let best: PolicyIndex | null = null
  let bestCost = statements.length / 2
  for (const claim of claimNames) {
    const candidate = indexOn(statements, claim)
    const largestGroup = Math.max(0, ...[...candidate.byValue.values()].map((group) => group.length))
    const cost = largestGroup + candidate.unindexed.length
    if (cost <= bestCost) [best, bestCost] = [candidate, cost]
  }
  return best
}

function indexOn(statements: readonly PolicyStatement[], claim: string): PolicyIndex {
  const byValue = new Map<Scalar, number[]>()
  const unindexed: number[] = []
  for (const statement of statements) {
    const values = findRequiredValues(statement, claim)
    if (values === null) {
      unindexed.push(statement.index)
      continue
    }
    for (const value of new Set(values)) {
      const group = byValue.get(value)
      if (group === undefined) byValue.set(value, [statement.index])
      else group.push(statement.index)
    }
  }
  for (const group of byValue.values()) Object.freeze(group)
  return Object.freeze({ claim, byValue, unindexed: Object.freeze(unindexed) })
}
