/**
 * Reads an already-parsed JSON policy (an API body's `oidc_policy` array) into the same SourceNode tree as
 * text, without positions. The value comes from outside, so every node is checked for being plain JSON data
 * rather than cast.
 */
import { MAX_JSON_DEPTH, MAX_POLICY_BYTES } from './policy-limits.js'
import { contextBelow, createProblem, DOCUMENT_CONTEXT, type ProblemContext, type ProblemSink } from './policy-problem.js'
import { NO_POSITION, type SourceEntry, type SourceNode } from './source-node.js'

/** The tree of `value`, or null when it is not plain JSON data within the size limits. */
export function readJsonPolicy(value: readonly unknown[], sink: ProblemSink): SourceNode | null {
  const bytes = measureJsonBytes(value)
  if (bytes === null) {
    sink.errors.push(createProblem('the policy is not JSON data', DOCUMENT_CONTEXT, NO_POSITION))
    return null
  }
  if (bytes > MAX_POLICY_BYTES) {
    const message = `the policy is ${String(bytes)} bytes as JSON; at most ${String(MAX_POLICY_BYTES)} are accepted`
    sink.errors.push(createProblem(message, DOCUMENT_CONTEXT, NO_POSITION))
    return null
  }
  const errorsBefore = sink.errors.length
  const root = readValue(value, DOCUMENT_CONTEXT, 0, sink)
  return sink.errors.length === errorsBefore ? root : null
}

/** UTF-8 size of the JSON text; null when it has none (a cycle, a BigInt). */
function measureJsonBytes(value: readonly unknown[]): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(value), 'utf8')
  } catch {
    return null
  }
}

function readValue(value: unknown, context: ProblemContext, depth: number, sink: ProblemSink): SourceNode {
  const scalar = { kind: 'scalar', empty: false, position: NO_POSITION } as const
  if (depth > MAX_JSON_DEPTH) {
    sink.errors.push(createProblem('the policy is nested too deeply', context, NO_POSITION))
    return { ...scalar, value: null }
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return { ...scalar, value }
  if (typeof value === 'number' && Number.isFinite(value)) return { ...scalar, value }
  if (Array.isArray(value)) {
    const items = value.map((item: unknown, index) =>
      readValue(item, depth === 0 ? { statement: index, claim: null } : context, depth + 1, sink),
    )
    return { kind: 'list', items, position: NO_POSITION }
  }
  if (isPlainObject(value)) return { kind: 'map', entries: readEntries(value, context, depth, sink), position: NO_POSITION }
  sink.errors.push(createProblem(`a ${typeof value} is not JSON data`, context, NO_POSITION))
  return { ...scalar, value: null }
}

function readEntries(object: object, context: ProblemContext, depth: number, sink: ProblemSink): SourceEntry[] {
  // Object.entries reads own enumerable string keys only, so a `__proto__` key parsed by JSON.parse is an
  // ordinary entry here and the prototype is never consulted.
  return Object.entries(object).map(([key, item]) => {
    const below = contextBelow(context, depth, key)
    return { key, keyPosition: NO_POSITION, value: readValue(item, below, depth + 1, sink) }
  })
}


/** An object literal or JSON.parse result: not a Date, Map, class instance or function. */
function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
