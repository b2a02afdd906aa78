/**
 * Which values the disk engines can store: v8.serialize refuses functions and symbols itself, but silently turns a
 * class instance into a plain object (its methods gone), and drops the prototype of Error subclasses and
 * Map/Set/Array subclasses: the caller would get back a different kind of value from the disk than from the first
 * call. So a walk checks every prototype first. Its cost is linear in the object count, like v8.serialize's own; a
 * typed array or a string is one step however large. The same walk tells what `clone: true` (structuredClone) can
 * copy faithfully, which is the same list without Buffer.
 */
import { SerializationError } from '../../report/errors.js'

const TYPED_ARRAY_PROTOTYPE = Object.getPrototypeOf(Uint8Array.prototype) as object

/** Prototypes structuredClone gives back as they were. */
const CLONE_LEAF_PROTOTYPES = new Set<object | null>([
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Number.prototype,
  String.prototype,
  Boolean.prototype,
  BigInt.prototype,
])
/** Prototypes v8.deserialize gives back as they were: Buffer too (Node's serializer keeps it; structuredClone does not). */
const LEAF_PROTOTYPES = new Set<object | null>([
  ...CLONE_LEAF_PROTOTYPES,
  // Looked up through globalThis so that loading this module outside Node does not throw.
  (globalThis as { Buffer?: { prototype: object } }).Buffer?.prototype ?? Date.prototype,
])
const ERROR_PROTOTYPES = new Set<object>([
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
])

/** Thrown inside the walk and caught at its top; `path` is built on the way out, so a success pays for no strings. */
class Unstorable {
  readonly path: string[] = []
  constructor(readonly what: string) {}
}

/** @throws SerializationError naming what cannot be stored and where it is in the value. */
export function assertStorable(value: unknown): void {
  const found = unstorablePart(value, LEAF_PROTOTYPES)
  if (found === undefined) return
  throw new SerializationError(
    `the result cannot be stored on disk: it ${found}, which would not come back the same from the disk. It was ` +
      'returned but not cached; return plain data (objects, arrays, Map, Set, Date, typed arrays…), or use mcache ' +
      'for this function',
  )
}

/**
 * For `clone: true`: what structuredClone would not give back as it was (the same walk, Buffers included: a clone
 * of one is a plain Uint8Array).
 * @throws SerializationError naming what cannot be cloned and where it is in the value.
 */
export function assertClonable(value: unknown): void {
  const found = unstorablePart(value, CLONE_LEAF_PROTOTYPES)
  if (found === undefined) return
  throw new SerializationError(
    `the result cannot be cloned for clone: true: it ${found}, which structuredClone would not give back the same. ` +
      'It was returned but not cached; return plain data (objects, arrays, Map, Set, Date, typed arrays…), or drop clone',
  )
}

/** "is a function", "holds an instance of Foo (…) at result.items[2]", or undefined when every part can be kept. */
function unstorablePart(value: unknown, leaves: ReadonlySet<object | null>): string | undefined {
  const type = typeof value
  if (type !== 'object' && type !== 'function' && type !== 'symbol') return undefined
  try {
    walk(value, new Set(), leaves)
    return undefined
  } catch (error) {
    if (!(error instanceof Unstorable)) throw error
    const where = error.path.length ? ` at result${error.path.join('')}` : ''
    return where ? `holds ${error.what}${where}` : `is ${error.what}`
  }
}

function walk(value: unknown, seen: Set<object>, leaves: ReadonlySet<object | null>): void {
  switch (typeof value) {
    case 'function':
      throw new Unstorable(`a function${value.name ? ` (${value.name})` : ''}`)
    case 'symbol':
      throw new Unstorable(`a symbol (${value.toString()})`)
    case 'object':
      break
    default:
      return
  }
  if (value === null || seen.has(value)) return
  const prototype = Object.getPrototypeOf(value) as object | null
  if (prototype !== null && (leaves.has(prototype) || Object.getPrototypeOf(prototype) === TYPED_ARRAY_PROTOTYPE)) return
  seen.add(value)
  if (prototype === Object.prototype || prototype === null) {
    for (const name of Object.keys(value)) step(`.${name}`, (value as Record<string, unknown>)[name], seen, leaves)
  } else if (prototype === Array.prototype) {
    const array = value as unknown[]
    for (let i = 0; i < array.length; i++) {
      const item = array[i]
      if (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol') step(`[${i}]`, item, seen, leaves)
    }
  } else if (prototype === Map.prototype) {
    for (const [key, item] of value as Map<unknown, unknown>) {
      step('.keys()', key, seen, leaves)
      step(`.get(${typeof key === 'string' ? JSON.stringify(key) : String(key)})`, item, seen, leaves)
    }
  } else if (prototype === Set.prototype) {
    for (const item of value as Set<unknown>) step('.values()', item, seen, leaves)
  } else if (ERROR_PROTOTYPES.has(prototype!)) {
    if ('cause' in value) step('.cause', (value as { cause: unknown }).cause, seen, leaves)
  } else {
    const name = (prototype as { constructor?: { name?: string } }).constructor?.name
    throw new Unstorable(`an instance of ${name || 'a class'} (its class would be lost)`)
  }
}

function step(segment: string, value: unknown, seen: Set<object>, leaves: ReadonlySet<object | null>): void {
  try {
    walk(value, seen, leaves)
  } catch (error) {
    if (error instanceof Unstorable) error.path.unshift(segment)
    throw error
  }
}
