/**
 * acache's entries in Redis, for `stats`, `clear` and `doctor`: keys `twat-cache::<function>:<version>:<hash>`
 * (the keyv namespace, the function's key part and the version part), listed with SCAN (never KEYS, which blocks
 * the server), sized with STRLEN, removed with UNLINK. The client is node-redis, through @keyv/redis (acache's own
 * adapter, an optional peer dependency); every command is bounded by a timeout.
 */
import { KEYV_NAMESPACE, bounded } from '../../runtime/engines/async/keyv/engine.js'
import { CONNECT_TIMEOUT_MS, TAG_PART } from '../../runtime/engines/async/keyv/connections.js'
import { requireOptional } from '../../runtime/platform/optional.js'
import { CommandFailure, UsageError } from '../exit.js'
import { summarize, type FunctionSummary, type VersionSummary } from './model.js'
import type { Removed } from './sqlite.js'

/** What every acache key in Redis starts with. */
export const REDIS_KEY_PREFIX = `${KEYV_NAMESPACE}::`
const SCAN_COUNT = 1000
const COMMAND_TIMEOUT_MS = 10_000

interface RedisClient {
  connect(): Promise<unknown>
  destroy(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  sendCommand<T = unknown>(args: readonly string[]): Promise<T>
}

/** Hide a password in a URL before it goes into a message. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
}

/** A connected client; `close()` when done. */
export interface RedisConnection {
  readonly url: string
  command<T = unknown>(...args: string[]): Promise<T>
  close(): void
}

/** Connect to `url` with acache's adapter package. */
export async function connectRedis(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<RedisConnection> {
  if (!/^rediss?:\/\//.test(url))
    throw new UsageError(`--url ${JSON.stringify(url)} is not a Redis URL: write redis://host:port (or rediss:// for TLS)`)
  const loaded = requireOptional<{ createClient(options: object): RedisClient }>('@keyv/redis')
  if (!loaded.module)
    throw new CommandFailure(
      `reading Redis needs @keyv/redis, which ${loaded.failure.cause}. ${loaded.failure.fix}`,
      'TWAT_CACHE_CLI_MISSING',
    )
  let lastError: unknown
  const client = loaded.module.createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
  })
  client.on('error', (error) => (lastError = error))
  const where = `Redis at ${redactUrl(url)}`
  try {
    await bounded(client.connect(), timeoutMs + 500, `connecting to ${where}`)
  } catch (error) {
    try {
      client.destroy()
    } catch {
      // never connected
    }
    const cause = lastError instanceof Error ? lastError.message : (error as Error).message
    throw new CommandFailure(`cannot connect to ${where}: ${cause}`, 'TWAT_CACHE_CLI_REDIS', { cause: error })
  }
  return {
    url,
    command: (...args) => bounded(client.sendCommand(args), COMMAND_TIMEOUT_MS, `${where} ${args[0]}`),
    close() {
      try {
        client.destroy()
      } catch {
        // already closed
      }
    },
  }
}

/** Where acache keeps tag invalidation times in Redis: `twat-cache::__tags__:i:<tag>` (and `r:` for revalidations). */
export const REDIS_TAG_PREFIX = `${REDIS_KEY_PREFIX}${TAG_PART}`

/** A key's function part and version part, or undefined for a key acache did not write (or a tag time). */
export function parseKey(key: string): { fn: string; version: string } | undefined {
  if (!key.startsWith(REDIS_KEY_PREFIX) || key.startsWith(REDIS_TAG_PREFIX)) return undefined
  const [fn, version, hash, ...rest] = key.slice(REDIS_KEY_PREFIX.length).split(':')
  if (!fn || version === undefined || !hash || rest.length) return undefined
  return { fn, version }
}

/** Every key matching `pattern`, one SCAN page at a time. */
export async function* scanKeys(redis: RedisConnection, pattern: string): AsyncGenerator<string[]> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.command<[string, string[]]>('SCAN', cursor, 'MATCH', pattern, 'COUNT', String(SCAN_COUNT))
    cursor = String(next)
    if (keys.length) yield keys
  } while (cursor !== '0')
}

/** acache's functions in Redis, per version (entries and value bytes; Redis removes expired keys itself). */
export async function summarizeRedis(redis: RedisConnection): Promise<FunctionSummary[]> {
  const byFunction = new Map<string, Map<string, { entries: number; bytes: number }>>()
  for await (const keys of scanKeys(redis, `${REDIS_KEY_PREFIX}*`)) {
    const sizes = await Promise.all(keys.map((key) => redis.command<number>('STRLEN', key).catch(() => 0)))
    keys.forEach((key, i) => {
      const parsed = parseKey(key)
      if (!parsed) return
      const versions = byFunction.get(parsed.fn) ?? new Map()
      const version = versions.get(parsed.version) ?? { entries: 0, bytes: 0 }
      version.entries++
      version.bytes += Number(sizes[i]) || 0
      versions.set(parsed.version, version)
      byFunction.set(parsed.fn, versions)
    })
  }
  return [...byFunction]
    .map(([fn, versions]) => {
      const list: VersionSummary[] = [...versions].map(([version, v]) => ({ version, ...v, expired: 0, oldest: null, newest: null }))
      return summarize(fn, 'redis', list)
    })
    .sort((a, b) => a.id.localeCompare(b.id))
}

/** Remove every key of the function parts `fns` (every acache key when undefined). */
export async function deleteRedisFunctions(redis: RedisConnection, fns: readonly string[] | undefined): Promise<Removed> {
  const removed: Removed = { entries: 0, bytes: 0 }
  const patterns = fns === undefined ? [`${REDIS_KEY_PREFIX}*`] : fns.map((fn) => `${REDIS_KEY_PREFIX}${escapeGlob(fn)}:*`)
  for (const pattern of patterns) {
    for await (const keys of scanKeys(redis, pattern)) {
      const mine = keys.filter((key) => parseKey(key) !== undefined)
      if (!mine.length) continue
      const sizes = await Promise.all(mine.map((key) => redis.command<number>('STRLEN', key).catch(() => 0)))
      removed.bytes += sizes.reduce((sum: number, n) => sum + (Number(n) || 0), 0)
      removed.entries += Number(await redis.command<number>('UNLINK', ...mine))
    }
  }
  return removed
}

/** A Redis MATCH pattern that matches `text` literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/** The tags of a stored value: keyv's JSON `{"value": <box>}`, the box holding its tags in `t` (engine.ts). */
function tagsOfValue(raw: string | null): readonly string[] {
  if (raw === null) return []
  try {
    const tags = (JSON.parse(raw) as { value?: { t?: unknown } }).value?.t
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : []
  } catch {
    return []
  }
}

/** Every acache key whose entry carries one of `tags`, with its value size, one SCAN page (and one MGET) at a time. */
async function* taggedKeys(redis: RedisConnection, tags: readonly string[]): AsyncGenerator<Array<{ key: string; bytes: number }>> {
  const wanted = new Set(tags)
  for await (const keys of scanKeys(redis, `${REDIS_KEY_PREFIX}*`)) {
    const mine = keys.filter((key) => parseKey(key) !== undefined)
    if (!mine.length) continue
    const values = await redis.command<Array<string | null>>('MGET', ...mine)
    const found = mine.flatMap((key, i) =>
      tagsOfValue(values[i] ?? null).some((tag) => wanted.has(tag)) ? [{ key, bytes: Buffer.byteLength(values[i] ?? '') }] : [],
    )
    if (found.length) yield found
  }
}

/** acache's entries in Redis that carry one of `tags`, per function and version. */
export async function summarizeRedisTagged(redis: RedisConnection, tags: readonly string[]): Promise<FunctionSummary[]> {
  const byFunction = new Map<string, Map<string, { entries: number; bytes: number }>>()
  for await (const page of taggedKeys(redis, tags)) {
    for (const { key, bytes } of page) {
      const parsed = parseKey(key)!
      const versions = byFunction.get(parsed.fn) ?? new Map()
      const version = versions.get(parsed.version) ?? { entries: 0, bytes: 0 }
      version.entries++
      version.bytes += bytes
      versions.set(parsed.version, version)
      byFunction.set(parsed.fn, versions)
    }
  }
  return [...byFunction]
    .map(([fn, versions]) =>
      summarize(
        fn,
        'redis',
        [...versions].map(([version, v]) => ({ version, ...v, expired: 0, oldest: null, newest: null })),
      ),
    )
    .sort((a, b) => a.id.localeCompare(b.id))
}

/**
 * Remove the entries carrying one of `tags` (of the function parts `fns` only, when given) and, with
 * `invalidatedAt`, record the tags as invalidated then, as `invalidateTag` does, so every process using the server
 * discards the entries it was computing meanwhile.
 */
export async function deleteRedisTagged(
  redis: RedisConnection,
  tags: readonly string[],
  fns: readonly string[] | undefined,
  invalidatedAt: number | undefined,
): Promise<Removed> {
  const removed: Removed = { entries: 0, bytes: 0 }
  if (invalidatedAt !== undefined) {
    // keyv's JSON form of a number without expiry, as the runtime's keyv.set(key, time) writes it.
    for (const tag of tags) await redis.command('SET', `${REDIS_TAG_PREFIX}i:${tag}`, JSON.stringify({ value: invalidatedAt }))
  }
  const only = fns && new Set(fns)
  for await (const page of taggedKeys(redis, tags)) {
    const chosen = only ? page.filter(({ key }) => only.has(parseKey(key)!.fn)) : page
    if (!chosen.length) continue
    removed.entries += Number(await redis.command<number>('UNLINK', ...chosen.map(({ key }) => key)))
    removed.bytes += chosen.reduce((sum, { bytes }) => sum + bytes, 0)
  }
  return removed
}
