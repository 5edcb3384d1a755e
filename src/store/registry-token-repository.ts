import { isJsonObject } from '../lib/is-json-object.js'
import type { RegistryTokenRepository } from '../registry/ports.js'
import { API_SCOPES, type ApiScope, type RegistryToken } from '../registry/records.js'
import type { RegistryTokensTable } from './database.js'
import { nowIso, withConflict, type StoreContext } from './store-context.js'

export function createRegistryTokenRepository(context: StoreContext): RegistryTokenRepository {
  const { db } = context
  return {
    async create(input) {
      const row: RegistryTokensTable = {
        id: context.newId(),
        organization_id: input.organizationId,
        registry_id: input.registryId,
        token_hash: input.tokenHash,
        scopes: JSON.stringify(input.scopes),
        oidc_grant: JSON.stringify(input.grant),
        created_at: nowIso(context),
        expires_at: input.expiresAt,
      }
      await withConflict(db.insertInto('registry_tokens').values(row).execute(), 'token already exists')
      return toRegistryToken(row)
    },
    async findByHash(tokenHash) {
      const row = await db.selectFrom('registry_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
      return row === undefined ? undefined : toRegistryToken(row)
    },
    async deleteExpired(beforeIso) {
      const result = await db.deleteFrom('registry_tokens').where('expires_at', '<', beforeIso).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

function toRegistryToken(row: RegistryTokensTable): RegistryToken {
  const grant: unknown = JSON.parse(row.oidc_grant)
  const scopes: unknown = JSON.parse(row.scopes)
  return Object.freeze({
    id: row.id,
    organizationId: row.organization_id,
    registryId: row.registry_id,
    // An unknown scope name (from a newer version) is dropped rather than granted.
    scopes: Object.freeze(Array.isArray(scopes) ? scopes.filter((scope): scope is ApiScope => API_SCOPES.some((known) => known === scope)) : []),
    tokenHash: row.token_hash,
    grant: Object.freeze(isJsonObject(grant) ? grant : {}),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  })
}
