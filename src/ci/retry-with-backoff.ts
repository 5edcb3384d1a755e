/**
 * The retry policy of `buildkite-agent oidc request-token` (AGENT `roko.Exponential(2*time.Second, 0)` with
 * five attempts): wait 2 s, 4 s, 8 s, 16 s between tries, and give up at once on an answer that will not change.
 */

/** Attempts in all, the first included. */
export const MAX_ATTEMPTS = 5
/** The wait after attempt n is BACKOFF_BASE_SECONDS ** n seconds. */
export const BACKOFF_BASE_SECONDS = 2

/** One try: a value, or a failure that says whether trying again could help. */
export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly retryable: boolean; readonly reason: string }

export type RetryResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }

export type Sleep = (ms: number) => Promise<void>

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export interface RetryDeps {
  /** Injected so tests observe the waits instead of sitting through them. */
  readonly sleep: Sleep
  /** Where each failed attempt is reported before the next one (stderr in the CLI). */
  readonly warn: (message: string) => void
}

/** Milliseconds to wait after the `attempt`-th try (1-based). */
export function backoffMs(attempt: number): number {
  return BACKOFF_BASE_SECONDS ** attempt * 1000
}

/** Runs `attempt` until it succeeds, fails for good, or MAX_ATTEMPTS tries have failed. */
export async function retryWithBackoff<T>(attempt: () => Promise<Attempt<T>>, deps: RetryDeps): Promise<RetryResult<T>> {
  for (let tried = 1; ; tried++) {
    const outcome = await attempt()
    if (outcome.ok) return outcome
    if (!outcome.retryable || tried >= MAX_ATTEMPTS) return { ok: false, reason: outcome.reason }
    const waitMs = backoffMs(tried)
    deps.warn(`${outcome.reason} (attempt ${tried}/${MAX_ATTEMPTS}, retrying in ${waitMs / 1000}s)`)
    await deps.sleep(waitMs)
  }
}
