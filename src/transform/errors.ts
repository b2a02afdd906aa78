/**
 * Build errors of the transform: every one points at a place in the source (`file:line:col`) and shows that line with
 * a caret under the offending text, so a bundler or tsc prints something a user can act on without opening the file.
 */

/** A tag, option or construct the transform cannot accept. `line` and `column` are 1-based. */
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

  constructor(init: { file: string; label: string; source: string; offset: number; length: number; text: string }) {
    const { line, column, lineText } = locate(init.source, init.offset)
    const frame = codeFrame(line, column, lineText, init.length)
    super(`${init.label}:${line}:${column}: ${init.text}\n${frame}`)
    this.name = 'TransformError'
    this.file = init.file
    this.line = line
    this.column = column
    this.frame = frame
    this.offset = init.offset
    this.length = Math.max(1, init.length)
    this.text = init.text
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

/** Creates errors for one file; the analysis passes it around instead of the file name and text. */
export class ErrorReporter {
  constructor(
    readonly file: string,
    readonly label: string,
    readonly source: string,
  ) {}

  /** An error at `[offset, offset + length)`; throw the result. */
  at(offset: number, length: number, text: string): TransformError {
    return new TransformError({ file: this.file, label: this.label, source: this.source, offset, length, text })
  }
}
