/** A function that counts its calls in `.calls`, to prove that a hit does not call again. */
export function counted<A extends unknown[], R>(body: (...args: A) => R) {
  const fn = (...args: A) => {
    fn.calls++
    return body(...args)
  }
  fn.calls = 0
  return fn
}
