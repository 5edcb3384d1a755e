/**
 * The one way Packyard reads YAML written by people: the YAML 1.2 core schema whatever the document's own
 * `%YAML` directive says, no anchors, aliases, custom tags or duplicate keys. Policies and configuration are
 * security settings, so anything unusual is an error rather than a guess (reference/security-catalog.md §2.4).
 */
import { CST, isAlias, isNode, Lexer, LineCounter, parseDocument, visit, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml'

/** A problem found while reading, with its 1-based position in the source text. */
export interface YamlProblem {
  readonly message: string
  readonly line: number
  readonly column: number
}

export interface SafeYamlDocument {
  readonly document: Document.Parsed
  readonly lineCounter: LineCounter
  /** Parse errors, warnings and every use of a forbidden feature; empty when the document is usable. */
  readonly problems: readonly YamlProblem[]
}

const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  // Pinned so that a `%YAML 1.1` directive cannot switch on 1.1 booleans, octals and sexagesimals.
  schema: 'core',
  version: '1.2',
  uniqueKeys: true,
  merge: false,
  strict: true,
  prettyErrors: false,
  customTags: [],
  resolveKnownTags: false,
  intAsBigInt: false,
  keepSourceTokens: false,
}

/**
 * Deepest flow nesting (`[`/`{`) accepted. The composer of `yaml` recurses once per level: about a thousand
 * levels overflow the stack, and an overflow that lands inside V8's RegExp compiler was seen to abort the whole
 * process (out of memory). No policy or configuration needs more than a handful of levels.
 */
const MAX_FLOW_DEPTH = 64
/**
 * Rightmost column at which a block collection may start. Block nesting needs a strictly larger column per
 * level, so this bounds block depth too (with MAX_FLOW_DEPTH, well under the ~900 levels that overflow).
 */
const MAX_BLOCK_COLUMN = 200

/** Parses `source` with the safe options and reports every forbidden construct with its position. */
export function parseSafeYamlDocument(source: string): SafeYamlDocument {
  const lineCounter = new LineCounter()
  const nesting = findExcessiveNesting(source)
  if (nesting !== null) {
    // Never hand such a text to the recursive composer: report it against an empty document instead.
    return { document: parseDocument('', { ...PARSE_OPTIONS, lineCounter }), lineCounter, problems: [nesting] }
  }
  const document = parseDocument(source, { ...PARSE_OPTIONS, lineCounter })
  const problems: YamlProblem[] = []
  const at = (offset: number | undefined): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset ?? 0)
    return { line: pos.line, column: pos.col }
  }
  for (const error of [...document.errors, ...document.warnings]) {
    problems.push({ message: firstLine(error.message), ...at(error.pos[0]) })
  }
  if (document.directives.yaml.explicit && document.directives.yaml.version !== '1.2') {
    problems.push({ message: 'only YAML 1.2 is accepted: remove the %YAML directive', line: 1, column: 1 })
  }
  visit(document, (_key, node) => {
    if (isAlias(node)) {
      problems.push({ message: 'aliases (*name) are not allowed', ...at(node.range?.[0]) })
    } else if (isNode(node)) {
      if (node.anchor !== undefined) problems.push({ message: 'anchors (&name) are not allowed', ...at(node.range?.[0]) })
      // An explicit tag is refused even when it names a core type: policies never need one, and `!!binary` or
      // `!!set` would resolve to values that are not plain data.
      if (node.tag !== undefined) {
        problems.push({ message: `tags (${node.tag}) are not allowed`, ...at(node.range?.[0]) })
      }
    }
  })
  return { document, lineCounter, problems }
}

/**
 * Reads a whole YAML (or JSON, which is YAML) text into plain data, or returns its problems. For callers that
 * need no positions beyond the messages, such as configuration files.
 */
export function parseSafeYaml(source: string): { value: unknown; problems: readonly YamlProblem[] } {
  const { document, problems } = parseSafeYamlDocument(source)
  if (problems.length > 0) return { value: undefined, problems }
  return { value: document.toJS({ maxAliasCount: 0 }), problems }
}

/**
 * Scans the tokens (the lexer is iterative, so this is safe on any input) for nesting deeper than the limits.
 * Returns the first offending position, or null.
 */
function findExcessiveNesting(source: string): YamlProblem | null {
  let flowDepth = 0
  let line = 1
  let column = 0
  let lineHasContent = false
  for (const token of new Lexer().lex(source)) {
    const type = CST.tokenType(token)
    if (type === 'doc-mode' || type === 'scalar') continue // zero-width markers, not source text
    if (type === 'flow-seq-start' || type === 'flow-map-start') flowDepth += 1
    if (type === 'flow-seq-end' || type === 'flow-map-end') flowDepth = Math.max(0, flowDepth - 1)
    const startsNode = type !== 'space' && type !== 'newline' && type !== 'comment'
    const opensBlock = type === 'seq-item-ind' || type === 'explicit-key-ind' || (startsNode && !lineHasContent)
    if (flowDepth > MAX_FLOW_DEPTH || (opensBlock && column > MAX_BLOCK_COLUMN)) {
      return { message: 'the document is nested too deeply', line, column: column + 1 }
    }
    if (startsNode && type !== 'seq-item-ind' && type !== 'explicit-key-ind') lineHasContent = true
    const lastNewline = token.lastIndexOf('\n')
    if (lastNewline === -1) {
      column += token.length
    } else {
      line += token.split('\n').length - 1
      column = token.length - lastNewline - 1
      lineHasContent = false
    }
  }
  return null
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message
}
