/**
 * uvu's `suite`, with a time limit on every test: a test that hangs (a server that never answers, a child that
 * never exits) fails with its name instead of stalling the whole run. Every test file imports `suite` from here.
 */
import { suite as uvuSuite, type Callback, type Test } from 'uvu'

/** Default limit per test; builds with real bundlers pass a longer one. */
export const DEFAULT_TEST_TIMEOUT_MS = 60_000

function limited<T>(title: string, handler: Callback<T>, timeoutMs: number): Callback<T> {
  return (context) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`test "${title}" took longer than ${timeoutMs} ms`)), timeoutMs)
    })
    return Promise.race([Promise.resolve().then(() => handler(context)), timeout]).finally(() => clearTimeout(timer))
  }
}

/** A uvu suite whose tests each fail after `timeoutMs` (default {@link DEFAULT_TEST_TIMEOUT_MS}). */
export function suite<T = Record<string, any>>(title: string, options: { timeoutMs?: number; context?: T } = {}): Test<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS
  const inner = uvuSuite<T>(title, options.context)
  const wrapped = ((name: string, handler: Callback<T>) => inner(name, limited(name, handler, timeoutMs))) as Test<T>
  wrapped.only = (name, handler) => inner.only(name, limited(name, handler, timeoutMs))
  wrapped.skip = inner.skip
  wrapped.before = inner.before
  wrapped.after = inner.after
  wrapped.run = () => inner.run()
  return wrapped
}
