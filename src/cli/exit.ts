/**
 * The exit codes of `twat-cache`, for scripts: 0 done, 1 problems found (or the work could not be done), 2 the
 * command line was wrong or asks for something this command will not do as asked. Commands return or throw these;
 * main.ts turns them into the process exit code.
 */

export const ExitCode = {
  /** Done; nothing wrong found. */
  ok: 0,
  /** Problems found (scan errors, failed doctor checks), nothing matched, or a store could not be read or written. */
  problems: 1,
  /** A usage error: unknown flag, bad value, `clear` without --yes where it cannot ask, `--tag`. */
  usage: 2,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** The command line is wrong (exit 2); the message says what to write instead. */
export class UsageError extends Error {
  override name = 'UsageError'
  readonly code: string
  constructor(message: string, code = 'TWAT_CACHE_CLI_USAGE') {
    super(message)
    this.code = code
  }
}

/** The command could not do its work (exit 1): a store that cannot be opened, a server that does not answer. */
export class CommandFailure extends Error {
  override name = 'CommandFailure'
  readonly code: string
  constructor(message: string, code = 'TWAT_CACHE_CLI_FAILED', options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
