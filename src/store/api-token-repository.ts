import type { ApiTokenRepository } from '../registry/ports.js'
import { API_SCOPES, type ApiScope, type ApiToken } from '../registry/records.js'
import type { ApiTokensTable } from './database.js'
import { compileOnce } from './compile-once.js'
import { nowIso, withConflict, type StoreContext } from './store-context.js'

/** Every request with an API token looks it up: compiled once. */
const selectByHash = compileOnce((db, [tokenHash]: readonly [string]) => db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash), 1)

export function createApiTokenRepository(context: StoreContext): ApiTokenRepository {
  const { db } = context
  return {
    async create(input) {
      const row: ApiTokensTable = {
        id: context.newId(),
        organization_id: input.organizationId,
        description: input.description,
        scopes: JSON.stringify(input.scopes),
        token_hash: input.tokenHash,
        created_by: input.createdBy,
        created_at: nowIso(context),
        revoked_at: null,
      }
      await withConflict(db.insertInto('api_tokens').values(row).execute(), 'token already exists')
      return toApiToken(row)
    },
    async findByHash(tokenHash) {
      const [row] = await selectByHash(db, [tokenHash])
      return row === undefined ? undefined : toApiToken(row)
    },
    async list(organizationId) {
      const rows = await db.selectFrom('api_tokens').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').execute()
      return rows.map(toApiToken)
    },
    async revoke(organizationId, id) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: nowIso(context) })
        .where('organization_id', '=', organizationId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
  }
}

function toApiToken(row: ApiTokensTable): ApiToken {
  return Object.freeze({
    id: row.id,
    organizationId: row.organization_id,
    description: row.description,
    scopes: Object.freeze(parseScopes(row.scopes)),
    tokenHash: row.token_hash,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  })
}

/** Scopes as stored; an unknown name (from a newer version) is dropped rather than granted. */
function parseScopes(text: string): ApiScope[] {
  const value: unknown = JSON.parse(text)
  if (!Array.isArray(value)) return []
  return value.filter((scope): scope is ApiScope => API_SCOPES.some((known) => known === scope))
}
