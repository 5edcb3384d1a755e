/** Builds the located problems every check reports (DESIGN.md 1.3: statement index, claim, line:column). */
import type { PolicyProblem, SourcePosition } from './types.js'

/** Where a problem is: the statement (from 0) and claim it concerns, when known. */
export interface ProblemContext {
  readonly statement: number | null
  readonly claim: string | null
}

export const DOCUMENT_CONTEXT: ProblemContext = Object.freeze({ statement: null, claim: null })

/** A frozen problem at `position` in `context`. */
export function createProblem(message: string, context: ProblemContext, position: SourcePosition): PolicyProblem {
  return Object.freeze({
    message,
    statement: context.statement,
    claim: context.claim,
    line: position.line,
    column: position.column,
  })
}

/** Errors and warnings collected in source order. */
export interface ProblemSink {
  readonly errors: PolicyProblem[]
  readonly warnings: PolicyProblem[]
}

export function createProblemSink(): ProblemSink {
  return { errors: [], warnings: [] }
}

/**
 * The context of the value under `key` at `depth` (1 = a statement's keys): a statement key other than `iss`,
 * `scopes` and `claims` is a flat-form claim; a key under `claims` is a claim.
 */
export function contextBelow(context: ProblemContext, depth: number, key: string): ProblemContext {
  if (context.statement === null) return context
  if (depth === 1 && key !== 'iss' && key !== 'scopes' && key !== 'claims') return { ...context, claim: key }
  if (depth === 2 && context.claim === null) return { ...context, claim: key }
  return context
}
