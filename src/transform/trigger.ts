/**
 * The text that may hold a trigger: a cache tag, the runtime's package name, or what may be a misspelt tag (to warn
 * about). Files without it are returned untouched without being parsed; bundler plugins use it as their code filter.
 * In a module of its own (importing nothing heavy) so that a Next.js config can read it without loading the compiler.
 */
import { MISSPELT_TAG_TEXT } from './tag-spelling.js'

/** A cache tag, spelt exactly. */
export const CACHE_TAG_TEXT: RegExp = /@(?:cache|mcache|bcache|fcache|acache|ucache)\b/

export const TRIGGER_TEXT: RegExp = new RegExp(`${CACHE_TAG_TEXT.source}|twat-cache|${MISSPELT_TAG_TEXT.source}`, 'i')
