/**
 * The one entry point that turns policy input into a `Policy` (DESIGN.md 1.3): read (YAML or JSON text, or an
 * already-parsed JSON array), parse every statement, apply the tenant-pin rule and the lints. Every problem is
 * reported at once, each with its statement index, claim and line:column.
 */
import { createPolicy } from './create-policy.js'
import { MAX_STATEMENTS } from './policy-limits.js'
import { lintStatement } from './lint-statement.js'
import { parseStatement, type ParsedStatement } from './parse-statement.js'
import { createProblem, createProblemSink, DOCUMENT_CONTEXT, type ProblemSink } from './policy-problem.js'
import { readJsonPolicy } from './read-json-policy.js'
import { readYamlPolicy } from './read-yaml-policy.js'
import { describeNode, type SourceNode } from './source-node.js'
import type { Policy, PolicyIssuer, PolicyProblem } from './types.js'

/** The outcome of `checkPolicy`; `policy` is non-null exactly when `valid`. */
export interface PolicyCheck {
  readonly valid: boolean
  readonly errors: readonly PolicyProblem[]
  readonly warnings: readonly PolicyProblem[]
  readonly policy: Policy | null
}

/**
 * Validates, lints and compiles a policy against the configured issuers.
 *
 * `source` is YAML or JSON text (an API body's YAML string, a file), or an already-parsed JSON array (an API
 * body's `oidc_policy` array; problems then have null line and column). An empty policy is valid, with a
 * warning: it refuses every token (`policy_missing`). Never throws for bad input: invalid input is a result
 * with `valid: false` and the errors (HTTP 422 `policy_invalid` at the API).
 */
export function checkPolicy(source: string | readonly unknown[], issuers: readonly PolicyIssuer[]): PolicyCheck {
  const sink = createProblemSink()
  const root = typeof source === 'string' ? readYamlPolicy(source, sink) : readJsonPolicy(source, sink)
  const parsed = root === null ? [] : parseStatements(root, issuers, sink)
  for (const statement of parsed) lintStatement(statement, sink)
  const valid = sink.errors.length === 0
  const policy: Policy | null = valid ? createPolicy(parsed.map((p) => p.statement)) : null
  return Object.freeze({ valid, errors: sortProblems(sink.errors), warnings: sortProblems(sink.warnings), policy })
}

/** Document problems first, then by statement and position: the lints run after parsing, yet read in order. */
function sortProblems(problems: readonly PolicyProblem[]): readonly PolicyProblem[] {
  const rank = (problem: PolicyProblem) => [problem.statement ?? -1, problem.line ?? 0, problem.column ?? 0]
  const sorted = [...problems].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)]
    return (ra[0] ?? 0) - (rb[0] ?? 0) || (ra[1] ?? 0) - (rb[1] ?? 0) || (ra[2] ?? 0) - (rb[2] ?? 0)
  })
  return Object.freeze(sorted)
}

function parseStatements(root: SourceNode, issuers: readonly PolicyIssuer[], sink: ProblemSink): ParsedStatement[] {
  if (root.kind !== 'list') {
    const hint = root.kind === 'map' ? ': start each statement with `- `' : ''
    sink.errors.push(createProblem(`a policy is a list of statements, not ${describeNode(root)}${hint}`, DOCUMENT_CONTEXT, root.position))
    return []
  }
  if (root.items.length > MAX_STATEMENTS) {
    const message = `the policy has ${String(root.items.length)} statements; at most ${String(MAX_STATEMENTS)} are accepted`
    sink.errors.push(createProblem(message, DOCUMENT_CONTEXT, root.position))
    return []
  }
  if (root.items.length === 0) {
    const message = 'the policy has no statements: it refuses every token (policy_missing)'
    sink.warnings.push(createProblem(message, DOCUMENT_CONTEXT, root.position))
  }
  const parsed: ParsedStatement[] = []
  root.items.forEach((node, index) => {
    const statement = parseStatement(node, index, issuers, sink)
    if (statement !== null) parsed.push(statement)
  })
  return parsed
}
