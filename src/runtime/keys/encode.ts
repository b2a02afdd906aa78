/**
 * Argument keys. Memory caches key a single primitive argument by the value itself (no serialization);
 * everything else becomes a type-tagged string so that f(1) and f('1') differ, {a, b} equals {b, a}, and Maps,
 * Sets, Dates, typed arrays and BigInts key by value. Hand-written: the JSON-based and hash-based key packages
 * either drop types (1 vs '1'), cost several times more, or hash (which memory keys must never pay for).
 */
import { CacheKeyError } from '../report/errors.js'

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

function encodeString(s: string): string {
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
function encodeValue(value: unknown, position: number, depth: number, ancestors?: Set<object>): string {
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
      throw new CacheKeyError(
        `Cannot build a cache key from argument ${position} (a function${value.name ? ` named ${value.name}` : ''}); ` +
          'pass a `key` option that returns a key for it, e.g. key: (fn, x) => x',
      )
    case 'symbol':
      throw new CacheKeyError(
        `Cannot build a cache key from argument ${position} (${value.toString()}); symbols have no stable value: ` +
          'pass a `key` option that returns a key for it',
      )
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
function sortedNames(names: string[]): string[] {
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
  if (prototype === Object.prototype || prototype === null) return encodeProperties('{', object, position, depth, ancestors)
  if (Array.isArray(object)) {
    ancestors = enter(object, position, depth, ancestors)
    let out = '['
    for (let i = 0; i < object.length; i++) out += encodeValue(object[i], position, depth + 1, ancestors)
    ancestors?.delete(object)
    return out + ']'
  }
  if (object instanceof Date) return 'D' + object.getTime() + ';'
  if (ArrayBuffer.isView(object)) {
    const bytes = new Uint8Array(object.buffer, object.byteOffset, object.byteLength)
    return encodeBytes(Object.getPrototypeOf(object) === TYPED_ARRAY_PROTOTYPE ? 'view' : object.constructor.name, bytes)
  }
  if (object instanceof ArrayBuffer) return encodeBytes('ArrayBuffer', new Uint8Array(object))
  if (object instanceof RegExp) return 'R' + encodeString(object.source) + encodeString(object.flags)
  if (object instanceof Map) {
    ancestors = enter(object, position, depth, ancestors)
    const entries: string[] = []
    for (const [k, v] of object) entries.push(encodeValue(k, position, depth + 1, ancestors) + encodeValue(v, position, depth + 1, ancestors))
    ancestors?.delete(object)
    return 'M' + entries.length + '{' + entries.sort().join('') + '}'
  }
  if (object instanceof Set) {
    ancestors = enter(object, position, depth, ancestors)
    const items: string[] = []
    for (const item of object) items.push(encodeValue(item, position, depth + 1, ancestors))
    ancestors?.delete(object)
    return 'S' + items.length + '{' + items.sort().join('') + '}'
  }
  // Class instances key by their class name and own enumerable properties.
  return encodeProperties('O' + encodeString(prototype.constructor?.name ?? '') + '{', object, position, depth, ancestors)
}

function encodeProperties(open: string, object: object, position: number, depth: number, ancestors: Set<object> | undefined): string {
  ancestors = enter(object, position, depth, ancestors)
  const names = sortedNames(Object.keys(object))
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
    throw new CacheKeyError(
      `Cannot build a cache key from argument ${position}: it contains a circular reference; ` +
        'pass a `key` option that returns a key for it',
    )
  }
  ancestors.add(object)
  return ancestors
}

/** Arguments lists longer than this are keyed by text alone (rare, and deep tries buy little). */
const MAX_INDEXED_ARITY = 16
/** Argument lists with objects that flatten to more tokens than this are keyed by text alone. */
const MAX_TOKENS = 64
/** Longer strings are not indexed: the index would keep a second reference to large text for little gain. */
const INDEXED_STRING_LENGTH = 256
/** The index may always hold this many keys, however small the store. */
const INDEX_FLOOR = 1024

const OBJECT_START = { token: 'object' }
const ARRAY_START = { token: 'array' }
const END = { token: 'end' }

/** The rest of a token sequence below a node that has only ever had one continuation. */
class Tail {
  constructor(
    readonly tokens: unknown[],
    readonly key: string,
  ) {}
}

/**
 * Interned memory keys, one index per cache. Building a composite key is most of the cost of a hit that is not a
 * single primitive: the key text is a rope of small strings that the store's Map must flatten and hash on every
 * lookup (measured ~350 ns for three primitives, where a one-number hit costs ~15 ns). The index maps the
 * arguments themselves to the key text built the first time: a hit walks it with a Map lookup or two on the
 * argument values, which V8 hashes cheaply (small integers directly, strings once, then cached in the string),
 * and hands the store the same string object every time, its hash already computed. Nothing is hashed by us.
 *
 * What is indexed: lists of up to MAX_INDEXED_ARITY arguments (two or more, or one object) made of numbers,
 * booleans, undefined, null, strings up to INDEXED_STRING_LENGTH, and plain objects or arrays whose values are such
 * primitives. Anything else (deeper nesting, Dates, Maps, class instances, bigints, long strings) is keyed by
 * memoryKey, as before.
 *
 * The index is a trie over tokens: each primitive argument is one token; an object is OBJECT_START, then its
 * property names (sorted, as in the key text) alternating with their values, then END; an array is ARRAY_START,
 * its elements, END. A token sequence determines its argument list (the arity picks the root), so one sequence has
 * one key. Map keys compare with SameValueZero, and so does the key text (NaN equals NaN, -0 is written 0), and the
 * key text is built from the tokens themselves (each property read once), so the index never disagrees with
 * memoryKey. A chain without branches is one Tail (the remaining tokens in an array), not a Map per token: a
 * three-argument entry costs one Map entry and a small array.
 *
 * It stays correct with eviction because it holds no values, only key text: a key whose entry was evicted is still
 * the right key for those arguments, and the store decides hit or miss. It stays bounded because it is emptied
 * whenever it holds more keys than max(INDEX_FLOOR, twice the store's entries at the last emptying), an O(1)
 * amortised cost per insertion; emptying only means that the next calls build their key text again.
 */
export class KeyIndex {
  private roots: Array<Map<unknown, unknown> | undefined> = []
  private count = 0
  private limit = INDEX_FLOOR

  /** `entries` tells how many entries the store these keys are for holds now (it sizes the index). */
  constructor(private readonly entries: () => number) {}

  /** memoryKey(args), from the index when the arguments can be indexed. */
  key(args: ArrayLike<unknown>): unknown {
    const arity = args.length
    if (arity === 1) return this.one(args[0]) ?? memoryKey(args)
    if (arity === 2) {
      const key = this.two(args[0], args[1])
      if (key !== undefined) return key
    } else if (arity === 3) {
      const key = this.three(args[0], args[1], args[2])
      if (key !== undefined) return key
    }
    if (arity === 0 || arity > MAX_INDEXED_ARITY) return memoryKey(args)
    const tokens = tokenize(args)
    if (tokens === undefined) return memoryKey(args)
    const root = this.roots[arity]
    const found = root === undefined ? undefined : lookup(root, tokens)
    return found ?? this.insert(arity, tokens)
  }

  /**
   * The key of one plain object or array argument, or undefined when it cannot be indexed (then use memoryKey). A
   * hit walks the index along the object's properties without building its tokens.
   */
  one(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null) return undefined
    const root = this.roots[1]
    if (root !== undefined) {
      const found = Array.isArray(value) ? walkArray(root, value) : walkObject(root, value)
      if (found === UNINDEXED) return undefined
      if (found !== undefined) return found
    }
    const tokens = tokenize([value])
    return tokens === undefined ? undefined : this.insert(1, tokens)
  }

  /**
   * The key of two primitive arguments, or undefined when they cannot be indexed (then use `key`). Separate from
   * `key` so that callers can pass the arguments as parameters: handing over `arguments` would allocate it.
   */
  two(a: unknown, b: unknown): string | undefined {
    if (!isIndexedPrimitive(a) || !isIndexedPrimitive(b)) return undefined
    const root = this.roots[2]
    if (root !== undefined) {
      const node: unknown = root.get(a)
      if (node instanceof Tail) {
        const rest = node.tokens
        if (rest.length === 1 && sameValueZero(rest[0], b)) return node.key
      } else if (node !== undefined) {
        const found: unknown = (node as Map<unknown, unknown>).get(b)
        if (typeof found === 'string') return found
      }
    }
    return this.insert(2, [a, b])
  }

  /** The key of three primitive arguments, or undefined when they cannot be indexed (see `two`). */
  three(a: unknown, b: unknown, c: unknown): string | undefined {
    if (!isIndexedPrimitive(a) || !isIndexedPrimitive(b) || !isIndexedPrimitive(c)) return undefined
    const root = this.roots[3]
    if (root !== undefined) {
      const node: unknown = root.get(a)
      if (node instanceof Tail) {
        const rest = node.tokens
        if (rest.length === 2 && sameValueZero(rest[0], b) && sameValueZero(rest[1], c)) return node.key
      } else if (node !== undefined) {
        const next: unknown = (node as Map<unknown, unknown>).get(b)
        if (next instanceof Tail) {
          const rest = next.tokens
          if (rest.length === 1 && sameValueZero(rest[0], c)) return next.key
        } else if (next !== undefined) {
          const found: unknown = (next as Map<unknown, unknown>).get(c)
          if (typeof found === 'string') return found
        }
      }
    }
    return this.insert(3, [a, b, c])
  }

  /** Add the key of a token sequence that the index does not hold, and return it. */
  private insert(arity: number, tokens: unknown[]): string {
    const key = keyFromTokens(tokens)
    if (++this.count > this.limit) {
      this.roots = []
      this.count = 1
      this.limit = Math.max(INDEX_FLOOR, 2 * this.entries())
    }
    let map = this.roots[arity]
    if (map === undefined) this.roots[arity] = map = new Map()
    const last = tokens.length - 1
    for (let i = 0; ; i++) {
      const token = tokens[i]
      const child: unknown = map.get(token)
      if (child === undefined || i === last) {
        map.set(token, i === last ? key : new Tail(tokens.slice(i + 1), key))
        return key
      }
      if (child instanceof Map) {
        map = child
        continue
      }
      // A Tail shares this token: its first token becomes a branch of its own, and the walk goes on from there.
      const tail = child as Tail
      const branch = new Map<unknown, unknown>()
      branch.set(tail.tokens[0], tail.tokens.length === 1 ? tail.key : new Tail(tail.tokens.slice(1), tail.key))
      map.set(token, branch)
      map = branch
    }
  }
}

function isIndexedPrimitive(value: unknown): boolean {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return true
    case 'string':
      return value.length <= INDEXED_STRING_LENGTH
    default:
      return value === null
  }
}

/** What the walks return for a value the index does not take. */
const UNINDEXED: unique symbol = Symbol('unindexed')

/**
 * Follow the index along the tokens OBJECT_START, (name, value)…, END of a plain object, without materializing
 * them. Returns the key, undefined when there is none yet, UNINDEXED when the object cannot be indexed.
 */
function walkObject(root: Map<unknown, unknown>, object: object): string | undefined | typeof UNINDEXED {
  const prototype = Object.getPrototypeOf(object)
  if (prototype !== Object.prototype && prototype !== null) return UNINDEXED
  const own = Object.keys(object)
  const count = 2 * own.length + 2
  if (count > MAX_TOKENS) return UNINDEXED
  const names = sortedNames(own)
  let node: unknown = root
  let rest: unknown[] | undefined
  let at = 0
  for (let t = 0; t < count; t++) {
    let token: unknown
    if (t === 0) token = OBJECT_START
    else if (t === count - 1) token = END
    else {
      const name = names[(t - 1) >> 1]!
      if (t & 1) {
        if (name.length > INDEXED_STRING_LENGTH) return UNINDEXED
        token = name
      } else {
        token = (object as Record<string, unknown>)[name]
        if (!isIndexedPrimitive(token)) return UNINDEXED
      }
    }
    if (rest !== undefined) {
      if (!sameValueZero(rest[at++], token)) return undefined
      continue
    }
    if (!(node instanceof Map)) return undefined
    node = node.get(token)
    if (node === undefined) return undefined
    if (node instanceof Tail) {
      if (node.tokens.length !== count - t - 1) return undefined
      rest = node.tokens
    }
  }
  if (node instanceof Tail) return node.key
  return typeof node === 'string' ? node : undefined
}

/** walkObject for an array: ARRAY_START, its elements, END. */
function walkArray(root: Map<unknown, unknown>, array: unknown[]): string | undefined | typeof UNINDEXED {
  const count = array.length + 2
  if (count > MAX_TOKENS) return UNINDEXED
  let node: unknown = root
  let rest: unknown[] | undefined
  let at = 0
  for (let t = 0; t < count; t++) {
    const token = t === 0 ? ARRAY_START : t === count - 1 ? END : array[t - 1]
    if (!isIndexedPrimitive(token) && t !== 0 && t !== count - 1) return UNINDEXED
    if (rest !== undefined) {
      if (!sameValueZero(rest[at++], token)) return undefined
      continue
    }
    if (!(node instanceof Map)) return undefined
    node = node.get(token)
    if (node === undefined) return undefined
    if (node instanceof Tail) {
      if (node.tokens.length !== count - t - 1) return undefined
      rest = node.tokens
    }
  }
  if (node instanceof Tail) return node.key
  return typeof node === 'string' ? node : undefined
}

/** Equality as Map keys see it: NaN matches NaN, 0 matches -0. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b)
}

function lookup(root: Map<unknown, unknown>, tokens: ArrayLike<unknown>): string | undefined {
  let node: unknown = root
  const length = tokens.length
  for (let i = 0; i < length; i++) {
    if (node instanceof Map) {
      node = node.get(tokens[i])
      if (node === undefined) return undefined
      continue
    }
    const tail = node as Tail
    const rest = tail.tokens
    if (rest.length !== length - i) return undefined
    for (let j = 0; j < rest.length; j++) {
      if (!sameValueZero(rest[j], tokens[i + j])) return undefined
    }
    return tail.key
  }
  return typeof node === 'string' ? node : undefined
}

/**
 * The tokens of an argument list holding plain objects or arrays of indexed primitives; undefined when something
 * cannot be indexed. Plain means what encodeObject encodes as `{…}`: prototype Object.prototype or null.
 */
function tokenize(args: ArrayLike<unknown>): unknown[] | undefined {
  const tokens: unknown[] = []
  for (let i = 0; i < args.length; i++) {
    const value = args[i]
    if (isIndexedPrimitive(value)) {
      tokens.push(value)
      continue
    }
    if (typeof value !== 'object') return undefined
    if (Array.isArray(value)) {
      if (tokens.length + value.length + 2 > MAX_TOKENS) return undefined
      tokens.push(ARRAY_START)
      for (let j = 0; j < value.length; j++) {
        const item: unknown = value[j]
        if (!isIndexedPrimitive(item)) return undefined
        tokens.push(item)
      }
      tokens.push(END)
      continue
    }
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) return undefined
    const own = Object.keys(value as object)
    if (tokens.length + 2 * own.length + 2 > MAX_TOKENS) return undefined
    const names = sortedNames(own)
    tokens.push(OBJECT_START)
    for (let j = 0; j < names.length; j++) {
      const name = names[j]!
      const item = (value as Record<string, unknown>)[name]
      if (!isIndexedPrimitive(item) || name.length > INDEXED_STRING_LENGTH) return undefined
      tokens.push(name, item)
    }
    tokens.push(END)
  }
  return tokens
}

/** The key text of a token sequence: exactly what memoryKey returns for the arguments it came from. */
function keyFromTokens(tokens: ArrayLike<unknown>): string {
  let out = COMPOSITE_MARK
  let inObject = false
  let closer = ''
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === OBJECT_START) {
      out += '{'
      closer = '}'
      inObject = true
    } else if (token === ARRAY_START) {
      out += '['
      closer = ']'
    } else if (token === END) {
      out += closer
      inObject = false
    } else if (inObject) {
      out += encodeString(token as string) + encodeValue(tokens[++i], 0, 1)
    } else {
      out += encodeValue(token, 0, 1)
    }
  }
  return out
}
