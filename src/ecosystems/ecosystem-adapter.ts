/**
 * What each ecosystem contributes: how an uploaded file names its package, and its native routes. Adding an
 * ecosystem is one folder and one row in `ecosystems/index.ts`.
 */
import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.js'
import type { HttpDeps } from '../http/http-deps.js'
import type { Principal } from '../registry/access-control.js'
import type { Organization, PackageVersion, Registry } from '../registry/records.js'

export interface PackageIdentity {
  readonly name: string
  readonly version: string
  readonly filename: string
}

/** A file uploaded through the REST API (`POST .../packages`), authorized for `write_packages`. */
export interface PackageUpload {
  readonly org: Organization
  readonly registry: Registry
  readonly principal: Principal
  readonly filename: string
  readonly body: Readable
}

export interface EcosystemAdapter {
  readonly ecosystem: string
  /** Reads a package's name and version from an uploaded file's name. @throws AppError `request_invalid` */
  identify(filename: string): PackageIdentity
  /**
   * Publishes a REST upload whose identity is inside the file (npm: the tarball's package.json). Without it,
   * the upload is published under `identify(filename)`.
   */
  publishUpload?(deps: HttpDeps, upload: PackageUpload): Promise<PackageVersion>
  /** Where the native client downloads a version, relative to `{public_url}/{org}/{registry}/`; default `files/{filename}`. */
  downloadPath?(pkg: PackageVersion): string
  registerRoutes(app: FastifyInstance, deps: HttpDeps): void
}

export interface EcosystemAdapters {
  readonly names: readonly string[]
  identify(ecosystem: string, filename: string): PackageIdentity
  /** Publishes a REST upload the way its ecosystem reads files. @throws AppError */
  publishUpload(deps: HttpDeps, upload: PackageUpload): Promise<PackageVersion>
  downloadPath(ecosystem: string, pkg: PackageVersion): string
  registerRoutes(app: FastifyInstance, deps: HttpDeps): void
}

export function createEcosystemAdapters(adapters: readonly EcosystemAdapter[]): EcosystemAdapters {
  const byName = new Map(adapters.map((adapter) => [adapter.ecosystem, adapter]))
  const find = (ecosystem: string) => {
    const adapter = byName.get(ecosystem)
    if (adapter === undefined) throw new AppError('request_invalid', `ecosystem ${ecosystem} is not supported`)
    return adapter
  }
  return {
    names: adapters.map((adapter) => adapter.ecosystem),
    identify: (ecosystem, filename) => find(ecosystem).identify(filename),
    async publishUpload(deps, upload) {
      const adapter = find(upload.registry.ecosystem)
      if (adapter.publishUpload !== undefined) return adapter.publishUpload(deps, upload)
      const identity = adapter.identify(upload.filename)
      return deps.packages.publish(upload.org, upload.registry, upload.principal, { ...identity, body: upload.body })
    },
    downloadPath: (ecosystem, pkg) => byName.get(ecosystem)?.downloadPath?.(pkg) ?? `files/${encodeURIComponent(pkg.filename)}`,
    registerRoutes(app, deps) {
      for (const adapter of adapters) adapter.registerRoutes(app, deps)
    },
  }
}
