/**
 * `packyard admin gc`: removes blobs no live package version references and leftovers of unfinished uploads,
 * once older than the grace period (registry/collect-garbage.ts has the rules and why they are safe beside
 * running servers). It reads the same configuration as `serve`, so the same flags, file and environment work.
 */
import { formatBytes } from '../../lib/format-bytes.js'
import { formatDurationMs, parseDurationMs } from '../../lib/parse-duration.js'
import type { GarbageCollectionReport, RemovedItem } from '../../registry/collect-garbage.js'
import { EXIT_OK, UsageError, type Command } from '../command.js'
import { parseOptions, stringOption } from '../parse-options.js'
import { loadConfigFromOptions, SERVER_CONFIG_OPTIONS } from '../server-config-options.js'

/** One hour: far longer than a publish takes from its blob stored to its row committed, 2 GiB uploads included. */
const DEFAULT_GRACE = '1h'
/** Below this, a publish in progress on a running server could lose its blob: allowed, but warned about. */
const SAFE_GRACE_MS = 10 * 60_000

const USAGE = `Usage: packyard admin gc [--config FILE] [serve's options] [--dry-run] [--grace DURATION] [--json]

Removes from the blob store (blobs: file or s3://...), once older than the grace period:
  - blobs that no live package version references (their versions were deleted, or their publish failed);
  - temporary files and objects, and incomplete S3 multipart uploads, left by uploads that never finished.
Safe while servers run: a publish in progress always has a young blob.

Options:
  --config FILE       the server's configuration file; --data-dir, --database, --blobs, ... as for serve
  --grace DURATION    keep anything younger than this: 90s, 30m, 1h, 7d (default ${DEFAULT_GRACE}); it must exceed
                      the longest upload, or an upload still in flight may be removed
  --dry-run           list what would be removed; remove nothing
  --json              print the summary as one JSON object
  -h, --help          show this help
`

export const adminGcCommand: Command = {
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseOptions(args, { ...SERVER_CONFIG_OPTIONS, grace: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, 0)
    if (parsed.help) {
      io.stdout(USAGE)
      return EXIT_OK
    }
    const graceText = stringOption(parsed, 'grace') ?? DEFAULT_GRACE
    const graceMs = parseDurationMs(graceText)
    if (graceMs === undefined) throw new UsageError(`--grace must be a whole number and a unit (ms, s, m, h, d), got ${JSON.stringify(graceText)}`)
    const dryRun = parsed.values['dry-run'] === true
    const json = parsed.values.json === true
    if (graceMs < SAFE_GRACE_MS) io.stderr(`packyard admin gc: a grace of ${formatDurationMs(graceMs)} is safe only while no server is publishing\n`)
    const config = await loadConfigFromOptions(parsed, io.env)
    // Loaded only now: the stores' drivers and the S3 SDK are not needed for --help or a usage error.
    const [{ openStorage }, { collectGarbage }, { systemClock }] = await Promise.all([
      import('../../app.js'), import('../../registry/collect-garbage.js'), import('../../lib/clock.js'),
    ])
    const storage = await openStorage(config, io.env)
    try {
      const onRemove = json ? undefined : (item: RemovedItem) => { io.stdout(`${formatRemoved(item, dryRun)}\n`) }
      const report = await collectGarbage({ packages: storage.store.packages, blobs: storage.blobs, clock: systemClock }, { graceMs, dryRun, ...(onRemove === undefined ? {} : { onRemove }) })
      io.stdout(json ? `${JSON.stringify(toJson(report))}\n` : formatSummary(report))
    } finally {
      await storage.close()
    }
    return EXIT_OK
  },
}

function formatRemoved(item: RemovedItem, dryRun: boolean): string {
  const verb = dryRun ? 'would remove' : 'removed'
  if (item.kind === 'blob') return `${verb} blob ${item.sha256} (${formatBytes(item.size)})`
  const what = item.kind === 'temporary' ? 'temporary upload' : 'incomplete multipart upload'
  return `${verb} ${what} ${item.name}${item.kind === 'temporary' ? ` (${formatBytes(item.size)})` : ''}`
}

function formatSummary(report: GarbageCollectionReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed'
  const grace = formatDurationMs(report.graceMs)
  const { blobs, temporary, multipartUploads } = report
  return [
    `blobs: ${String(blobs.scanned)} scanned, ${verb} ${String(blobs.removed)} (${formatBytes(blobs.removedBytes)}); kept ${String(blobs.keptReferenced)} referenced, ${String(blobs.keptYoung)} younger than ${grace}`,
    `temporary uploads: ${verb} ${String(temporary.removed)} (${formatBytes(temporary.removedBytes)}); kept ${String(temporary.keptYoung)} younger than ${grace}`,
    `incomplete multipart uploads: ${verb} ${String(multipartUploads.removed)}; kept ${String(multipartUploads.keptYoung)} younger than ${grace}`,
    '',
  ].join('\n')
}

/** The `--json` shape: snake_case like the API; `removed` counts what a dry run would remove. */
function toJson(report: GarbageCollectionReport): Record<string, unknown> {
  const counts = (c: GarbageCollectionReport['temporary']) => ({ removed: c.removed, removed_bytes: c.removedBytes, kept_young: c.keptYoung })
  return {
    dry_run: report.dryRun,
    grace_seconds: report.graceMs / 1000,
    blobs: { scanned: report.blobs.scanned, ...counts(report.blobs), kept_referenced: report.blobs.keptReferenced },
    temporary_uploads: counts(report.temporary),
    multipart_uploads: counts(report.multipartUploads),
  }
}
