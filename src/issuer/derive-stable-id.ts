/**
 * The `organization_id`, `pipeline_id` and `build_id` of embedded-issuer jobs. Buildkite's are immutable UUIDs
 * that stay the same across builds, so that a policy can pin them; the embedded issuer has no such objects, so it
 * derives each from the slugs that name it (RFC 9562 §5.5, UUIDv5): the same pipeline always gets the same
 * `pipeline_id`, and another organization's admin cannot obtain this organization's ids, because job creation
 * fixes `organization_slug` to the creator's organization.
 */
import { createHash } from 'node:crypto'

/** Namespace of every derived id: a fixed random UUID, so Packyard's ids never collide with other v5 ids. */
const PACKYARD_ISSUER_NAMESPACE = 'd5c0a1f4-52a7-4b36-9a3e-6c1f0e8b7d21'

export function deriveOrganizationId(organizationSlug: string): string {
  return deriveNameUuid(PACKYARD_ISSUER_NAMESPACE, `organization:${organizationSlug}`)
}

export function derivePipelineId(organizationSlug: string, pipelineSlug: string): string {
  return deriveNameUuid(PACKYARD_ISSUER_NAMESPACE, `pipeline:${organizationSlug}/${pipelineSlug}`)
}

export function deriveBuildId(organizationSlug: string, pipelineSlug: string, buildNumber: number): string {
  return deriveNameUuid(PACKYARD_ISSUER_NAMESPACE, `build:${organizationSlug}/${pipelineSlug}/${String(buildNumber)}`)
}

/** UUIDv5 of `name` in `namespace`: SHA-1 of namespace ‖ name, with the version and variant bits set. */
export function deriveNameUuid(namespace: string, name: string): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex')
  const digest = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest().subarray(0, 16)
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80
  const hex = digest.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
