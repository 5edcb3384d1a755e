/**
 * The policy as a small located tree, whatever it came as (YAML text, JSON text, or an already-parsed JSON
 * array). The statement parser reads only this, so every input form gets the same checks and messages.
 */
import type { Scalar, SourcePosition } from './types.js'

export interface SourceEntry {
  readonly key: string
  readonly keyPosition: SourcePosition
  readonly value: SourceNode
}

export type SourceNode =
  | { readonly kind: 'map'; readonly entries: readonly SourceEntry[]; readonly position: SourcePosition }
  | { readonly kind: 'list'; readonly items: readonly SourceNode[]; readonly position: SourcePosition }
  | {
      readonly kind: 'scalar'
      readonly value: Scalar
      /** True for an empty YAML value (`key:` with nothing after it), which reads as null. */
      readonly empty: boolean
      readonly position: SourcePosition
    }

export const NO_POSITION: SourcePosition = Object.freeze({ line: null, column: null })

/** A short description of a node's kind for messages: "a map", "a list", "the string \"x\"", ... */
export function describeNode(node: SourceNode): string {
  if (node.kind === 'map') return 'a map'
  if (node.kind === 'list') return 'a list'
  if (node.empty) return 'empty'
  return describeScalar(node.value)
}

/** `the string "x"`, `the number 42`, `null`, ... */
export function describeScalar(value: Scalar): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  return `the ${typeof value} ${String(value)}`
}

/** The JSON type name of a scalar, for messages and the claim-type lint. */
export function typeOfScalar(value: Scalar): 'string' | 'number' | 'boolean' | 'null' {
  if (value === null) return 'null'
  if (typeof value === 'string') return 'string'
  return typeof value === 'number' ? 'number' : 'boolean'
}
