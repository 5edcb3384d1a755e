/** The summary `packyard admin migrate-store` prints: a table for people, or one JSON object for machines. */
import type { MigrateStoreTargets } from './migrate-store-targets.js'
import { formatBytes } from '../lib/format-bytes.js'
import { redactUrl } from '../lib/redact-url.js'
import type { StoreMigrationReport } from './run-store-migration.js'

/** The JSON form: snake_case like the API, counts as numbers, no secrets (no password, no token hashes). */
export function formatMigrationJson(report: StoreMigrationReport, targets: MigrateStoreTargets): string {
  const blobs = report.blobs
  return `${JSON.stringify({
    ok: report.ok,
    dry_run: report.dryRun,
    committed: report.committed,
    source: { database: `sqlite:${targets.sourcePath}`, blobs: targets.sourceBlobs },
    destination: { database: redactUrl(targets.destinationUrl), blobs: targets.destinationBlobs },
    tables: report.tables.map((table) => ({ name: table.name, rows: table.rows, destination_rows: table.destinationRows, verified: table.verified })),
    identities: report.identities.map((identity) => ({ table: identity.table, column: identity.column, next: identity.next })),
    packages_compared: report.packagesCompared,
    recorded_blobs: report.recordedBlobs,
    blobs: blobs === null ? null : {
      recorded: blobs.recorded, copied: blobs.copied, present: blobs.present,
      bytes_copied: blobs.bytesCopied, bytes_verified: blobs.bytesVerified, gone_deleted: blobs.goneDeleted, checked_at_destination: blobs.checkedAtDestination,
    },
    problems: report.problems,
  })}\n`
}

export function formatMigrationText(report: StoreMigrationReport, targets: MigrateStoreTargets): string {
  const lines = [
    `source:      sqlite:${targets.sourcePath}${targets.sourceBlobs === null ? '' : `, blobs ${targets.sourceBlobs}`}`,
    `destination: ${redactUrl(targets.destinationUrl)}${targets.destinationBlobs === null ? '' : `, blobs ${targets.destinationBlobs}`}`,
    '',
    ...formatTables(report),
    ...formatBlobs(report, targets),
  ]
  if (report.identities.length > 0) lines.push(`counters:    ${report.identities.map((i) => `${i.table}.${i.column} continues at ${i.next}`).join(', ')}`)
  lines.push('', ...formatOutcome(report))
  return `${lines.join('\n')}\n`
}

function formatTables(report: StoreMigrationReport): string[] {
  if (report.tables.length === 0) return []
  const width = Math.max(...report.tables.map((table) => table.name.length), 'table'.length)
  const header = `${'table'.padEnd(width)}  ${'rows'.padStart(10)}  ${report.dryRun ? '' : 'copied and verified'}`.trimEnd()
  const rows = report.tables.map((table) => {
    const check = table.verified === null ? '' : table.verified ? `${String(table.destinationRows)} ok` : `${String(table.destinationRows)} DIFFERENT`
    return `${table.name.padEnd(width)}  ${String(table.rows).padStart(10)}  ${check}`.trimEnd()
  })
  return [header, ...rows, '']
}

function formatBlobs(report: StoreMigrationReport, targets: MigrateStoreTargets): string[] {
  const recorded = `${String(report.recordedBlobs.blobs)} blobs (${formatBytes(report.recordedBlobs.bytes)}) recorded by package versions`
  if (targets.destinationBlobs === null) return [`blobs:       ${recorded}; not copied (no --to-blobs): servers on the destination must use the same blob store`]
  const blobs = report.blobs
  if (blobs === null) return [`blobs:       ${recorded}; ${report.dryRun ? 'would be copied' : 'not copied'}`]
  return [
    `blobs:       ${String(blobs.recorded)} recorded, ${String(blobs.copied)} copied (${formatBytes(blobs.bytesCopied)}), ` +
      `${String(blobs.present)} already present and verified (${formatBytes(blobs.bytesVerified)}), ${String(blobs.checkedAtDestination)} checked at the destination`,
    ...(blobs.goneDeleted > 0 ? [`             ${String(blobs.goneDeleted)} recorded by deleted versions only were already removed from the source (admin gc): not copied`] : []),
  ]
}

function formatOutcome(report: StoreMigrationReport): string[] {
  if (report.dryRun) return report.ok ? ['dry run: the migration can proceed; nothing was written'] : ['dry run: the migration would be refused:', ...bullets(report.problems)]
  if (report.ok) return [`verified: row counts and contents of ${String(report.tables.length)} tables and the digests of ${String(report.packagesCompared)} package versions match; committed`]
  const state = report.committed ? '' : ' Nothing was committed to the destination database; blobs already copied are verified and kept by a rerun.'
  return [`FAILED:${state}`, ...bullets(report.problems)]
}

function bullets(problems: readonly string[]): string[] {
  return problems.map((problem) => `  - ${problem}`)
}
