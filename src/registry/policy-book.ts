/**
 * A registry's OIDC policy over time: saving (validated and linted by the trust core), the numbered history,
 * restore, and the compiled policy in force, cached per version so authorization never re-parses YAML.
 */
import { stringify } from 'yaml'
import { AppError } from '../errors.js'
import type { MaybePromise } from '../lib/maybe-promise.js'
import { checkPolicy, type PolicyCheck } from '../policy/check-policy.js'
import type { Policy, PolicyIssuer, PolicyProblem } from '../policy/types.js'
import type { MetadataStore } from './ports.js'
import type { PolicyVersion, Registry } from './records.js'

/** Compiled policies kept in memory; each is small, and a server holds a few hundred registries at most. */
const POLICY_CACHE_ENTRIES = 1_000

/** Thrown when a policy cannot be saved: 422 with every error. */
export class PolicyRejected extends AppError {
  constructor(readonly errors: readonly PolicyProblem[]) {
    super('policy_invalid', `the OIDC policy is invalid: ${errors.map((e) => e.message).join('; ')}`)
  }
}

export interface SavedPolicy {
  readonly version: PolicyVersion
  readonly warnings: readonly PolicyProblem[]
}

export interface PolicyBook {
  /** Checks a policy without saving it. */
  check(source: string | readonly unknown[]): PolicyCheck
  /** Validates and appends a version, and makes it the registry's policy, in one transaction. @throws PolicyRejected */
  save(store: MetadataStore, registry: Registry, source: string | readonly unknown[], savedBy: string): Promise<SavedPolicy>
  /** Makes an old version current again, as a new version. @throws AppError `not_found`, PolicyRejected */
  restore(store: MetadataStore, registry: Registry, version: number, savedBy: string): Promise<SavedPolicy>
  /** The compiled policy in force, or null when none was saved; at once when it is cached. */
  load(registry: Registry): MaybePromise<Policy | null>
}

export function createPolicyBook(deps: { store: MetadataStore; issuers: readonly PolicyIssuer[] }): PolicyBook {
  const cache = new Map<string, Policy>()
  const remember = (key: string, policy: Policy) => {
    if (cache.size >= POLICY_CACHE_ENTRIES) cache.delete(cache.keys().next().value ?? '')
    cache.set(key, policy)
  }
  const check = (source: string | readonly unknown[]) => checkPolicy(source, deps.issuers)
  const append = async (store: MetadataStore, registry: Registry, source: string, savedBy: string, restoredFrom: number | null) => {
    const result = check(source)
    if (!result.valid) throw new PolicyRejected(result.errors)
    const version = await store.transaction(async (tx) => {
      const saved = await tx.policyVersions.append({ registryId: registry.id, source, savedBy, restoredFrom })
      await tx.registries.update(registry.id, { policyVersion: saved.version })
      return saved
    })
    // Not cached here: the caller's transaction may still roll back, and the version number would be reused.
    return { version, warnings: result.warnings }
  }
  return {
    check,
    save: (store, registry, source, savedBy) => append(store, registry, toYamlText(source), savedBy, null),
    async restore(store, registry, version, savedBy) {
      const old = await store.policyVersions.find(registry.id, version)
      if (old === undefined) throw new AppError('not_found', `policy version ${String(version)} does not exist`)
      return append(store, registry, old.source, savedBy, version)
    },
    load(registry) {
      if (registry.policyVersion === null) return null
      const key = `${registry.id}:${String(registry.policyVersion)}`
      return cache.get(key) ?? compile(registry.id, registry.policyVersion, key)
    },
  }

  async function compile(registryId: string, version: number, key: string): Promise<Policy | null> {
    const saved = await deps.store.policyVersions.find(registryId, version)
    // A policy that no longer validates (an issuer removed from the configuration) refuses every token.
    const policy = saved === undefined ? null : check(saved.source).policy
    if (policy !== null) remember(key, policy)
    return policy
  }
}

/** Policies are stored and returned as YAML text (Buildkite returns `oidc_policy` as a string). */
function toYamlText(source: string | readonly unknown[]): string {
  return typeof source === 'string' ? source : stringify(source)
}
