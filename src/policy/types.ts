/**
 * The types of the OIDC policy language (DESIGN.md 1.3): what `checkPolicy` builds, what `evaluatePolicy` and
 * `explainPolicy` read, and the minimal view of a trusted issuer the policy layer needs.
 */
import type { CompiledCheck } from './compiled-check.js'
import type { Glob } from './glob.js'

/** The scopes a statement may grant, in the order they are shown. */
export const SCOPES = ['read_packages', 'write_packages', 'delete_packages'] as const
export type Scope = (typeof SCOPES)[number]

/** What a statement without `scopes` grants (Buildkite's v2 default before scopes existed). */
export const DEFAULT_SCOPES: readonly Scope[] = Object.freeze(['read_packages', 'write_packages'])

/** A JSON scalar: the only values a rule compares against. */
export type Scalar = string | number | boolean | null

export const MATCHER_NAMES = ['equals', 'not_equals', 'in', 'not_in', 'matches'] as const
export type MatcherName = (typeof MATCHER_NAMES)[number]

/** JSON types a claim may have (the same union as oidc/trusted-issuer.ts `ClaimType`). */
export type ClaimType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object'

/**
 * The part of a trusted issuer the policy layer reads. `TrustedIssuer` (src/oidc) satisfies it structurally;
 * policy/ may not import oidc/ (DESIGN.md Part 2).
 */
export interface PolicyIssuer {
  /** The exact `iss`, or a pattern with one `*` path segment (CircleCI: `https://oidc.circleci.com/org/*`). */
  readonly issuer: string
  /** Claims of which every statement must pin one with `equals` or `in`; empty when the issuer is the tenant. */
  readonly tenantClaims: readonly string[]
  /** The issuer's documented claims, for the lints; absent for custom issuers. */
  readonly claims?: {
    readonly types: Readonly<Record<string, readonly ClaimType[]>>
    readonly prefixes: Readonly<Record<string, readonly ClaimType[]>>
    readonly immutableAlternatives: Readonly<Record<string, readonly string[]>>
  }
}

/** A 1-based position in the policy text; both null when the policy came as parsed JSON. */
export interface SourcePosition {
  readonly line: number | null
  readonly column: number | null
}

/** One matcher of a claim rule, compiled: globs are compiled and large `in` lists are Sets. */
export type Matcher =
  | { readonly name: 'equals' | 'not_equals'; readonly expected: Scalar; readonly position: SourcePosition }
  | {
      readonly name: 'in' | 'not_in'
      readonly expected: readonly Scalar[]
      /** Present when the list is long enough for a Set to beat a scan. */
      readonly set: ReadonlySet<Scalar> | null
      readonly position: SourcePosition
    }
  | {
      readonly name: 'matches'
      /** As written: one glob or a list of them (shown by explain). */
      readonly expected: string | readonly string[]
      readonly globs: readonly Glob[]
      readonly position: SourcePosition
    }

/** `claim: rule`: every matcher must pass. */
export interface ClaimRule {
  readonly claim: string
  readonly matchers: readonly Matcher[]
  readonly position: SourcePosition
}

/** One matcher with the claim it reads, in the order the evaluator tries them (cheapest and sharpest first). */
export interface Check {
  readonly claim: string
  /** The claim's position in `Policy.claimNames`: evaluation reads each claim of the token at most once. */
  readonly slot: number
  readonly matcher: Matcher
}

export interface PolicyStatement {
  /** Position in the policy, counted from 0 (the explain result's `index`). */
  readonly index: number
  /** The issuer as written: an exact `iss`, or a configured pattern when `issuerIsPattern`. */
  readonly iss: string
  readonly issuerIsPattern: boolean
  readonly scopes: readonly Scope[]
  /** True when the statement had no `scopes` and got DEFAULT_SCOPES. */
  readonly scopesDefaulted: boolean
  /** The claim rules in source order (explain shows them so). */
  readonly rules: readonly ClaimRule[]
  /** The same matchers flattened and reordered for evaluation; the order never changes the outcome (AND). */
  readonly checks: readonly Check[]
  readonly position: SourcePosition
}

/**
 * Statements grouped by the value one claim must equal (or be `in`), so that evaluation reads that claim once
 * and tests only the statements it could match, instead of every statement (see create-policy.ts).
 */
export interface PolicyIndex {
  readonly claim: string
  /** Claim value → indexes of the statements that require it, ascending. */
  readonly byValue: ReadonlyMap<Scalar, readonly number[]>
  /** Indexes of the statements that do not constrain `claim` that way, ascending: always tested. */
  readonly unindexed: readonly number[]
}

/** One distinct issuer of a policy's statements, as `testIssuer` reads it. */
export type ProgramIssuer = Pick<PolicyStatement, 'iss' | 'issuerIsPattern'>

/** The statements flattened for evaluation (see compile-program.ts). */
export interface PolicyProgram {
  /** The distinct issuers of the statements. */
  readonly issuers: readonly ProgramIssuer[]
  /** Statement i's issuer: a position in `issuers`. */
  readonly statementIssuers: readonly number[]
  /** Statement i's checks are `checks[checkStarts[i]]` up to `checks[checkStarts[i + 1]]` (excluded). */
  readonly checkStarts: readonly number[]
  /** Check i's claim slot (as `checks[i].slot`, kept flat for the scan). */
  readonly checkSlots: readonly number[]
  /** Check i's expected value id in `valueTables[checkSlots[i]]`, or GENERAL_CHECK (compile-program.ts). */
  readonly checkValueIds: readonly number[]
  readonly checks: readonly CompiledCheck[]
  /** Per claim slot: each value an `equals` check on that claim expects → its id. */
  readonly valueTables: readonly ReadonlyMap<Scalar, number>[]
}

/** A checked, compiled, frozen policy. Only `checkPolicy` makes one. */
export interface Policy {
  readonly statements: readonly PolicyStatement[]
  /** Present for larger policies whose statements share an exactly-matched claim. */
  readonly index: PolicyIndex | null
  /** Every claim name the checks read, once; a check's `slot` points here. */
  readonly claimNames: readonly string[]
  /** What `evaluatePolicy` runs. */
  readonly program: PolicyProgram
}

/** An error or a warning, located as precisely as the input allows (DESIGN.md 1.3). */
export interface PolicyProblem {
  readonly message: string
  /** Statement index from 0, or null for the document as a whole. */
  readonly statement: number | null
  readonly claim: string | null
  readonly line: number | null
  readonly column: number | null
}

export type DecisionCode = 'accepted' | 'policy_no_match' | 'policy_missing'

/** What `evaluatePolicy` decides. `statement` is the first matching statement's index. */
export interface Decision {
  readonly decision: 'accept' | 'reject'
  readonly code: DecisionCode
  readonly statement: number | null
  readonly scopes: readonly Scope[]
}

/** One matcher as explain shows it (DESIGN.md 1.5). `missing` is present, and true, only for an absent claim. */
export interface ExplainedRule {
  readonly claim: string
  readonly matcher: MatcherName
  readonly expected: unknown
  readonly actual: unknown
  readonly passed: boolean
  readonly missing?: true
}

export interface ExplainedStatement {
  readonly index: number
  readonly iss: string
  readonly matched: boolean
  readonly rules: readonly ExplainedRule[]
}

/** The explain result of DESIGN.md 1.5: the decision plus every statement's rules. */
export interface Explanation extends Decision {
  readonly statements: readonly ExplainedStatement[]
}
