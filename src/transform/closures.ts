/**
 * Closure checks: a cached result is looked up by the function's arguments (and its id and version), so whatever
 * else the function reads must not change between calls that share an entry. At build time we can see three kinds
 * of state a key cannot:
 *
 * - a module binding that is reassigned somewhere in the module (`let count`, `count++`): persistent caches only,
 *   since a memory cache dies with the module that holds the binding;
 * - a parameter or local of an enclosing function or block: persistent caches always (an entry outlives the call
 *   it was stored in); memory caches when that local is reassigned (each evaluation of the enclosing code builds a
 *   cache of its own, which a value that changes afterwards would make stale);
 * - `this`, for persistent caches without a `key` option (one cache serves every instance).
 *
 * Each is a warning naming the binding, where it is declared or reassigned, and the fix; `strict` makes them errors.
 * A binding the function only writes (`runs++` counting its calls) is not read for the result, so not reported.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import type { ErrorReporter } from './errors.js'
import type { ReferenceIndex } from './references.js'
import { isDeclaredInside, type Binding, type Scope } from './scopes.js'

export interface ClosureSite {
  /** The cached function (or method). */
  readonly node: TS.Node
  /** The site as messages name it: `bcache function load`. */
  readonly label: string
  readonly kind: string
  readonly persistent: boolean
  readonly hasKey: boolean
  readonly strict: boolean
}

const FIX = 'pass it as an argument, or give key=… that includes it'

/** Whether anything but the module lies between the function and the file: an enclosing function, block or loop. */
export function isNested(node: TS.Node): boolean {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (
      ts.isFunctionLike(current) ||
      ts.isClassStaticBlockDeclaration(current) ||
      ts.isBlock(current) ||
      ts.isCaseBlock(current) ||
      ts.isCatchClause(current)
    )
      return true
    if (ts.isForStatement(current) || ts.isForInStatement(current) || ts.isForOfStatement(current)) return true
  }
  return false
}

/** Whether a site needs the check at all (so memory caches at module level never build the file's scopes). */
export function needsClosureCheck(node: TS.Node, persistent: boolean): boolean {
  return persistent || isNested(node)
}

function lineOf(node: TS.Node): number {
  const sourceFile = node.getSourceFile()
  return sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1
}

/** `function outer`, `method load`, `an arrow function`, `a block`, for "a local of …". */
function describeScope(scope: Scope): string {
  const node = scope.node
  const name = (node as { name?: TS.Node }).name
  const named = name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) ? name.text : undefined
  if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node))
    return named ? `the enclosing function ${named}` : 'the enclosing function'
  if (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node))
    return named ? `the enclosing method ${named}` : 'the enclosing method'
  if (ts.isConstructorDeclaration(node)) return 'the enclosing constructor'
  if (ts.isArrowFunction(node)) return 'the enclosing arrow function'
  if (ts.isCatchClause(node)) return 'the enclosing catch clause'
  if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) return 'the enclosing loop'
  return 'the enclosing block'
}

function isModuleLike(scope: Scope): boolean {
  return scope.kind === 'module' || scope.kind === 'namespace'
}

/** A write to a binding outside its declaration, or undefined (`const`, imports and `class` names are never written). */
function firstWrite(binding: Binding): TS.Identifier | undefined {
  return binding.writes.length ? binding.writes.reduce((a, b) => (a.pos <= b.pos ? a : b)) : undefined
}

/** The problem with reading `binding` from the site, or undefined when there is none. */
function problemWith(binding: Binding, site: ClosureSite): string | undefined {
  if (binding.kind === 'import' || binding.kind === 'ambient') return undefined
  const write = firstWrite(binding)
  const what = binding.kind === 'parameter' ? 'a parameter' : binding.kind === 'arguments' ? 'the arguments' : 'a local'
  if (isModuleLike(binding.scope)) {
    if (!site.persistent || !write) return undefined
    return (
      `${site.label} reads ${binding.name}, a module variable reassigned on line ${lineOf(write)}: an entry stored ` +
      `with one value of ${binding.name} would be returned for another, in this process and the next; ${FIX}`
    )
  }
  const of = describeScope(binding.scope)
  if (site.persistent) {
    return (
      `${site.label} reads ${binding.name}, ${what} of ${of} (line ${lineOf(binding.nameNode)}): a persistent entry ` +
      `outlives the call it was stored in, and would be returned where ${binding.name} is different; ${FIX}`
    )
  }
  if (!write) return undefined
  return (
    `${site.label} reads ${binding.name}, ${what} of ${of} reassigned on line ${lineOf(write)}: the cache would go on ` +
    `returning results computed with its old value; ${FIX}`
  )
}

function skipParentheses(node: TS.Node): { node: TS.Node; parent: TS.Node } {
  let current = node
  while (ts.isParenthesizedExpression(current.parent)) current = current.parent
  return { node: current, parent: current.parent }
}

/** An expression whose value nobody uses: a statement, the left of a comma, a for loop's update, `void …`. */
function isDiscarded(expression: TS.Node): boolean {
  const { node, parent } = skipParentheses(expression)
  if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return true
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.CommaToken)
    return parent.left === node || isDiscarded(parent)
  return ts.isForStatement(parent) && (parent.incrementor === node || parent.initializer === node)
}

/**
 * An identifier only written, never read for the result: `x = …`, or `runs++` / `total += n` as a statement. A
 * function that counts its own calls does not depend on the count; on a hit the count is simply not bumped.
 */
function isWriteOnly(identifier: TS.Identifier): boolean {
  const { node, parent } = skipParentheses(identifier)
  if (ts.isBinaryExpression(parent) && parent.left === node) {
    const operator = parent.operatorToken.kind
    if (operator === ts.SyntaxKind.EqualsToken) return true
    if (operator >= ts.SyntaxKind.FirstCompoundAssignment && operator <= ts.SyntaxKind.LastCompoundAssignment) return isDiscarded(parent)
    return false
  }
  const update =
    (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) &&
    (parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken)
  return update && isDiscarded(parent)
}

/** Warn (or, when strict, fail) for each binding the site's function reads that its cache cannot see. */
export function checkClosures(site: ClosureSite, index: ReferenceIndex, errors: ErrorReporter): void {
  const references = index.referencesIn(site.node)
  const report = (node: TS.Node, text: string): void => {
    const start = node.getStart(index.scopes.sourceFile)
    if (site.strict) errors.report(errors.at(start, node.end - start, text))
    else errors.warn(start, node.end - start, text)
  }
  const seen = new Set<Binding>()
  for (const { identifier, binding } of references.identifiers) {
    if (!binding || seen.has(binding) || isDeclaredInside(binding, site.node) || isWriteOnly(identifier)) continue
    seen.add(binding)
    const problem = problemWith(binding, site)
    if (problem) report(identifier, problem)
  }
  const self = references.thisKeywords[0]
  if (self && site.persistent && !site.hasKey) {
    report(
      self,
      `${site.label} reads this, but one ${site.kind} cache serves every instance and keys entries by the arguments ` +
        'only: pass what it reads as arguments, or give key=… (it is called with this) that includes it',
    )
  }
}
