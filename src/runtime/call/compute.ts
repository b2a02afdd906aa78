/**
 * The compute stage: calling the wrapped function. A cache whose calls always return promises (acache) turns a
 * synchronous throw into a rejection and a plain value into a resolved promise, so callers see one shape.
 */

/** Call `fn` as the caller did. */
export function compute(fn: Function, self: unknown, args: ArrayLike<unknown>): unknown {
  return fn.apply(self, args)
}

/** Call `fn` and always get a promise: a synchronous throw becomes a rejection. */
export function computeAsync(fn: Function, self: unknown, args: ArrayLike<unknown>): Promise<unknown> {
  try {
    const result = fn.apply(self, args)
    return result instanceof Promise ? result : Promise.resolve(result)
  } catch (error) {
    return Promise.reject(error)
  }
}
