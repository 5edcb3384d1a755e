/** The JSON shapes of the REST API (Buildkite's Package Registries shapes, extended where we record more). */
import type { AuditEvent, Organization, PackageVersion, PolicyVersion, Registry } from '../../registry/records.js'

export function registryApiUrl(publicUrl: string, org: Organization, registry: Registry): string {
  return `${publicUrl}/v2/packages/organizations/${org.slug}/registries/${registry.slug}`
}

export function presentOrganization(publicUrl: string, org: Organization): Record<string, unknown> {
  return { id: org.id, slug: org.slug, name: org.name, url: `${publicUrl}/v2/packages/organizations/${org.slug}`, created_at: org.createdAt }
}

export function presentRegistry(publicUrl: string, org: Organization, registry: Registry, policySource: string | null): Record<string, unknown> {
  return {
    id: registry.id,
    slug: registry.slug,
    url: registryApiUrl(publicUrl, org, registry),
    web_url: `${publicUrl}/ui/${org.slug}/${registry.slug}`,
    name: registry.name,
    ecosystem: registry.ecosystem,
    description: registry.description,
    emoji: registry.emoji,
    color: registry.color,
    public: registry.public,
    oidc_policy: policySource,
    oidc_policy_version: registry.policyVersion,
    // The audience CI jobs request their tokens for.
    oidc_audience: `${publicUrl}/${org.slug}/${registry.slug}`,
    created_at: registry.createdAt,
    updated_at: registry.updatedAt,
  }
}

/** `downloadPath`: the native download location under `{public_url}/{org}/{registry}/` (the ecosystem's). */
export function presentPackage(
  publicUrl: string,
  org: Organization,
  registry: Registry,
  pkg: PackageVersion,
  downloadPath = `files/${encodeURIComponent(pkg.filename)}`,
): Record<string, unknown> {
  return {
    id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    filename: pkg.filename,
    url: `${registryApiUrl(publicUrl, org, registry)}/packages/${pkg.id}`,
    web_url: `${publicUrl}/ui/${org.slug}/${registry.slug}/packages/${pkg.id}`,
    download_url: `${publicUrl}/${org.slug}/${registry.slug}/${downloadPath}`,
    created_at: pkg.createdAt,
    size: pkg.size,
    digests: { sha256: pkg.sha256, sha512: pkg.sha512 },
    provenance: pkg.provenance,
    published_by: pkg.publishedBy,
    organization: { id: org.id, slug: org.slug },
    registry: { id: registry.id, slug: registry.slug, url: registryApiUrl(publicUrl, org, registry) },
  }
}

export function presentPolicyVersion(version: PolicyVersion, current: number | null): Record<string, unknown> {
  return {
    version: version.version,
    current: version.version === current,
    policy: version.source,
    saved_by: version.savedBy,
    saved_at: version.savedAt,
    restored_from: version.restoredFrom,
  }
}

export function presentAuditEvent(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    outcome: event.outcome,
    code: event.code,
    actor: event.actor,
    registry_id: event.registryId,
    detail: event.detail,
    created_at: event.createdAt,
  }
}
