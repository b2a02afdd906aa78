/**
 * The JSDoc cache tags: finding `@cache [kind] key=value …` and the shorthand `@mcache` … `@ucache` in a `/** … *\/`
 * comment, and reading their option values (numbers, durations, booleans, null, words, quoted strings, `[a, b]` lists)
 * with the source offset of every piece, so errors point at the exact option.
 *
 * Hand-written rather than read from TypeScript's JSDoc nodes: tsc skips JSDoc parsing in .ts files since 5.3, and we
 * need offsets inside the tag text, which TypeScript's tag comments do not keep.
 */
import { didYouMean } from '../runtime/options/config.js'
import type { ErrorReporter } from './errors.js'
import { MISSPELT_TAG_TEXT, misspeltTagMessage, suggestCacheTag } from './tag-spelling.js'
import { CACHE_TAG_TEXT } from './trigger.js'

export const CACHE_KINDS = ['mcache', 'bcache', 'fcache', 'acache', 'ucache'] as const
export type CacheKindName = (typeof CACHE_KINDS)[number]

/** The kind a bare `@cache` tag uses: ucache picks the cache from what the function is. */
export const DEFAULT_KIND: CacheKindName = 'ucache'

/** How a value was written: a bare word (`10m`, `true`, `lru`), a quoted string, or a `[…]` list. */
export type ValueSyntax = 'bare' | 'quoted' | 'list'

/** One `key=value` of a tag. Offsets are positions in the file. */
export interface TagOption {
  /** The option name as written (may be a snake_case alias). */
  readonly written: string
  /** The value, converted: number, boolean, null, string, or an array of those. */
  readonly value: unknown
  readonly syntax: ValueSyntax
  /** The value's text as written. */
  readonly valueText: string
  readonly start: number
  readonly valueStart: number
  readonly end: number
}

/** A cache tag found in a JSDoc comment. */
export interface CacheTag {
  /** The tag as written: `cache` or one of the kinds. */
  readonly name: string
  readonly kind: CacheKindName
  /** Offset of the `@`. */
  readonly start: number
  /** Offset after the tag name. */
  readonly end: number
  readonly options: readonly TagOption[]
}

/** The tag names of the cache tags, `cache` first (a misspelling closest to several suggests it). */
const TAG_NAME_LIST: readonly string[] = ['cache', ...CACHE_KINDS]
const TAG_NAMES: ReadonlySet<string> = new Set(TAG_NAME_LIST)

/** Tags start a JSDoc line (after the optional `*`), as in TypeScript's own JSDoc parser. */
const TAG_AT_LINE_START = /^@([A-Za-z][\w-]*)/

/** Cheap pre-check before reading a comment line by line: a cache tag, or what may be a misspelt one. */
export function mayHoldCacheTag(comment: string): boolean {
  return comment.startsWith('/**') && (CACHE_TAG_TEXT.test(comment) || MISSPELT_TAG_TEXT.test(comment))
}

/**
 * Every cache tag in the JSDoc comment `source[start, end)`. A tag's text runs to the next tag or the end of the
 * comment, so options may continue on the following lines. Lines inside ``` fences (examples) are not tags.
 * A tag with a syntax error is recorded in `errors` and left out; a misspelt tag is a warning.
 */
export function findCacheTags(source: string, start: number, end: number, errors: ErrorReporter): CacheTag[] {
  const comment = source.slice(start, end)
  if (!mayHoldCacheTag(comment) || comment === '/**/') return []
  const bodyStart = start + 3
  const bodyEnd = end - 2
  const tags: CacheTag[] = []
  let current: { name: string; start: number; end: number; segments: [number, number][] } | undefined
  let inFence = false

  const finish = (): void => {
    const raw = current
    current = undefined
    if (!raw) return
    if (TAG_NAMES.has(raw.name)) {
      const tag = errors.attempt(() => parseTag(source, raw, errors))
      if (tag) tags.push(tag)
      return
    }
    const suggestion = suggestCacheTag(raw.name, TAG_NAME_LIST)
    if (suggestion) errors.warn(raw.start, raw.end - raw.start, misspeltTagMessage(raw.name, suggestion))
  }

  for (let lineStart = bodyStart; lineStart <= bodyEnd; ) {
    let lineEnd = source.indexOf('\n', lineStart)
    if (lineEnd === -1 || lineEnd > bodyEnd) lineEnd = bodyEnd
    let i = lineStart
    while (i < lineEnd && (source[i] === ' ' || source[i] === '\t')) i++
    if (source[i] === '*' && i < lineEnd) i++
    while (i < lineEnd && (source[i] === ' ' || source[i] === '\t')) i++
    const content = source.slice(i, lineEnd)
    if (content.startsWith('```') || content.startsWith('~~~')) {
      inFence = !inFence
    } else if (!inFence) {
      const tag = TAG_AT_LINE_START.exec(content)
      if (tag) {
        finish()
        const nameEnd = i + tag[0].length
        current = { name: tag[1]!, start: i, end: nameEnd, segments: [[nameEnd, lineEnd]] }
      } else if (current) {
        current.segments.push([i, lineEnd])
      }
    }
    lineStart = lineEnd + 1
  }
  finish()
  return tags
}

/** A character-level cursor over a tag's text, joined from its lines, that knows each character's file offset. */
class TagText {
  readonly text: string
  private readonly offsets: number[]
  i = 0

  constructor(source: string, segments: readonly [number, number][]) {
    let text = ''
    const offsets: number[] = []
    for (const [from, to] of segments) {
      if (text) {
        text += '\n'
        offsets.push(from)
      }
      const piece = source.slice(from, to).replace(/\r$/, '')
      text += piece
      for (let k = 0; k < piece.length; k++) offsets.push(from + k)
    }
    offsets.push(segments.length ? segments[segments.length - 1]![1] : 0)
    this.text = text
    this.offsets = offsets
  }

  offset(index = this.i): number {
    return this.offsets[Math.min(index, this.offsets.length - 1)]!
  }
  get char(): string | undefined {
    return this.text[this.i]
  }
  skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++
  }
  get atEnd(): boolean {
    return this.i >= this.text.length
  }
}

const WORD = /[A-Za-z_$][\w$]*/y
const INTEGER = /^[-+]?\d+(?:_\d+)*$/
const DECIMAL = /^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$/

function parseTag(
  source: string,
  raw: { name: string; start: number; end: number; segments: [number, number][] },
  errors: ErrorReporter,
): CacheTag {
  const t = new TagText(source, raw.segments)
  const fail = (index: number, length: number, message: string): never => {
    throw errors.at(t.offset(index), length, message)
  }
  let kind: CacheKindName | undefined = raw.name === 'cache' ? undefined : (raw.name as CacheKindName)
  const options: TagOption[] = []
  let first = true

  for (t.skipSpace(); !t.atEnd; t.skipSpace(), first = false) {
    const wordStart = t.i
    WORD.lastIndex = t.i
    const word = WORD.exec(t.text)?.[0]
    if (!word) {
      fail(t.i, 1, `unexpected ${JSON.stringify(t.char)} in @${raw.name} tag: options are written key=value, e.g. maxsize=100 ttl=10m`)
    }
    t.i += word!.length
    if (t.char !== '=') {
      let after = t.i
      while (t.text[after] === ' ' || t.text[after] === '\t') after++
      if (t.text[after] === '=') {
        fail(wordStart, after + 1 - wordStart, `write ${word}=value without spaces around "=" in @${raw.name} tag`)
      }
      if (first && raw.name === 'cache') {
        if (!(CACHE_KINDS as readonly string[]).includes(word!)) {
          // Not a syntax error: record it and read on, so the options' errors are reported in the same build.
          const suggestion = didYouMean(word!, CACHE_KINDS)
          errors.report(
            errors.at(
              t.offset(wordStart),
              word!.length,
              `unknown cache kind "${word}" in @cache tag${suggestion ? ` (did you mean ${suggestion}?)` : ''}; expected one of ${CACHE_KINDS.join(', ')}, or key=value options`,
            ),
          )
          continue
        }
        kind = word as CacheKindName
        continue
      }
      fail(
        wordStart,
        word!.length,
        `expected key=value in @${raw.name} tag, got "${word}"${raw.name === 'cache' ? ' (the cache kind comes first: @cache mcache maxsize=100)' : ''}`,
      )
    }
    t.i++ // '='
    const valueStart = t.i
    const parsed = parseValue(t, false, word!, fail)
    if (!t.atEnd && !/\s/.test(t.char!)) {
      fail(
        t.i,
        1,
        `unexpected ${JSON.stringify(t.char)} after the value of ${word}; separate options with spaces and quote values that contain spaces`,
      )
    }
    options.push({
      written: word!,
      value: parsed.value,
      syntax: parsed.syntax,
      valueText: t.text.slice(valueStart, t.i),
      start: t.offset(wordStart),
      valueStart: t.offset(valueStart),
      end: t.offset(t.i - 1) + 1,
    })
  }
  return { name: raw.name, kind: kind ?? DEFAULT_KIND, start: raw.start, end: raw.end, options }
}

type Fail = (index: number, length: number, message: string) => never

function parseValue(t: TagText, inList: boolean, option: string, fail: Fail): { value: unknown; syntax: ValueSyntax } {
  const c = t.char
  if (c === '"' || c === "'") return { value: readQuoted(t, c, option, fail), syntax: 'quoted' }
  if (c === '[') {
    const open = t.i
    t.i++
    const items: unknown[] = []
    t.skipSpace()
    if (t.char === ']') {
      t.i++
      return { value: items, syntax: 'list' }
    }
    for (;;) {
      if (t.atEnd) fail(open, 1, `unterminated list in the value of ${option}: close it with "]"`)
      items.push(parseValue(t, true, option, fail).value)
      t.skipSpace()
      if (t.char === ',') {
        t.i++
        t.skipSpace()
        continue
      }
      if (t.char === ']') {
        t.i++
        return { value: items, syntax: 'list' }
      }
      if (t.atEnd) fail(open, 1, `unterminated list in the value of ${option}: close it with "]"`)
      fail(t.i, 1, `expected "," or "]" in the list value of ${option}, got ${JSON.stringify(t.char)}`)
    }
  }
  const start = t.i
  while (!t.atEnd && !/\s/.test(t.char!) && !(inList && (t.char === ',' || t.char === ']'))) t.i++
  const text = t.text.slice(start, t.i)
  if (!text) fail(start === 0 ? 0 : start - 1, 1, `missing value after ${option}=; write ${option}=value`)
  return { value: bareValue(text), syntax: 'bare' }
}

function readQuoted(t: TagText, quote: string, option: string, fail: Fail): string {
  const open = t.i
  let value = ''
  for (t.i++; ; t.i++) {
    if (t.atEnd) fail(open, 1, `unterminated string in the value of ${option}: close it with ${quote}`)
    const c = t.char!
    if (c === quote) {
      t.i++
      return value
    }
    if (c === '\\' && t.i + 1 < t.text.length) {
      t.i++
      const e = t.char!
      value += e === 'n' ? '\n' : e === 't' ? '\t' : e
    } else {
      value += c
    }
  }
}

/** Numbers, booleans and null by their spelling; everything else (words, durations such as 10m) is a string. */
export function bareValue(text: string): unknown {
  if (text === 'true') return true
  if (text === 'false') return false
  if (text === 'null') return null
  if (INTEGER.test(text)) return Number(text.replace(/_/g, ''))
  if (DECIMAL.test(text)) return Number(text)
  return text
}
