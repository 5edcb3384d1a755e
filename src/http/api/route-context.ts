/** Resolves the organization and registry a route addresses, and authorizes the caller for a scope. */
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { AccessDenied, type Principal } from '../../registry/access-control.js'
import type { ApiScope, Organization, Registry } from '../../registry/records.js'
import type { HttpDeps } from '../http-deps.js'
import { parseInput } from '../parse-input.js'
import { readCredential } from '../read-credential.js'

const SLUG = z.string().min(1).max(100)
const OrgParams = z.object({ org: SLUG })
const RegistryParams = z.object({ org: SLUG, registry: SLUG })

export interface OrgContext {
  readonly org: Organization
  readonly principal: Principal
}

export interface RegistryContext extends OrgContext {
  readonly registry: Registry
}

export async function resolveOrg(deps: HttpDeps, request: FastifyRequest, scope: ApiScope): Promise<OrgContext> {
  const { org: slug } = parseInput(OrgParams, request.params, 'path')
  const credential = readCredential(request.headers.authorization)
  // Refuse before looking anything up, so an unauthenticated caller cannot probe which organizations exist.
  if (credential === undefined) throw new AccessDenied('token_missing', 'an API token is required')
  const org = await deps.organizations.get(slug)
  return { org, principal: await deps.access.authorizeOrganization(credential, org, scope) }
}

export async function resolveRegistry(deps: HttpDeps, request: FastifyRequest, scope: ApiScope): Promise<RegistryContext> {
  const params = parseInput(RegistryParams, request.params, 'path')
  return resolveRegistryBySlugs(deps, request, params.org, params.registry, scope)
}

export async function resolveRegistryBySlugs(
  deps: HttpDeps,
  request: FastifyRequest,
  orgSlug: string,
  registrySlug: string,
  scope: ApiScope,
): Promise<RegistryContext> {
  const credential = readCredential(request.headers.authorization)
  let org: Organization
  let registry: Registry
  try {
    ({ org, registry } = await deps.registries.resolve(orgSlug, registrySlug))
  } catch (error) {
    // Without a credential, a missing registry looks like a private one: existence is not disclosed.
    if (credential === undefined && error instanceof AppError && error.code === 'not_found') {
      throw new AccessDenied('token_missing', 'a token is required: an OIDC token for this registry, or an API token')
    }
    throw error
  }
  return { org, registry, principal: await deps.access.authorizeRegistry(credential, org, registry, scope) }
}
