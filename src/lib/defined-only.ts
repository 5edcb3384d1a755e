/**
 * Optional properties under `exactOptionalPropertyTypes` must be absent rather than undefined: this drops the
 * undefined ones from an object of optional inputs (query parameters, a partial update) in one step, instead of
 * a conditional spread per property.
 */
export type DefinedOnly<T> = { [K in keyof T]?: Exclude<T[K], undefined> }

export function definedOnly<T extends object>(fields: T): DefinedOnly<T> {
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) kept[key] = value
  return kept as DefinedOnly<T>
}
