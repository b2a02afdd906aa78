/**
 * How the parts of a persistent key (function id, version, type-tagged argument text) become names on disk: the
 * SQLite key column, the file engine's folder and file names. Engine-specific pieces (the inline limit of the key
 * column, the entry file suffix) are passed in by the engines that own them.
 */
import { digest } from '../platform/hash.js'

/**
 * Key text made safe to encode as UTF-8 (for hashing or a TEXT column): UTF-8 would turn every lone surrogate
 * into U+FFFD and so merge distinct keys, so text holding one is escaped. Tagged key text never starts with NUL,
 * so escaped text cannot equal any plain key.
 */
export function diskKeyText(text: string): string {
  const wellFormed = (text as { isWellFormed?: () => boolean }).isWellFormed?.() ?? true
  return wellFormed ? text : '\u0000' + JSON.stringify(text)
}

/**
 * The SQLite key column: the type-tagged text itself when it is at most `inlineLimit` characters (readable, no
 * hashing on a hit), else '#' + its SHA-256 (no tagged text starts with '#'). Text with a lone surrogate would be
 * mangled by UTF-8 encoding, so it is escaped (and hashed) instead.
 */
export function sqliteKey(text: string, inlineLimit: number): string {
  const safe = diskKeyText(text)
  return safe === text && text.length <= inlineLimit ? text : '#' + digest(safe, 64)
}

/** The file name of an entry: a SHA-256 of the key text in lowercase hex (case-insensitive file systems), + `suffix`. */
export function entryFileName(keyText: string, suffix: string): string {
  return digest(diskKeyText(keyText), 40) + suffix
}

/** A folder name from any text: unsafe characters replaced, shortened, made unique by a hash of the original. */
function folderName(text: string, max: number): string {
  return `${text.replace(/[^0-9A-Za-z._-]+/g, '_').slice(0, max)}-${digest(text, 8)}`
}

/** The folder of one function id: readable, and distinct for distinct ids. */
export function functionFolderName(id: string): string {
  return folderName(id, 48)
}

/** The folder of one version: the version itself when it is a plain short name (the default hash is), else escaped. */
export function versionFolderName(version: string): string {
  // '~' is outside the plain pattern, so an escaped name never equals a plain one.
  return /^[0-9A-Za-z_-]{1,64}$/.test(version) ? version : `${folderName(version, 32)}~`
}
