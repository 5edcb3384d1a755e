/**
 * Security defaults of the embedded issuer, each with its unit and its reason. Token lifetimes follow
 * Buildkite's agent API (reference/buildkite.md §3.1-3.3): 5 minutes by default, 2 hours at most.
 */

/** Lifetime of a token when the request asks for none (or 0), in seconds: Buildkite's default. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 300

/** Longest lifetime a token may be minted with, in seconds: Buildkite's "Maximum OIDC lifetime" limit. */
export const MAX_TOKEN_LIFETIME_SECONDS = 7_200

/** The largest clock skew any Packyard verifier may be configured with (config/issuer-entry.ts), in seconds. */
export const MAX_VERIFIER_CLOCK_SKEW_SECONDS = 60

/**
 * How often a server re-reads the signing key from the store, in ms: another server sharing the database may
 * have rotated it. Bounds how long a server keeps signing with a key that was just retired.
 */
export const SIGNING_KEY_REFRESH_MS = 60_000

/**
 * How long a retired key stays in the JWKS, in ms: long enough for every token it signed to expire everywhere.
 * The last token signed by the key may be minted up to SIGNING_KEY_REFRESH_MS after its retirement (by a server
 * that has not re-read the store yet), lives MAX_TOKEN_LIFETIME_SECONDS, and is accepted for the verifier's skew
 * after that; five more minutes absorb clock differences between the servers. 2 h 7 min in all.
 */
export const RETIRED_KEY_OVERLAP_MS =
  SIGNING_KEY_REFRESH_MS + (MAX_TOKEN_LIFETIME_SECONDS + MAX_VERIFIER_CLOCK_SKEW_SECONDS) * 1000 + 5 * 60_000

/**
 * Minimum time between store reloads triggered by a token with an unknown `kid`, in ms: a flood of tokens with
 * made-up key ids costs one query per interval, as the JWKS cache does for remote issuers (catalog G2).
 */
export const UNKNOWN_KID_RELOAD_COOLDOWN_MS = 30_000

/** RSA modulus of generated keys, in bits: the minimum every verifier accepts (RFC 8725 §3.5), and fast to use. */
export const RSA_MODULUS_BITS = 2048

/** Validity of an agent access token when the job creator asks for none, in seconds: a long CI job's day. */
export const DEFAULT_AGENT_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60

/** Longest validity of an agent access token, in seconds: a leaked one must die on its own within a week. */
export const MAX_AGENT_TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60
