/** What the CI-side commands take from the outside world, injected so tests can stub the network and skip the waits. */
import { realSleep, type Sleep } from './retry-with-backoff.js'

export interface CiRuntime {
  readonly fetch: typeof globalThis.fetch
  readonly sleep: Sleep
}

export const defaultCiRuntime: CiRuntime = Object.freeze({
  fetch: (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => fetch(input, init),
  sleep: realSleep,
})
