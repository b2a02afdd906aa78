/**
 * How `twat-cache` prints: colors only on a terminal (never with NO_COLOR, FORCE_COLOR=0, TERM=dumb or --no-color),
 * aligned tables, sizes and times in a readable form, and `--json` output, one stable document per command. Every
 * command prints through one {@link Output}, so the rules hold everywhere.
 */
import { stripVTControlCharacters, styleText } from 'node:util'

type Style = Parameters<typeof styleText>[0]

/** Whether to color a stream: the NO_COLOR convention (no-color.org), FORCE_COLOR as Node reads it, a terminal. */
export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag !== undefined) return flag
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  if (env.TERM === 'dumb') return false
  return stream.isTTY === true
}

export interface OutputOptions {
  readonly json: boolean
  /** `--color` / `--no-color`, when given. */
  readonly color?: boolean | undefined
  readonly stdout?: NodeJS.WriteStream
  readonly stderr?: NodeJS.WriteStream
}

export type Align = 'left' | 'right'
export interface Column {
  readonly title: string
  readonly align?: Align
}

export class Output {
  readonly json: boolean
  readonly color: boolean
  readonly stdout: NodeJS.WriteStream
  readonly stderr: NodeJS.WriteStream

  constructor(options: OutputOptions) {
    this.json = options.json
    this.stdout = options.stdout ?? process.stdout
    this.stderr = options.stderr ?? process.stderr
    this.color = !this.json && colorWanted(this.stdout, process.env, options.color)
  }

  /** `text` in `style` when coloring. styleText's own stream check is off: {@link colorWanted} decided already. */
  style(style: Style, text: string): string {
    if (!this.color) return text
    return (styleText as (f: Style, t: string, o?: object) => string)(style, text, { validateStream: false })
  }

  ok(text: string): string {
    return this.style('green', text)
  }
  bad(text: string): string {
    return this.style('red', text)
  }
  warn(text: string): string {
    return this.style('yellow', text)
  }
  dim(text: string): string {
    return this.style('dim', text)
  }
  bold(text: string): string {
    return this.style('bold', text)
  }

  /** A line of text on stdout (nothing in --json mode: JSON goes through {@link document}). */
  line(text = ''): void {
    if (!this.json) this.stdout.write(`${text}\n`)
  }

  /** A note on stderr, which never mixes with the data on stdout. */
  note(text: string): void {
    this.stderr.write(`${text}\n`)
  }

  /** The command's JSON document on stdout, in --json mode. */
  document(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** An aligned table; cells may hold colors (they do not count towards widths). */
  table(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
    if (this.json) return
    const widths = columns.map((c, i) => Math.max(visibleWidth(c.title), ...rows.map((r) => visibleWidth(r[i] ?? ''))))
    const render = (cells: readonly string[], header: boolean) =>
      cells
        .map((cell, i) => {
          const pad = ' '.repeat(widths[i]! - visibleWidth(cell))
          const text = header ? this.bold(cell) : cell
          return columns[i]!.align === 'right' ? pad + text : text + pad
        })
        .join('  ')
        .trimEnd()
    this.line(
      render(
        columns.map((c) => c.title),
        true,
      ),
    )
    for (const row of rows) this.line(render(row, false))
  }
}

function visibleWidth(text: string): number {
  return [...stripVTControlCharacters(text)].length
}

/** `1.2 MB`, `640 B`: decimal units, as `du --si` and file managers show them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = -1
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** `2025-01-31 14:05:09` in local time, or `-` for no time. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-'
  const d = new Date(ms)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

/** A time for JSON: ISO 8601, or null. */
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString()
}

/** `1 entry`, `3 entries`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}
