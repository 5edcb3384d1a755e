/**
 * Reads policy text (YAML, or JSON, which is YAML 1.2 flow syntax) into a located SourceNode tree through
 * lib/safe-yaml.ts: core schema pinned, no anchors, aliases, tags or duplicate keys. Parsing JSON text the same
 * way gives it duplicate-key detection and positions, which `JSON.parse` lacks (it keeps the last duplicate).
 */
import { isMap, isScalar, isSeq, Scalar as YamlScalar, type LineCounter, type Node } from 'yaml'
import { parseSafeYamlDocument } from '../lib/safe-yaml.js'
import { MAX_POLICY_BYTES } from './policy-limits.js'
import { contextBelow, createProblem, DOCUMENT_CONTEXT, type ProblemContext, type ProblemSink } from './policy-problem.js'
import type { SourceEntry, SourceNode } from './source-node.js'
import type { SourcePosition } from './types.js'

/** Plain scalars that YAML 1.1 read as booleans; YAML 1.2 (and so Packyard) reads them as strings. */
const YAML_1_1_BOOLEAN = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/

interface Walk {
  readonly lineCounter: LineCounter
  readonly sink: ProblemSink
}

/**
 * The tree of `text`, or null when the text cannot be used (too large, not YAML, forbidden constructs); every
 * problem goes to `sink`. An empty document reads as an empty list.
 */
export function readYamlPolicy(text: string, sink: ProblemSink): SourceNode | null {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_POLICY_BYTES) {
    const message = `the policy is ${String(bytes)} bytes; at most ${String(MAX_POLICY_BYTES)} are accepted`
    sink.errors.push(createProblem(message, DOCUMENT_CONTEXT, { line: null, column: null }))
    return null
  }
  const { document, lineCounter, problems } = parseSafeYamlDocument(text)
  for (const problem of problems) sink.errors.push(createProblem(problem.message, DOCUMENT_CONTEXT, problem))
  if (problems.length > 0) return null
  const walk: Walk = { lineCounter, sink }
  const contents = document.contents
  if (contents === null) return { kind: 'list', items: [], position: { line: 1, column: 1 } }
  return readNode(walk, contents, DOCUMENT_CONTEXT, 0)
}

/** `depth` counts list and map levels, to tell statements (depth 1) and claims (under `claims`) apart. */
function readNode(walk: Walk, node: Node, context: ProblemContext, depth: number): SourceNode {
  const position = positionOf(walk, node)
  if (isSeq(node)) {
    const items = node.items.map((item, index) => {
      const itemContext = depth === 0 ? { statement: index, claim: null } : context
      return isNodeLike(item) ? readNode(walk, item, itemContext, depth + 1) : emptyAt(position)
    })
    return { kind: 'list', items, position }
  }
  if (isMap(node)) return { kind: 'map', entries: readEntries(walk, node.items, context, depth), position }
  if (isScalar(node)) return readScalar(walk, node, context, position)
  // Aliases are refused by safe-yaml before this point; anything else is not plain data.
  walk.sink.errors.push(createProblem('this value is not plain YAML data', context, position))
  return emptyAt(position)
}

function readEntries(
  walk: Walk,
  pairs: readonly { key: unknown; value: unknown }[],
  context: ProblemContext,
  depth: number,
): SourceEntry[] {
  const entries: SourceEntry[] = []
  for (const pair of pairs) {
    const keyNode = isScalar(pair.key) ? pair.key : null
    const keyPosition = isNodeLike(pair.key) ? positionOf(walk, pair.key) : { line: null, column: null }
    if (keyNode === null || typeof keyNode.value !== 'string') {
      const shown = keyNode === null ? 'a complex key' : `the key ${String(keyNode.source)}`
      walk.sink.errors.push(createProblem(`${shown} is not a string: quote it`, context, keyPosition))
      continue
    }
    const key = keyNode.value
    const valueContext = contextBelow(context, depth, key)
    const value = isNodeLike(pair.value) ? readNode(walk, pair.value, valueContext, depth + 1) : emptyAt(keyPosition)
    entries.push({ key, keyPosition, value })
  }
  return entries
}


function readScalar(walk: Walk, node: YamlScalar, context: ProblemContext, position: SourcePosition): SourceNode {
  const { value, source } = node
  const plain = node.type === YamlScalar.PLAIN
  if (typeof value === 'number') {
    checkNumber(walk, context, position, plain ? (source ?? String(value)) : String(value), value)
    return { kind: 'scalar', value, empty: false, position }
  }
  if (typeof value === 'string') {
    if (plain && YAML_1_1_BOOLEAN.test(value)) {
      const message = `\`${value}\` is the string "${value}" (YAML 1.2); quote it to say so, or write true or false for a boolean`
      walk.sink.warnings.push(createProblem(message, context, position))
    }
    return { kind: 'scalar', value, empty: false, position }
  }
  if (typeof value === 'boolean' || value === null) {
    return { kind: 'scalar', value, empty: value === null && plain && source === '', position }
  }
  walk.sink.errors.push(createProblem('this value is not plain YAML data', context, position))
  return emptyAt(position)
}

/**
 * A plain scalar that resolved to a number but is not that number's canonical spelling (`1234e56`, `0x1F`,
 * `014`, `1.10`, `.5`, `1_000` is a string already) was most likely meant as text: a short commit SHA, a
 * version. Refuse it rather than compare against a number nobody wrote (reference/security-catalog.md §2.4).
 */
function checkNumber(walk: Walk, context: ProblemContext, position: SourcePosition, text: string, value: number): void {
  if (!Number.isFinite(value)) {
    const message = `\`${text}\` reads as ${String(value)}, which is not a JSON number: quote it ("${text}")`
    walk.sink.errors.push(createProblem(message, context, position))
  } else if (text !== String(value)) {
    const message = `\`${text}\` reads as the number ${String(value)}: quote it ("${text}") if you meant text, or write ${String(value)}`
    walk.sink.errors.push(createProblem(message, context, position))
  }
}

function positionOf(walk: Walk, node: Node): SourcePosition {
  const offset = node.range?.[0]
  if (offset === undefined) return { line: null, column: null }
  const { line, col } = walk.lineCounter.linePos(offset)
  return { line, column: col }
}

function emptyAt(position: SourcePosition): SourceNode {
  return { kind: 'scalar', value: null, empty: true, position }
}

function isNodeLike(value: unknown): value is Node {
  return isSeq(value) || isMap(value) || isScalar(value)
}
