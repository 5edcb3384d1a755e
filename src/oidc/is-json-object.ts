/** Type guards for parsed JSON, so outside data is narrowed instead of cast (DESIGN.md Part 3.4). */

/** True for a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The own property `name` of `object` (never an inherited one such as `constructor`), else undefined. */
export function readOwn(object: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined
}
