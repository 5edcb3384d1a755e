import type { RegistryPatch, RegistryRepository } from '../registry/ports.js'
import type { Registry } from '../registry/records.js'
import type { RegistriesTable } from './database.js'
import { toOrganization } from './organization-repository.js'
import { compileOnce } from './compile-once.js'
import { nowIso, withConflict, type StoreContext } from './store-context.js'

/** Every registry route resolves its organization and registry with this: compiled once. */
const selectWithOrganization = compileOnce((db, [orgSlug, slug]: readonly [string, string]) =>
  db
    .selectFrom('registries')
    .innerJoin('organizations', 'organizations.id', 'registries.organization_id')
    .selectAll('registries')
    .select(['organizations.slug as organization_slug', 'organizations.name as organization_name', 'organizations.created_at as organization_created_at'])
    .where('organizations.slug', '=', orgSlug)
    .where('registries.slug', '=', slug), 2)

export function createRegistryRepository(context: StoreContext): RegistryRepository {
  const { db } = context
  const find = async (id: string) => {
    const row = await db.selectFrom('registries').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toRegistry(row)
  }
  return {
    async create(input) {
      const now = nowIso(context)
      const row: RegistriesTable = {
        id: context.newId(),
        organization_id: input.organizationId,
        slug: input.slug,
        name: input.name,
        ecosystem: input.ecosystem,
        description: input.description,
        emoji: input.emoji,
        color: input.color,
        public: input.public ? 1 : 0,
        policy_version: null,
        created_at: now,
        updated_at: now,
      }
      await withConflict(db.insertInto('registries').values(row).execute(), `a registry with the slug ${input.slug} already exists`)
      return toRegistry(row)
    },
    async findBySlug(organizationId, slug) {
      const row = await db
        .selectFrom('registries')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('slug', '=', slug)
        .executeTakeFirst()
      return row === undefined ? undefined : toRegistry(row)
    },
    async findWithOrganization(orgSlug, slug) {
      const [row] = await selectWithOrganization(db, [orgSlug, slug])
      if (row === undefined) return undefined
      const organization = toOrganization({ id: row.organization_id, slug: row.organization_slug, name: row.organization_name, created_at: row.organization_created_at })
      return { organization, registry: toRegistry(row) }
    },
    async list(organizationId) {
      const rows = await db.selectFrom('registries').selectAll().where('organization_id', '=', organizationId).orderBy('slug').execute()
      return rows.map(toRegistry)
    },
    async update(id, patch) {
      const message = `a registry with the slug ${patch.slug ?? ''} already exists`
      await withConflict(db.updateTable('registries').set(toRow(patch, nowIso(context))).where('id', '=', id).execute(), message)
      return find(id)
    },
    async delete(id) {
      const result = await db.deleteFrom('registries').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}

function toRow(patch: RegistryPatch, now: string): Partial<RegistriesTable> {
  const row: Partial<RegistriesTable> = { updated_at: now }
  if (patch.slug !== undefined) row.slug = patch.slug
  if (patch.name !== undefined) row.name = patch.name
  if (patch.description !== undefined) row.description = patch.description
  if (patch.emoji !== undefined) row.emoji = patch.emoji
  if (patch.color !== undefined) row.color = patch.color
  if (patch.public !== undefined) row.public = patch.public ? 1 : 0
  if (patch.policyVersion !== undefined) row.policy_version = patch.policyVersion
  return row
}

function toRegistry(row: RegistriesTable): Registry {
  return Object.freeze({
    id: row.id,
    organizationId: row.organization_id,
    slug: row.slug,
    name: row.name,
    ecosystem: row.ecosystem,
    description: row.description,
    emoji: row.emoji,
    color: row.color,
    public: row.public === 1,
    policyVersion: row.policy_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  })
}
