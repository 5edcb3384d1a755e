/**
 * Checks a copy before it is committed, by reading the destination back: every table's row count equals the
 * source's and its contents digest equals the digest of the rows read from the source (table-digest.ts), and
 * every package version's sha256, sha512 and size equal the source's, row by row, so a difference is reported
 * by package rather than as a table digest.
 */
import type { CopyTransaction } from './open-postgres-destination.js'
import type { PackageDigestRow, SqliteSource } from './open-sqlite-source.js'
import type { CopiedTable } from './copy-metadata.js'

/** The largest value a PostgreSQL bigint holds: the upper end of the last range compared. */
const MAX_BIGINT = (1n << 63n) - 1n

/** Package rows compared per page. */
const PACKAGE_PAGE_ROWS = 1_000

/** Differences listed before the rest are only counted. */
const MAX_LISTED_DIFFERENCES = 20

export interface VerifiedTable {
  readonly name: string
  readonly sourceRows: number
  readonly destinationRows: number
  readonly verified: boolean
}

export interface MetadataVerification {
  readonly tables: readonly VerifiedTable[]
  readonly packagesCompared: number
  readonly problems: readonly string[]
}

export async function verifyMetadataCopy(source: SqliteSource, transaction: CopyTransaction, copied: readonly CopiedTable[]): Promise<MetadataVerification> {
  const problems: string[] = []
  const tables: VerifiedTable[] = []
  for (const table of copied) {
    const sourceRows = source.countRows(table.name)
    const destinationRows = await transaction.countRows(table.name)
    const destinationDigest = (await transaction.digestTable(table.name, table.columns)).value()
    const countsAgree = sourceRows === table.rows && destinationRows === sourceRows
    if (!countsAgree) problems.push(`${table.name}: ${String(sourceRows)} rows in the source, ${String(table.rows)} read, ${String(destinationRows)} in the destination`)
    else if (destinationDigest !== table.digest) problems.push(`${table.name}: the destination's rows differ from the source's (same count, different contents)`)
    tables.push(Object.freeze({ name: table.name, sourceRows, destinationRows, verified: countsAgree && destinationDigest === table.digest }))
  }
  const packages = copied.some((table) => table.name === 'packages') ? await comparePackageDigests(source, transaction) : { compared: 0, differences: [] }
  problems.push(...packages.differences)
  return { tables, packagesCompared: packages.compared, problems }
}

async function comparePackageDigests(source: SqliteSource, transaction: CopyTransaction): Promise<{ compared: number; differences: string[] }> {
  const differences: string[] = []
  let compared = 0
  let after: bigint | null = null
  for (;;) {
    const page = source.packageDigests(after, PACKAGE_PAGE_ROWS)
    const last = page.at(-1)
    // The last range runs to the end, so rows only the destination has are found too.
    const through = page.length < PACKAGE_PAGE_ROWS || last?.seq == null ? MAX_BIGINT : BigInt(last.seq)
    const written = await transaction.packageDigests(after, through)
    differences.push(...diffPackageRows(page, written))
    compared += page.length
    if (through === MAX_BIGINT) break
    after = through
  }
  if (differences.length > MAX_LISTED_DIFFERENCES) {
    const more = differences.length - MAX_LISTED_DIFFERENCES
    return { compared, differences: [...differences.slice(0, MAX_LISTED_DIFFERENCES), `packages: ${String(more)} more differences`] }
  }
  return { compared, differences }
}

function diffPackageRows(expected: readonly PackageDigestRow[], actual: readonly PackageDigestRow[]): string[] {
  const actualBySeq = new Map(actual.map((row) => [row.seq, row]))
  const differences: string[] = []
  for (const row of expected) {
    const found = actualBySeq.get(row.seq)
    actualBySeq.delete(row.seq)
    const name = `package ${row.id ?? '?'} (seq ${row.seq ?? '?'})`
    if (found === undefined) differences.push(`${name}: missing in the destination`)
    else {
      const fields = (['id', 'sha256', 'sha512', 'size'] as const).filter((field) => found[field] !== row[field])
      if (fields.length > 0) differences.push(`${name}: ${fields.join(', ')} differ${fields.length === 1 ? 's' : ''} in the destination`)
    }
  }
  for (const extra of actualBySeq.values()) differences.push(`package ${extra.id ?? '?'} (seq ${extra.seq ?? '?'}): only in the destination`)
  return differences
}
