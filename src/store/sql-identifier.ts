/** Table and column names that copy code puts into SQL text, checked and quoted for both dialects. */

/** The names Packyard's migrations use: lowercase words and underscores, never anything that needs escaping. */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** Whether `name` can be quoted safely by `quoteIdentifier`. */
export function isPlainIdentifier(name: string): boolean {
  return PLAIN_IDENTIFIER.test(name)
}

/**
 * `"name"`, for SQLite and PostgreSQL alike.
 * @throws Error for a name outside the plain form: such a name never comes from our migrations.
 */
export function quoteIdentifier(name: string): string {
  if (!isPlainIdentifier(name)) throw new Error(`unexpected table or column name ${JSON.stringify(name)}`)
  return `"${name}"`
}
