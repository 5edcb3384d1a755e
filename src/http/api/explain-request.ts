/**
 * `POST .../oidc_policy/explain`: a token (verified for the registry's audience) or bare claims, against the
 * saved policy or a draft one; the answer is the explain result of DESIGN.md 1.5.
 */
import { z } from 'zod'
import { AppError } from '../../errors.js'
import { explainPolicy } from '../../policy/explain-policy.js'
import type { Organization, Registry } from '../../registry/records.js'
import type { HttpDeps } from '../http-deps.js'
import { parseInput } from '../parse-input.js'

const ExplainBody = z
  .strictObject({
    token: z.string().min(1).max(16 * 1024).optional(),
    claims: z.record(z.string(), z.unknown()).optional(),
    policy: z.union([z.string().max(64 * 1024), z.array(z.unknown()).max(1000)]).optional(),
  })
  .refine((body) => (body.token === undefined) !== (body.claims === undefined), 'give exactly one of token and claims')

export async function explainAgainstPolicy(deps: HttpDeps, org: Organization, registry: Registry, rawBody: unknown): Promise<Record<string, unknown>> {
  const body = parseInput(ExplainBody, rawBody, 'explain request')
  const policy = await loadPolicy(deps, registry, body.policy)
  let claims: Readonly<Record<string, unknown>>
  let verified = false
  if (body.token !== undefined) {
    const result = await deps.verifier.verify(body.token, deps.access.audienceOf(org, registry))
    if (!result.ok) return { decision: 'reject', code: result.code, message: result.message, statement: null, scopes: [], statements: [], verified: false }
    claims = result.token.claims
    verified = true
  } else {
    claims = body.claims ?? {}
  }
  if (policy === null) return { decision: 'reject', code: 'policy_missing', statement: null, scopes: [], statements: [], verified }
  return { ...explainPolicy(policy, claims), verified, policy_version: body.policy === undefined ? registry.policyVersion : null }
}

async function loadPolicy(deps: HttpDeps, registry: Registry, draft: string | readonly unknown[] | undefined) {
  if (draft === undefined) return deps.policies.load(registry)
  const result = deps.policies.check(draft)
  if (result.policy === null) throw new AppError('policy_invalid', `the draft policy is invalid: ${result.errors.map((e) => e.message).join('; ')}`)
  return result.policy
}
