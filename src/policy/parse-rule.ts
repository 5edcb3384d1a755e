/**
 * Parses one claim rule (DESIGN.md 1.3): a scalar means `equals`; a map holds matchers, all of which must pass.
 * Everything is compiled here, once: globs, and Sets for long `in` lists.
 */
import { compileGlob, findGlobProblem } from './glob.js'
import { createProblem, type ProblemContext, type ProblemSink } from './policy-problem.js'
import { describeNode, type SourceEntry, type SourceNode } from './source-node.js'
import { MATCHER_NAMES, type ClaimRule, type MatcherName, type Matcher, type Scalar, type SourcePosition } from './types.js'

/** From this length on, an `in`/`not_in` list is looked up in a Set rather than scanned. */
const SET_THRESHOLD = 8

const MATCHER_LIST = 'equals, not_equals, in, not_in or matches'

/** The rule of `entry` (a claim under `claims`), or null after reporting why it is invalid. */
export function parseRule(entry: SourceEntry, context: ProblemContext, sink: ProblemSink): ClaimRule | null {
  const { key: claim, value } = entry
  if (value.kind === 'list') {
    const message = `a list is not a rule: write \`${claim}: {in: [...]}\` to accept any of these values`
    sink.errors.push(createProblem(message, context, value.position))
    return null
  }
  if (value.kind === 'scalar') {
    if (value.empty) {
      sink.errors.push(createProblem(`\`${claim}\` has no value: write null to require a null claim`, context, value.position))
      return null
    }
    const matcher = parseScalarMatcher('equals', value, value.position, context, sink)
    return matcher === null ? null : freezeRule(claim, [matcher], entry.keyPosition)
  }
  if (value.entries.length === 0) {
    sink.errors.push(createProblem(`the rule has no matchers: use ${MATCHER_LIST}`, context, value.position))
    return null
  }
  const matchers: Matcher[] = []
  let valid = true
  for (const matcherEntry of value.entries) {
    const matcher = parseMatcher(matcherEntry, context, sink)
    if (matcher === null) valid = false
    else matchers.push(matcher)
  }
  return valid ? freezeRule(claim, matchers, entry.keyPosition) : null
}

/** A flat-form claim (beside `iss`): only a scalar, meaning `equals`. */
export function parseFlatRule(entry: SourceEntry, context: ProblemContext, sink: ProblemSink): ClaimRule | null {
  if (entry.value.kind !== 'scalar') {
    const message = `\`${entry.key}\` is ${describeNode(entry.value)} beside \`iss\`: did you mean to put \`${entry.key}\` under \`claims\`?`
    sink.errors.push(createProblem(message, context, entry.value.position))
    return null
  }
  return parseRule(entry, context, sink)
}

function parseMatcher(entry: SourceEntry, context: ProblemContext, sink: ProblemSink): Matcher | null {
  const name = MATCHER_NAMES.find((candidate) => candidate === entry.key)
  if (name === undefined) {
    const message = `unknown matcher \`${entry.key}\`: use ${MATCHER_LIST}`
    sink.errors.push(createProblem(message, context, entry.keyPosition))
    return null
  }
  if (name === 'equals' || name === 'not_equals') return parseScalarMatcher(name, entry.value, entry.keyPosition, context, sink)
  if (name === 'in' || name === 'not_in') return parseListMatcher(name, entry.value, entry.keyPosition, context, sink)
  return parseMatchesMatcher(entry.value, entry.keyPosition, context, sink)
}

function parseScalarMatcher(
  name: 'equals' | 'not_equals',
  node: SourceNode,
  position: SourcePosition,
  context: ProblemContext,
  sink: ProblemSink,
): Matcher | null {
  const value = readScalar(name, node, context, sink)
  return value === undefined ? null : Object.freeze({ name, expected: value, position })
}

function parseListMatcher(
  name: 'in' | 'not_in',
  node: SourceNode,
  position: SourcePosition,
  context: ProblemContext,
  sink: ProblemSink,
): Matcher | null {
  const items = readNonEmptyList(name, node, context, sink)
  if (items === null) return null
  const values = items.map((item) => readScalar(name, item, context, sink))
  if (!values.every((value) => value !== undefined)) return null
  const set = values.length >= SET_THRESHOLD ? new Set(values) : null
  return Object.freeze({ name, expected: Object.freeze(values), set, position })
}

function parseMatchesMatcher(node: SourceNode, position: SourcePosition, context: ProblemContext, sink: ProblemSink): Matcher | null {
  const single = node.kind === 'scalar' && typeof node.value === 'string'
  const items = single ? [node] : readNonEmptyList('matches', node, context, sink)
  if (items === null) return null
  const patterns: string[] = []
  for (const item of items) {
    const pattern = item.kind === 'scalar' && typeof item.value === 'string' ? item.value : null
    const problem = pattern === null ? `\`matches\` takes globs (strings), not ${describeNode(item)}` : findGlobProblem(pattern)
    if (problem !== null) sink.errors.push(createProblem(problem, context, item.position))
    else if (pattern !== null) patterns.push(pattern)
  }
  if (patterns.length !== items.length) return null
  const expected = single ? (patterns[0] ?? '') : Object.freeze(patterns)
  return Object.freeze({ name: 'matches', expected, globs: Object.freeze(patterns.map(compileGlob)), position })
}

function readNonEmptyList(name: MatcherName, node: SourceNode, context: ProblemContext, sink: ProblemSink): readonly SourceNode[] | null {
  if (node.kind !== 'list') {
    const message = `\`${name}\` takes a list${name === 'matches' ? ' of globs, or one glob' : ' of scalars'}, not ${describeNode(node)}`
    sink.errors.push(createProblem(message, context, node.position))
    return null
  }
  if (node.items.length === 0) {
    // An empty `in` would never pass and an empty `not_in` always would: both are mistakes (security-catalog §2.3).
    sink.errors.push(createProblem(`\`${name}\` has an empty list`, context, node.position))
    return null
  }
  return node.items
}

/** The scalar of `node`, or undefined after reporting it (a list, a map, or an empty YAML value). */
function readScalar(name: MatcherName, node: SourceNode, context: ProblemContext, sink: ProblemSink): Scalar | undefined {
  if (node.kind === 'scalar' && !node.empty) return node.value
  const message =
    node.kind === 'scalar'
      ? `\`${name}\` has an empty value: write null to require a null claim`
      : `\`${name}\` takes a scalar (string, number, boolean or null), not ${describeNode(node)}`
  sink.errors.push(createProblem(message, context, node.position))
  return undefined
}

function freezeRule(claim: string, matchers: readonly Matcher[], position: SourcePosition): ClaimRule {
  return Object.freeze({ claim, matchers: Object.freeze(matchers), position })
}
