/**
 * The key index: interned memory keys for argument lists that are not a single primitive, so a hit hands the store
 * the same key string object every time instead of building the key text again.
 */
import { COMPOSITE_MARK, encodeString, encodeValue, memoryKey, sortedNames } from './encode.js'

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
 * Follow the index along `count` tokens, `tokenAt(t)` giving each (or UNINDEXED for a value the index does not
 * take). Returns the key, undefined when the index has none yet, UNINDEXED when a token cannot be indexed. The
 * object and array walks pass tokens read straight from the argument, so a hit materializes no token list.
 */
function walk(root: Map<unknown, unknown>, count: number, tokenAt: (t: number) => unknown): string | undefined | typeof UNINDEXED {
  let node: unknown = root
  let rest: unknown[] | undefined
  let at = 0
  for (let t = 0; t < count; t++) {
    const token = tokenAt(t)
    if (token === UNINDEXED) return UNINDEXED
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

/** walk() along OBJECT_START, (name, value)…, END of a plain object. */
function walkObject(root: Map<unknown, unknown>, object: object): string | undefined | typeof UNINDEXED {
  const prototype = Object.getPrototypeOf(object)
  if (prototype !== Object.prototype && prototype !== null) return UNINDEXED
  const own = Object.keys(object)
  const count = 2 * own.length + 2
  if (count > MAX_TOKENS) return UNINDEXED
  const names = sortedNames(own)
  return walk(root, count, (t) => {
    if (t === 0) return OBJECT_START
    if (t === count - 1) return END
    const name = names[(t - 1) >> 1]!
    if (t & 1) return name.length > INDEXED_STRING_LENGTH ? UNINDEXED : name
    const value = (object as Record<string, unknown>)[name]
    return isIndexedPrimitive(value) ? value : UNINDEXED
  })
}

/** walk() along ARRAY_START, the elements, END of an array. */
function walkArray(root: Map<unknown, unknown>, array: unknown[]): string | undefined | typeof UNINDEXED {
  const count = array.length + 2
  if (count > MAX_TOKENS) return UNINDEXED
  return walk(root, count, (t) => {
    if (t === 0) return ARRAY_START
    if (t === count - 1) return END
    const item = array[t - 1]
    return isIndexedPrimitive(item) ? item : UNINDEXED
  })
}

/** Equality as Map keys see it: NaN matches NaN, 0 matches -0. */
function sameValueZero(a: unknown, b: unknown): boolean {
  // biome-ignore lint/suspicious/noSelfCompare: x !== x is the NaN test, on a hot path where Number.isNaN costs a call
  return a === b || (a !== a && b !== b)
}

function lookup(root: Map<unknown, unknown>, tokens: unknown[]): string | undefined {
  const found = walk(root, tokens.length, (t) => tokens[t])
  return found === UNINDEXED ? undefined : found
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
