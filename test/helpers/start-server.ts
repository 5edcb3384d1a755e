/**
 * Starts the real Packyard server in-process on a free loopback port, with its own data directory, and
 * gives tests a small HTTP client for it. Closes and removes everything in `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { createApp, type App } from '../../src/app.js'
import type { IssuerEntry } from '../../src/config/issuer-entry.js'
import { loadServerConfig } from '../../src/config/server-config.js'
import type { Clock } from '../../src/lib/clock.js'
import { findFreePort } from './find-free-port.js'
import { requestAs, type RequestFunction } from './request-as.js'

export { findFreePort }

export const TEST_ADMIN_TOKEN = 'pky_test_server_admin_token_0123456789abcdef'

export interface TestServer {
  readonly url: string
  readonly dataDir: string
  readonly app: App
  /** The bootstrap organization's admin API token. */
  readonly orgAdminToken: string
  request: RequestFunction
  close(options?: { keepData?: boolean }): Promise<void>
}

export interface StartServerOptions {
  readonly issuers?: readonly IssuerEntry[]
  readonly clock?: Clock
  readonly dataDir?: string
  readonly maxUploadBytes?: number
  /** `embedded_issuer`; default true, as in production. */
  readonly embeddedIssuer?: boolean
  /** `embedded_issuer_algorithm`: the algorithm of the embedded issuer's first key. */
  readonly embeddedIssuerAlgorithm?: 'RS256' | 'ES256'
  /** A fixed port, to restart a server on the same public URL; default a free one. */
  readonly port?: number
  /** `database`: sqlite (the default), sqlite:PATH or a postgres:// URL (see test/helpers/postgres.ts). */
  readonly database?: string
  /** `blobs`: file (the default), file:PATH or an s3:// URL (see test/helpers/s3.ts). */
  readonly blobs?: string
}

export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const port = options.port ?? (await findFreePort())
  const url = `http://127.0.0.1:${String(port)}`
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'packyard-server-')))
  const config = loadServerConfig({
    env: {},
    flags: {
      listen: `127.0.0.1:${String(port)}`, public_url: url, data_dir: dataDir,
      ...(options.maxUploadBytes !== undefined ? { max_upload_bytes: String(options.maxUploadBytes) } : {}),
      ...(options.embeddedIssuer !== undefined ? { embedded_issuer: String(options.embeddedIssuer) } : {}),
      ...(options.embeddedIssuerAlgorithm !== undefined ? { embedded_issuer_algorithm: options.embeddedIssuerAlgorithm } : {}),
      ...(options.database !== undefined ? { database: options.database } : {}),
      ...(options.blobs !== undefined ? { blobs: options.blobs } : {}),
    },
    ...(options.issuers !== undefined ? { file: { name: 'test-config.json', text: JSON.stringify({ issuers: options.issuers }) } } : {}),
  })
  const app = await createApp(config, {
    env: { PACKYARD_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    logger: pino({ level: process.env.PACKYARD_TEST_LOG ?? 'silent' }),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  })
  await app.server.listen({ host: '127.0.0.1', port })
  const orgAdminToken = app.bootstrap?.adminToken ?? TEST_ADMIN_TOKEN
  return {
    url,
    dataDir,
    app,
    orgAdminToken,
    request: requestAs(url, TEST_ADMIN_TOKEN),
    async close(closeOptions = {}) {
      await app.close()
      if (closeOptions.keepData !== true && options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true })
    },
  }
}


/** A multipart body with one `file` part. */
export function fileForm(filename: string, content: string | Uint8Array): FormData {
  const form = new FormData()
  form.append('file', new Blob([content]), filename)
  return form
}
