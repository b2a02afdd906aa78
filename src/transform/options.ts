/**
 * Cache options at build time: resolving snake_case aliases, validating values with the runtime's own rules (so a bad
 * tag fails the build with the same message `createCacheConfig` would throw at run time), merging the plugin's
 * `defaults` under a site's options, and printing the options object the emitted code passes to the runtime.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import { createCacheConfig } from '../runtime/options/config.js'
import {
  CODE_OPTIONS,
  OPTION_ALIASES,
  OPTION_NAMES,
  canonicalOptionName,
  validateOption,
  type OptionName,
} from '../runtime/options/schema.js'
import { didYouMean } from '../runtime/options/suggestions.js'
import { KEY_OPTIONS } from '../runtime/options/secrets.js'
import { ValidationError } from '../runtime/report/errors.js'
import type { ErrorReporter } from './errors.js'
import type { CacheTag } from './tags.js'

/** A value known at build time, or code to emit as written (an identifier for `key=` or `store=`). */
export type OptionValue = { readonly literal: true; readonly value: unknown } | { readonly literal: false; readonly code: string }

/** One option of a site, with the span an error about it should point at. */
export interface SiteOption {
  readonly name: string
  readonly value: OptionValue
  readonly start: number
  readonly length: number
}

/** Options whose values are always strings, so a bare `2` is the text "2". */
const STRING_OPTIONS: ReadonlySet<string> = new Set(['name', 'version', 'folderName', 'cacheDir', 'url'])
const IDENTIFIER_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** The camelCase option for a name as written (alias or not), or undefined when there is no such option. */
export function canonicalOption(written: string): string | undefined {
  return canonicalOptionName(written)
}

/** "unknown option … (did you mean …?)", suggesting aliases too, since Python users write snake_case. */
export function unknownOptionMessage(written: string, where: string): string {
  const suggestion = didYouMean(written, [...OPTION_NAMES, ...Object.keys(OPTION_ALIASES)])
  return `unknown option "${written}" ${where}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; known options: ${OPTION_NAMES.join(', ')}`
}

/** Why a key option cannot be written in a tag or the plugin's defaults, and what to do instead. */
function keyInTagMessage(name: string, where = 'in a tag'): string {
  const variable = name === 'secret' ? 'TWAT_CACHE_SECRET' : 'TWAT_CACHE_ENCRYPTION_KEY'
  return (
    `${name} cannot be written ${where}: a key written there is in your source and in the build output. Set ` +
    `$${variable} (read when the cache is created), or name a binding in scope that holds it (${name}=signingKey), ` +
    `or pass ${name} in code (createCacheConfig, bcache(fn, { ${name}: process.env.MY_KEY }))`
  )
}

/** Validate one value; a failure becomes a build error at `start`. */
export function checkValue(name: string, value: unknown, start: number, length: number, errors: ErrorReporter): void {
  try {
    validateOption(name, value)
  } catch (error) {
    if (error instanceof ValidationError) throw errors.at(start, length, error.message)
    throw error
  }
}

/**
 * The options of a tag, aliases resolved and every literal value validated. A bad option is recorded in `errors`
 * and left out, so every bad option of the tag is reported at once.
 */
export function tagOptions(tag: CacheTag, errors: ErrorReporter): SiteOption[] {
  const seen = new Map<string, string>()
  const read = (option: CacheTag['options'][number]): SiteOption => {
    const name = canonicalOption(option.written)
    if (!name) throw errors.at(option.start, option.written.length, unknownOptionMessage(option.written, `in @${tag.name} tag`))
    const earlier = seen.get(name)
    if (earlier !== undefined) {
      throw errors.at(
        option.start,
        option.written.length,
        `option ${name} is given twice in this tag (as ${earlier} and ${option.written}); keep one`,
      )
    }
    seen.set(name, option.written)
    const span = { start: option.start, length: option.end - option.start }
    if (
      CODE_OPTIONS.has(name as OptionName) &&
      option.syntax === 'bare' &&
      IDENTIFIER_PATH.test(option.valueText) &&
      typeof option.value === 'string'
    ) {
      return { name, value: { literal: false, code: option.valueText }, ...span }
    }
    if (KEY_OPTIONS.has(name)) {
      // Never echo the value: it would be a key, in the source and in the build output.
      throw errors.at(option.valueStart, option.end - option.valueStart, keyInTagMessage(name), true)
    }
    // `version=2` or `folder_name=2024` mean the text: these options only take strings.
    const value = STRING_OPTIONS.has(name) && option.syntax === 'bare' ? option.valueText : option.value
    checkValue(name, value, option.valueStart, option.end - option.valueStart, errors)
    return { name, value: { literal: true, value }, ...span }
  }
  return tag.options.flatMap((option) => errors.attempt(() => read(option)) ?? [])
}

/**
 * Check the options together, as `createCacheConfig` does at run time (policy "ttl" needs a ttl, compressLevel needs
 * compress…). Only literal values take part; an error points at the option it names, else at `fallback`.
 */
export function checkCombination(options: readonly SiteOption[], fallback: { start: number; length: number }, errors: ErrorReporter): void {
  const literal: Record<string, unknown> = {}
  for (const option of options) if (option.value.literal) literal[option.name] = option.value.value
  try {
    createCacheConfig(literal)
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    const culprit = options.find((o) => o.name === error.option) ?? fallback
    throw errors.at(culprit.start, culprit.length, error.message)
  }
}

/** The plugin's `defaults`, aliases resolved and validated; a bad entry is a configuration error. */
export function resolveDefaults(defaults: Record<string, unknown> | undefined): Map<string, { code: string; value: unknown }> {
  const resolved = new Map<string, { code: string; value: unknown }>()
  for (const [written, value] of Object.entries(defaults ?? {})) {
    const name = canonicalOption(written)
    if (!name) throw new Error(`twat-cache transform: ${unknownOptionMessage(written, 'in the defaults option')}`)
    if (KEY_OPTIONS.has(name))
      throw new Error(
        `twat-cache transform: ${keyInTagMessage(name, 'in the defaults option (it would be written into every transformed file)')}`,
      )
    try {
      validateOption(name, value)
    } catch (error) {
      if (error instanceof ValidationError) throw new Error(`twat-cache transform: defaults: ${error.message}`)
      throw error
    }
    resolved.set(name, { code: renderValue(value, `defaults.${written}`), value })
  }
  return resolved
}

/** JavaScript source for a build-time value. Functions and class instances cannot be written into code. */
export function renderValue(value: unknown, where = 'value'): string {
  if (value === undefined) return 'undefined'
  if (value === null || typeof value === 'boolean') return String(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`twat-cache transform: ${where} must be a finite number, got ${value}`)
    return Object.is(value, -0) ? '0' : String(value)
  }
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map((item, i) => renderValue(item, `${where}[${i}]`)).join(', ')}]`
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>)
    if (!entries.length) return '{}'
    return `{ ${entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${renderValue(v, `${where}.${k}`)}`).join(', ')} }`
  }
  throw new Error(`twat-cache transform: ${where} cannot be written into code (${typeof value}); pass it to the cache at run time instead`)
}

/** `{ a: 1, b: "x" }` from ordered entries of option name and value code. */
export function renderOptions(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${v}`).join(', ')} }` : '{}'
}

/** The code of a site option's value. */
export function optionCode(option: SiteOption): string {
  return option.value.literal ? renderValue(option.value.value, option.name) : option.value.code
}

/**
 * A literal option value in a marker call's object (`maxsize: 10`, `ttl: '10m'`, `policy: "lfu"`, `[…]`), or
 * undefined when the value is only known at run time.
 */
export function literalValue(node: TS.Expression): { value: unknown } | undefined {
  if (ts.isParenthesizedExpression(node)) return literalValue(node.expression)
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return { value: node.text }
  if (ts.isNumericLiteral(node)) return { value: Number(node.text) }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { value: true }
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { value: false }
  if (node.kind === ts.SyntaxKind.NullKeyword) return { value: null }
  if (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand)) {
    if (node.operator === ts.SyntaxKind.MinusToken) return { value: -Number(node.operand.text) }
    if (node.operator === ts.SyntaxKind.PlusToken) return { value: Number(node.operand.text) }
  }
  if (ts.isArrayLiteralExpression(node)) {
    const items: unknown[] = []
    for (const element of node.elements) {
      const item = literalValue(element)
      if (!item) return undefined
      items.push(item.value)
    }
    return { value: items }
  }
  return undefined
}
