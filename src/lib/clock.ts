/** Time as an injected dependency, so that expiry rules are tested without fake timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number
}

export const systemClock: Clock = Object.freeze({ nowMs: () => Date.now() })

/** A clock that stands still until moved; for tests and the `--now` of offline explain. */
export function createFixedClock(startMs: number): Clock & { advanceMs(ms: number): void; setMs(ms: number): void } {
  let current = startMs
  return {
    nowMs: () => current,
    advanceMs: (ms) => {
      current += ms
    },
    setMs: (ms) => {
      current = ms
    },
  }
}
