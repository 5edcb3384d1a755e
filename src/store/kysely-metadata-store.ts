/**
 * The MetadataStore on any Kysely dialect. Repositories are rebuilt on the transaction handle inside
 * `transaction`, so code written against the store runs unchanged inside and outside one.
 */
import { sql, type Kysely } from 'kysely'
import type { Clock } from '../lib/clock.js'
import type { MetadataStore } from '../registry/ports.js'
import { createApiTokenRepository } from './api-token-repository.js'
import { createAuditRepository } from './audit-repository.js'
import type { Database } from './database.js'
import { createDistTagRepository } from './dist-tag-repository.js'
import { createIssuerJobRepository } from './issuer-job-repository.js'
import { createIssuerKeyRepository } from './issuer-key-repository.js'
import { createPackageRevisionRepository } from './package-revision-repository.js'
import { createOrganizationRepository } from './organization-repository.js'
import { createPackageRepository } from './package-repository.js'
import { createPolicyVersionRepository } from './policy-version-repository.js'
import { createRegistryRepository } from './registry-repository.js'
import { createRegistryTokenRepository } from './registry-token-repository.js'
import { createStoreContext } from './store-context.js'

export interface KyselyMetadataStoreDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly newId?: () => string
  /** Releases the connection or pool; called by `close`. */
  readonly onClose?: () => Promise<void>
}

export function createKyselyMetadataStore(deps: KyselyMetadataStoreDeps): MetadataStore {
  return buildStore(deps.db, deps, false)
}

function buildStore(db: Kysely<Database>, deps: KyselyMetadataStoreDeps, inTransaction: boolean): MetadataStore {
  const context = createStoreContext(db, deps.clock, deps.newId)
  const store: MetadataStore = {
    organizations: createOrganizationRepository(context),
    apiTokens: createApiTokenRepository(context),
    registries: createRegistryRepository(context),
    policyVersions: createPolicyVersionRepository(context),
    packages: createPackageRepository(context),
    audit: createAuditRepository(context),
    distTags: createDistTagRepository(context),
    packageRevisions: createPackageRevisionRepository(context),
    registryTokens: createRegistryTokenRepository(context),
    issuerKeys: createIssuerKeyRepository(context),
    issuerJobs: createIssuerJobRepository(context),
    // A nested call joins the transaction already open instead of deadlocking on the single connection.
    transaction: async (work) => (inTransaction ? work(store) : db.transaction().execute((trx) => work(buildStore(trx, deps, true)))),
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    close: async () => {
      if (!inTransaction) await (deps.onClose ?? (() => db.destroy()))()
    },
  }
  return Object.freeze(store)
}
