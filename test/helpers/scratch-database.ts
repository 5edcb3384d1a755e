/**
 * A PostgreSQL database made for one test file or one benchmark run and dropped after it, through the
 * maintenance database at `adminUrl`. Shared by test/helpers/postgres.ts and the scale benchmark.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface ScratchDatabase {
  /** The URL of the new, empty database. */
  readonly url: string
  readonly name: string
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>
}

/** Creates `{prefix}_{random}` on the server of `adminUrl`; rejects when that server does not answer. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await withAdminClient(adminUrl, (client) => client.query(`create database ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: () => withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  }
}

/** Runs `work` on a connection to the maintenance database, closed afterwards. */
export async function withAdminClient<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}
