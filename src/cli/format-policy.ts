/** Short, readable text for policy problems and explain results: one line a finding. */

export interface ProblemLike {
  readonly message: string
  readonly statement: number | null
  readonly claim: string | null
  readonly line: number | null
  readonly column: number | null
}

export interface ExplainedRule {
  readonly claim: string
  readonly matcher: string
  readonly expected: unknown
  readonly actual: unknown
  readonly passed: boolean
  readonly missing?: boolean
}

/** The explain result of DESIGN.md 1.5, plus whether a token's signature was checked. */
export interface ExplainOutput {
  readonly decision: 'accept' | 'reject'
  readonly code: string
  readonly message?: string
  readonly statement: number | null
  readonly scopes: readonly string[]
  readonly statements: readonly {
    readonly index: number
    readonly iss: string
    readonly matched: boolean
    readonly rules: readonly ExplainedRule[]
  }[]
  readonly verified: boolean
}

/** `FILE:LINE:COL: error: statement 0, claim x: message`, leaving out what is unknown. */
export function formatProblem(file: string, severity: 'error' | 'warning', problem: ProblemLike): string {
  const position = problem.line === null ? '' : `${String(problem.line)}:${String(problem.column ?? 1)}:`
  const where = [
    problem.statement === null ? null : `statement ${String(problem.statement)}`,
    problem.claim === null ? null : `claim ${problem.claim}`,
  ].filter((part) => part !== null)
  return `${file}:${position} ${severity}: ${where.length > 0 ? `${where.join(', ')}: ` : ''}${problem.message}`
}

/** The decision on one line, then every statement with each rule that failed, expected and actual together. */
export function formatExplanation(output: ExplainOutput): string {
  const lines: string[] = []
  if (output.decision === 'accept') {
    const matched = output.statements.find((s) => s.index === output.statement)
    lines.push(`accept: statement ${String(output.statement)} (${matched?.iss ?? '?'}) grants ${output.scopes.join(', ')}`)
  } else {
    lines.push(`reject (${output.code}): ${output.message ?? describeRejection(output)}`)
  }
  for (const statement of output.statements) {
    const head = `  statement ${String(statement.index)} (${statement.iss}):`
    if (statement.matched) {
      lines.push(`${head} matched`)
      continue
    }
    const failed = statement.rules.filter((rule) => !rule.passed)
    for (const rule of failed) lines.push(`${head} ${formatRule(rule)}`)
  }
  return `${lines.join('\n')}\n`
}

function formatRule(rule: ExplainedRule): string {
  const actual = rule.missing === true ? 'missing' : `actual ${JSON.stringify(rule.actual)}`
  return `${rule.claim} ${rule.matcher} ${JSON.stringify(rule.expected)}, ${actual}`
}

function describeRejection(output: ExplainOutput): string {
  return output.code === 'policy_missing' ? 'the policy has no statements' : 'no statement matches'
}
