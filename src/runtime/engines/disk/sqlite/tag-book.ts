/**
 * The tag invalidations of one SQLite database, shared by every process using it: `invalidateTag` in any process
 * writes a row, and every connection reads the table again when `PRAGMA data_version` says another connection
 * committed since. That PRAGMA costs about what the hit's own SELECT does, so it runs once per task: the tagged
 * hits of one synchronous run share it. That loses nothing another process could order: whatever tells this
 * process that an invalidation happened (a message, a request, a timer) arrives in a later task, and the check is
 * made again for the first tagged hit there.
 */
import {
  listenForTags,
  stamp,
  verdictFromTimes,
  type TagListener,
  type TagMode,
  type TagTimes,
  type TagVerdict,
} from '../../../tags/registry.js'
import type { Clock } from '../../../platform/clock.js'
import { BUSY_TIMEOUT_MS, withBusyTimeout, type SqlDatabase } from './driver.js'
import { prepareTagStatements, transaction } from './schema.js'

export class SqliteTagBook implements TagListener {
  readonly tags = undefined
  private statements: ReturnType<typeof prepareTagStatements> | undefined
  private preparedOn: SqlDatabase | undefined
  private seenVersion: unknown = undefined
  private readonly times = new Map<string, TagTimes>()
  private readonly stopListening: () => void
  /** Whether data_version was read in the current task (cleared when its microtasks are done). */
  private checkedThisTask = false
  private readonly endOfTask = () => {
    this.checkedThisTask = false
  }

  constructor(
    private readonly connection: () => SqlDatabase,
    /** The clock the entries of this database are stamped with (the first engine's). */
    private readonly clock: Clock,
  ) {
    this.stopListening = listenForTags(this)
  }

  private sql() {
    const db = this.connection()
    if (this.preparedOn !== db) {
      this.statements = prepareTagStatements(db)
      this.preparedOn = db
      this.seenVersion = undefined
    }
    return this.statements!
  }

  private refresh(): void {
    if (this.checkedThisTask) return
    this.checkedThisTask = true
    queueMicrotask(this.endOfTask)
    const s = this.sql()
    const version = s.dataVersion.get()
    if (version === this.seenVersion) return
    this.seenVersion = version
    this.times.clear()
    for (const row of s.all.all() as Array<{ tag: string; invalidated: number; revalidated: number }>) {
      this.times.set(row.tag, { invalidated: row.invalidated, revalidated: row.revalidated })
    }
  }

  verdict(tags: readonly string[], created: number): TagVerdict {
    if (tags.length === 0) return 'valid'
    this.refresh()
    return verdictFromTimes(tags, created, (tag) => this.times.get(tag))
  }

  onTags(tags: readonly string[], mode: TagMode): void {
    const at = stamp(this.clock)
    const s = this.sql()
    // An invalidation must not be dropped for a lock held a moment: it waits the long busy timeout.
    const db = this.connection()
    withBusyTimeout(db, BUSY_TIMEOUT_MS, () =>
      transaction(db, () => {
        for (const tag of tags) (mode === 'invalidate' ? s.invalidate : s.revalidate).run(tag, at)
      }),
    )
    // Our own commit does not change data_version for this connection: record it here.
    for (const tag of tags) {
      const known = this.times.get(tag) ?? { invalidated: 0, revalidated: 0 }
      this.times.set(
        tag,
        mode === 'invalidate'
          ? { ...known, invalidated: Math.max(known.invalidated, at) }
          : { ...known, revalidated: Math.max(known.revalidated, at) },
      )
    }
  }

  close(): void {
    this.stopListening()
  }
}
