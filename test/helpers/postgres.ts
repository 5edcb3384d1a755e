/**
 * PostgreSQL for tests: each caller gets a fresh database (`packyard_test_<random>`), created through the
 * `postgres` maintenance database and dropped by `drop()`. The server is found at PACKYARD_TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres, the one on this machine).
 *
 * When PostgreSQL is not reachable, PostgreSQL variants are skipped with the reason, unless
 * PACKYARD_REQUIRE_POSTGRES=1 (CI), in which case they run and fail loudly.
 */
import { redactUrl } from '../../src/lib/redact-url.js'
import { createScratchDatabase, withAdminClient, type ScratchDatabase } from './scratch-database.js'

export const POSTGRES_ADMIN_URL = process.env.PACKYARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const POSTGRES_REQUIRED = process.env.PACKYARD_REQUIRE_POSTGRES === '1'

/** Why PostgreSQL cannot be used, or null when it answered. Probed once per test file. */
export const postgresUnavailable: string | null = await probe()

/** node:test's `skip` option for a test or suite that needs PostgreSQL. */
export const postgresSkip: string | false =
  postgresUnavailable === null || POSTGRES_REQUIRED
    ? false
    : `PostgreSQL is not reachable at ${redactUrl(POSTGRES_ADMIN_URL)} (${postgresUnavailable}); set PACKYARD_REQUIRE_POSTGRES=1 to fail instead of skipping`

export type TestDatabase = ScratchDatabase

/** @throws when PostgreSQL is not reachable: a test that asked for it must not pass silently. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (postgresUnavailable !== null) {
    throw new Error(`PostgreSQL is required (PACKYARD_REQUIRE_POSTGRES=1) but not reachable at ${redactUrl(POSTGRES_ADMIN_URL)}: ${postgresUnavailable}`)
  }
  return createScratchDatabase(POSTGRES_ADMIN_URL, 'packyard_test')
}

async function probe(): Promise<string | null> {
  try {
    await withAdminClient(POSTGRES_ADMIN_URL, (client) => client.query('select 1'))
    return null
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error)
  }
}
