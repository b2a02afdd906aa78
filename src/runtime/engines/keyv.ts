/**
 * The keyv engine of acache: any keyv 5 store (Redis, memcached, SQLite, Postgres, keyv's own memory store) behind
 * the AsyncEngine contract, plus the Redis and memcached connections acache opens itself for `url`/`backend`.
 * keyv, @keyv/redis and @keyv/memcache are optional peer dependencies, imported on first use; when one is missing
 * the caller falls back to the local store (see caches/acache.ts).
 *
 * Every operation is bounded in time and guarded by a back-off gate, so a dead or stalled server turns calls into
 * quick misses instead of hanging them. Sockets are unref'd: an idle cache never keeps a process alive, while the
 * timer of an operation in flight does.
 */
import type { Backend, CacheConfig } from '../config.js'
import { SerializationError, ValidationError } from '../errors.js'
import { redisUrlFromEnv, memcacheUrlFromEnv } from '../environment.js'
import { digest } from '../identity.js'
import { importOptional } from '../optional.js'
import { MISS, type AsyncEngine } from './contract.js'

/** keyv namespace of every entry acache writes through a store it opened or wrapped. */
export const KEYV_NAMESPACE = 'twat-cache'
/** Longest wait for a connection to Redis; after it the call is a miss and the connection is retried later. */
export const CONNECT_TIMEOUT_MS = 2000
/** Longest wait for one store operation (get, set, delete) before the call goes on without the store. */
export const OPERATION_TIMEOUT_MS = 5000
/** Keys this process wrote are remembered up to this many (for stats().size and clear() of stores that cannot list keys). */
export const TRACKED_KEYS_LIMIT = 100_000
/** memcached reads expiry times above 30 days as absolute Unix times: longer ttls are capped to this. */
const MEMCACHED_MAX_TTL_S = 30 * 24 * 3600
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
const DEFAULT_MEMCACHE_URL = 'memcache://127.0.0.1:11211'

// Structural types of the keyv parts we use: our own .d.ts files must not need keyv installed.
/** A keyv 5 instance, as far as acache uses it. */
export interface KeyvLike {
  get(key: string): Promise<unknown>
  set(key: string, value: unknown, ttl?: number): Promise<unknown>
  delete(key: string): Promise<unknown>
  clear(): Promise<void>
  iterator?: (...args: any[]) => AsyncIterable<[string, unknown]>
  readonly store?: unknown
}
type KeyvConstructor = new (storeOrOptions?: unknown, options?: Record<string, unknown>) => KeyvLike
interface RedisClientLike {
  readonly isOpen: boolean
  readonly isReady: boolean
  connect(): Promise<unknown>
  destroy(): void
  unref(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  scan(cursor: string, options: { MATCH: string; COUNT: number }): Promise<{ cursor: string | number; keys: string[] }>
  unlink(keys: string[]): Promise<number>
}
interface RedisModule {
  default: new (client: RedisClientLike, options: Record<string, unknown>) => { client: RedisClientLike }
  createClient(options: Record<string, unknown>): RedisClientLike
}
interface MemjsServerLike {
  _socket?: { unref(): void }
}
interface MemcacheModule {
  default: new (uri: string, options: Record<string, unknown>) => { client: { servers?: MemjsServerLike[]; close(): void } }
}

/** Where acache's entries go when a keyv store is configured. */
export type KeyvTarget =
  | { readonly kind: 'instance'; readonly keyv: KeyvLike }
  | { readonly kind: 'adapter'; readonly adapter: object }
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string }
  | { readonly kind: 'memcache'; readonly url: string }

function isKeyvInstance(store: object): store is KeyvLike {
  const s = store as Record<string, unknown>
  return typeof s.get === 'function' && typeof s.set === 'function' && 'hooks' in s && 'opts' in s && 'store' in s
}

/** What keyv itself accepts as a store (its `_isValidStorageAdapter`). */
function isStoreAdapter(store: object): boolean {
  const s = store as Record<string, unknown>
  return store instanceof Map || ['get', 'set', 'delete', 'clear'].every((method) => typeof s[method] === 'function')
}

function backendOfUrl(url: string): Exclude<Backend, 'memory'> {
  return /^rediss?:\/\//.test(url) ? 'redis' : 'memcache'
}

/**
 * The keyv store the options ask for, or undefined for acache's local store. Throws ValidationError for
 * contradictory options, when the cache is created.
 */
export function resolveKeyvTarget(config: CacheConfig): KeyvTarget | undefined {
  const { store, url, backend, preferredEngine } = config
  if (store !== undefined && url !== undefined) {
    throw new ValidationError('url', url, 'pass either store (a keyv instance or adapter) or url, not both')
  }
  if (store !== undefined) {
    if (backend !== undefined && backend !== 'memory') {
      throw new ValidationError('backend', backend, 'backend chooses a server for url; with store, leave backend out')
    }
    if (isKeyvInstance(store)) return { kind: 'instance', keyv: store }
    if (!isStoreAdapter(store)) {
      throw new ValidationError(
        'store',
        store,
        'expected a Keyv instance or a keyv store adapter (a Map, or an object with get, set, delete and clear methods, ' +
          "e.g. new KeyvRedis('redis://…'))",
      )
    }
    return { kind: 'adapter', adapter: store }
  }
  if (url !== undefined) {
    const fromUrl = backendOfUrl(url)
    if (backend !== undefined && backend !== fromUrl) {
      throw new ValidationError('backend', backend, `url ${url} is a ${fromUrl} URL; set backend: '${fromUrl}' or leave it out`)
    }
    return fromUrl === 'redis' ? { kind: 'redis', url } : { kind: 'memcache', url }
  }
  if (backend === 'redis') return { kind: 'redis', url: redisUrlFromEnv() ?? DEFAULT_REDIS_URL }
  if (backend === 'memcache') return { kind: 'memcache', url: memcacheUrlFromEnv() ?? DEFAULT_MEMCACHE_URL }
  if (preferredEngine === 'keyv') return { kind: 'memory' }
  return undefined
}

/** The engine name a target will report once it runs: 'keyv', 'keyv:redis', 'keyv:memcache', 'keyv:<dialect>'. */
export function keyvEngineName(target: KeyvTarget): string {
  if (target.kind === 'redis' || target.kind === 'memcache') return `keyv:${target.kind}`
  const adapter = target.kind === 'instance' ? target.keyv.store : target.kind === 'adapter' ? target.adapter : undefined
  const dialect = (adapter as { opts?: { dialect?: unknown } } | undefined)?.opts?.dialect
  return typeof dialect === 'string' && dialect !== '' ? `keyv:${dialect}` : 'keyv'
}

/**
 * A key fragment safe in every store and in Redis SCAN patterns: ids are file paths and qualified names, which may
 * hold spaces, glob characters (`app/[slug]/page.ts`) or be long. Changed or long ids get a hash suffix, so two ids
 * never map to the same fragment.
 */
export function keyPart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._/#@$-]/g, '_')
  if (cleaned === text && text.length <= 80) return text
  return `${cleaned.slice(0, 64)}~${digest(text, 10)}`
}

/** Hide a password in a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
}

/** Wait for `promise` at most `ms`; the (ref'd) timer also keeps the process alive while a store answers. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * After a failure, the store is skipped for a growing pause (0.5 s doubling to 30 s), so a dead server costs one
 * failed attempt per pause instead of a timeout per call. Shared by every cache that uses the same connection.
 */
export class BackoffGate {
  private failures = 0
  private until = 0
  private lastError = ''
  constructor(private readonly label: string) {}
  check(): void {
    if (this.failures === 0) return
    const wait = this.until - Date.now()
    if (wait > 0) throw new Error(`${this.label} is unavailable (${this.lastError}); retrying in ${wait} ms`)
  }
  ok(): void {
    this.failures = 0
  }
  fail(error: unknown): void {
    this.failures++
    this.until = Date.now() + Math.min(500 * 2 ** (this.failures - 1), 30_000)
    this.lastError = error instanceof Error ? error.message : String(error)
  }
}

// Values are boxed so that a cached `undefined` differs from keyv's "absent" (which is undefined).
type Box = { readonly v: unknown } | { readonly u: 1 }
const UNDEFINED_RESULT: Box = { u: 1 }

function unbox(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return MISS // absent, or not written by acache
  if ('v' in raw) return (raw as { v: unknown }).v
  return 'u' in raw ? undefined : MISS
}

/**
 * Why `value` would not come back unchanged through keyv's default serializer (@keyv/serialize, JSON with Buffer
 * support), or undefined when it would. Dates and other objects with toJSON are stored as their JSON form (a Date
 * comes back as its ISO string); undefined object properties are dropped (reading them gives undefined either way).
 * Everything else that JSON would silently change (Map and Set become {}, NaN becomes null) is refused.
 */
function unstorable(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON turns into null`
    case 'undefined':
      return `${path} is undefined inside an array, which JSON turns into null`
    case 'bigint':
      return `${path} is a bigint, which JSON cannot hold`
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}`
  }
  if (value === null) return undefined
  const object = value as object
  const BufferClass = (globalThis as { Buffer?: { isBuffer(v: unknown): boolean } }).Buffer
  if (BufferClass?.isBuffer(object)) return undefined
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return undefined
  if (ancestors.has(object)) return `${path} is a circular reference`
  ancestors.add(object)
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const reason = unstorable(object[i], `${path}[${i}]`, ancestors)
        if (reason) return reason
      }
      return undefined
    }
    const prototype = Object.getPrototypeOf(object)
    if (prototype !== Object.prototype && prototype !== null) {
      const kind = (prototype as { constructor?: { name?: string } }).constructor?.name || 'class instance'
      return `${path} is a ${kind}, which JSON does not keep (Map and Set become {}, class instances lose their class)`
    }
    for (const [name, item] of Object.entries(object)) {
      if (item === undefined) continue
      const reason = unstorable(item, `${path}.${name}`, ancestors)
      if (reason) return reason
    }
    return undefined
  } finally {
    ancestors.delete(object)
  }
}

export interface KeyvEngineOptions {
  /** Reported by `.cache.engine`: 'keyv', 'keyv:redis'… */
  readonly name: string
  readonly keyv: KeyvLike
  /** Prepended to every key: this cache's slice of a store that other caches share. */
  readonly prefix: string
  /** Time to live in ms; 0 keeps the store's own default. */
  readonly ttlMs: number
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
}

/** An AsyncEngine over a keyv instance. Faults are thrown; acache turns them into misses (or strict errors). */
export function createKeyvEngine(options: KeyvEngineOptions): AsyncEngine {
  const { name, keyv, prefix, checkValues, gate, before, after, where } = options
  const ttl = options.ttlMs > 0 ? (options.roundTtl ? options.roundTtl(options.ttlMs) : options.ttlMs) : undefined
  const written = new Set<string>()

  async function operate<T>(what: string, run: () => Promise<T>): Promise<T> {
    gate?.check()
    try {
      if (before) await before()
      const result = await bounded(run(), OPERATION_TIMEOUT_MS, `${name} ${what}`)
      gate?.ok()
      return result
    } catch (error) {
      gate?.fail(error)
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
      return unbox(await operate('read', () => keyv.get(prefix + key)))
    },
    async set(key, value) {
      if (checkValues && value !== undefined) {
        const reason = unstorable(value, 'the result', new Set())
        if (reason) {
          throw new SerializationError(
            `${reason}; it was returned but not cached. ${name} keeps JSON data (a Date comes back as its ISO string, ` +
              'Buffers are kept): return plain data, or pass store: a Keyv with a serializer that supports it',
          )
        }
      }
      const ok = await operate('write', () => keyv.set(prefix + key, value === undefined ? UNDEFINED_RESULT : { v: value }, ttl))
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
  }
  return engine
}

/** A connection acache opened for a URL, shared by every cache that uses the URL; closed with the last of them. */
interface Link {
  refs: number
  readonly name: string
  readonly where: string
  readonly keyv: KeyvLike
  readonly gate: BackoffGate
  readonly before?: () => Promise<void>
  readonly after?: () => void
  readonly clearPrefix?: (prefix: string) => Promise<void>
  readonly roundTtl?: (ms: number) => number
  destroy(): void
}

const links = new Map<string, Link>()

function openRedisLink(url: string, redis: RedisModule, Keyv: KeyvConstructor): Link {
  const where = `Redis at ${redact(url)}`
  let lastError: unknown
  const newClient = () => {
    // No automatic reconnection (its retry timers would keep the process alive and queue commands while the
    // server is down): acache reconnects on demand, paced by the gate. disableOfflineQueue makes commands fail at
    // once while disconnected instead of waiting for a server that may never come back.
    const client = redis.createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false },
    })
    client.on('error', (error) => (lastError = error)) // node-redis throws 'error' events nobody listens to
    client.unref()
    return client
  }
  const adapter = new redis.default(newClient(), { namespace: KEYV_NAMESPACE, throwOnErrors: true, throwOnConnectError: true })
  // useKeyPrefix: false because the adapter prefixes `twat-cache::` itself; keyv would add a second prefix.
  const keyv = new Keyv(adapter, { namespace: KEYV_NAMESPACE, useKeyPrefix: false, throwOnErrors: true })
  let connecting: Promise<void> | undefined
  async function connect(): Promise<void> {
    let client = adapter.client
    if (client.isOpen) {
      try {
        client.destroy()
      } catch {
        // already closed
      }
      client = newClient()
      adapter.client = client
    }
    try {
      await bounded(client.connect(), CONNECT_TIMEOUT_MS + 500, `connecting to ${where}`)
    } catch (error) {
      const cause = lastError instanceof Error ? lastError.message : error instanceof Error ? error.message : String(error)
      throw new Error(`cannot connect to ${where}: ${cause}`, { cause: error })
    }
  }
  return {
    refs: 0,
    name: 'keyv:redis',
    where,
    keyv,
    gate: new BackoffGate(where),
    before() {
      if (adapter.client.isReady) return Promise.resolve()
      return (connecting ??= connect().finally(() => (connecting = undefined)))
    },
    async clearPrefix(prefix) {
      // keyv's clear() would clear the whole twat-cache namespace, i.e. every function's entries.
      const client = adapter.client
      let cursor = '0'
      do {
        const page = await client.scan(cursor, { MATCH: `${KEYV_NAMESPACE}::${prefix}*`, COUNT: 1000 })
        cursor = String(page.cursor)
        if (page.keys.length > 0) await client.unlink(page.keys)
      } while (cursor !== '0')
    },
    destroy() {
      try {
        adapter.client.destroy()
      } catch {
        // never connected, or already closed
      }
    },
  }
}

function openMemcacheLink(url: string, memcache: MemcacheModule, Keyv: KeyvConstructor): Link {
  const hostPort = url.replace(/^memcached?:\/\//, '').replace(/\/+$/, '')
  const where = `memcached at ${redact(url)}`
  // memjs: one try per operation (the gate paces retries), 1 s timeouts, and no console logging (faults are
  // reported as TWAT_CACHE_FAULT warnings instead).
  const adapter = new memcache.default(hostPort, { retries: 1, timeout: 1, conntimeout: 1, logger: { log() {} } })
  const keyv = new Keyv(adapter, { namespace: KEYV_NAMESPACE, useKeyPrefix: false, throwOnErrors: true })
  return {
    refs: 0,
    name: 'keyv:memcache',
    where,
    keyv,
    gate: new BackoffGate(where),
    after() {
      // memjs opens sockets lazily and has no unref option; `_socket` is its (stable since 2013) field.
      for (const server of adapter.client.servers ?? []) server._socket?.unref()
    },
    // memcached counts ttl in whole seconds (a ttl under 1 s would mean "never expire"): round up.
    roundTtl: (ms) => Math.min(Math.ceil(ms / 1000), MEMCACHED_MAX_TTL_S) * 1000,
    destroy() {
      adapter.client.close()
    },
  }
}

/** What opening a keyv target gives: an engine, or the optional package that is missing. */
export type OpenResult = { readonly engine: AsyncEngine } | { readonly missing: string; readonly error: Error }

type Loaded = { module: unknown } | { missing: string; error: Error }

async function load(name: string): Promise<Loaded> {
  const loaded = await importOptional<unknown>(name)
  return loaded.module ? { module: loaded.module } : { missing: name, error: loaded.error! }
}

function keyvClass(module: unknown): KeyvConstructor {
  const m = module as { Keyv?: KeyvConstructor; default?: KeyvConstructor }
  return (m.Keyv ?? m.default)!
}

const wrappedAdapters = new WeakMap<object, KeyvLike>()

export interface KeyvSlice {
  /** The function id (from identify): each cache gets its own slice of a shared store. */
  readonly id: string
  readonly ttlMs: number
}

/**
 * Open the keyv engine for `target`, importing keyv and the adapter on first use. Connections to URLs are shared
 * between caches and closed when the last engine using them is closed.
 */
export async function openKeyvEngine(target: KeyvTarget, slice: KeyvSlice): Promise<OpenResult> {
  const name = keyvEngineName(target)
  const part = `${keyPart(slice.id)}:`
  if (target.kind === 'instance') {
    // Your instance, your namespace and serializer: acache's keys carry a twat-cache: prefix inside it.
    return { engine: createKeyvEngine({ name, keyv: target.keyv, prefix: `${KEYV_NAMESPACE}:${part}`, ttlMs: slice.ttlMs, checkValues: false, gate: new BackoffGate(name) }) }
  }
  const keyvModule = await load('keyv')
  if ('missing' in keyvModule) return keyvModule
  const Keyv = keyvClass(keyvModule.module)
  if (target.kind === 'memory') {
    return { engine: createKeyvEngine({ name, keyv: new Keyv(), prefix: part, ttlMs: slice.ttlMs, checkValues: true, ownsInstance: true }) }
  }
  if (target.kind === 'adapter') {
    let keyv = wrappedAdapters.get(target.adapter)
    if (!keyv) {
      // One Keyv per adapter: keyv sets the adapter's namespace, so two wrappers of one adapter would fight over it.
      keyv = new Keyv({ store: target.adapter, namespace: KEYV_NAMESPACE, throwOnErrors: true })
      wrappedAdapters.set(target.adapter, keyv)
    }
    return { engine: createKeyvEngine({ name, keyv, prefix: part, ttlMs: slice.ttlMs, checkValues: true, gate: new BackoffGate(name) }) }
  }
  const linkKey = `${target.kind} ${target.url}`
  let link = links.get(linkKey)
  if (!link) {
    const adapterName = target.kind === 'redis' ? '@keyv/redis' : '@keyv/memcache'
    const adapterModule = await load(adapterName)
    if ('missing' in adapterModule) return adapterModule
    link = links.get(linkKey) // another cache may have opened it while this one was importing
    if (!link) {
      link =
        target.kind === 'redis'
          ? openRedisLink(target.url, adapterModule.module as RedisModule, Keyv)
          : openMemcacheLink(target.url, adapterModule.module as MemcacheModule, Keyv)
      links.set(linkKey, link)
    }
  }
  link.refs++
  const opened = link
  let closed = false
  return {
    engine: createKeyvEngine({
      name: opened.name,
      keyv: opened.keyv,
      prefix: part,
      ttlMs: slice.ttlMs,
      checkValues: true,
      gate: opened.gate,
      where: opened.where,
      before: opened.before,
      after: opened.after,
      clearPrefix: opened.clearPrefix,
      roundTtl: opened.roundTtl,
      close: async () => {
        if (closed) return
        closed = true
        if (--opened.refs === 0) {
          if (links.get(linkKey) === opened) links.delete(linkKey)
          opened.destroy()
        }
      },
    }),
  }
}

/** Close every connection acache opened (for tests and graceful shutdown). */
export function closeAllKeyvLinks(): void {
  for (const [key, link] of links) {
    links.delete(key)
    link.destroy()
  }
}
