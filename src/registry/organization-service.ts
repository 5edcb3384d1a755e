/** Organizations and their API tokens, and the first-start bootstrap of DESIGN.md 1.1. */
import { AppError } from '../errors.js'
import { generateApiTokenSecret, hashApiTokenSecret } from './api-token-secret.js'
import type { MetadataStore } from './ports.js'
import type { ApiScope, ApiToken, Organization } from './records.js'
import { assertSlugAllowed } from './slug.js'

export interface IssuedApiToken {
  readonly token: ApiToken
  /** The secret, shown once: only its hash is stored. */
  readonly secret: string
}

export interface OrganizationService {
  /** @throws AppError `not_found` */
  get(slug: string): Promise<Organization>
  /** @throws AppError `conflict`, `request_invalid` */
  create(slug: string, actor: string): Promise<Organization>
  issueToken(org: Organization, input: { description: string; scopes: readonly ApiScope[] }, actor: string): Promise<IssuedApiToken>
  listTokens(org: Organization): Promise<readonly ApiToken[]>
  /** @throws AppError `not_found` */
  revokeToken(org: Organization, id: string, actor: string): Promise<void>
  /**
   * On an empty database, creates `slug` and an admin API token for it; otherwise does nothing. Returns what it
   * created, so the caller can show the secret once.
   */
  bootstrap(slug: string): Promise<{ organization: Organization; admin: IssuedApiToken } | null>
}

export function createOrganizationService(deps: { store: MetadataStore }): OrganizationService {
  const { store } = deps
  const audit = (on: MetadataStore, org: Organization, type: string, actor: string, detail: Record<string, unknown>) =>
    on.audit.append({ organizationId: org.id, registryId: null, type, outcome: 'done', code: null, actor, detail })
  const issue = async (on: MetadataStore, org: Organization, input: { description: string; scopes: readonly ApiScope[] }, actor: string) => {
    if (input.scopes.length === 0) throw new AppError('request_invalid', 'an API token needs at least one scope')
    const secret = generateApiTokenSecret()
    const token = await on.apiTokens.create({ organizationId: org.id, description: input.description, scopes: input.scopes, tokenHash: hashApiTokenSecret(secret), createdBy: actor })
    await audit(on, org, 'api_token.created', actor, { token_id: token.id, scopes: input.scopes })
    return { token, secret }
  }
  const create = async (on: MetadataStore, slug: string, actor: string) => {
    assertSlugAllowed(slug)
    const org = await on.organizations.create({ slug, name: slug })
    await audit(on, org, 'organization.created', actor, { slug })
    return org
  }
  return {
    async get(slug) {
      const org = await store.organizations.findBySlug(slug)
      if (org === undefined) throw new AppError('not_found', `organization ${slug} not found`)
      return org
    },
    create: (slug, actor) => store.transaction((tx) => create(tx, slug, actor)),
    issueToken: (org, input, actor) => store.transaction((tx) => issue(tx, org, input, actor)),
    listTokens: (org) => store.apiTokens.list(org.id),
    async revokeToken(org, id, actor) {
      if (!(await store.apiTokens.revoke(org.id, id))) throw new AppError('not_found', `API token ${id} not found`)
      await audit(store, org, 'api_token.revoked', actor, { token_id: id })
    },
    async bootstrap(slug) {
      try {
        return await store.transaction(async (tx) => {
          if ((await tx.organizations.count()) > 0) return null
          const organization = await create(tx, slug, 'bootstrap')
          const admin = await issue(tx, organization, { description: 'bootstrap admin', scopes: ['admin'] }, 'bootstrap')
          return { organization, admin }
        })
      } catch (error) {
        // Several servers starting on one empty database (PostgreSQL) all see no organization; the unique slug
        // lets one create it, and the others, refused with `conflict`, find it done.
        if (error instanceof AppError && error.code === 'conflict' && (await store.organizations.count()) > 0) return null
        throw error
      }
    },
  }
}
