/**
 * What kind of value an object is, for the key encoding (encode.ts): a built-in keyed by its real value (a URL by
 * its href, an Error by its class, name, message and cause…), a built-in that cannot be keyed (a Promise, a Blob),
 * an instance whose state the key cannot see (#private fields, internal slots of a built-in we do not know), or an
 * ordinary class instance, keyed by its class name and own enumerable properties. Decided once per prototype and
 * remembered in a WeakMap, so keying an object pays one lookup.
 *
 * Readers are the built-ins' own methods and getters, taken from their prototypes when this module loads (for the
 * globals Node loads lazily, when the first object of that class is keyed), so an instance that overrides `valueOf` or `href` cannot change its key, and an object that only has a built-in's
 * prototype (Object.create(URL.prototype)) fails their brand check: the encoding then treats it as unkeyable.
 */

/** How one kind of object is keyed. `name` is the class name (the prototype's constructor's). */
export type ObjectKind =
  | { readonly type: 'instance'; readonly name: string }
  | { readonly type: 'date' | 'bytes' | 'regexp' | 'map' | 'set' | 'error'; readonly name: string }
  /** The tag, then the encoding of what `read` returns for the object (a URL's href, an Intl object's options…). */
  | { readonly type: 'read'; readonly name: string; readonly tag: string; readonly read: (object: object) => unknown }
  | { readonly type: 'buffer'; readonly name: string; readonly tag: string }
  | { readonly type: 'unkeyable'; readonly name: string; readonly what: string; readonly why: string }

type KnownKind = { readonly type: ObjectKind['type'] } & Record<string, unknown>

/** Where built-in constructors are found: the global object, or Intl. */
type Scope = Record<string, unknown>
const globals = globalThis as unknown as Scope
const intl = (globalThis as { Intl?: Scope }).Intl

/**
 * The value of `scope[name]` without running a getter, or NOT_LOADED: Node defines many web globals (Headers,
 * Blob, AbortSignal, DOMException…) as getters that load their implementation on first use (undici, which loads
 * zlib and crypto), and importing twat-cache must load none of that.
 */
const NOT_LOADED: unique symbol = Symbol('not loaded')
function peek(scope: Scope, name: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(scope, name)
  if (descriptor === undefined) return undefined
  return 'value' in descriptor ? descriptor.value : NOT_LOADED
}

/** `scope[name]`, running a lazy getter if need be: only once an object that may be such an instance is keyed. */
function load(scope: Scope, name: string): unknown {
  const value = peek(scope, name)
  return value === NOT_LOADED ? scope[name] : value
}

/** The prototype's own getter or method `member`, as a reader that calls it on an object (its brand check included). */
function intrinsic(prototype: object, member: string): ((object: object) => unknown) | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(prototype, member)
  const fn = (descriptor?.get ?? descriptor?.value) as Function | undefined
  return typeof fn === 'function' ? (object) => fn.call(object) : undefined
}

const entriesOf = (prototype: object) => {
  const entries = intrinsic(prototype, 'entries')
  return entries && ((object: object) => Array.from(entries(object) as Iterable<unknown>))
}

type KindFor = (prototype: object) => KnownKind | undefined
const fixed =
  (kind: KnownKind): KindFor =>
  () =>
    kind
const reading =
  (tag: string, reader: (prototype: object) => ((object: object) => unknown) | undefined): KindFor =>
  (prototype) => {
    const read = reader(prototype)
    return read && { type: 'read', tag, read }
  }
const unkeyable = (why: string): KindFor => fixed({ type: 'unkeyable', why })

/** Built-in constructors by name, and how their instances are keyed. */
const BUILTINS: Array<[name: string, kind: KindFor, scope?: Scope]> = [
  ['Date', fixed({ type: 'date' })],
  ['RegExp', fixed({ type: 'regexp' })],
  ['Map', fixed({ type: 'map' })],
  ['Set', fixed({ type: 'set' })],
  ...[
    'Int8Array',
    'Uint8Array',
    'Uint8ClampedArray',
    'Int16Array',
    'Uint16Array',
    'Int32Array',
    'Uint32Array',
    'Float16Array',
    'Float32Array',
    'Float64Array',
    'BigInt64Array',
    'BigUint64Array',
    'DataView',
    'Buffer',
  ].map((name): [string, KindFor] => [name, fixed({ type: 'bytes' })]),
  ['ArrayBuffer', fixed({ type: 'buffer', tag: 'ArrayBuffer' })],
  ['SharedArrayBuffer', fixed({ type: 'buffer', tag: 'SharedArrayBuffer' })],
  ...['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError', 'AggregateError', 'DOMException'].map(
    (name): [string, KindFor] => [name, fixed({ type: 'error' })],
  ),
  // Boxed primitives: tagged apart from the primitives themselves (new Number(1) is not 1 to `typeof` or `===`).
  ['Number', reading('Bn', (p) => intrinsic(p, 'valueOf'))],
  ['String', reading('Bs', (p) => intrinsic(p, 'valueOf'))],
  ['Boolean', reading('Bt', (p) => intrinsic(p, 'valueOf'))],
  ['BigInt', reading('Bb', (p) => intrinsic(p, 'valueOf'))],
  ['Symbol', unkeyable('symbols have no stable value')],
  ['URL', reading('U', (p) => intrinsic(p, 'href'))],
  ['URLSearchParams', reading('Q', (p) => intrinsic(p, 'toString'))],
  // Headers iterate sorted, lowercased and combined: equal header sets read alike. FormData keeps its order (getAll
  // sees it); a File in it is unkeyable like any other.
  ['Headers', reading('H', entriesOf)],
  ['FormData', reading('F', entriesOf)],
  ['Promise', unkeyable('it has no value until it settles: await it and pass the value')],
  ['WeakMap', unkeyable('its entries cannot be listed')],
  ['WeakSet', unkeyable('its entries cannot be listed')],
  ['WeakRef', unkeyable('it only points at another object, which may be collected')],
  ['FinalizationRegistry', unkeyable('its entries cannot be listed')],
  ['Blob', unkeyable('its content cannot be read synchronously')],
  ['File', unkeyable('its content cannot be read synchronously')],
  ['Request', unkeyable('its body is a stream that cannot be read synchronously')],
  ['Response', unkeyable('its body is a stream that cannot be read synchronously')],
  ['AbortSignal', unkeyable('it can still change after the call (it may abort later)')],
  ['AbortController', unkeyable('it can still change after the call (it may abort later)')],
]
if (intl) {
  for (const name of Object.getOwnPropertyNames(intl)) {
    const tag = 'I' + name.length + ':' + name
    // Intl.Locale is its tag, options included ('en-u-hc-h12'); the formatters are their resolved options.
    BUILTINS.push([name, reading(tag, (p) => intrinsic(p, name === 'Locale' ? 'toString' : 'resolvedOptions')), intl])
  }
}

/** Built-in prototypes whose constructor is loaded, and how their instances are keyed. */
const KNOWN = new Map<object, KnownKind>()
/** Built-ins whose global is still a lazy getter, by name: resolved when an object of a class of that name is keyed. */
const LAZY = new Map<string, { kind: KindFor; scope: Scope }>()

function register(prototype: unknown, kind: KindFor): boolean {
  if (typeof prototype !== 'object' || prototype === null) return false
  const resolved = kind(prototype)
  if (resolved) KNOWN.set(prototype, resolved)
  return true
}

for (const [name, kind, scope = globals] of BUILTINS) {
  const maker = peek(scope, name)
  if (maker === NOT_LOADED) LAZY.set(name, { kind, scope })
  else register((maker as { prototype?: unknown } | undefined)?.prototype, kind)
}
KNOWN.set(Object.getPrototypeOf(Uint8Array.prototype) as object, { type: 'bytes' })

/** The kind of a built-in prototype (resolving a lazy one whose constructor is `maker`), or undefined. */
function knownKind(prototype: object, maker: unknown): KnownKind | undefined {
  const kind = KNOWN.get(prototype)
  if (kind !== undefined || LAZY.size === 0 || typeof maker !== 'function') return kind
  const lazy = LAZY.get(maker.name)
  if (lazy === undefined || load(lazy.scope, maker.name) !== maker) return undefined
  LAZY.delete(maker.name)
  register(prototype, lazy.kind)
  return KNOWN.get(prototype)
}

const functionSource = Function.prototype.toString
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/
/**
 * A class reads private state as `x.#name` (or `x?.#name`) and tests for it as `#name in x`; a class that never
 * does either has no private state that could change a result. Text in strings or comments that looks like this
 * makes an instance unkeyable: a bypass, never a wrong key.
 */
const PRIVATE_ACCESS = /\.\s*#[A-Za-z_$\u0080-\uffff]|#[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*\s+in\b/

/** "a URL", "an Error". */
export function withArticle(name: string): string {
  return `${/^[AEIO]/i.test(name) ? 'an' : 'a'} ${name}`
}

function isNative(value: unknown): boolean {
  return typeof value === 'function' && NATIVE.test(functionSource.call(value))
}

/** Why instances that have `prototype` in their chain hide state from the key, or undefined when they do not. */
function hiddenState(prototype: object): { what: string; why: string } | undefined {
  const maker = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as unknown
  if (typeof maker === 'function') {
    const name = maker.name || 'an anonymous class'
    // A plain object of another realm (a vm context): its Object.prototype, whose own prototype is null.
    if (name === 'Object' && Object.getPrototypeOf(prototype) === null) return undefined
    if (maker !== Object && load(globals, name) === maker) {
      return { what: withArticle(name), why: `${name} is a built-in whose internal state the key cannot see` }
    }
    if (isNative(maker)) {
      return {
        what: withArticle(name),
        why: `${maker.name || 'its native base class'} is a built-in or host object whose internal state the key cannot see`,
      }
    }
    if (PRIVATE_ACCESS.test(functionSource.call(maker))) {
      return { what: `an instance of ${name}`, why: `class ${name} keeps state in #private fields, which the key cannot see` }
    }
  }
  // Iterators, generators and host objects have no maker of their own, but native methods that read slots.
  for (const member of Reflect.ownKeys(prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, member)
    if (descriptor && (isNative(descriptor.value) || isNative(descriptor.get) || isNative(descriptor.set))) {
      const label = (prototype as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag]
      const what = typeof label === 'string' ? withArticle(label) : 'a built-in object'
      return { what, why: `${what} holds its state where the key cannot see it` }
    }
  }
  return undefined
}

function constructorName(prototype: object): string {
  const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' ? name : ''
}

function classify(prototype: object): ObjectKind {
  const name = constructorName(prototype)
  let hidden: { what: string; why: string } | undefined
  for (
    let link: object | null = prototype;
    link !== null && link !== Object.prototype;
    link = Object.getPrototypeOf(link) as object | null
  ) {
    const kind = knownKind(link, Object.getOwnPropertyDescriptor(link, 'constructor')?.value)
    if (kind) {
      // A subclass of a built-in is keyed as that built-in, unless the subclass itself hides state.
      if (hidden) break
      if (kind.type === 'unkeyable') return { type: 'unkeyable', name, what: withArticle(name), why: kind['why'] as string }
      return { ...kind, name } as ObjectKind
    }
    if (hidden === undefined) {
      hidden = hiddenState(link)
      // Found above the object's own class: name that class, the reason names the one that hides state.
      if (hidden && link !== prototype) hidden = { what: `an instance of ${name || 'a class'}`, why: hidden.why }
    }
  }
  if (hidden) return { type: 'unkeyable', name, ...hidden }
  return { type: 'instance', name }
}

const kinds = new WeakMap<object, ObjectKind>()

/** How objects whose prototype is `prototype` (not Object.prototype, null or an array's) are keyed. */
export function kindOf(prototype: object): ObjectKind {
  let kind = kinds.get(prototype)
  if (kind === undefined) {
    try {
      kind = classify(prototype)
    } catch {
      // A prototype that throws when inspected (a Proxy, a getter that throws): nothing about it can be trusted.
      kind = { type: 'unkeyable', name: '', what: 'an object', why: 'its class could not be inspected' }
    }
    kinds.set(prototype, kind)
  }
  return kind
}
