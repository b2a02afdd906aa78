/**
 * Marker calls: `mcache(fn, options)` and friends imported from the runtime (under any alias, or through a namespace
 * import). The build step validates their literal options and gives them the same stable `name` and `version` a
 * tagged function gets, so `bcache(render)` keeps its disk entries apart from every other function's.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import type { ErrorReporter } from './errors.js'
import { bindingName, qualifiedName } from './ids.js'
import { canonicalOption, checkCombination, checkValue, literalValue, unknownOptionMessage, type SiteOption } from './options.js'
import type { KnownOptions } from './site-facts.js'
import { CACHE_KINDS, type CacheKindName } from './tags.js'
import { unwrapFunction } from './sites.js'

/** How the call passes its options. */
export type MarkerForm =
  /** `mcache(fn)` / `mcache(fn, options)`: options are the second argument. */
  | 'function'
  /** `mcache(options)` used at once on one function: `@mcache({…})` or `mcache({…})(fn)`. */
  | 'options'

export interface MarkerCall {
  readonly call: TS.CallExpression
  readonly kind: CacheKindName
  readonly form: MarkerForm
  /** The options argument, when there is one. */
  readonly options: TS.Expression | undefined
  /** Canonical names of the options an object literal already sets (name/version/defaults are not added twice). */
  readonly present: ReadonlySet<string>
  readonly qualified: string
  /** What the version is computed from: the cached function, or the call when the function is not in this file. */
  readonly versionNode: TS.Node
  /** The cached function when it is written here (inline or a function of this file), for closure checks. */
  readonly fn: TS.Node | undefined
  /** The options of an object literal: literal values where known. */
  readonly known: KnownOptions
  /** Every option is known at build time: a literal object without spreads or computed names, or no options. */
  readonly complete: boolean
}

/** Local names bound to the five caches by imports from the runtime, and namespace imports of it. */
interface RuntimeBindings {
  readonly names: ReadonlyMap<string, CacheKindName>
  readonly namespaces: ReadonlySet<string>
}

function runtimeBindings(sourceFile: TS.SourceFile, specifiers: ReadonlySet<string>): RuntimeBindings {
  const names = new Map<string, CacheKindName>()
  const namespaces = new Set<string>()
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue
    if (!specifiers.has(statement.moduleSpecifier.text)) continue
    const clause = statement.importClause
    if (!clause || clause.isTypeOnly || !clause.namedBindings) continue
    if (ts.isNamespaceImport(clause.namedBindings)) {
      namespaces.add(clause.namedBindings.name.text)
      continue
    }
    for (const element of clause.namedBindings.elements) {
      const imported = (element.propertyName ?? element.name).text
      if (!element.isTypeOnly && (CACHE_KINDS as readonly string[]).includes(imported)) {
        names.set(element.name.text, imported as CacheKindName)
      }
    }
  }
  return { names, namespaces }
}

function kindOfCallee(callee: TS.Expression, bindings: RuntimeBindings): CacheKindName | undefined {
  if (ts.isIdentifier(callee)) return bindings.names.get(callee.text)
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && bindings.namespaces.has(callee.expression.text)) {
    const name = callee.name.text
    return (CACHE_KINDS as readonly string[]).includes(name) ? (name as CacheKindName) : undefined
  }
  return undefined
}

/** A function declared at the top of this file under `name` (declaration or `const name = () => …`). */
function localFunction(sourceFile: TS.SourceFile, name: string): TS.Node | undefined {
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name && statement.body) return statement
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === name && declaration.initializer) {
          const fn = unwrapFunction(declaration.initializer)
          if (fn) return fn
        }
      }
    }
  }
  return undefined
}

/** What an options object literal says: the canonical names it sets, literal values, whether all are known. */
interface LiteralOptions {
  readonly present: Set<string>
  readonly known: Map<string, { literal: true; value: unknown } | { literal: false }>
  readonly complete: boolean
}

/** Validate an options object literal, recording every bad option. */
function checkOptionsLiteral(kind: CacheKindName, options: TS.ObjectLiteralExpression, errors: ErrorReporter): LiteralOptions {
  const present = new Set<string>()
  const known: LiteralOptions['known'] = new Map()
  const literal: SiteOption[] = []
  const errorsBefore = errors.count
  let complete = true
  for (const property of options.properties) {
    if (ts.isSpreadAssignment(property) || !property.name || ts.isComputedPropertyName(property.name)) {
      complete = false
      continue
    }
    const nameNode = property.name
    const written =
      ts.isIdentifier(nameNode) || ts.isStringLiteral(nameNode) || ts.isNumericLiteral(nameNode) ? nameNode.text : nameNode.getText()
    const name = canonicalOption(written)
    if (!name) {
      errors.report(errors.at(nameNode.getStart(), nameNode.getWidth(), unknownOptionMessage(written, `in ${kind}() options`)))
      continue
    }
    present.add(name)
    const value = ts.isPropertyAssignment(property) ? literalValue(property.initializer) : undefined
    known.set(name, value ? { literal: true, value: value.value } : { literal: false })
    if (!value || !ts.isPropertyAssignment(property)) {
      complete = false
      continue
    }
    const start = property.initializer.getStart()
    const length = property.initializer.getWidth()
    const before = errors.count
    errors.attempt(() => checkValue(name, value.value, start, length, errors))
    if (errors.count > before) continue
    literal.push({ name, value: { literal: true, value: value.value }, start, length })
  }
  // The options together are only checked when each is valid: a rule about two options says nothing new then.
  if (complete && errors.count === errorsBefore)
    errors.attempt(() => checkCombination(literal, { start: options.getStart(), length: 1 }, errors))
  // Values that are code (`key: keyOf`) are known to be given; only spreads and computed names hide options.
  const hidden = options.properties.some((p) => ts.isSpreadAssignment(p) || !p.name || ts.isComputedPropertyName(p.name))
  return { present, known, complete: !hidden }
}

/** Line and column for ids of calls that have no name to go by. */
function where(node: TS.Node): string {
  const sourceFile = node.getSourceFile()
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(node.getStart())
  return `${line + 1}:${character + 1}`
}

/**
 * Every marker call of the file, its options validated. Calls that only build a reusable decorator or wrapper
 * (`const cached = mcache({ ttl: 60 })`) are validated but get no name: one name on many functions would make them
 * share entries.
 */
export function findMarkerCalls(sourceFile: TS.SourceFile, specifiers: ReadonlySet<string>, errors: ErrorReporter): MarkerCall[] {
  const bindings = runtimeBindings(sourceFile, specifiers)
  if (!bindings.names.size && !bindings.namespaces.size) return []
  const found: MarkerCall[] = []

  const visit = (node: TS.Node): void => {
    if (ts.isCallExpression(node)) {
      const kind = kindOfCallee(node.expression, bindings)
      if (kind && !node.arguments.some(ts.isSpreadElement)) {
        const marker = analyze(node, kind)
        if (marker) found.push(marker)
      }
    }
    ts.forEachChild(node, visit)
  }

  const analyze = (call: TS.CallExpression, kind: CacheKindName): MarkerCall | undefined => {
    const [first, second] = call.arguments
    const optionsForm = !first || ts.isObjectLiteralExpression(first)
    const options = optionsForm ? first : second
    const literal: LiteralOptions =
      options && ts.isObjectLiteralExpression(options)
        ? checkOptionsLiteral(kind, options, errors)
        : { present: new Set(), known: new Map(), complete: !options }
    const facts = { options, present: literal.present, known: literal.known, complete: literal.complete }
    if (optionsForm) {
      const parent = call.parent
      if (ts.isDecorator(parent)) {
        const member = parent.parent
        const fn = ts.isMethodDeclaration(member) ? member : undefined
        return { call, kind, form: 'options', ...facts, qualified: qualifiedName(member), versionNode: member, fn }
      }
      if (ts.isCallExpression(parent) && parent.expression === call) {
        const argument = parent.arguments[0]
        const own = bindingName(parent) ?? (argument && ts.isIdentifier(argument) ? argument.text : `${kind}@${where(call)}`)
        const fn = argument && (ts.isIdentifier(argument) ? localFunction(sourceFile, argument.text) : unwrapFunction(argument))
        const versionNode = (argument && ts.isIdentifier(argument) ? fn : undefined) ?? argument ?? parent
        return { call, kind, form: 'options', ...facts, qualified: qualifiedName(parent, own), versionNode, fn }
      }
      return undefined
    }
    const inline = unwrapFunction(first)
    const own = bindingName(call) ?? (ts.isIdentifier(first) ? first.text : inline?.name?.text) ?? `${kind}@${where(call)}`
    const fn = ts.isIdentifier(first) ? localFunction(sourceFile, first.text) : inline
    return { call, kind, form: 'function', ...facts, qualified: qualifiedName(call, own), versionNode: fn ?? call, fn }
  }

  ts.forEachChild(sourceFile, visit)
  return found
}
