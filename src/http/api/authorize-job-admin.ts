/**
 * Who may register and revoke embedded-issuer jobs: the server admin for any organization slug, or an API token
 * with the `admin` scope for its own organization's slug only. Without that rule one organization's admin could
 * mint tokens claiming another organization, and pass that organization's policies.
 */
import { AppError } from '../../errors.js'
import { describePrincipal } from '../../registry/provenance.js'
import { AccessDenied, type Principal } from '../../registry/access-control.js'
import type { HttpDeps } from '../http-deps.js'

/** @throws AccessDenied `token_missing`, `api_token_invalid` (401), `scope_missing` (403) */
export async function authenticateJobAdmin(deps: HttpDeps, credential: string | undefined): Promise<Principal> {
  if (credential === undefined) throw new AccessDenied('token_missing', 'this route needs the server admin token or an organization admin API token')
  const principal = await deps.access.authenticateAny(credential)
  if (principal.kind === 'api_token' && !principal.token.scopes.includes('admin')) {
    throw new AccessDenied('scope_missing', 'issuer jobs need an API token with the admin scope')
  }
  return principal
}

/**
 * Checks that `principal` may act for `organizationSlug`; returns the audit actor.
 * @throws AccessDenied `organization_mismatch` (403)
 */
export async function authorizeJobOrganization(deps: HttpDeps, principal: Principal, organizationSlug: string): Promise<string> {
  if (principal.kind === 'server_admin') return describePrincipal(principal)
  const mismatch = new AccessDenied('organization_mismatch', "an organization's API token manages issuer jobs of that organization only")
  if (principal.kind !== 'api_token') throw mismatch
  const org = await deps.organizations.get(organizationSlug).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not_found') return null
    throw error
  })
  if (org?.id !== principal.token.organizationId) throw mismatch
  return describePrincipal(principal)
}
