/**
 * The computation context: what `cacheLife()`, `cacheTag()` and `noStore()` change while a cached function computes
 * its result. During the synchronous part of a computation the context is on a stack (every runtime, no cost
 * beyond a push and a pop); across `await`s it follows the computation through Node's AsyncLocalStorage, which is
 * only used for functions whose own source calls one of the three (AsyncLocalStorage slows every promise of the
 * process while it is active, so it is not turned on for caches that cannot need it).
 */
import { createAsyncContext, type AsyncContextStorage } from '../platform/async-context.js'
import { parseDuration } from '../options/durations.js'
import { isTagName } from '../options/schema.js'
import { ValidationError } from '../report/errors.js'
import { WarningCode, warnOnce } from '../report/warnings.js'

/** A life set from inside a computation; milliseconds, undefined for "as the cache's options say". */
export interface LifeOverride {
  readonly ttlMs?: number
  readonly staleWhileRevalidateMs?: number
  readonly staleIfErrorMs?: number
}

/** What the computation asked for. Mutable: the functions below write to the current one. */
export interface Computation {
  life: LifeOverride | undefined
  tags: string[] | undefined
  noStore: boolean
}

const stack: Computation[] = []
let storage: AsyncContextStorage<Computation> | null | undefined

function asyncStorage(): AsyncContextStorage<Computation> | null {
  if (storage === undefined) storage = createAsyncContext<Computation>()
  return storage
}

/** Whether `fn`'s own source calls cacheLife, cacheTag or noStore: then its context must survive `await`s. */
export function callsContextFunctions(fn: Function): boolean {
  return /\b(?:cacheLife|cacheTag|noStore)\s*\(/.test(Function.prototype.toString.call(fn))
}

/** A fresh, empty computation context. */
export function newComputation(): Computation {
  return { life: undefined, tags: undefined, noStore: false }
}

/** Run `fn` with `computation` as the context; `acrossAwaits` also keeps it after the first `await` (Node). */
export function runComputation<T>(computation: Computation, acrossAwaits: boolean, run: () => T): T {
  const als = acrossAwaits ? asyncStorage() : null
  stack.push(computation)
  try {
    return als ? als.run(computation, run) : run()
  } finally {
    stack.pop()
  }
}

function current(what: string): Computation | undefined {
  const found = stack[stack.length - 1] ?? storage?.getStore()
  if (!found) {
    warnOnce(
      WarningCode.context,
      `${what} was called outside a cached computation, so it does nothing. Call it inside a cached function ` +
        '(in its synchronous part, or across awaits when the cached function itself calls it).',
      `context:${what}`,
    )
  }
  return found
}

function duration(option: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000
  if (typeof value === 'string') {
    const ms = parseDuration(value)
    if (ms !== undefined) return ms
  }
  throw new ValidationError(`cacheLife ${option}`, value, 'expected seconds ≥ 0 or a duration such as "30s", "10m", "1d"')
}

/**
 * Next.js's cacheLife profiles (`revalidate` is our ttl, `expire` the end of staleWhileRevalidate), so
 * `cacheLife('hours')` means what it means there.
 */
const PROFILES: Readonly<Record<string, LifeOverride>> = {
  seconds: { ttlMs: 1_000, staleWhileRevalidateMs: 59_000 },
  minutes: { ttlMs: 60_000, staleWhileRevalidateMs: 3_540_000 },
  hours: { ttlMs: 3_600_000, staleWhileRevalidateMs: 82_800_000 },
  days: { ttlMs: 86_400_000, staleWhileRevalidateMs: 518_400_000 },
  weeks: { ttlMs: 604_800_000, staleWhileRevalidateMs: 1_987_200_000 },
  max: { ttlMs: 2_592_000_000, staleWhileRevalidateMs: 28_944_000_000 },
}

const LIFE_FIELDS: readonly string[] = ['ttl', 'staleWhileRevalidate', 'staleIfError']

/** How `cacheLife` may be called: a duration (the ttl), a profile name, or the three windows. */
export type CacheLife =
  | number
  | string
  | { readonly ttl?: number | string; readonly staleWhileRevalidate?: number | string; readonly staleIfError?: number | string }

/**
 * Set the life of the result being computed: a ttl (`cacheLife('10m')`, `cacheLife(60)`), a Next.js profile
 * (`'seconds'`, `'minutes'`, `'hours'`, `'days'`, `'weeks'`, `'max'`), or `{ ttl, staleWhileRevalidate, staleIfError }`.
 * @example async function price(id) { const p = await fetchPrice(id); cacheLife(p.volatile ? '10s' : '1h'); return p }
 */
export function cacheLife(life: CacheLife): void {
  let override: LifeOverride
  if (typeof life === 'string' && Object.hasOwn(PROFILES, life)) override = PROFILES[life]!
  else if (typeof life === 'string' && parseDuration(life) === undefined) {
    throw new ValidationError(
      'cacheLife',
      life,
      `expected a duration such as "30s" or "10m", or a profile (${Object.keys(PROFILES).join(', ')})` +
        (life === 'default' ? "; Next.js's default profile is the cache's own options here: call no cacheLife" : ''),
    )
  } else if (typeof life === 'number' || typeof life === 'string') override = { ttlMs: duration('ttl', life) }
  else if (life !== null && typeof life === 'object') {
    for (const name of Object.keys(life)) {
      if (!LIFE_FIELDS.includes(name)) {
        throw new ValidationError(
          `cacheLife ${name}`,
          (life as Record<string, unknown>)[name],
          `cacheLife takes { ttl, staleWhileRevalidate, staleIfError }; Next.js's { revalidate, expire } is ` +
            '{ ttl: revalidate, staleWhileRevalidate: expire - revalidate } (its client-side stale has no counterpart here)',
        )
      }
    }
    override = {
      ttlMs: duration('ttl', life.ttl),
      staleWhileRevalidateMs: duration('staleWhileRevalidate', life.staleWhileRevalidate),
      staleIfErrorMs: duration('staleIfError', life.staleIfError),
    }
  } else {
    throw new ValidationError(
      'cacheLife',
      life,
      `expected a duration, a profile (${Object.keys(PROFILES).join(', ')}) or { ttl, staleWhileRevalidate, staleIfError }`,
    )
  }
  const computation = current('cacheLife')
  if (computation) computation.life = { ...computation.life, ...definedOnly(override) }
}

function definedOnly(life: LifeOverride): LifeOverride {
  return Object.fromEntries(Object.entries(life).filter(([, v]) => v !== undefined)) as LifeOverride
}

/**
 * Add tags to the result being computed, for `invalidateTag` / `revalidateTag`.
 * @example async function product(id) { cacheTag('products', `product:${id}`); return db.product(id) }
 */
export function cacheTag(...tags: string[]): void {
  for (const tag of tags) {
    if (!isTagName(tag)) {
      throw new ValidationError('cacheTag', tag, 'expected tag names: non-empty strings of at most 256 characters, without line breaks')
    }
  }
  const computation = current('cacheTag')
  if (computation) (computation.tags ??= []).push(...tags)
}

/** Return the result being computed without storing it. */
export function noStore(): void {
  const computation = current('noStore')
  if (computation) computation.noStore = true
}
