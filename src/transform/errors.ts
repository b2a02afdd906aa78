/**
 * Build errors and warnings of the transform: every one points at a place in the source (`file:line:col`) and shows
 * that line with a caret under the offending text, so a bundler or tsc prints something a user can act on without
 * opening the file. The analysis records every problem of a file and goes on, so one build reports them all.
 */

/** What a problem's constructor needs: where it is and what is wrong. */
export interface ProblemInit {
  readonly file: string
  /** The file as shown in messages: its path relative to the project root. */
  readonly label: string
  readonly source: string
  readonly offset: number
  readonly length: number
  readonly text: string
}

/** The location fields errors and warnings share. */
interface Located {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly frame: string
  readonly offset: number
  readonly length: number
  readonly text: string
  readonly message: string
}

function locateProblem(init: ProblemInit): Located {
  const { line, column, lineText } = locate(init.source, init.offset)
  const frame = codeFrame(line, column, lineText, init.length)
  return {
    file: init.file,
    line,
    column,
    frame,
    offset: init.offset,
    length: Math.max(1, init.length),
    text: init.text,
    message: `${init.label}:${line}:${column}: ${init.text}\n${frame}`,
  }
}

/**
 * A tag, option or construct the transform cannot accept. `line` and `column` are 1-based. The error `transform()`
 * throws is the file's first problem; its `errors` lists every problem of the file (its message too, when there
 * are several).
 */
export class TransformError extends Error {
  /** The module id as the bundler gave it (query string removed). */
  readonly file: string
  /** 1-based line of the offending text. */
  readonly line: number
  /** 1-based column of the offending text. */
  readonly column: number
  /** The source line and a caret line under the offending text. */
  readonly frame: string
  /** 0-based offset of the offending text in the source, for tools that want it (tsc diagnostics). */
  readonly offset: number
  /** Length of the offending text (at least 1). */
  readonly length: number
  /** The message without location and frame. */
  readonly text: string
  /** Every problem found in the file, in source order; `[this]` when it is the only one. */
  readonly errors: readonly TransformError[]

  constructor(init: ProblemInit, errors?: readonly TransformError[]) {
    const located = locateProblem(init)
    super(errors && errors.length > 1 ? errors.map((e) => e.message).join('\n\n') : located.message)
    this.name = 'TransformError'
    this.file = located.file
    this.line = located.line
    this.column = located.column
    this.frame = located.frame
    this.offset = located.offset
    this.length = located.length
    this.text = located.text
    this.errors = errors?.length ? errors : [this]
  }
}

/**
 * Something the transform accepts but the user most likely did not mean, such as a misspelt tag (which is then
 * ignored). Delivered through `options.onWarning`; it has the fields of a {@link TransformError}.
 */
export class TransformWarning {
  readonly name = 'TransformWarning'
  readonly file: string
  readonly line: number
  readonly column: number
  readonly frame: string
  readonly offset: number
  readonly length: number
  readonly text: string
  /** `file:line:col: text` and the code frame. */
  readonly message: string

  constructor(init: ProblemInit) {
    const located = locateProblem(init)
    this.file = located.file
    this.line = located.line
    this.column = located.column
    this.frame = located.frame
    this.offset = located.offset
    this.length = located.length
    this.text = located.text
    this.message = located.message
  }
}

/** 1-based line and column of `offset`, and the text of its line (without the line break). */
export function locate(source: string, offset: number): { line: number; column: number; lineText: string } {
  let line = 1
  let lineStart = 0
  for (let i = source.indexOf('\n'); i !== -1 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  let lineEnd = source.indexOf('\n', lineStart)
  if (lineEnd === -1) lineEnd = source.length
  const lineText = source.slice(lineStart, lineEnd).replace(/\r$/, '')
  return { line, column: offset - lineStart + 1, lineText }
}

/**
 * `  12 | source line` and `     |      ^^^` under it. Tabs before the caret are kept, so the caret lines up in any
 * terminal; the caret never runs past the end of the line.
 */
export function codeFrame(line: number, column: number, lineText: string, length: number): string {
  const gutter = String(line)
  const pad = lineText.slice(0, column - 1).replace(/[^\t]/g, ' ')
  const width = Math.max(1, Math.min(length, lineText.length - (column - 1)))
  return `${gutter} | ${lineText}\n${' '.repeat(gutter.length)} | ${pad}${'^'.repeat(width)}`
}

/**
 * Creates and records the problems of one file; the analysis passes it around instead of the file name and text.
 * A step of the analysis throws the error {@link at} creates; {@link attempt} records it and lets the analysis go on
 * with the next tag, option or site.
 */
export class ErrorReporter {
  private readonly problems: TransformError[] = []
  private readonly warningList: TransformWarning[] = []

  constructor(
    readonly file: string,
    readonly label: string,
    readonly source: string,
  ) {}

  /**
   * An error at `[offset, offset + length)`; throw the result. `masked`: the span is shown as `*` in the code frame
   * (a key written in a tag must not reach build logs).
   */
  at(offset: number, length: number, text: string, masked = false): TransformError {
    const source = masked
      ? this.source.slice(0, offset) +
        this.source.slice(offset, offset + length).replace(/[^\n]/g, '*') +
        this.source.slice(offset + length)
      : this.source
    return new TransformError({ file: this.file, label: this.label, source, offset, length, text })
  }

  /** Record an error and go on. */
  report(error: TransformError): void {
    if (!this.problems.some((p) => p.offset === error.offset && p.text === error.text)) this.problems.push(error)
  }

  /** Run one step of the analysis; a TransformError it throws is recorded and the step gives `undefined`. */
  attempt<T>(step: () => T): T | undefined {
    try {
      return step()
    } catch (error) {
      if (!(error instanceof TransformError)) throw error
      this.report(error)
      return undefined
    }
  }

  /** How many errors are recorded: a step compares it before and after to know whether it found any. */
  get count(): number {
    return this.problems.length
  }

  /** Record a warning at `[offset, offset + length)`. */
  warn(offset: number, length: number, text: string): void {
    if (this.warningList.some((w) => w.offset === offset && w.text === text)) return
    this.warningList.push(new TransformWarning({ file: this.file, label: this.label, source: this.source, offset, length, text }))
  }

  /** The recorded warnings, in source order. */
  get warnings(): readonly TransformWarning[] {
    return [...this.warningList].sort((a, b) => a.offset - b.offset)
  }

  /** Throw one TransformError for all recorded errors (the first, in source order, listing every one). */
  throwIfAny(): void {
    if (!this.problems.length) return
    const sorted = [...this.problems].sort((a, b) => a.offset - b.offset)
    const first = sorted[0]!
    if (sorted.length === 1) throw first
    throw new TransformError(
      { file: this.file, label: this.label, source: this.source, offset: first.offset, length: first.length, text: first.text },
      sorted,
    )
  }
}
