/**
 * What each ecosystem contributes: how an uploaded file names its package, and its native routes. Adding an
 * ecosystem is one folder and one row in `ecosystems/index.ts`.
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '../errors.js'
import type { HttpDeps } from '../http/http-deps.js'

export interface PackageIdentity {
  readonly name: string
  readonly version: string
  readonly filename: string
}

export interface EcosystemAdapter {
  readonly ecosystem: string
  /** Reads a package's name and version from an uploaded file's name. @throws AppError `request_invalid` */
  identify(filename: string): PackageIdentity
  registerRoutes(app: FastifyInstance, deps: HttpDeps): void
}

export interface EcosystemAdapters {
  readonly names: readonly string[]
  identify(ecosystem: string, filename: string): PackageIdentity
  registerRoutes(app: FastifyInstance, deps: HttpDeps): void
}

export function createEcosystemAdapters(adapters: readonly EcosystemAdapter[]): EcosystemAdapters {
  const byName = new Map(adapters.map((adapter) => [adapter.ecosystem, adapter]))
  return {
    names: adapters.map((adapter) => adapter.ecosystem),
    identify(ecosystem, filename) {
      const adapter = byName.get(ecosystem)
      if (adapter === undefined) throw new AppError('request_invalid', `ecosystem ${ecosystem} is not supported`)
      return adapter.identify(filename)
    },
    registerRoutes(app, deps) {
      for (const adapter of adapters) adapter.registerRoutes(app, deps)
    },
  }
}
