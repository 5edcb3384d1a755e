import type { PolicyVersionRepository } from '../registry/ports.js'
import type { PolicyVersion } from '../registry/records.js'
import type { PolicyVersionsTable } from './database.js'
import { nowIso, withConflict, type StoreContext } from './store-context.js'

export function createPolicyVersionRepository(context: StoreContext): PolicyVersionRepository {
  const { db } = context
  return {
    async append(input) {
      // max + 1 inside the caller's transaction; two concurrent savers collide on the primary key and one gets
      // `conflict` rather than a gap or a duplicate.
      const last = await db
        .selectFrom('policy_versions')
        .select((eb) => eb.fn.max('version').as('version'))
        .where('registry_id', '=', input.registryId)
        .executeTakeFirst()
      const row: PolicyVersionsTable = {
        registry_id: input.registryId,
        version: (last?.version ?? 0) + 1,
        source: input.source,
        saved_by: input.savedBy,
        saved_at: nowIso(context),
        restored_from: input.restoredFrom,
      }
      await withConflict(db.insertInto('policy_versions').values(row).execute(), 'the policy was saved concurrently; try again')
      return toPolicyVersion(row)
    },
    async find(registryId, version) {
      const row = await db
        .selectFrom('policy_versions')
        .selectAll()
        .where('registry_id', '=', registryId)
        .where('version', '=', version)
        .executeTakeFirst()
      return row === undefined ? undefined : toPolicyVersion(row)
    },
    async findCurrent(organizationId) {
      const rows = await db
        .selectFrom('policy_versions')
        .innerJoin('registries', (join) => join.onRef('registries.id', '=', 'policy_versions.registry_id').onRef('registries.policy_version', '=', 'policy_versions.version'))
        .selectAll('policy_versions')
        .where('registries.organization_id', '=', organizationId)
        .execute()
      return new Map(rows.map((row) => [row.registry_id, toPolicyVersion(row)]))
    },
    async list(registryId) {
      const rows = await db.selectFrom('policy_versions').selectAll().where('registry_id', '=', registryId).orderBy('version', 'desc').execute()
      return rows.map(toPolicyVersion)
    },
  }
}

function toPolicyVersion(row: PolicyVersionsTable): PolicyVersion {
  return Object.freeze({
    registryId: row.registry_id,
    version: row.version,
    source: row.source,
    savedBy: row.saved_by,
    savedAt: row.saved_at,
    restoredFrom: row.restored_from,
  })
}
