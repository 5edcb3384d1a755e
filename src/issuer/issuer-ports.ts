/**
 * What the embedded issuer keeps in the metadata store, and the repositories `store/` implements for it. Private
 * keys live only here and in the store: they are read by the key ring, never returned by a route.
 */
import type { JobClaims } from './job-claims.js'

/** Algorithms the issuer signs with: RS256 (Buildkite's, and what every verifier supports) and ES256. */
export const ISSUER_SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const
export type IssuerSigningAlgorithm = (typeof ISSUER_SIGNING_ALGORITHMS)[number]

export interface IssuerSigningKey {
  /** The RFC 7638 thumbprint of the public key. */
  readonly kid: string
  readonly algorithm: IssuerSigningAlgorithm
  /** The public JWK as published: kty, n/e or crv/x/y, kid, alg, use. */
  readonly publicJwk: Readonly<Record<string, unknown>>
  /** The private key, PKCS #8 PEM. */
  readonly privateKeyPem: string
  readonly createdAt: string
  /** When it stopped signing; it stays published for RETIRED_KEY_OVERLAP_MS after that. Null while it signs. */
  readonly retiredAt: string | null
}

export interface IssuerKeyRepository {
  /** Every stored key, the most recently created first. */
  list(): Promise<readonly IssuerSigningKey[]>
  insert(key: IssuerSigningKey): Promise<void>
  /** Retires every key still signing except `kid`; returns the kids retired. */
  retireAllExcept(kid: string, retiredAt: string): Promise<readonly string[]>
  /** Deletes, private key included, the keys retired before `cutoff`; returns how many. */
  deleteRetiredBefore(cutoff: string): Promise<number>
}

export interface IssuerJob {
  /** The job's UUID, also its `job_id` claim. */
  readonly id: string
  /** The claims every token of the job carries, as stored. */
  readonly claims: JobClaims
  /** sha256 of the agent access token, hex; the token itself is never stored. */
  readonly agentTokenHash: string
  readonly createdBy: string
  readonly createdAt: string
  readonly expiresAt: string
  readonly revokedAt: string | null
}

export interface IssuerJobRepository {
  insert(job: IssuerJob): Promise<void>
  find(id: string): Promise<IssuerJob | undefined>
  /** Revokes a live job's agent access token; false when there is no such live job. */
  revoke(id: string, revokedAt: string): Promise<boolean>
}
