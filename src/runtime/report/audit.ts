/**
 * The audit trail: events a security review wants to see (a cache cleared, tags invalidated, an entry that failed
 * its signature, a damaged entry or database, a folder refused as unsafe), published on the diagnostics channel
 * `twat-cache:audit` as `{ time, pid, cache, event, reason }`, and appended as JSON lines to the file named by
 * $TWAT_CACHE_AUDIT. node:diagnostics_channel and node:fs are reached through `process.getBuiltinModule` at the
 * first event, so browser builds never import them (there, events go nowhere).
 */
import { auditFileFromEnv } from '../options/environment.js'
import { nodeBuiltin } from '../platform/optional.js'

type DiagnosticsChannel = typeof import('node:diagnostics_channel')
type Fs = typeof import('node:fs')

/** The name of the diagnostics channel audit events are published on. */
export const AUDIT_CHANNEL = 'twat-cache:audit'

export type AuditEventName = 'clear' | 'invalidate' | 'tamper' | 'corrupt' | 'refused-folder'

/** One audit event. `cache` is the cache's name (its function id), or '*' for what concerns every cache (tags). */
export interface AuditEvent {
  /** ms since the epoch, from Date.now() (an audit trail keeps wall-clock time, not a cache's test clock). */
  readonly time: number
  readonly pid: number
  readonly cache: string
  readonly event: AuditEventName
  readonly reason: string
}

let channel: { readonly hasSubscribers: boolean; publish(message: unknown): void } | null | undefined
let fileFailed = false

/** Report an audit event; never throws (a log that cannot be written must not break a call). */
export function audit(event: AuditEventName, cache: string, reason: string): void {
  if (channel === undefined) channel = nodeBuiltin<DiagnosticsChannel>('node:diagnostics_channel')?.channel(AUDIT_CHANNEL) ?? null
  const file = auditFileFromEnv()
  if (!channel?.hasSubscribers && !file) return
  const proc = (globalThis as { process?: { pid?: number } }).process
  const record: AuditEvent = { time: Date.now(), pid: proc?.pid ?? 0, cache, event, reason }
  if (channel?.hasSubscribers) channel.publish(record)
  if (!file || fileFailed) return
  try {
    // Appends of one line are atomic between processes on local file systems (O_APPEND): no lock needed.
    nodeBuiltin<Fs>('node:fs')?.appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 })
  } catch (error) {
    fileFailed = true
    const proc2 = globalThis as { process?: { emitWarning?: (m: string, o: object) => void } }
    proc2.process?.emitWarning?.(
      `The audit log $TWAT_CACHE_AUDIT=${file} cannot be written (${(error as Error).message}); audit events go to the diagnostics channel only.`,
      {
        type: 'TwatCacheWarning',
        code: 'TWAT_CACHE_FAULT',
      },
    )
  }
}
