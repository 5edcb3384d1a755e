/** What the HTTP routes are given: the domain's services, never a store or a driver directly. */
import type { EmbeddedIssuer } from '../issuer/embedded-issuer.js'
import type { TokenVerifier } from '../oidc/verify-id-token.js'
import type { PolicyIssuer } from '../policy/types.js'
import type { AccessControl } from '../registry/access-control.js'
import type { AuditSink } from '../registry/audit-sink.js'
import type { OrganizationService } from '../registry/organization-service.js'
import type { PackageCatalog } from '../registry/package-catalog.js'
import type { PackageService } from '../registry/package-service.js'
import type { PolicyBook } from '../registry/policy-book.js'
import type { AuditRepository, BlobStore, PolicyVersionRepository } from '../registry/ports.js'
import type { RegistryService } from '../registry/registry-service.js'
import type { RegistryTokenService } from '../registry/registry-token-service.js'
import type { Metrics } from './metrics.js'
import type { ReadinessReport } from './readiness.js'

export interface HttpDeps {
  readonly publicUrl: string
  readonly maxUploadBytes: number
  readonly organizations: OrganizationService
  readonly registries: RegistryService
  readonly packages: PackageService
  /** Packages by name: dist-tags, deprecations, unpublishing, search (npm). */
  readonly catalog: PackageCatalog
  /** Registry tokens minted by OIDC token exchanges (npm trusted publishing). */
  readonly registryTokens: RegistryTokenService
  readonly policies: PolicyBook
  readonly policyVersions: PolicyVersionRepository
  readonly auditLog: AuditRepository
  readonly auditSink: AuditSink
  readonly access: AccessControl
  readonly verifier: TokenVerifier
  readonly issuers: readonly PolicyIssuer[]
  readonly blobs: BlobStore
  readonly metrics: Metrics
  /** `GET /healthz`: whether the stores answer (http/readiness.ts). */
  readonly readiness: () => Promise<ReadinessReport>
  /** Present when `embedded_issuer` is on: its routes under `/issuer/` exist only then. */
  readonly embeddedIssuer?: EmbeddedIssuer
}
