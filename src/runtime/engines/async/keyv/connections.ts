/**
 * The Redis and memcached connections acache opens itself for `url`/`backend`, shared by every cache that uses the
 * same URL and closed with the last of them; and `openKeyvEngine`, which loads keyv and the adapter on first use
 * (they are optional peer dependencies: when one is missing the caller falls back to the local store). Sockets are
 * unref'd: an idle cache never keeps a process alive, while the timer of an operation in flight does.
 */
import type { Clock } from '../../../platform/clock.js'
import { requireOptional, type LoadFailure, type OptionalPackage } from '../../../platform/optional.js'
import type { AsyncEngine, EngineContext } from '../../contract.js'
import type { Sealer } from '../../seal.js'
import { RedisBus, adapterBus, type BusClientLike, type CreateBusClient } from './bus.js'
import {
  BackoffGate,
  KEYV_NAMESPACE,
  LEASE_PART,
  bounded,
  createKeyvEngine,
  keyPart,
  redisLeases,
  type RedisLeaseClient,
  type StoreLeases,
} from './engine.js'
import { keyvEngineName, type KeyvConstructor, type KeyvLike, type KeyvTarget } from './target.js'

/**
 * The key fragment under which tag invalidation times are kept (no function id can be `__tags__`: ids hold `#`):
 * `<TAG_PART>i:<tag>` and `<TAG_PART>r:<tag>` hold the last invalidation and revalidation times.
 */
export const TAG_PART = '__tags__:'

/** Longest wait for a connection to Redis; after it the call is a miss and the connection is retried later. */
export const CONNECT_TIMEOUT_MS = 2000
/** memcached reads expiry times above 30 days as absolute Unix times: longer ttls are capped to this. */
const MEMCACHED_MAX_TTL_S = 30 * 24 * 3600

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
/** The memjs client calls memcached leases use (promises when no callback is given). */
interface MemjsClientLike {
  servers?: MemjsServerLike[]
  close(): void
  add(key: string, value: string, options: { expires: number }): Promise<boolean>
  get(key: string): Promise<{ value: Uint8Array | null } | null>
  delete(key: string): Promise<boolean>
}
interface MemcacheModule {
  default: new (uri: string, options: Record<string, unknown>) => { client: MemjsClientLike }
}

/**
 * Leases on memcached: `add` (set if absent) with an expiry, in whole seconds (lockTimeout rounded up). memcached
 * has no compare-and-delete, so the release reads the lease and deletes it if it still holds the token: two steps,
 * which go wrong only if the lease runs out and is taken over between them.
 */
function memcacheLeases(client: () => MemjsClientLike): StoreLeases {
  return {
    keyOf: (entryKey) => `${KEYV_NAMESPACE}::${LEASE_PART}${entryKey}`,
    async take(key, token, ms) {
      return client().add(key, token, { expires: Math.max(1, Math.ceil(ms / 1000)) })
    },
    async release(key, token) {
      const found = await client().get(key)
      if (found?.value && Buffer.from(found.value).toString() === token) await client().delete(key)
    },
  }
}

/** Hide a password in a URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
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
  /** The invalidation bus of memory tiers on this server (Redis), opened on first ask. */
  readonly bus?: () => RedisBus
  readonly leases?: StoreLeases
  destroy(): void
}

/** A @keyv/redis adapter, as far as leases need it (passed as store, or inside a Keyv instance you pass). */
interface KeyvRedisLike {
  readonly namespace?: string
  readonly client: { readonly isOpen: boolean }
  getClient(): Promise<RedisLeaseClient>
  createKeyPrefix(key: string, namespace?: string): string
}

function isKeyvRedis(adapter: unknown): adapter is KeyvRedisLike {
  const a = adapter as Partial<KeyvRedisLike> | null | undefined
  return typeof a?.getClient === 'function' && typeof a.createKeyPrefix === 'function' && 'client' in (a as object)
}

/**
 * Connect a @keyv/redis adapter once at a time: its getClient() connects whenever the client is not open, and a
 * node-redis cluster client is open from the start of connect(), before it has read the slot map, so calls that
 * start together would run commands on a cluster that cannot route them yet. The first call connects; the others
 * wait for that connection while the client stays open.
 */
function connectOnce(adapter: KeyvRedisLike): () => Promise<void> {
  let ready: Promise<void> | undefined
  return () => {
    if (ready !== undefined && adapter.client.isOpen) return ready
    const connecting: Promise<void> = adapter.getClient().then(() => undefined)
    ready = connecting
    connecting.catch(() => {
      if (ready === connecting) ready = undefined
    })
    return connecting
  }
}

/**
 * Leases through a @keyv/redis adapter: its client (standalone, Sentinel or cluster, connected on demand by the
 * adapter), and lease keys beside the entries, under LEASE_PART.
 */
function adapterLeases(adapter: KeyvRedisLike, client: () => Promise<RedisLeaseClient> = () => adapter.getClient()): StoreLeases {
  return redisLeases(client, (entryKey) => adapter.createKeyPrefix(`${LEASE_PART}${entryKey}`, adapter.namespace))
}

const links = new Map<string, Link>()

function openRedisLink(url: string, redis: RedisModule, Keyv: KeyvConstructor, clock: Clock): Link {
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
  let bus: RedisBus | undefined
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
    gate: new BackoffGate(where, clock),
    // The engine runs `before` (connect) ahead of every operation, so the adapter's client is connected here.
    leases: adapterLeases(adapter as unknown as KeyvRedisLike, async () => adapter.client as unknown as RedisLeaseClient),
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
    bus: () =>
      (bus ??= new RedisBus(
        ((options) => redis.createClient({ url, ...options }) as unknown as BusClientLike) as CreateBusClient,
        () => adapter.client as unknown as BusClientLike,
      )),
    destroy() {
      bus?.close()
      bus = undefined
      try {
        adapter.client.destroy()
      } catch {
        // never connected, or already closed
      }
    },
  }
}

function openMemcacheLink(url: string, memcache: MemcacheModule, Keyv: KeyvConstructor, clock: Clock): Link {
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
    gate: new BackoffGate(where, clock),
    after() {
      // memjs opens sockets lazily and has no unref option; `_socket` is its (stable since 2013) field.
      for (const server of adapter.client.servers ?? []) server._socket?.unref()
    },
    // memcached counts ttl in whole seconds (a ttl under 1 s would mean "never expire"): round up.
    roundTtl: (ms) => Math.min(Math.ceil(ms / 1000), MEMCACHED_MAX_TTL_S) * 1000,
    leases: memcacheLeases(() => adapter.client),
    destroy() {
      adapter.client.close()
    },
  }
}

/** What opening a keyv target gives: an engine, or the optional package that could not be loaded, and why. */
export type OpenResult =
  | { readonly engine: AsyncEngine }
  | { readonly missing: OptionalPackage; readonly error: Error; readonly failure: LoadFailure }

type Loaded = { module: unknown } | { missing: OptionalPackage; error: Error; failure: LoadFailure }

/** keyv 5 and its adapters ship CommonJS builds: loaded by the literal requires of platform/optional-modules.cts. */
function load(name: OptionalPackage): Loaded {
  const loaded = requireOptional<unknown>(name)
  return loaded.failure ? { missing: name, error: loaded.error, failure: loaded.failure } : { module: loaded.module }
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
  /** Signs and encrypts the boxes (secret, encryptionKey); absent or NO_SEAL: boxes as they are. */
  readonly sealer?: Sealer
}

/**
 * Open the keyv engine for `target`, loading keyv and the adapter on first use. Connections to URLs are shared
 * between caches and closed when the last engine using them is closed. The context's clock paces the back-off
 * after failures (a connection's pauses follow the clock of the cache that opened it); entry expiry is the store's
 * own (keyv's memory store reads Date.now(), Redis and memcached their server's time).
 */
export async function openKeyvEngine(target: KeyvTarget, slice: KeyvSlice, context: EngineContext): Promise<OpenResult> {
  const { clock } = context
  const name = keyvEngineName(target)
  const part = `${keyPart(slice.id)}:`
  if (target.kind === 'instance') {
    // Your instance, your namespace and serializer: acache's keys carry a twat-cache: prefix inside it.
    const store = target.keyv.store ?? (target.keyv as { opts?: { store?: unknown } }).opts?.store
    return {
      engine: createKeyvEngine({
        name,
        keyv: target.keyv,
        bus: () => adapterBus(store)?.view(part),
        prefix: `${KEYV_NAMESPACE}:${part}`,
        tagPrefix: `${KEYV_NAMESPACE}:${TAG_PART}`,
        ttlMs: slice.ttlMs,
        sealer: slice.sealer,
        cacheName: slice.id,
        counters: context.counters,
        clock,
        checkValues: false,
        gate: new BackoffGate(name, clock),
        ...(isKeyvRedis(target.keyv.store) ? { leases: adapterLeases(target.keyv.store), before: connectOnce(target.keyv.store) } : {}),
      }),
    }
  }
  const keyvModule = load('keyv')
  if ('missing' in keyvModule) return keyvModule
  const Keyv = keyvClass(keyvModule.module)
  if (target.kind === 'memory') {
    return {
      engine: createKeyvEngine({
        name,
        keyv: new Keyv(),
        prefix: part,
        tagPrefix: TAG_PART,
        ttlMs: slice.ttlMs,
        sealer: slice.sealer,
        cacheName: slice.id,
        counters: context.counters,
        clock,
        checkValues: true,
        ownsInstance: true,
      }),
    }
  }
  if (target.kind === 'adapter') {
    let keyv = wrappedAdapters.get(target.adapter)
    if (!keyv) {
      // One Keyv per adapter: keyv sets the adapter's namespace, so two wrappers of one adapter would fight over it.
      keyv = new Keyv({ store: target.adapter, namespace: KEYV_NAMESPACE, throwOnErrors: true })
      wrappedAdapters.set(target.adapter, keyv)
    }
    const redis = isKeyvRedis(target.adapter) ? { leases: adapterLeases(target.adapter), before: connectOnce(target.adapter) } : {}
    const adapter = target.adapter
    return {
      engine: createKeyvEngine({
        name,
        keyv,
        prefix: part,
        tagPrefix: TAG_PART,
        ttlMs: slice.ttlMs,
        sealer: slice.sealer,
        cacheName: slice.id,
        counters: context.counters,
        clock,
        checkValues: true,
        gate: new BackoffGate(name, clock),
        bus: () => adapterBus(adapter)?.view(part),
        ...redis,
      }),
    }
  }
  const linkKey = `${target.kind} ${target.url}`
  let link = links.get(linkKey)
  if (!link) {
    const adapterName = target.kind === 'redis' ? '@keyv/redis' : '@keyv/memcache'
    const adapterModule = load(adapterName)
    if ('missing' in adapterModule) return adapterModule
    link =
      target.kind === 'redis'
        ? openRedisLink(target.url, adapterModule.module as RedisModule, Keyv, clock)
        : openMemcacheLink(target.url, adapterModule.module as MemcacheModule, Keyv, clock)
    links.set(linkKey, link)
  }
  link.refs++
  const opened = link
  let closed = false
  return {
    engine: createKeyvEngine({
      name: opened.name,
      keyv: opened.keyv,
      prefix: part,
      tagPrefix: TAG_PART,
      clock,
      ttlMs: slice.ttlMs,
      sealer: slice.sealer,
      cacheName: slice.id,
      counters: context.counters,
      checkValues: true,
      gate: opened.gate,
      where: opened.where,
      before: opened.before,
      after: opened.after,
      clearPrefix: opened.clearPrefix,
      roundTtl: opened.roundTtl,
      ...(opened.bus ? { bus: () => opened.bus!().view(part) } : {}),
      leases: opened.leases,
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
