/**
 * A value that is often at hand and sometimes has to be fetched. Hot paths whose inputs are usually cached
 * (a reused token's verification, a compiled policy) return the value itself then, and a promise only when
 * they wait: every `async` layer costs a promise and a turn of the microtask queue on each request.
 */
export type MaybePromise<T> = T | Promise<T>

/** `next(value)`: now when `value` is at hand, else when it resolves (a rejection passes through). */
export function thenMaybe<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value)
}

/** A promise rejected with `error` (whatever was thrown), for a function whose failures must all be rejections. */
// eslint-disable-next-line @typescript-eslint/require-await -- the async function is what turns the throw into a rejection
export async function rejectWith(error: unknown): Promise<never> {
  throw error
}
