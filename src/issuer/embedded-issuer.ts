/**
 * Packyard's embedded OIDC issuer (`{public_url}/issuer`), speaking Buildkite's agent token API: discovery, JWKS,
 * jobs, and tokens minted for them. The HTTP routes (http/api/embedded-issuer-routes.ts) are a thin edge over it;
 * the server's verifier trusts it through `keySource`, without HTTP.
 */
import { AppError } from '../errors.js'
import type { Clock } from '../lib/clock.js'
import type { KeySource } from '../oidc/key-source.js'
import type { AuditSink } from '../registry/audit-sink.js'
import type { MetadataStore } from '../registry/ports.js'
import { buildTokenClaims, type TokenRequest } from './build-token-claims.js'
import { buildDiscoveryDocument } from './discovery-document.js'
import { embeddedIssuerUrl } from './embedded-trusted-issuer.js'
import type { generateSigningKey } from './generate-signing-key.js'
import { createIssuerJobs, type IssuerJobs } from './issuer-jobs.js'
import { createIssuerKeyRing, type KeyRotation, type PublishedKeys } from './issuer-key-ring.js'
import { createIssuerKeySource } from './issuer-key-source.js'
import type { IssuerSigningAlgorithm } from './issuer-ports.js'

export interface EmbeddedIssuerDeps {
  readonly store: MetadataStore
  readonly clock: Clock
  /** `{public_url}`; the issuer is `{public_url}/issuer`. */
  readonly publicUrl: string
  /** The algorithm of the first key (`embedded_issuer_algorithm`). */
  readonly algorithm: IssuerSigningAlgorithm
  readonly audit: AuditSink
  readonly generateKey?: typeof generateSigningKey
}

/** What the token API answers with, and what may be logged about it (everything but the token). */
export interface MintedToken {
  readonly token: string
  readonly kid: string
  readonly jobId: string
  readonly audience: string
  readonly subject: string
  readonly expiresAt: number
}

export interface EmbeddedIssuer {
  /** `{public_url}/issuer`, the `iss` of every token. */
  readonly issuerUrl: string
  /** `{public_url}/issuer/v3`: the agent endpoint (`BUILDKITE_AGENT_ENDPOINT`). */
  readonly agentEndpoint: string
  /** The verifier's source of this issuer's keys. */
  readonly keySource: KeySource
  readonly jobs: IssuerJobs
  discoveryDocument(): Readonly<Record<string, unknown>>
  /** The public keys published now (the signing key and retired keys within their overlap). */
  jwks(): Promise<PublishedKeys['jwks']>
  /**
   * Mints a token for `jobId` if `agentToken` may claim it.
   * @throws AppError `not_found` (unknown job), `job_forbidden` (wrong, revoked or expired agent token),
   *   `request_unprocessable` (a lifetime, claim, subject claim or session tag that cannot be honoured)
   */
  mintToken(jobId: string, agentToken: string, request: TokenRequest): Promise<MintedToken>
  /** A new signing key, at once; the old ones stay published for their overlap. */
  rotateKey(algorithm?: IssuerSigningAlgorithm): Promise<KeyRotation>
}

/** Creates the issuer and loads its keys, generating the first one on a new database. */
export async function startEmbeddedIssuer(deps: EmbeddedIssuerDeps): Promise<EmbeddedIssuer> {
  const { store, clock } = deps
  const issuerUrl = embeddedIssuerUrl(deps.publicUrl)
  const keyRing = createIssuerKeyRing({ store, clock, defaultAlgorithm: deps.algorithm, ...(deps.generateKey ? { generateKey: deps.generateKey } : {}) })
  await keyRing.start()
  const jobs = createIssuerJobs({ store, clock })
  const discovery = buildDiscoveryDocument(issuerUrl)

  const recordIssued = async (organizationSlug: string, minted: MintedToken) => {
    const org = await store.organizations.findBySlug(organizationSlug)
    if (org === undefined) return
    const { jobId, kid, audience, subject, expiresAt } = minted
    deps.audit.record({
      organizationId: org.id, registryId: null, type: 'issuer.token_issued', outcome: 'done', code: null, actor: `issuer_job:${jobId}`,
      detail: { job_id: jobId, kid, audience, subject, expires_at: new Date(expiresAt * 1000).toISOString() },
    })
  }

  return {
    issuerUrl,
    agentEndpoint: `${issuerUrl}/v3`,
    keySource: createIssuerKeySource(keyRing),
    jobs,
    discoveryDocument: () => discovery,
    jwks: async () => (await keyRing.freshPublishedKeys()).jwks,
    async mintToken(jobId, agentToken, request) {
      const job = await jobs.authorizeAgent(jobId, agentToken)
      const built = buildTokenClaims({ issuer: issuerUrl, job: job.claims, request, nowSeconds: clock.nowMs() / 1000 })
      if (!built.ok) throw new AppError('request_unprocessable', built.message)
      const { token, kid } = await keyRing.sign(built.claims)
      const { aud, sub, exp } = built.claims
      const minted = { token, kid, jobId: job.id, audience: String(aud), subject: String(sub), expiresAt: Number(exp) }
      await recordIssued(job.claims.organization_slug, minted)
      return minted
    },
    rotateKey: (algorithm) => keyRing.rotate(algorithm),
  }
}
