import type { DistTagRepository } from '../registry/ports.js'
import { nowIso, type StoreContext } from './store-context.js'

export function createDistTagRepository(context: StoreContext): DistTagRepository {
  const { db } = context
  return {
    async list(registryId, name) {
      const rows = await db.selectFrom('dist_tags').select(['tag', 'version']).where('registry_id', '=', registryId).where('name', '=', name).orderBy('tag').execute()
      const tags: Record<string, string> = {}
      for (const row of rows) tags[row.tag] = row.version
      return Object.freeze(tags)
    },
    async set(registryId, name, tag, version) {
      const updatedAt = nowIso(context)
      // An upsert, so that racing moves of one tag never fail: the last writer wins, as in npm's registry.
      await db
        .insertInto('dist_tags')
        .values({ registry_id: registryId, name, tag, version, updated_at: updatedAt })
        .onConflict((conflict) => conflict.columns(['registry_id', 'name', 'tag']).doUpdateSet({ version, updated_at: updatedAt }))
        .execute()
    },
    async remove(registryId, name, tag) {
      const result = await db.deleteFrom('dist_tags').where('registry_id', '=', registryId).where('name', '=', name).where('tag', '=', tag).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
  }
}
