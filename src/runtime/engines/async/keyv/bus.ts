/**
 * The invalidation bus of acache's memory tier on Redis: one pub/sub channel per server (`twat-cache:l1`), on two
 * connections of its own per process and server (a subscriber, a publisher), opened when the first memory tier
 * asks. Messages carry the cache's key prefix and key names (hashes of the arguments), never values.
 *
 * Trust: the publisher sends a heartbeat to a channel only this process listens to every {@link HEARTBEAT_MS}; the
 * tier answers from memory only while a heartbeat came back within {@link TRUST_MS}. Redis delivers messages in the
 * order it received them, so a heartbeat that came back says every invalidation published before it was heard:
 * whatever breaks the bus (a dead server, a stalled socket), a value is served from memory at most ~TRUST_MS after
 * an invalidation it missed. Messages are lost only with the subscriber's connection (Redis also closes a
 * subscriber that falls too far behind), so a closed, failing or new connection bumps the epoch (the tiers forget
 * all they held) and distrusts the bus until a heartbeat comes back on the new subscription. A gap alone (an event
 * loop busy for longer than TRUST_MS) only skips the tier until the queued messages are read. Both connections
 * reconnect on their own; node-redis resubscribes.
 */
import type { InvalidationBus } from '../../contract.js'

export const BUS_CHANNEL = 'twat-cache:l1'
export const HEARTBEAT_MS = 100
export const TRUST_MS = 300
/** Longest pause between reconnection attempts of the bus's connections. */
const RECONNECT_MAX_MS = 500

/** Tells this process's messages from others'. */
const TOKEN = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`

export interface BusClientLike {
  readonly isReady: boolean
  readonly isOpen?: boolean
  connect(): Promise<unknown>
  destroy(): void
  unref(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>
  publish(channel: string, message: string): Promise<unknown>
}

export type CreateBusClient = (options: Record<string, unknown>) => BusClientLike

/** A node-redis client as @keyv/redis exposes it (`adapter.client`): one that can make another like itself. */
interface DuplicableClient extends BusClientLike {
  duplicate(options?: Record<string, unknown>): BusClientLike
}

const adapterBuses = new WeakMap<object, RedisBus>()

/**
 * The bus of a @keyv/redis adapter you pass (`store: new KeyvRedis(url)` or a Keyv over one): two duplicates of
 * its node-redis client. Undefined for other stores, and for Redis Cluster and Sentinel clients (no `duplicate`
 * of a single server's connection).
 */
export function adapterBus(store: unknown): RedisBus | undefined {
  const adapter = store as { client?: unknown; isCluster?: () => boolean; isSentinel?: () => boolean } | null
  if (adapter === null || typeof adapter !== 'object') return undefined
  const client = adapter.client as Partial<DuplicableClient> | undefined
  if (!client || typeof client.duplicate !== 'function' || typeof client.publish !== 'function') return undefined
  if (adapter.isCluster?.() || adapter.isSentinel?.()) return undefined
  let bus = adapterBuses.get(adapter)
  if (!bus) {
    const duplicate: CreateBusClient = (options) => {
      const own = adapter.client as DuplicableClient & { options?: { socket?: object } }
      // The client's own socket options (host, port, tls) with the bus's reconnection on top.
      return own.duplicate({ ...options, socket: { ...own.options?.socket, ...(options.socket as object) } })
    }
    bus = new RedisBus(duplicate, () => adapter.client as BusClientLike)
    adapterBuses.set(adapter, bus)
  }
  return bus
}

type Listener = (keys: readonly string[] | 'all') => void

export class RedisBus {
  private readonly listeners = new Map<string, Set<Listener>>()
  private readonly beatChannel = `${BUS_CHANNEL}:beat:${TOKEN}`
  private lastBeat = -Infinity
  private currentEpoch = 0
  private readonly subscriber: BusClientLike
  private readonly publisher: BusClientLike
  private readonly timer: ReturnType<typeof setInterval>

  constructor(
    /** A new connection to the server, with these options (node-redis createClient, or a client's duplicate). */
    newClient: CreateBusClient,
    /**
     * The connection the writes went through: an invalidation published on it reaches the server whenever the
     * write did (the publisher is the fallback while it is down).
     */
    private readonly writer: () => BusClientLike,
  ) {
    const client = () => {
      const c = newClient({
        socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, RECONNECT_MAX_MS) },
      })
      c.on('error', () => undefined) // reported as distrust, not as errors: the tier is skipped meanwhile
      c.unref()
      return c
    }
    this.subscriber = client()
    for (const event of ['end', 'error', 'reconnecting', 'ready']) this.subscriber.on(event, () => this.lost())
    this.publisher = client()
    void this.start()
    this.timer = setInterval(() => {
      if (this.publisher.isReady) this.publisher.publish(this.beatChannel, '').catch(() => undefined)
    }, HEARTBEAT_MS)
    this.timer.unref?.()
  }

  private async start(): Promise<void> {
    try {
      await this.subscriber.connect()
      await this.subscriber.subscribe(BUS_CHANNEL, (message) => this.heard(message))
      await this.subscriber.subscribe(this.beatChannel, () => this.beat())
    } catch {
      // node-redis retries a failed first connection itself (reconnectStrategy); nothing to do here.
    }
    this.publisher.connect().catch(() => undefined)
  }

  private beat(): void {
    this.lastBeat = performance.now()
  }

  /** Messages may have been lost with the subscriber's connection: forget, and wait for a heartbeat. */
  private lost(): void {
    this.lastBeat = -Infinity
    this.currentEpoch++
  }

  private heard(message: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(message)
    } catch {
      return
    }
    if (!Array.isArray(parsed) || parsed[0] === TOKEN) return
    const [, prefix, keys] = parsed as [string, string, string[] | '*']
    const listeners = this.listeners.get(prefix)
    if (!listeners) return
    for (const listener of listeners) listener(keys === '*' ? 'all' : keys)
  }

  /** The bus as one cache (its key prefix) sees it. */
  view(prefix: string): InvalidationBus {
    return {
      trusted: () => performance.now() - this.lastBeat <= TRUST_MS,
      epoch: () => this.currentEpoch,
      publish: (keys) => {
        const writer = this.writer()
        const via = writer.isReady ? writer : this.publisher
        if (!via.isReady) return
        via.publish(BUS_CHANNEL, JSON.stringify([TOKEN, prefix, keys === 'all' ? '*' : keys])).catch(() => undefined)
      },
      listen: (listener) => {
        let set = this.listeners.get(prefix)
        if (!set) this.listeners.set(prefix, (set = new Set()))
        set.add(listener)
        return () => set!.delete(listener)
      },
    }
  }

  close(): void {
    clearInterval(this.timer)
    for (const client of [this.subscriber, this.publisher]) {
      try {
        client.destroy()
      } catch {
        // never connected
      }
    }
  }
}
