/**
 * The change log of a file-engine folder (`changes.log`), for memory tiers in other processes: every set, delete
 * and clear appends one line, `<process token> <function folder>/<version folder> <entry name or *>` (names are
 * hashes of the key text, never values), and each tier reads it from where it stopped when the file has grown.
 * A stat per check; the file is renamed away past {@link ROTATE_BYTES}, which readers see as "anything changed".
 * Hand-written: no package keeps an append-only change feed on a folder.
 */
import type { ForeignChanges } from '../contract.js'
import { fileMode, nodeFs, nodePath } from './folders.js'

export const CHANGE_LOG_FILE = 'changes.log'
/** Past this size a writer moves the log aside (`changes.log.old`) and starts a new one. */
const ROTATE_BYTES = 1 << 20

/** Tells this process's lines from others'. */
const TOKEN = Math.random().toString(36).slice(2, 10)

export class ChangeLog {
  private readonly file: string
  private readonly mode: number
  private offset = -1
  private inode = -1
  private partial = ''

  constructor(
    folder: string,
    secure: boolean,
    /** `<function folder>/<version folder>`: the lines of one function's entries. */
    private readonly slice: string,
  ) {
    this.file = nodePath().join(folder, CHANGE_LOG_FILE)
    this.mode = fileMode(secure)
  }

  /** Record a change made here (a name, or '*' for all). One append (O_APPEND: lines of processes never mix). */
  wrote(name: string): void {
    const fs = nodeFs()
    const fd = fs.openSync(this.file, 'a', this.mode)
    try {
      fs.writeSync(fd, `${TOKEN} ${this.slice} ${name}\n`)
      if (fs.fstatSync(fd).size > ROTATE_BYTES) fs.renameSync(this.file, `${this.file}.old`)
    } finally {
      fs.closeSync(fd)
    }
  }

  /** What other processes changed in this function's entries since the last ask. */
  read(): ForeignChanges {
    const fs = nodeFs()
    const stat = fs.statSync(this.file, { throwIfNoEntry: false })
    const size = stat?.size ?? 0
    const inode = stat?.ino ?? 0
    if (this.offset < 0 || inode !== this.inode || size < this.offset) {
      // First ask, or a new file (rotated, removed): what happened before is unknown.
      const first = this.offset < 0
      this.offset = size
      this.inode = inode
      this.partial = ''
      return first ? undefined : 'all'
    }
    if (size === this.offset) return undefined
    const buffer = Buffer.alloc(size - this.offset)
    const fd = fs.openSync(this.file, 'r')
    try {
      fs.readSync(fd, buffer, 0, buffer.length, this.offset)
    } finally {
      fs.closeSync(fd)
    }
    this.offset = size
    const lines = (this.partial + buffer.toString('utf8')).split('\n')
    this.partial = lines.pop() ?? ''
    const names = new Set<string>()
    for (const line of lines) {
      const [token, slice, name] = line.split(' ')
      if (token === TOKEN || slice !== this.slice || name === undefined) continue
      if (name === '*') return 'all'
      names.add(name)
    }
    return names.size ? { changed: (name) => names.has(name) } : undefined
  }
}
