/**
 * Runs every `*.test.ts` under src/ and test/ with node's test runner. Node 20 neither finds TypeScript test
 * files nor expands globs itself, so the list is made here; finding none is a failure, never a silent pass.
 *
 * Usage: npm test [-- PATH_FILTER...]   (a filter keeps the files whose path contains one of the words)
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const ROOTS = ['src', 'test']
/**
 * A test that hangs fails after this long, named in the report, instead of holding CI until its own limit. The
 * slowest tests (real clients, several server processes) take well under a minute.
 */
const TEST_TIMEOUT_MS = 180_000
const filters = process.argv.slice(2)

const files = ROOTS.flatMap((root) =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name)),
)
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()

if (files.length === 0) {
  console.error(`no test files found under ${ROOTS.join(', ')}${filters.length > 0 ? ` matching ${filters.join(' ')}` : ''}`)
  process.exit(1)
}

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', `--test-timeout=${String(TEST_TIMEOUT_MS)}`, ...files],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
