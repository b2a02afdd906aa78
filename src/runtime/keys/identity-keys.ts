/**
 * Identity keys (`keyBy: 'identity'`): an object, function or symbol argument keys by reference, a primitive as it
 * does by value. Each reference is named by a small unique number kept in a WeakMap, so a cache entry never keeps
 * its argument alive; once the argument is collected its number is never handed out again, and its entries are
 * just never hit again (the store's maxsize bounds them). Memory caches only: the numbers mean nothing to another
 * process.
 */
import { COMPOSITE_MARK, encodeString, encodeValue } from './encode.js'
import type { KeyIndex } from './key-index.js'

/** Symbols can be WeakMap keys since ES2023; where they cannot, they are named in a Map (symbols are few). */
const symbolsAreWeakKeys = (() => {
  try {
    new WeakMap<symbol, number>().set(Symbol('probe'), 1)
    return true
  } catch {
    return false
  }
})()

/** One table for every cache: a reference has one name everywhere, whichever caches it is an argument of. */
const names = new WeakMap<object, string>()
const symbolNames = symbolsAreWeakKeys ? (names as unknown as WeakMap<symbol, string>) : new Map<symbol, string>()
let counter = 0

function isReference(value: unknown): boolean {
  const type = typeof value
  return (type === 'object' && value !== null) || type === 'function' || type === 'symbol'
}

/** The key text of one reference: 'r' + its number, or for a registered symbol (Symbol.for) its registry key. */
function referenceText(value: object | symbol): string {
  if (typeof value === 'symbol') {
    const registered = Symbol.keyFor(value)
    if (registered !== undefined) return 'y' + encodeString(registered)
    let name = symbolNames.get(value)
    if (name === undefined) symbolNames.set(value, (name = 'r' + ++counter + ';'))
    return name
  }
  let name = names.get(value)
  if (name === undefined) names.set(value, (name = 'r' + ++counter + ';'))
  return name
}

/**
 * The memory key of `args` with identity keys. Argument lists of primitives only key exactly as by value (through
 * `index`, which interns them); any reference among them makes a composite key with the reference's name in its
 * place.
 */
export function identityKey(args: ArrayLike<unknown>, index: KeyIndex): unknown {
  let references = false
  for (let i = 0; i < args.length; i++) {
    if (isReference(args[i])) {
      references = true
      break
    }
  }
  if (!references) return index.key(args)
  let out = COMPOSITE_MARK
  for (let i = 0; i < args.length; i++) {
    const value = args[i]
    out += isReference(value) ? referenceText(value as object | symbol) : encodeValue(value, i, 0)
  }
  return out
}
