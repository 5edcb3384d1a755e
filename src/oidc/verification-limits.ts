/**
 * Security defaults of token verification and key fetching (DESIGN.md 1.4), each with its unit and its reason.
 * The verifier and the JWKS cache take overrides through their `deps` (tests shorten the timeouts); production
 * uses these values.
 */

/** Longest accepted token, in bytes (= characters: a valid token is ASCII). CI tokens are < 2 KiB (RFC 8725 §3 DoS). */
export const MAX_TOKEN_BYTES = 16 * 1024

/** Distinct checked JWS headers a verifier remembers (an issuer uses one per key): bounds memory under junk headers. */
export const MAX_REMEMBERED_HEADERS = 64

/** Total time for one discovery or JWKS fetch, redirects and body included: a hung issuer must not hold requests. */
export const FETCH_TIMEOUT_MS = 5_000

/** Largest discovery or JWKS body, in bytes: real JWKS are a few KiB; jose has no cap (catalog G5). */
export const MAX_FETCH_BODY_BYTES = 256 * 1024

/** Same-origin redirects followed per fetch; a redirect to another origin is never followed (catalog G6). */
export const MAX_FETCH_REDIRECTS = 3

/** Age after which cached keys are refetched, in ms: bounds how long a key removed by the issuer stays usable. */
export const JWKS_MAX_AGE_MS = 10 * 60_000

/** Minimum time between fetches triggered by an unknown `kid`, in ms: an unknown-kid flood costs one fetch (G2). */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000

/** Wait after a failed fetch before the next attempt, in ms; also the `Retry-After` of `issuer_unavailable`. */
export const JWKS_FAILURE_BACKOFF_MS = 10_000

/**
 * How long keys are served after they should have been refreshed, while the issuer is unreachable, in ms: an
 * issuer outage of up to a day does not stop publishing, and a key cannot outlive its issuer's JWKS by more.
 */
export const JWKS_MAX_STALE_MS = 24 * 60 * 60_000

/** Keys kept per issuer; the rest are ignored. Real issuers publish 1-4; 100 leaves room for rotation overlaps. */
export const MAX_KEYS_PER_ISSUER = 100

/** Concrete issuers cached per key source (one per CircleCI organization seen), least recently used evicted. */
export const MAX_CACHED_ISSUERS = 1_000

/**
 * Candidate keys tried when a token has no `kid` (or a `kid` shared by several keys): each try is a full
 * signature check, so an attacker must not make us run a hundred of them per token (catalog B8).
 */
export const MAX_KEY_CANDIDATES = 4

/** Smallest RSA modulus accepted, in bits (RFC 8725 §3.5; jose's `minRsaBits`). */
export const MIN_RSA_MODULUS_BITS = 2048

/**
 * Verified tokens remembered per server, so that a client reusing one token (twine, OCI clients) pays for the
 * signature once; each entry is dropped at its token's expiry. Bounds memory at about 10 MB of small tokens.
 */
export const MAX_CACHED_VERIFIED_TOKENS = 10_000
