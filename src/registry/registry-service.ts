/**
 * Registries of an organization: create, read, update, delete, each change audited. The ecosystem is fixed at
 * creation (Buildkite's rule); renaming changes the slug, and so the registry's URLs and OIDC audience.
 */
import { AppError } from '../errors.js'
import { definedOnly } from '../lib/defined-only.js'
import { type PolicyBook, type SavedPolicy } from './policy-book.js'
import type { MetadataStore, RegistryPatch } from './ports.js'
import type { Organization, Registry } from './records.js'
import { slugify } from './slug.js'

export interface RegistryInput {
  readonly name: string
  readonly ecosystem: string
  readonly description?: string | null | undefined
  readonly emoji?: string | null | undefined
  readonly color?: string | null | undefined
  readonly public?: boolean | undefined
  readonly oidcPolicy?: string | readonly unknown[] | null | undefined
}

export type RegistryUpdate = Partial<Omit<RegistryInput, 'ecosystem'>> & { readonly ecosystem?: string | undefined }

export interface RegistryChange {
  readonly registry: Registry
  /** The policy saved with the change, with its warnings; null when the policy did not change. */
  readonly policy: SavedPolicy | null
}

export interface RegistryService {
  create(org: Organization, input: RegistryInput, actor: string): Promise<RegistryChange>
  list(org: Organization): Promise<readonly Registry[]>
  /** @throws AppError `not_found` */
  get(org: Organization, slug: string): Promise<Registry>
  /** The organization `orgSlug` and its registry `slug`, read together. @throws AppError `not_found` (which one) */
  resolve(orgSlug: string, slug: string): Promise<{ readonly org: Organization; readonly registry: Registry }>
  update(org: Organization, slug: string, update: RegistryUpdate, actor: string): Promise<RegistryChange>
  delete(org: Organization, slug: string, actor: string): Promise<void>
  /** Makes an old policy version current again, as a new version. @throws AppError `not_found` */
  restorePolicy(org: Organization, slug: string, version: number, actor: string): Promise<RegistryChange>
}

/** `ecosystems`: those a registry can be created for (the ones with an adapter). */
export function createRegistryService(deps: { store: MetadataStore; policies: PolicyBook; ecosystems: readonly string[] }): RegistryService {
  const { store, policies } = deps
  const find = async (on: MetadataStore, org: Organization, slug: string) => {
    const registry = await on.registries.findBySlug(org.id, slug)
    if (registry === undefined) throw new AppError('not_found', `registry ${org.slug}/${slug} not found`)
    return registry
  }
  const get = (org: Organization, slug: string) => find(store, org, slug)
  const audit = (on: MetadataStore, org: Organization, registry: Registry, type: string, actor: string, detail: Record<string, unknown>) =>
    on.audit.append({ organizationId: org.id, registryId: registry.id, type, outcome: 'done', code: null, actor, detail })

  return {
    async create(org, input, actor) {
      assertEcosystem(deps.ecosystems, input.ecosystem)
      return store.transaction(async (tx) => {
        const created = await tx.registries.create(toNewRegistry(org, input))
        await audit(tx, org, created, 'registry.created', actor, { slug: created.slug, ecosystem: created.ecosystem })
        const policy = await savePolicyIfGiven(tx, policies, org, created, input.oidcPolicy, actor)
        return { registry: policy === null ? created : await find(tx, org, created.slug), policy }
      })
    },
    list: (org) => store.registries.list(org.id),
    get,
    async resolve(orgSlug, slug) {
      const found = await store.registries.findWithOrganization(orgSlug, slug)
      if (found !== undefined) return { org: found.organization, registry: found.registry }
      // Not found: read again one at a time, only to say which of the two is missing.
      const org = await store.organizations.findBySlug(orgSlug)
      if (org === undefined) throw new AppError('not_found', `organization ${orgSlug} not found`)
      return { org, registry: await get(org, slug) }
    },
    update: (org, slug, update, actor) => store.transaction(async (tx) => {
      const registry = await find(tx, org, slug)
      if (update.ecosystem !== undefined && update.ecosystem !== registry.ecosystem) {
        throw new AppError('request_invalid', 'a registry\'s ecosystem cannot be changed after it is created')
      }
      const patch = toPatch(update)
      const updated = Object.keys(patch).length === 0 ? registry : await tx.registries.update(registry.id, patch)
      if (updated === undefined) throw new AppError('not_found', `registry ${org.slug}/${slug} not found`)
      if (Object.keys(patch).length > 0) await audit(tx, org, updated, 'registry.updated', actor, { changed: Object.keys(patch) })
      const policy = await savePolicyIfGiven(tx, policies, org, updated, update.oidcPolicy, actor)
      return { registry: policy === null ? updated : await find(tx, org, updated.slug), policy }
    }),
    restorePolicy: (org, slug, version, actor) =>
      store.transaction(async (tx) => {
        const registry = await find(tx, org, slug)
        const policy = await policies.restore(tx, registry, version, actor)
        await audit(tx, org, registry, 'policy.restored', actor, { version: policy.version.version, restored_from: version })
        return { registry: await find(tx, org, slug), policy }
      }),
    async delete(org, slug, actor) {
      const registry = await get(org, slug)
      await store.registries.delete(registry.id)
      await audit(store, org, registry, 'registry.deleted', actor, { slug: registry.slug })
    },
  }
}

async function savePolicyIfGiven(
  store: MetadataStore,
  policies: PolicyBook,
  org: Organization,
  registry: Registry,
  source: string | readonly unknown[] | null | undefined,
  actor: string,
): Promise<SavedPolicy | null> {
  if (source === undefined) return null
  // `null` clears the policy: saved as an empty version, so history shows who removed it.
  const saved = await policies.save(store, registry, source ?? '[]', actor)
  await store.audit.append({
    organizationId: org.id,
    registryId: registry.id,
    type: 'policy.saved',
    outcome: 'done',
    code: null,
    actor,
    detail: { version: saved.version.version, warnings: saved.warnings.length },
  })
  return saved
}

function assertEcosystem(supported: readonly string[], ecosystem: string): void {
  if (!supported.includes(ecosystem)) {
    throw new AppError('request_invalid', `ecosystem ${JSON.stringify(ecosystem)} is not supported; supported: ${supported.join(', ')}`)
  }
}

function toNewRegistry(org: Organization, input: RegistryInput): Omit<Registry, 'id' | 'createdAt' | 'updatedAt' | 'policyVersion'> {
  return {
    organizationId: org.id,
    slug: slugify(input.name),
    name: input.name,
    ecosystem: input.ecosystem,
    description: input.description ?? null,
    emoji: input.emoji ?? null,
    color: input.color ?? null,
    public: input.public ?? false,
  }
}

function toPatch(update: RegistryUpdate): RegistryPatch {
  return definedOnly({
    name: update.name, slug: update.name === undefined ? undefined : slugify(update.name), description: update.description, emoji: update.emoji, color: update.color,
    public: update.public,
  })
}
