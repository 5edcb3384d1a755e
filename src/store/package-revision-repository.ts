import { sql } from 'kysely'
import type { PackageRevisionRepository } from '../registry/ports.js'
import { compileOnce } from './compile-once.js'
import { toNumber, type StoreContext } from './store-context.js'

/** Read before every package document served, and bumped by every publish: both compiled once. */
const selectRevision = compileOnce((db, [registryId, name]: readonly [string, string]) =>
  db.selectFrom('package_revisions').select('revision').where('registry_id', '=', registryId).where('name', '=', name), 2)

const bumpRevision = compileOnce((db, [registryId, name]: readonly [string, string]) =>
  db
    .insertInto('package_revisions')
    .values({ registry_id: registryId, name, revision: sql.lit(1) })
    .onConflict((conflict) => conflict.columns(['registry_id', 'name']).doUpdateSet((eb) => ({ revision: eb('package_revisions.revision', '+', eb.lit(1)) }))), 2)

export function createPackageRevisionRepository(context: StoreContext): PackageRevisionRepository {
  const { db } = context
  return {
    async get(registryId, name) {
      const [row] = await selectRevision(db, [registryId, name])
      return row === undefined ? undefined : toNumber(row.revision)
    },
    async bump(registryId, name) {
      await bumpRevision(db, [registryId, name])
    },
  }
}
