/**
 * PostgreSQL for tests: each caller gets a fresh database (`packyard_test_<random>`), created through the
 * `postgres` maintenance database and dropped by `drop()`. The server is found at PACKYARD_TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres, the one on this machine).
 *
 * When PostgreSQL is not reachable, PostgreSQL variants are skipped with the reason, unless
 * PACKYARD_REQUIRE_POSTGRES=1 (CI), in which case they run and fail loudly.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { redactUrl } from '../../src/lib/redact-url.js'

export const POSTGRES_ADMIN_URL = process.env.PACKYARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const POSTGRES_REQUIRED = process.env.PACKYARD_REQUIRE_POSTGRES === '1'

/** Why PostgreSQL cannot be used, or null when it answered. Probed once per test file. */
export const postgresUnavailable: string | null = await probe()

/** node:test's `skip` option for a test or suite that needs PostgreSQL. */
export const postgresSkip: string | false =
  postgresUnavailable === null || POSTGRES_REQUIRED
    ? false
    : `PostgreSQL is not reachable at ${redactUrl(POSTGRES_ADMIN_URL)} (${postgresUnavailable}); set PACKYARD_REQUIRE_POSTGRES=1 to fail instead of skipping`

export interface TestDatabase {
  /** The URL of the new, empty database. */
  readonly url: string
  readonly name: string
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>
}

/** @throws when PostgreSQL is not reachable: a test that asked for it must not pass silently. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (postgresUnavailable !== null) {
    throw new Error(`PostgreSQL is required (PACKYARD_REQUIRE_POSTGRES=1) but not reachable at ${redactUrl(POSTGRES_ADMIN_URL)}: ${postgresUnavailable}`)
  }
  const name = `packyard_test_${randomBytes(6).toString('hex')}`
  await withAdmin((client) => client.query(`create database ${name}`))
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: () => withAdmin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  }
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function probe(): Promise<string | null> {
  try {
    await withAdmin((client) => client.query('select 1'))
    return null
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error)
  }
}
