/** The ordered migrations; names sort in the order they run and are never renamed once released. */
import type { Migration } from 'kysely'
import { createInitialSchema, type StoreDialect } from './0001-initial.js'
import { createEmbeddedIssuerSchema } from './0002-embedded-issuer.js'
import { createPackageMetadataSchema } from './0003-package-metadata.js'
import { createPackageRevisionsSchema } from './0004-package-revisions.js'
import { createPackageSummaryIndexes } from './0005-package-summary-index.js'

export function createMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001-initial': createInitialSchema(dialect),
    '0002-embedded-issuer': createEmbeddedIssuerSchema(dialect),
    '0003-package-metadata': createPackageMetadataSchema(),
    '0004-package-revisions': createPackageRevisionsSchema(),
    '0005-package-summary-index': createPackageSummaryIndexes(),
  }
}
