/**
 * The tag invalidations of one file-engine folder, shared by every process using it: an append-only log
 * (`tags.log`, one `i|r <time> <tag>` line per tag and invalidation), which `invalidateTag` in any process appends
 * to in one write and every process reads from where it stopped when the file has grown. A tagged hit costs one
 * `stat` on top of its read; the log is never rewritten, so appends from several processes cannot be lost.
 */
import {
  listenForTags,
  stamp,
  verdictFromTimes,
  type TagListener,
  type TagMode,
  type TagTimes,
  type TagVerdict,
} from '../../tags/registry.js'
import type { Clock } from '../../platform/clock.js'
import { fileMode, nodeFs, nodePath } from './folders.js'

/** File name of the log inside a cache folder. */
export const TAG_LOG_FILE = 'tags.log'

class FileTagBook implements TagListener {
  readonly tags = undefined
  private readonly file: string
  private readonly times = new Map<string, TagTimes>()
  private offset = 0
  users = 0

  constructor(
    folder: string,
    private readonly secure: boolean,
    /** The clock the entries of this folder are stamped with (the first engine's). */
    private readonly clock: Clock,
  ) {
    this.file = nodePath().join(folder, TAG_LOG_FILE)
  }

  private refresh(): void {
    const fs = nodeFs()
    const size = fs.statSync(this.file, { throwIfNoEntry: false })?.size ?? 0
    if (size === this.offset) return
    if (size < this.offset) {
      // Replaced by hand (prune, a deleted folder): read it from the start.
      this.times.clear()
      this.offset = 0
    }
    const fd = fs.openSync(this.file, 'r')
    try {
      const bytes = Buffer.alloc(size - this.offset)
      const read = fs.readSync(fd, bytes, 0, bytes.length, this.offset)
      const text = bytes.toString('utf8', 0, read)
      const end = text.lastIndexOf('\n') + 1 // a line being appended right now is read next time
      for (const line of text.slice(0, end).split('\n')) this.apply(line)
      this.offset += Buffer.byteLength(text.slice(0, end))
    } finally {
      fs.closeSync(fd)
    }
  }

  private apply(line: string): void {
    const match = /^([ir]) (\d+(?:\.\d+)?) (.+)$/.exec(line)
    if (!match) return
    const at = Number(match[2])
    const tag = match[3]!
    const known = this.times.get(tag) ?? { invalidated: 0, revalidated: 0 }
    this.times.set(
      tag,
      match[1] === 'i'
        ? { ...known, invalidated: Math.max(known.invalidated, at) }
        : { ...known, revalidated: Math.max(known.revalidated, at) },
    )
  }

  verdict(tags: readonly string[], created: number): TagVerdict {
    if (tags.length === 0) return 'valid'
    this.refresh()
    return verdictFromTimes(tags, created, (tag) => this.times.get(tag))
  }

  onTags(tags: readonly string[], mode: TagMode): void {
    appendTagTimes(this.file, tags, mode, stamp(this.clock), this.secure)
  }
}

/** Append the invalidation of `tags` at `at` to the log `file`, in one write (also `twat-cache clear --tag`). */
export function appendTagTimes(file: string, tags: readonly string[], mode: TagMode, at: number, secure: boolean): void {
  const lines = tags.map((tag) => `${mode === 'invalidate' ? 'i' : 'r'} ${at} ${tag}\n`).join('')
  nodeFs().appendFileSync(file, lines, { mode: fileMode(secure) })
}

const books = new Map<string, { book: FileTagBook; stop: () => void }>()

/** The tag book of `folder`, shared by the file engines of this process that use it; release with the returned function. */
export function acquireTagBook(folder: string, secure: boolean, clock: Clock): { book: Pick<FileTagBook, 'verdict'>; release(): void } {
  let held = books.get(folder)
  if (!held) {
    const book = new FileTagBook(folder, secure, clock)
    held = { book, stop: listenForTags(book) }
    books.set(folder, held)
  }
  held.book.users++
  const current = held
  let released = false
  return {
    book: current.book,
    release() {
      if (released) return
      released = true
      if (--current.book.users > 0) return
      current.stop()
      if (books.get(folder) === current) books.delete(folder)
    },
  }
}
