import { AppError } from '../errors.js'
import { ISSUER_SIGNING_ALGORITHMS, type IssuerKeyRepository, type IssuerSigningKey } from '../issuer/issuer-ports.js'
import { isJsonObject } from '../lib/is-json-object.js'
import type { IssuerSigningKeysTable } from './database.js'
import { withConflict, type StoreContext } from './store-context.js'

export function createIssuerKeyRepository(context: StoreContext): IssuerKeyRepository {
  const { db } = context
  return {
    async list() {
      const rows = await db.selectFrom('issuer_signing_keys').selectAll().orderBy('seq', 'desc').execute()
      return rows.map(toSigningKey)
    },
    async insert(key) {
      const row = {
        kid: key.kid,
        algorithm: key.algorithm,
        public_jwk: JSON.stringify(key.publicJwk),
        private_key_pem: key.privateKeyPem,
        created_at: key.createdAt,
        retired_at: key.retiredAt,
      }
      await withConflict(db.insertInto('issuer_signing_keys').values(row).execute(), `signing key ${key.kid} already exists`)
    },
    async retireAllExcept(kid, retiredAt) {
      const rows = await db
        .updateTable('issuer_signing_keys')
        .set({ retired_at: retiredAt })
        .where('retired_at', 'is', null)
        .where('kid', '!=', kid)
        .returning('kid')
        .execute()
      return rows.map((row) => row.kid)
    },
    async deleteRetiredBefore(cutoff) {
      const result = await db.deleteFrom('issuer_signing_keys').where('retired_at', 'is not', null).where('retired_at', '<', cutoff).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

/** A stored key; a row this version cannot use (unknown algorithm, broken JWK) is a fault, never skipped silently. */
function toSigningKey(row: Omit<IssuerSigningKeysTable, 'seq'>): IssuerSigningKey {
  const algorithm = ISSUER_SIGNING_ALGORITHMS.find((known) => known === row.algorithm)
  const publicJwk: unknown = JSON.parse(row.public_jwk)
  if (algorithm === undefined || !isJsonObject(publicJwk)) {
    throw new AppError('internal_error', `issuer signing key ${row.kid} is not readable (algorithm ${row.algorithm})`)
  }
  return Object.freeze({
    kid: row.kid,
    algorithm,
    publicJwk: Object.freeze(publicJwk),
    privateKeyPem: row.private_key_pem,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  })
}
