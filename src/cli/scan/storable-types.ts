/**
 * Types a persistent cache cannot keep, found with the TypeScript type checker: a result type (awaited) that the
 * disk engines' v8 serialization would refuse or change (functions, symbols, class instances, WeakMap, Promise…,
 * the rules of engines/disk/storable.ts), or that a shared store's JSON would change (Map, Set, bigint: the rules
 * of engines/async/keyv/json-values.ts); and parameter types no key can be built from (functions, symbols) or that
 * key alike whatever they hold (WeakMap, WeakSet, WeakRef, Promise). Types are read as declared; `any`, `unknown`
 * and type parameters say nothing and are passed over.
 */
import type TS from 'typescript'

export type StoreRules = 'disk' | 'json'

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]
/** Library types v8.deserialize gives back as they were (storable.ts's leaf prototypes). */
const DISK_LEAVES: ReadonlySet<string> = new Set([
  'Date',
  'RegExp',
  'ArrayBuffer',
  'DataView',
  'Buffer',
  'Number',
  'String',
  'Boolean',
  'BigInt',
  ...TYPED_ARRAYS,
])
/** Library types kept by v8 with their contents, which are checked in turn. */
const DISK_CONTAINERS: ReadonlySet<string> = new Set(['Map', 'ReadonlyMap', 'Set', 'ReadonlySet'])
const ERROR_TYPES: ReadonlySet<string> = new Set([
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
])
/** Library types JSON keeps: Buffer (keyv's serializer), Date (stored as its ISO string, as acache documents). */
const JSON_LEAVES: ReadonlySet<string> = new Set(['Buffer', 'Date', 'Number', 'String', 'Boolean'])
/** Objects a key cannot see into: every one of them would key alike. */
const OPAQUE_KEYS: ReadonlySet<string> = new Set(['WeakMap', 'WeakSet', 'WeakRef', 'Promise', 'PromiseLike'])

const MAX_DEPTH = 8

/** What cannot be kept, and where in the value (`.items[]`, `.get()`). */
export interface Unstorable {
  readonly what: string
  readonly path: string
}

export class TypeInspector {
  constructor(
    private readonly ts: typeof TS,
    private readonly program: TS.Program,
    private readonly checker: TS.TypeChecker,
  ) {}

  /** Whether a symbol is declared by TypeScript's lib files or Node's types (so its name says what it is). */
  private isLibrary(symbol: TS.Symbol | undefined): boolean {
    return (symbol?.declarations ?? []).some((d) => {
      const file = d.getSourceFile()
      return this.program.isSourceFileDefaultLibrary(file) || /[\\/]node_modules[\\/]@types[\\/]node[\\/]/.test(file.fileName)
    })
  }

  private name(type: TS.Type): string {
    return this.checker.typeToString(type)
  }

  /** The first part of a result type that `rules` cannot store, or undefined. */
  unstorableResult(type: TS.Type, rules: StoreRules): Unstorable | undefined {
    return this.walk(type, rules, '', 0, new Set())
  }

  private walk(type: TS.Type, rules: StoreRules, path: string, depth: number, seen: Set<TS.Type>): Unstorable | undefined {
    const { ts, checker } = this
    const flags = type.flags
    if (depth > MAX_DEPTH || seen.has(type)) return undefined
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never | ts.TypeFlags.TypeParameter | ts.TypeFlags.NonPrimitive))
      return undefined
    if (flags & ts.TypeFlags.ESSymbolLike) return { what: 'a symbol', path }
    if (flags & ts.TypeFlags.BigIntLike) return rules === 'json' ? { what: 'a bigint, which JSON cannot hold', path } : undefined
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) {
        const found = this.walk(member, rules, path, depth, seen)
        if (found) return found
      }
      return undefined
    }
    if (!(flags & ts.TypeFlags.Object)) return undefined
    seen.add(type)
    try {
      if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length) return { what: 'a function', path }
      if (checker.getSignaturesOfType(type, ts.SignatureKind.Construct).length) return { what: 'a class', path }
      if (checker.isArrayType(type) || checker.isTupleType(type)) {
        const items = checker.getTypeArguments(type as TS.TypeReference)
        for (const item of items) {
          const found = this.walk(item, rules, `${path}[]`, depth + 1, seen)
          if (found) return found
        }
        return undefined
      }
      const symbol = type.getSymbol() ?? type.aliasSymbol
      const name = symbol?.getName()
      if (symbol && name && this.isLibrary(symbol) && name !== '__type' && name !== '__object') {
        return this.libraryType(type, name, rules, path, depth, seen)
      }
      if (symbol && symbol.flags & ts.SymbolFlags.Class) {
        const methods = checker.getPropertiesOfType(type).filter((p) => p.flags & ts.SymbolFlags.Method)
        const detail = methods.length
          ? `its class and its methods (${methods
              .slice(0, 3)
              .map((m) => m.getName())
              .join(', ')}) would be lost`
          : 'its class would be lost'
        return { what: `an instance of class ${symbol.getName()} (${detail})`, path }
      }
      for (const property of checker.getPropertiesOfType(type)) {
        if (property.flags & ts.SymbolFlags.Method) return { what: `a method (${property.getName()})`, path }
        const found = this.walk(checker.getTypeOfSymbol(property), rules, `${path}.${property.getName()}`, depth + 1, seen)
        if (found) return found
      }
      for (const info of checker.getIndexInfosOfType(type)) {
        const found = this.walk(info.type, rules, `${path}[key]`, depth + 1, seen)
        if (found) return found
      }
      return undefined
    } finally {
      seen.delete(type)
    }
  }

  private libraryType(
    type: TS.Type,
    name: string,
    rules: StoreRules,
    path: string,
    depth: number,
    seen: Set<TS.Type>,
  ): Unstorable | undefined {
    if (rules === 'json') {
      if (JSON_LEAVES.has(name)) return undefined
      if (DISK_CONTAINERS.has(name)) return { what: `a ${name}, which JSON turns into {}`, path }
      return { what: `a ${this.name(type)}, which JSON does not keep`, path }
    }
    if (DISK_LEAVES.has(name) || ERROR_TYPES.has(name)) return undefined
    if (DISK_CONTAINERS.has(name)) {
      const args = this.checker.getTypeArguments(type as TS.TypeReference)
      const parts = name.endsWith('Map') ? ['.keys()', '.get()'] : ['.values()']
      for (let i = 0; i < args.length && i < parts.length; i++) {
        const found = this.walk(args[i]!, rules, `${path}${parts[i]}`, depth + 1, seen)
        if (found) return found
      }
      return undefined
    }
    return { what: `a ${this.name(type)}, which the disk cannot keep`, path }
  }

  /** Why a parameter type cannot be (or should not be) part of a key, or undefined. */
  unkeyableParameter(type: TS.Type): Unstorable | undefined {
    return this.walkKey(type, '', 0, new Set())
  }

  private walkKey(type: TS.Type, path: string, depth: number, seen: Set<TS.Type>): Unstorable | undefined {
    const { ts, checker } = this
    if (depth > MAX_DEPTH || seen.has(type)) return undefined
    if (type.flags & ts.TypeFlags.ESSymbolLike) return { what: 'a symbol, which has no stable value', path }
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) {
        const found = this.walkKey(member, path, depth, seen)
        if (found) return found
      }
      return undefined
    }
    if (!(type.flags & ts.TypeFlags.Object)) return undefined
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length) return { what: 'a function', path }
    const symbol = type.getSymbol()
    const name = symbol?.getName()
    if (name && this.isLibrary(symbol)) {
      if (OPAQUE_KEYS.has(name)) return { what: `a ${name}, whose contents a key cannot see (every ${name} would share one entry)`, path }
      if (!DISK_CONTAINERS.has(name)) return undefined
    }
    seen.add(type)
    try {
      if (checker.isArrayType(type) || checker.isTupleType(type) || (name && DISK_CONTAINERS.has(name))) {
        for (const item of checker.getTypeArguments(type as TS.TypeReference)) {
          const found = this.walkKey(item, `${path}[]`, depth + 1, seen)
          if (found) return found
        }
        return undefined
      }
      for (const property of checker.getPropertiesOfType(type)) {
        // Methods of a class instance are on its prototype: a key reads own properties only.
        if (property.flags & ts.SymbolFlags.Method) continue
        const found = this.walkKey(checker.getTypeOfSymbol(property), `${path}.${property.getName()}`, depth + 1, seen)
        if (found) return found
      }
      return undefined
    } finally {
      seen.delete(type)
    }
  }
}
