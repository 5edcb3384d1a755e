import { AppError } from '../errors.js'
import type { IssuerJob, IssuerJobRepository } from '../issuer/issuer-ports.js'
import { JobClaims } from '../issuer/job-claims.js'
import type { IssuerJobsTable } from './database.js'
import { withConflict, type StoreContext } from './store-context.js'

export function createIssuerJobRepository(context: StoreContext): IssuerJobRepository {
  const { db } = context
  return {
    async insert(job) {
      const row: IssuerJobsTable = {
        id: job.id,
        organization_slug: job.claims.organization_slug,
        claims: JSON.stringify(job.claims),
        agent_token_hash: job.agentTokenHash,
        created_by: job.createdBy,
        created_at: job.createdAt,
        expires_at: job.expiresAt,
        revoked_at: job.revokedAt,
      }
      await withConflict(db.insertInto('issuer_jobs').values(row).execute(), `job ${job.id} already exists`)
    },
    async find(id) {
      const row = await db.selectFrom('issuer_jobs').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toIssuerJob(row)
    },
    async revoke(id, revokedAt) {
      const result = await db.updateTable('issuer_jobs').set({ revoked_at: revokedAt }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
  }
}

/** Claims are parsed, not trusted: a row that does not fit the schema never reaches a token. */
function toIssuerJob(row: IssuerJobsTable): IssuerJob {
  const claims = JobClaims.safeParse(JSON.parse(row.claims))
  if (!claims.success) throw new AppError('internal_error', `issuer job ${row.id} has unreadable claims`)
  return Object.freeze({
    id: row.id,
    claims: Object.freeze(claims.data),
    agentTokenHash: row.agent_token_hash,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  })
}
