/**
 * The composition root: builds the stores, the trust core, the domain services and the HTTP server from the
 * configuration. The only module that knows every edge.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import type { ServerConfig } from './config/server-config.js'
import { createAllEcosystemAdapters } from './ecosystems/index.js'
import { AppError } from './errors.js'
import { createHttpServer } from './http/create-http-server.js'
import { createMetrics } from './http/metrics.js'
import { createReadinessCheck } from './http/readiness.js'
import { startEmbeddedIssuer } from './issuer/embedded-issuer.js'
import { trustEmbeddedIssuer } from './issuer/embedded-trusted-issuer.js'
import { systemClock, type Clock } from './lib/clock.js'
import { openBlobStore, type OpenedBlobStore } from './blobs/open-blob-store.js'
import { parseBlobLocation } from './blobs/parse-blob-location.js'
import { resolveTrustedIssuers } from './oidc/resolve-trusted-issuers.js'
import { createCachingTokenVerifier } from './oidc/caching-token-verifier.js'
import { createTokenVerifier } from './oidc/verify-id-token.js'
import { createAccessControl } from './registry/access-control.js'
import { createAuditSink } from './registry/audit-sink.js'
import { createOrganizationService, type OrganizationService } from './registry/organization-service.js'
import { createPackageCatalog } from './registry/package-catalog.js'
import { createPackageService } from './registry/package-service.js'
import { createPolicyBook } from './registry/policy-book.js'
import type { MetadataStore } from './registry/ports.js'
import { createRegistryService } from './registry/registry-service.js'
import { createRegistryTokenService, withRegistryTokens } from './registry/registry-token-service.js'
import { openPostgresStore } from './store/open-postgres-store.js'
import { openSqliteStore } from './store/open-sqlite-store.js'

export interface AppOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly clock?: Clock
  readonly logger?: Logger
}

export interface App {
  readonly server: FastifyInstance
  /** Set on the first start of an empty database: the organization and the admin token, to show once. */
  readonly bootstrap: { readonly organization: string; readonly adminToken: string; readonly tokenFile: string } | null
  close(): Promise<void>
}

/** Pino redaction: credentials never reach a log line, whichever object carries them. */
const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.secret', '*.password', '*.authorization']

export function createLogger(): Logger {
  return pino({ level: process.env.PACKYARD_LOG_LEVEL ?? 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } })
}

export async function createApp(config: Readonly<ServerConfig>, options: AppOptions): Promise<App> {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? createLogger()
  const configuredIssuers = resolveTrustedIssuers(config.issuers)
  // The admin-token file goes here even when the database and blobs are configured elsewhere.
  await mkdir(config.data_dir, { recursive: true })
  const store = await openStore(config, clock)
  // A bucket that does not answer stops the start; the database pool must not keep the process alive after it.
  const blobs = await openBlobs(config, options.env).catch(async (error: unknown) => {
    await store.close()
    throw error
  })
  const swept = await blobs.sweepTemporaryFiles()
  if (swept > 0) logger.info({ files: swept }, 'removed unfinished uploads')

  const metrics = createMetrics()
  const ecosystems = createAllEcosystemAdapters()
  const innerSink = createAuditSink({ store, nowMs: () => clock.nowMs(), onError: (error: unknown) => { logger.error({ err: error }, 'audit write failed'); } })
  const auditSink = {
    ...innerSink,
    record: (...[event, coalesceKey, member]: Parameters<typeof innerSink.record>) => {
      if (event.type === 'auth.decision') metrics.authDecisions.inc({ outcome: event.outcome, code: event.code ?? 'ok' })
      innerSink.record(event, coalesceKey, member)
    },
  }
  const embeddedIssuer = config.embedded_issuer
    ? await startEmbeddedIssuer({ store, clock, publicUrl: config.public_url, algorithm: config.embedded_issuer_algorithm, audit: auditSink })
    : null
  // The server trusts its own issuer with keys from memory; policies may name it like any configured issuer.
  const { issuers, keySources } = embeddedIssuer === null ? { issuers: configuredIssuers, keySources: {} } : trustEmbeddedIssuer(configuredIssuers, embeddedIssuer)
  const policies = createPolicyBook({ store, issuers })
  // Clients that reuse one token per session (twine, OCI clients) pay for its signature once.
  const verifier = createCachingTokenVerifier(createTokenVerifier({ issuers, clock, keySources }), { clock })
  const organizations = createOrganizationService({ store })
  const oidcAccess = createAccessControl({ store, verifier, policies, audit: auditSink, publicUrl: config.public_url, serverAdminToken: options.env.PACKYARD_ADMIN_TOKEN })
  // Tokens minted by an OIDC exchange (npm trusted publishing) are accepted wherever a registry's packages are.
  const registryTokens = createRegistryTokenService({ store, access: oidcAccess, verifier, audit: auditSink, clock, publicUrl: config.public_url, issuers })
  const access = withRegistryTokens(oidcAccess, registryTokens)
  const server = await createHttpServer(
    {
      publicUrl: config.public_url,
      maxUploadBytes: config.max_upload_bytes,
      organizations,
      registries: createRegistryService({ store, policies, ecosystems: ecosystems.names }),
      packages: createPackageService({ store, blobs, maxUploadBytes: config.max_upload_bytes }),
      catalog: createPackageCatalog({ store }),
      registryTokens,
      policies,
      policyVersions: store.policyVersions,
      auditLog: store.audit,
      auditSink,
      access,
      verifier,
      issuers,
      blobs,
      metrics,
      readiness: createReadinessCheck({
        probes: { database: () => store.ping(), blobs: () => blobs.ping() },
        // Real time even under a test's fixed clock: it paces probes, it dates nothing.
        nowMs: () => performance.now(),
        onFailure: (probe, error) => { logger.warn({ err: error, probe }, 'readiness probe failed') },
      }),
      ...(embeddedIssuer === null ? {} : { embeddedIssuer }),
    },
    { logger, ecosystems },
  )
  const bootstrap = await bootstrapIfEmpty(config, organizations)
  return {
    server,
    bootstrap,
    async close() {
      await server.close()
      await auditSink.close()
      await store.close()
      await blobs.close()
    },
  }
}

/** The store and the organization service alone, for the `packyard admin` commands. */
export async function openAdminServices(config: Readonly<ServerConfig>): Promise<{ organizations: OrganizationService; close(): Promise<void> }> {
  const store = await openStore(config, systemClock)
  return { organizations: createOrganizationService({ store }), close: () => store.close() }
}

/** The metadata and blob stores alone, for `packyard admin gc`; nothing is swept at start. */
export async function openStorage(
  config: Readonly<ServerConfig>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ store: MetadataStore; blobs: OpenedBlobStore; close(): Promise<void> }> {
  const store = await openStore(config, systemClock)
  try {
    const blobs = await openBlobs(config, env)
    return { store, blobs, close: async () => { await blobs.close(); await store.close() } }
  } catch (error) {
    await store.close()
    throw error
  }
}

async function openStore(config: Readonly<ServerConfig>, clock: Clock): Promise<MetadataStore> {
  if (config.database === 'sqlite') return openSqliteStore({ path: join(config.data_dir, 'packyard.db'), clock })
  if (config.database.startsWith('sqlite:')) return openSqliteStore({ path: config.database.slice('sqlite:'.length), clock })
  if (/^postgres(ql)?:\/\//.test(config.database)) return openPostgresStore({ url: config.database, clock })
  throw new AppError('config_invalid', 'database: must be sqlite, sqlite:PATH, postgres://... or postgresql://...')
}

/**
 * The blob store a configuration names, opened as the server opens it (and as `admin gc` does); S3
 * credentials and the default region come from `env`.
 * @throws AppError `config_invalid` for a malformed location, or an S3 bucket that is missing, denied or down.
 */
async function openBlobs(config: Readonly<ServerConfig>, env: Readonly<Record<string, string | undefined>>): Promise<OpenedBlobStore> {
  return openBlobStore(parseBlobLocation(config.blobs, { dataDir: config.data_dir, env }), { env })
}

async function bootstrapIfEmpty(config: Readonly<ServerConfig>, organizations: OrganizationService): Promise<App['bootstrap']> {
  const created = await organizations.bootstrap(config.bootstrap.organization)
  if (created === null) return null
  const tokenFile = join(config.data_dir, 'admin-token')
  await writeFile(tokenFile, `${created.admin.secret}\n`, { mode: 0o600 })
  await chmod(tokenFile, 0o600)
  return { organization: created.organization.slug, adminToken: created.admin.secret, tokenFile }
}
