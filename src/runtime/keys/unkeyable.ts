/**
 * What the key encoding throws for a value it cannot key (a function, a symbol, a cycle, an object whose state the
 * key cannot see), and what the key stage hands the pipeline instead of a key: the call then bypasses the cache.
 * It is not an Error: a bypass is an ordinary outcome (a utility called with a callback), and building a stack
 * trace for each one would cost more than many of the calls it stands for.
 */
import { CacheKeyError } from '../report/errors.js'

export class Unkeyable {
  /** `position`: the argument index, or 'key' when the value came from the `key` option. */
  constructor(
    readonly position: number | 'key',
    /** What the value is, e.g. "a function named compare", "a Blob". */
    readonly what: string,
    /** Why it cannot be keyed, e.g. "its content cannot be read synchronously". */
    readonly why: string,
  ) {}

  /** The same value, found at another argument position (the encoding knows positions only at the top). */
  at(position: number | 'key'): Unkeyable {
    return position === this.position ? this : new Unkeyable(position, this.what, this.why)
  }

  /** "argument 1 (a function named compare)", or "the key option's result (…)". */
  where(): string {
    return `${this.position === 'key' ? "the key option's result" : `argument ${this.position}`} (${this.what})`
  }
}

/** The fix every unkeyable message ends with. */
export const UNKEYABLE_FIX =
  "pass a `key` option that returns a key for the call (e.g. key: (list, fn) => list), or keyBy: 'identity' to key " +
  'objects and functions by reference'

/** The error of strict mode (and of openCache, whose caller chose the key itself). */
export function unkeyableError(unkeyable: Unkeyable): CacheKeyError {
  return new CacheKeyError(`Cannot build a cache key from ${unkeyable.where()}: ${unkeyable.why}; ${UNKEYABLE_FIX}`)
}
