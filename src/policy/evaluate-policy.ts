/**
 * The decision on a verified token's claims (DESIGN.md 1.3): statements in order, the first whose issuer and
 * every matcher pass wins and grants its scopes. This is the authorization hot path: it runs the policy's
 * compiled program (compile-program.ts) rather than the statement objects, allocates only the result and a few
 * small per-token arrays, and builds no explanation (explainPolicy does that; a property test keeps them agreeing).
 */
import { GENERAL_CHECK } from './compile-program.js'
import { testCompiledCheck } from './compiled-check.js'
import { isScalar, readClaim, testIssuer } from './test-matcher.js'
import type { Decision, Policy, PolicyIndex, PolicyProgram, PolicyStatement } from './types.js'

const NO_SCOPES = Object.freeze([])
const NO_STATEMENTS: readonly number[] = Object.freeze([])
/** Marks a claim slot not read yet (undefined already means "missing from the token"). */
const UNREAD = Symbol('unread')
/** Marks a value id not looked up yet; -1 (GENERAL_CHECK) means the value is in no table and equals no check. */
const UNREAD_ID = -2
const NO_MATCH = -1

/**
 * The token as the program reads it. A claim lookup on a token object costs tens of nanoseconds and a large
 * policy tests the same few claims in every statement, so each claim is read at most once, into `values` (one
 * slot per claim name of the policy), and its id in the claim's value table into `valueIds`. `issuerPasses`
 * holds, per distinct issuer of the policy, whether the token's `iss` is that issuer.
 */
interface TokenClaims {
  readonly claims: Readonly<Record<string, unknown>>
  readonly claimNames: readonly string[]
  readonly values: unknown[]
  readonly valueIds: number[]
  readonly issuerPasses: readonly boolean[]
}

/**
 * Decides on `claims`. Never throws: a refusal is a value.
 * - `accept` / `accepted`: `statement` is the first matching statement, `scopes` its scopes.
 * - `reject` / `policy_missing`: the policy has no statements.
 * - `reject` / `policy_no_match`: no statement matches.
 */
export function evaluatePolicy(policy: Policy, claims: Readonly<Record<string, unknown>>): Decision {
  const { statements, index, program } = policy
  if (statements.length === 0) return freezeDecision('reject', 'policy_missing', null)
  const token = readToken(policy, claims)
  const winner = index === null ? findFirstMatch(program, token) : findFirstIndexedMatch(program, index, token)
  const statement = winner === NO_MATCH ? undefined : statements[winner]
  return statement === undefined ? freezeDecision('reject', 'policy_no_match', null) : freezeDecision('accept', 'accepted', statement)
}

function readToken({ claimNames, program }: Policy, claims: Readonly<Record<string, unknown>>): TokenClaims {
  const iss = readClaim(claims, 'iss')
  const { issuers } = program
  const issuerPasses = new Array<boolean>(issuers.length)
  for (let i = 0; i < issuers.length; i += 1) {
    const issuer = issuers[i]
    issuerPasses[i] = issuer !== undefined && testIssuer(issuer, iss)
  }
  const values = new Array<unknown>(claimNames.length).fill(UNREAD)
  return { claims, claimNames, values, valueIds: new Array<number>(claimNames.length).fill(UNREAD_ID), issuerPasses }
}

/** The index of the first statement that matches, or NO_MATCH. */
function findFirstMatch(program: PolicyProgram, token: TokenClaims): number {
  const count = program.statementIssuers.length
  for (let statement = 0; statement < count; statement += 1) if (testStatement(program, statement, token)) return statement
  return NO_MATCH
}

/**
 * The same first match, testing only the statements that require the token's value of the index claim and
 * those that do not constrain it, merged in statement order so that the first match still wins.
 */
function findFirstIndexedMatch(program: PolicyProgram, index: PolicyIndex, token: TokenClaims): number {
  const value = readClaim(token.claims, index.claim)
  const candidates = (isScalar(value) ? index.byValue.get(value) : undefined) ?? NO_STATEMENTS
  const others = index.unindexed
  let [i, j] = [0, 0]
  while (i < candidates.length || j < others.length) {
    const a = candidates[i] ?? Number.MAX_SAFE_INTEGER
    const b = others[j] ?? Number.MAX_SAFE_INTEGER
    if (a < b) i += 1
    else j += 1
    const statement = Math.min(a, b)
    if (testStatement(program, statement, token)) return statement
  }
  return NO_MATCH
}

/** True when the statement's issuer and every check pass (checks are ordered so that most statements fail fast). */
function testStatement(program: PolicyProgram, statement: number, token: TokenClaims): boolean {
  if (token.issuerPasses[program.statementIssuers[statement] ?? NO_MATCH] !== true) return false
  const { checkStarts, checkSlots, checkValueIds } = program
  const end = checkStarts[statement + 1] ?? 0
  // Indexed loops: this runs for every statement of a large policy, and beats for...of's iterator here.
  for (let i = checkStarts[statement] ?? end; i < end; i += 1) {
    const slot = checkSlots[i] ?? 0
    const valueId = checkValueIds[i] ?? GENERAL_CHECK
    const passed = valueId === GENERAL_CHECK ? testGeneralCheck(program, i, token) : readValueId(program, slot, token) === valueId
    if (!passed) return false
  }
  return true
}

function testGeneralCheck(program: PolicyProgram, checkIndex: number, token: TokenClaims): boolean {
  const check = program.checks[checkIndex]
  return check !== undefined && testCompiledCheck(check, readValue(check.slot, token))
}

/** The id of the token's value of the claim in `slot`, in that claim's value table, or GENERAL_CHECK. */
function readValueId(program: PolicyProgram, slot: number, token: TokenClaims): number {
  let id = token.valueIds[slot] ?? UNREAD_ID
  if (id === UNREAD_ID) {
    const value = readValue(slot, token)
    id = (isScalar(value) ? program.valueTables[slot]?.get(value) : undefined) ?? GENERAL_CHECK
    token.valueIds[slot] = id
  }
  return id
}

function readValue(slot: number, token: TokenClaims): unknown {
  const { values } = token
  let value = values[slot]
  if (value === UNREAD) {
    value = readClaim(token.claims, token.claimNames[slot] ?? '')
    values[slot] = value
  }
  return value
}

function freezeDecision(decision: Decision['decision'], code: Decision['code'], statement: PolicyStatement | null): Decision {
  return Object.freeze({
    decision,
    code,
    statement: statement === null ? null : statement.index,
    scopes: statement === null ? NO_SCOPES : statement.scopes,
  })
}
