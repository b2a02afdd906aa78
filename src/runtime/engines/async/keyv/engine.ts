/**
 * The keyv engine of acache: any keyv 5 store (Redis, memcached, SQLite, Postgres, keyv's own memory store) behind
 * the AsyncEngine contract. Every operation is bounded in time and guarded by a back-off gate, so a dead or stalled
 * server turns calls into quick misses instead of hanging them. The connections acache opens itself for
 * `url`/`backend` are in connections.ts; which store the options ask for, in target.ts.
 */
import { SerializationError } from '../../../report/errors.js'
import { keyPart } from '../../../keys/store-key.js'
import type { Clock } from '../../../platform/clock.js'
import { listenForTags, stamp, verdictFromTimes, type TagListener } from '../../../tags/registry.js'
import { MISS, physicalExpiry, type AsyncEngine, type InvalidationBus, type LeaseTake, type StoredEntry } from '../../contract.js'
import { reportTampered, sealBlockBytes, TamperedEntryError, type Sealer } from '../../seal.js'
import type { CacheCounters } from '../../../report/stats.js'

export { keyPart }
import { unstorableAsJson } from './json-values.js'
import type { KeyvLike } from './target.js'

/** keyv namespace of every entry acache writes through a store it opened or wrapped. */
export const KEYV_NAMESPACE = 'twat-cache'
/** Longest wait for one store operation (get, set, delete) before the call goes on without the store. */
export const OPERATION_TIMEOUT_MS = 5000
/** Keys this process wrote are remembered up to this many (for stats().size and clear() of stores that cannot list keys). */
export const TRACKED_KEYS_LIMIT = 100_000

/** Wait for `promise` at most `ms`; the (ref'd) timer also keeps the process alive while a store answers. */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** First pause after a failure, and the longest (the pause doubles while the store keeps failing). */
export const BACKOFF_FIRST_MS = 500
export const BACKOFF_MAX_MS = 1000

/**
 * A circuit breaker: after a failure, the store is skipped for a pause (0.5 s, then 1 s), so a dead server costs one
 * failed attempt per pause instead of a timeout per call. Then one call tries the store (the probe) while the
 * others still skip it, so a server that accepts connections but never answers holds up one call per pause, not
 * every call. Failures are counted once per round: the calls in flight when the store went down fail together and
 * count as one, so many concurrent callers do not lengthen the pause. The pause stays short so that calls find a
 * restarted server within about a second. Shared by every cache that uses the same connection (on the clock of the
 * cache that opened it).
 */
export class BackoffGate {
  private failures = 0
  private until = 0
  /** When the last counted failure happened: calls that started before it belong to its round. */
  private failedAt = -Infinity
  private probing = false
  private lastError = ''
  constructor(
    private readonly label: string,
    private readonly clock: Clock,
  ) {}
  /** Throws while the store is skipped; else returns when the call started (pass it to ok / fail). */
  check(): number {
    const now = this.clock.now()
    if (this.failures === 0) return now
    const wait = this.until - now
    if (wait > 0) throw new Error(`${this.label} is unavailable (${this.lastError}); retrying in ${wait} ms`)
    if (this.probing) throw new Error(`${this.label} is unavailable (${this.lastError}); another call is trying it again`)
    this.probing = true
    return now
  }
  ok(): void {
    this.failures = 0
    this.probing = false
  }
  fail(error: unknown, startedAt: number = this.clock.now()): void {
    this.lastError = error instanceof Error ? error.message : String(error)
    const now = this.clock.now()
    // A call that started before the last counted failure failed in that round (or is a probe's late companion).
    if (startedAt <= this.failedAt && this.failures > 0) return
    this.probing = false
    this.failures++
    this.failedAt = now
    this.until = now + Math.min(BACKOFF_FIRST_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS)
  }
}

/**
 * How an entry is kept in a keyv store: its value (or `u` for a cached `undefined`, which JSON cannot hold apart
 * from "absent"), its life and tags, and the format (`@`). A box of another format (acache before life and tags were
 * stored) reads as a miss and is overwritten by the next computation.
 */
interface Box {
  readonly '@': 2
  readonly v?: unknown
  readonly u?: 1
  readonly p?: 1
  readonly c: number
  readonly f: number
  readonly s: number
  readonly e: number
  readonly t?: readonly string[]
}
const FORMAT = 2
const NO_TAGS: readonly string[] = Object.freeze([])

/**
 * A sealed box (`secret`, `encryptionKey`: ../../seal.ts): the format-2 box as JSON, sealed, in base64 behind its
 * seal flags byte and block. A cache without keys reads it as a miss; a cache with keys refuses plain boxes.
 */
interface SealedBox {
  readonly '@': 3
  readonly z: string
}
const SEALED_FORMAT = 3
const NO_CONTEXT: readonly Uint8Array[] = []

/** Buffers survive the JSON of a sealed box as keyv's own serializer keeps them (hand-written: two small hooks). */
function reviveBuffers(_key: string, value: unknown): unknown {
  const v = value as { type?: unknown; data?: unknown } | null
  return v !== null && typeof v === 'object' && v.type === 'Buffer' && Array.isArray(v.data) && Object.keys(v).length === 2
    ? Buffer.from(v.data as number[])
    : value
}

function sealBox(sealer: Sealer, key: string, plain: Box): SealedBox {
  const { block, payload } = sealer.seal(key, NO_CONTEXT, Buffer.from(JSON.stringify(plain), 'utf8'))
  return { '@': SEALED_FORMAT, z: Buffer.concat([Buffer.of(sealer.flags), block, payload]).toString('base64') }
}

/** The box inside a sealed one. @throws TamperedEntryError */
function openBox(sealer: Sealer, key: string, sealed: SealedBox): unknown {
  const bytes = typeof sealed.z === 'string' ? Buffer.from(sealed.z, 'base64') : Buffer.alloc(0)
  if (bytes.length < 1) throw new TamperedEntryError('its sealed box is empty')
  const flags = bytes[0]!
  const end = 1 + sealBlockBytes(flags)
  if (bytes.length < end) throw new TamperedEntryError('its sealed box is shorter than its seal')
  const plain = sealer.open(key, NO_CONTEXT, flags, bytes.subarray(1, end), bytes.subarray(end))
  try {
    return JSON.parse(plain.toString('utf8'), reviveBuffers)
  } catch {
    throw new TamperedEntryError('its sealed box does not hold JSON')
  }
}

function box(entry: StoredEntry): Box {
  return {
    '@': FORMAT,
    ...(entry.value === undefined ? { u: 1 as const } : { v: entry.value }),
    ...(entry.promise ? { p: 1 as const } : {}),
    c: entry.created,
    f: entry.freshUntil,
    s: entry.staleUntil,
    e: entry.errorUntil,
    ...(entry.tags.length ? { t: entry.tags } : {}),
  }
}

function unbox(raw: unknown): StoredEntry | typeof MISS {
  if (raw === null || typeof raw !== 'object' || (raw as Partial<Box>)['@'] !== FORMAT) return MISS // absent, or not ours
  const b = raw as Box
  return {
    value: b.u === 1 ? undefined : b.v,
    promise: b.p === 1,
    created: b.c,
    freshUntil: b.f,
    staleUntil: b.s,
    errorUntil: b.e,
    tags: b.t ?? NO_TAGS,
  }
}

/** Tag invalidation times live beside the entries, one key per tag and kind, shared by every function. */
const tagKeys = (prefix: string, tag: string) => [`${prefix}i:${tag}`, `${prefix}r:${tag}`] as const

/** One listener per keyv instance (every cache on it shares it), writing invalidation times for every process. */
const tagWriters = new WeakMap<KeyvLike, TagListener>()

export interface KeyvEngineOptions {
  /** Reported by `.cache.engine`: 'keyv', 'keyv:redis'… */
  readonly name: string
  readonly keyv: KeyvLike
  /** Prepended to every key: this cache's slice of a store that other caches share. */
  readonly prefix: string
  /** Time to live in ms of entries without a life of their own; 0 keeps the store's own default. */
  readonly ttlMs: number
  /** Where tag invalidation times are kept in the store (shared by every cache on it). */
  readonly tagPrefix: string
  /** The cache's clock: an entry's life is stored as a ttl relative to it. */
  readonly clock: Clock
  /** Refuse values that keyv's default JSON serializer would change (not done for a keyv instance you pass). */
  readonly checkValues: boolean
  /** The keyv instance serves this cache alone: clear() may clear all of it. */
  readonly ownsInstance?: boolean
  readonly gate?: BackoffGate
  /** The server, for messages: 'Redis at redis://…'. */
  readonly where?: string
  /** Runs before every operation (Redis: connect when not connected). */
  readonly before?: () => Promise<void>
  /** Runs after every operation (memcached: unref the sockets memjs opened). */
  readonly after?: () => void
  /** A store-specific way to delete every key under the prefix (Redis: SCAN + UNLINK). */
  readonly clearPrefix?: (prefix: string) => Promise<void>
  readonly roundTtl?: (ms: number) => number
  readonly close?: () => Promise<void>
  /** Signs and encrypts boxes; with it, values are checked as JSON data whatever the keyv instance's serializer. */
  readonly sealer?: Sealer
  /** The cache's name, for tampering warnings, and its counters (stats().tampered). */
  readonly cacheName?: string
  readonly counters?: CacheCounters
  /** The invalidation bus of this cache's keys, for a memory tier (Redis links: keyv/bus.ts). */
  readonly bus?: () => InvalidationBus | undefined
  /** The store's lease primitive (Redis: SET NX PX; memcached: add), when it has one. */
  readonly leases?: StoreLeases
}

/** The two node-redis commands Redis leases use; a standalone client, a Sentinel or a cluster all have them. */
export interface RedisLeaseClient {
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
}

/** A store's lease primitive (Redis, memcached), on the store's own key of a lease. */
export interface StoreLeases {
  /** The store key of the lease on an entry key (the prefixed key acache gives keyv). */
  keyOf(entryKey: string): string
  /** Set `token` under `key` for `ms` if nothing is there; whether it was set. */
  take(key: string, token: string, ms: number): Promise<boolean>
  /** Delete `key` if it still holds `token`. */
  release(key: string, token: string): Promise<void>
}

/** Delete the lease only if it still holds the caller's token (compare-and-delete, atomic in Redis). */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/** Leases on Redis: `SET NX PX` with the token, released by the compare-and-delete script. */
export function redisLeases(client: () => Promise<RedisLeaseClient>, keyOf: (entryKey: string) => string): StoreLeases {
  return {
    keyOf,
    async take(key, token, ms) {
      return (
        (await (await client()).set(key, token, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.ceil(ms)) } })) ===
        'OK'
      )
    },
    async release(key, token) {
      await (await client()).eval(RELEASE_SCRIPT, { keys: [key], arguments: [token] })
    },
  }
}

/** The lease part of acache's Redis keys, like TAG_PART: no function id can be `__leases__` (ids hold `#`). */
export const LEASE_PART = '__leases__:'

/** An AsyncEngine over a keyv instance. Faults are thrown; acache turns them into misses (or strict errors). */
export function createKeyvEngine(options: KeyvEngineOptions): AsyncEngine {
  const { name, keyv, prefix, gate, before, after, where, clock, tagPrefix } = options
  const sealer = options.sealer?.flags ? options.sealer : undefined
  // A sealed box is JSON inside, whatever the instance's serializer: check values as JSON then too.
  const checkValues = options.checkValues || sealer !== undefined
  // Entry times may carry fractions of a millisecond (tags/registry.ts `stamp`); stores take whole milliseconds.
  const round = (ms: number) => (options.roundTtl ? options.roundTtl(ms) : Math.ceil(ms))
  const written = new Set<string>()

  async function operate<T>(what: string, run: () => Promise<T>): Promise<T> {
    const startedAt = gate ? gate.check() : 0
    try {
      if (before) await before()
      const result = await bounded(run(), OPERATION_TIMEOUT_MS, `${name} ${what}`)
      gate?.ok()
      return result
    } catch (error) {
      gate?.fail(error, startedAt)
      const message = error instanceof Error ? error.message : String(error)
      // Name the server in the fault warning ("Socket closed unexpectedly" alone does not say which).
      throw where && !message.includes(where) ? new Error(`${where}: ${message}`, { cause: error }) : error
    } finally {
      after?.()
    }
  }

  const engine: AsyncEngine = {
    name,
    get store() {
      return keyv
    },
    async get(key) {
      const raw = await operate('read', () => keyv.get(prefix + key))
      const format = raw !== null && typeof raw === 'object' ? (raw as { '@'?: unknown })['@'] : undefined
      if (!sealer) return format === SEALED_FORMAT ? MISS : unbox(raw)
      if (format === undefined) return MISS // absent, or not ours
      try {
        if (format !== SEALED_FORMAT) throw new TamperedEntryError('it is not sealed, and this cache signs or encrypts its entries')
        return unbox(openBox(sealer, key, raw as SealedBox))
      } catch (error) {
        if (!(error instanceof TamperedEntryError)) throw error
        await operate('delete', () => keyv.delete(prefix + key))
        if (options.counters) reportTampered(options.counters, options.cacheName ?? prefix, where ?? name, error)
        return MISS
      }
    },
    async set(key, entry) {
      const { value } = entry
      if (checkValues && value !== undefined) {
        const reason = unstorableAsJson(value, 'the result', new Set())
        if (reason) {
          throw new SerializationError(
            `${reason}; it was returned but not cached. ${name} keeps JSON data (a Date comes back as its ISO string, ` +
              'Buffers are kept): return plain data, or pass store: a Keyv with a serializer that supports it',
          )
        }
      }
      const expiry = physicalExpiry(entry)
      const ttl = expiry > 0 ? expiry - clock.now() : options.ttlMs
      if (expiry > 0 && ttl <= 0) return // already past its last window
      const ok = await operate('write', () =>
        keyv.set(prefix + key, sealer ? sealBox(sealer, key, box(entry)) : box(entry), ttl > 0 ? round(ttl) : undefined),
      )
      // A keyv instance without throwOnErrors reports a failed write by returning false.
      if (ok === false) throw new Error('keyv reported that the write failed')
      if (written.size < TRACKED_KEYS_LIMIT) written.add(key)
    },
    async delete(key) {
      written.delete(key)
      return Boolean(await operate('delete', () => keyv.delete(prefix + key)))
    },
    async has(key) {
      // Through get, so that keyv's own expiry check applies (memcached's `has` does not apply it).
      return (await engine.get(key)) !== MISS
    },
    async clear() {
      await operate('clear', async () => {
        if (options.ownsInstance) return keyv.clear()
        if (options.clearPrefix) return options.clearPrefix(prefix)
        if (typeof keyv.iterator === 'function') {
          const mine: string[] = []
          for await (const [key] of keyv.iterator()) if (key.startsWith(prefix)) mine.push(key)
          for (const key of mine) await keyv.delete(key)
          return
        }
        // memcached cannot list keys: delete the ones this process wrote (documented).
        for (const key of written) await keyv.delete(prefix + key)
      })
      written.clear()
    },
    size: () => written.size,
    close: async () => options.close?.(),
    invalidationBus: () => options.bus?.(),
    leases: options.leases !== undefined,
    async lease(key, token, ms): Promise<LeaseTake> {
      const leases = options.leases
      if (!leases) return 'taken'
      const taken = await operate('take a lease', () => leases.take(leases.keyOf(prefix + key), token, ms))
      // A set-if-absent cannot tell a released lease from one that ran out: a taken-over lease reads as 'taken'.
      return taken ? 'taken' : 'held'
    },
    async unlease(key, token) {
      const leases = options.leases
      if (!leases) return
      await operate('give up a lease', () => leases.release(leases.keyOf(prefix + key), token))
    },
    async tagVerdict({ tags, created }) {
      if (tags.length === 0) return 'valid'
      const keys = tags.flatMap((tag) => tagKeys(tagPrefix, tag))
      const values = await operate('read tags', () => (keyv.getMany ? keyv.getMany(keys) : Promise.all(keys.map((k) => keyv.get(k)))))
      const times = new Map<string, { invalidated: number; revalidated: number }>()
      tags.forEach((tag, i) => {
        const invalidated = Number(values[2 * i] ?? 0) || 0
        const revalidated = Number(values[2 * i + 1] ?? 0) || 0
        if (invalidated || revalidated) times.set(tag, { invalidated, revalidated })
      })
      return verdictFromTimes(tags, created, (tag) => times.get(tag))
    },
  }
  if (!tagWriters.has(keyv)) {
    const writer: TagListener = {
      tags: undefined,
      async onTags(tags, mode) {
        const at = stamp(clock)
        await operate('write tags', async () => {
          for (const tag of tags) await keyv.set(tagKeys(tagPrefix, tag)[mode === 'invalidate' ? 0 : 1], at)
        })
      },
    }
    tagWriters.set(keyv, writer)
    listenForTags(writer)
  }
  return engine
}
