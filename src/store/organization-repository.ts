import type { OrganizationRepository } from '../registry/ports.js'
import type { Organization } from '../registry/records.js'
import type { OrganizationsTable } from './database.js'
import { nowIso, withConflict, type StoreContext } from './store-context.js'

export function createOrganizationRepository(context: StoreContext): OrganizationRepository {
  const { db } = context
  return {
    async create({ slug, name }) {
      const row: OrganizationsTable = { id: context.newId(), slug, name, created_at: nowIso(context) }
      await withConflict(db.insertInto('organizations').values(row).execute(), `organization ${slug} already exists`)
      return toOrganization(row)
    },
    async findBySlug(slug) {
      const row = await db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst()
      return row === undefined ? undefined : toOrganization(row)
    },
    async count() {
      const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}

export function toOrganization(row: OrganizationsTable): Organization {
  return Object.freeze({ id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at })
}
