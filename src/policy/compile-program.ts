/**
 * The flat form of a policy that `evaluatePolicy` runs. Every statement's compiled checks sit, in evaluation
 * order, in one array, with each statement's range in `checkStarts`; each statement's issuer is a number into a
 * table of the policy's distinct issuers, tested once per token, so a statement of another issuer is skipped
 * with one array read.
 *
 * `equals` checks, the ones that reject most statements of a large policy, become integer comparisons: each
 * claim has a table giving every value its `equals` checks expect a small id, evaluation looks the token's value
 * up once, and a check then compares that id with its own. A scan of 1000 statements so reads a few flat arrays
 * instead of 1000 scattered check objects and expected strings (bench/policy.bench.ts, full-scan row).
 */
import { CHECK_EQUALS, compileCheck, type CompiledCheck } from './compiled-check.js'
import type { PolicyProgram, PolicyStatement, ProgramIssuer, Scalar } from './types.js'

/** `checkValueIds` of a check that is not an integer comparison: evaluation runs its compiled check. */
export const GENERAL_CHECK = -1

/**
 * The program of `statements` (whose `index` fields must be their positions) over `claimNames`. Its arrays are
 * not frozen: V8 in Node 20 reads elements of frozen arrays several times slower, and these are read for every
 * statement of a scan. The types are readonly, and only policy/ builds or reads a program.
 */
export function compileProgram(statements: readonly PolicyStatement[], claimNames: readonly string[]): PolicyProgram {
  const issuers = new IssuerTable()
  const valueTables = claimNames.map(() => new Map<Scalar, number>())
  const statementIssuers: number[] = []
  const checkStarts: number[] = [0]
  const checkSlots: number[] = []
  const checkValueIds: number[] = []
  const checks: CompiledCheck[] = []
  for (const statement of statements) {
    statementIssuers.push(issuers.findId(statement))
    for (const check of statement.checks) {
      const compiled = compileCheck(check)
      checks.push(compiled)
      checkSlots.push(compiled.slot)
      checkValueIds.push(findValueId(compiled, valueTables))
    }
    checkStarts.push(checks.length)
  }
  return Object.freeze({ issuers: issuers.list, statementIssuers, checkStarts, checkSlots, checkValueIds, checks, valueTables })
}

/**
 * The id of the value an `equals` check expects, in its claim's table, or GENERAL_CHECK. NaN gets no id: the
 * tables compare like `Map` (NaN equals NaN) but `equals` compares with `===` (NaN equals nothing).
 */
function findValueId(check: CompiledCheck, valueTables: readonly Map<Scalar, number>[]): number {
  const table = valueTables[check.slot]
  if (check.kind !== CHECK_EQUALS || Number.isNaN(check.expected) || table === undefined) return GENERAL_CHECK
  let id = table.get(check.expected)
  if (id === undefined) {
    id = table.size
    table.set(check.expected, id)
  }
  return id
}

/** The distinct issuers of a policy; a pattern and an exact issuer may be spelled alike, so the key keeps both. */
class IssuerTable {
  readonly list: ProgramIssuer[] = []
  readonly #ids = new Map<string, number>()

  findId({ iss, issuerIsPattern }: ProgramIssuer): number {
    const key = `${issuerIsPattern ? 'pattern' : 'exact'} ${iss}`
    let id = this.#ids.get(key)
    if (id === undefined) {
      id = this.list.push(Object.freeze({ iss, issuerIsPattern })) - 1
      this.#ids.set(key, id)
    }
    return id
  }
}
