/**
 * The encoding of arguments into key text. Memory caches key a single primitive argument by the value itself (no
 * serialization); everything else becomes a type-tagged string so that f(1) and f('1') differ, {a, b} equals
 * {b, a}, and Maps, Sets, Dates, typed arrays, BigInts and the built-ins of builtins.ts (URL, Error, Headers…) key
 * by their real value. Hand-written: the JSON-based and hash-based key packages either drop types (1 vs '1'), cost
 * several times more, or hash (which memory keys must never pay for). The key index (key-index.ts) hands back the
 * same text without building it again.
 *
 * A value that cannot be keyed (a function, a symbol, a cycle, an object whose state the key cannot see) throws an
 * {@link Unkeyable}, which the key stage (call-key.ts) turns into a bypass of the cache, or a CacheKeyError.
 */
import { kindOf, withArticle, type ObjectKind } from './builtins.js'
import { Unkeyable } from './unkeyable.js'

/** First character of every composite memory key. A single string argument starting with it is encoded too. */
export const COMPOSITE_MARK = '\u0001'
const COMPOSITE_MARK_CODE = 1

/** The memory-cache key of a call's arguments. */
export function memoryKey(args: ArrayLike<unknown>): unknown {
  if (args.length === 1) {
    const only = args[0]
    const type = typeof only
    if (type === 'number' || type === 'boolean' || type === 'bigint' || only === undefined || only === null) return only
    if (type === 'string' && (only as string).charCodeAt(0) !== COMPOSITE_MARK_CODE) return only
  }
  return COMPOSITE_MARK + encodeArguments(args)
}

/** The type-tagged text of a call's arguments: the key of persistent caches (which may hash it). */
export function encodeArguments(args: ArrayLike<unknown>): string {
  let out = ''
  for (let i = 0; i < args.length; i++) {
    const value = args[i]
    // Strings and numbers inline: the common case, and the one the "three primitive arguments" budget is about.
    if (typeof value === 'string') out += 's' + value.length + ':' + value
    else if (typeof value === 'number') out += 'n' + value + ';'
    else out += encodeValue(value, i, 0)
  }
  return out
}

/** A string in the key text: its length, then itself (so no string can end early). */
export function encodeString(s: string): string {
  return 's' + s.length + ':' + s
}

const TYPED_ARRAY_PROTOTYPE = Object.getPrototypeOf(Uint8Array.prototype) as object

function bytesToText(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[])
  }
  return out
}

function encodeBytes(tag: string, bytes: Uint8Array): string {
  return 'T' + tag + ':' + bytes.length + ':' + bytesToText(bytes)
}

/** Nesting depth from which objects are tracked to detect cycles; shallower values cannot loop unnoticed for long. */
const CYCLE_CHECK_DEPTH = 32

/**
 * Encode one value. `depth` counts the objects above this one; past CYCLE_CHECK_DEPTH the ancestors are tracked in
 * a Set to reject cycles (a shared, non-circular reference is fine). Shallow values skip that bookkeeping, which
 * is most of the cost of keying small objects. `position` is the argument index, for error messages.
 */
export function encodeValue(value: unknown, position: number, depth: number, ancestors?: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value)
    case 'number':
      return 'n' + value + ';'
    case 'boolean':
      return value ? 't' : 'f'
    case 'undefined':
      return 'u'
    case 'bigint':
      return 'b' + value + ';'
    case 'function':
      throw new Unkeyable(position, `a function${value.name ? ` named ${value.name}` : ''}`, 'functions have no value to key by')
    case 'symbol':
      throw new Unkeyable(position, value.toString(), 'symbols have no stable value')
  }
  if (value === null) return 'l'
  return encodeObject(value as object, position, depth, ancestors)
}

function isSorted(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false
  return true
}

let lastUnsorted: string[] = []
let lastSorted: string[] = []

/**
 * `names` in key order (sorted), not to be modified. Sorting is most of the cost of keying an object whose
 * properties are not in alphabetical order (measured ~700 ns for four names, against ~300 ns for all the rest),
 * and objects of one shape list their names alike, so the last unsorted list and its sorted copy are remembered:
 * the next object of that shape pays a few pointer comparisons instead.
 */
export function sortedNames(names: string[]): string[] {
  if (names.length < 2 || isSorted(names)) return names
  if (names.length === lastUnsorted.length) {
    let same = true
    for (let i = 0; i < names.length; i++) {
      if (names[i] !== lastUnsorted[i]) {
        same = false
        break
      }
    }
    if (same) return lastSorted
  }
  lastUnsorted = names
  lastSorted = names.slice().sort()
  return lastSorted
}

function encodeObject(object: object, position: number, depth: number, ancestors: Set<object> | undefined): string {
  const prototype = Object.getPrototypeOf(object)
  if (prototype === Object.prototype || prototype === null) {
    return encodeProperties('{', object, Object.keys(object), position, depth, ancestors)
  }
  if (Array.isArray(object)) {
    ancestors = enter(object, position, depth, ancestors)
    let out = '['
    for (let i = 0; i < object.length; i++) out += encodeValue(object[i], position, depth + 1, ancestors)
    ancestors?.delete(object)
    return out + ']'
  }
  const kind = kindOf(prototype)
  if (kind.type === 'instance') {
    // Class instances without hidden state key by their class name and own enumerable properties.
    return encodeProperties('O' + encodeString(kind.name) + '{', object, Object.keys(object), position, depth, ancestors)
  }
  if (kind.type === 'unkeyable') throw new Unkeyable(position, kind.what, kind.why)
  try {
    const value = encodeBuiltin(object, kind, position, depth, ancestors)
    // Own properties someone added to a built-in are state too (errors encode theirs already; a view's are its indices).
    if (kind.type === 'error' || kind.type === 'bytes' || kind.type === 'buffer') return value
    const own = Object.keys(object)
    return own.length === 0 ? value : value + encodeProperties('+{', object, own, position, depth, ancestors)
  } catch (error) {
    if (error instanceof Unkeyable) throw error
    // A built-in's own reader refused the object: it only has the prototype (Object.create(URL.prototype)).
    throw new Unkeyable(position, `an object with the prototype of ${withArticle(kind.name)}`, `it is not a real ${kind.name}`)
  }
}

/** Own properties of an Error that its class, name, message and cause already cover, or that differ per throw. */
const ERROR_OWN_SKIPPED = new Set(['stack', 'name', 'message', 'cause', 'errors'])

function encodeBuiltin(
  object: object,
  kind: Exclude<ObjectKind, { type: 'instance' | 'unkeyable' }>,
  position: number,
  depth: number,
  ancestors: Set<object> | undefined,
): string {
  switch (kind.type) {
    case 'date':
      // An invalid date writes NaN: every invalid date keys alike, apart from every valid one.
      return 'D' + (object as Date).getTime() + ';'
    case 'bytes': {
      if (!ArrayBuffer.isView(object)) throw new TypeError('not a view')
      const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength)
      return encodeBytes(Object.getPrototypeOf(object) === TYPED_ARRAY_PROTOTYPE ? 'view' : object.constructor.name, bytes)
    }
    case 'buffer':
      return encodeBytes(kind.tag, new Uint8Array(object as ArrayBuffer))
    case 'regexp': {
      const regexp = object as RegExp
      // lastIndex is where the next exec/test of a global or sticky RegExp starts: part of its value when set.
      const at = regexp.lastIndex
      return 'R' + encodeString(regexp.source) + encodeString(regexp.flags) + (at === 0 ? '' : '@' + at + ';')
    }
    case 'map': {
      ancestors = enter(object, position, depth, ancestors)
      const entries: string[] = []
      for (const [k, v] of object as Map<unknown, unknown>) {
        entries.push(encodeValue(k, position, depth + 1, ancestors) + encodeValue(v, position, depth + 1, ancestors))
      }
      ancestors?.delete(object)
      return 'M' + entries.length + '{' + entries.sort().join('') + '}'
    }
    case 'set': {
      ancestors = enter(object, position, depth, ancestors)
      const items: string[] = []
      for (const item of object as Set<unknown>) items.push(encodeValue(item, position, depth + 1, ancestors))
      ancestors?.delete(object)
      return 'S' + items.length + '{' + items.sort().join('') + '}'
    }
    case 'error': {
      // Class, name, message and cause (AggregateError: its errors too), then own enumerable properties (code,
      // status…). Not the stack: it differs for every error thrown, equal ones included.
      const error = object as Error & { cause?: unknown; errors?: unknown }
      ancestors = enter(object, position, depth, ancestors)
      let out =
        'E' +
        encodeString(kind.name) +
        encodeValue(error.name, position, depth + 1, ancestors) +
        encodeValue(error.message, position, depth + 1, ancestors)
      if (Object.hasOwn(error, 'cause')) out += 'c' + encodeValue(error.cause, position, depth + 1, ancestors)
      if (Object.hasOwn(error, 'errors')) out += 'a' + encodeValue(error.errors, position, depth + 1, ancestors)
      const names = Object.keys(error).filter((name) => !ERROR_OWN_SKIPPED.has(name))
      out += encodeProperties('{', error, names, position, depth, ancestors)
      ancestors?.delete(object)
      return out
    }
    case 'read':
      return kind.tag + encodeValue(kind.read(object), position, depth + 1, ancestors)
  }
}

function encodeProperties(
  open: string,
  object: object,
  own: string[],
  position: number,
  depth: number,
  ancestors: Set<object> | undefined,
): string {
  ancestors = enter(object, position, depth, ancestors)
  const names = sortedNames(own)
  let out = open
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!
    out += 's' + name.length + ':' + name + encodeValue((object as Record<string, unknown>)[name], position, depth + 1, ancestors)
  }
  ancestors?.delete(object)
  return out + '}'
}

/** Past CYCLE_CHECK_DEPTH, track `object` among the ancestors; a repeat is a cycle. */
function enter(object: object, position: number, depth: number, ancestors: Set<object> | undefined): Set<object> | undefined {
  if (depth < CYCLE_CHECK_DEPTH) return ancestors
  ancestors ??= new Set()
  if (ancestors.has(object)) {
    throw new Unkeyable(position, 'a circular structure', 'it contains a reference to itself')
  }
  ancestors.add(object)
  return ancestors
}
