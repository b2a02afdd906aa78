/**
 * The function a cache site caches, found again in a parsed file from the place the transform reported (the
 * function itself for a tag; the call for a marker, whose function is an argument, the call it is applied to, or
 * the decorated method), and whether it is async as written.
 */
import type TS from 'typescript'
import type { SiteInfo } from '../../transform/site-report.js'

export interface CachedFunction {
  /** The function's declaration, when it is written here (not an identifier bound elsewhere). */
  readonly declaration: TS.SignatureDeclaration | undefined
  /** The expression or declaration the type checker is asked about. */
  readonly node: TS.Node
  /** true: `async`, or declared to return a Promise; false: neither; undefined: not known from the syntax. */
  readonly async: boolean | undefined
}

function nodeAt(ts: typeof TS, sourceFile: TS.SourceFile, offset: number, wanted: (node: TS.Node) => boolean): TS.Node | undefined {
  let found: TS.Node | undefined
  const visit = (node: TS.Node): void => {
    if (found || offset < node.pos || offset >= node.end) return
    if (node.getStart(sourceFile) === offset && wanted(node)) {
      found = node
      return
    }
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(sourceFile, visit)
  return found
}

function isFunctionNode(ts: typeof TS, node: TS.Node): node is TS.SignatureDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)
}

function skipOuter(ts: typeof TS, node: TS.Expression): TS.Expression {
  let current = node
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isNonNullExpression(current)
  ) {
    current = current.expression
  }
  return current
}

function asyncAsWritten(ts: typeof TS, declaration: TS.SignatureDeclaration | undefined): boolean | undefined {
  if (!declaration) return undefined
  if (ts.getModifiers(declaration as TS.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return true
  if (declaration.type && /^(?:Promise|PromiseLike)\s*</.test(declaration.type.getText())) return true
  return false
}

/** A function declared at the top of the file under `name` (a declaration, or a const bound to a function). */
function localFunction(ts: typeof TS, sourceFile: TS.SourceFile, name: string): TS.SignatureDeclaration | undefined {
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name && statement.body) return statement
    if (!ts.isVariableStatement(statement)) continue
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name || !declaration.initializer) continue
      const fn = skipOuter(ts, declaration.initializer)
      if (isFunctionNode(ts, fn)) return fn
    }
  }
  return undefined
}

/** The function of `site` in `sourceFile` (the file the transform read), or undefined when it cannot be found. */
export function findCachedFunction(
  ts: typeof TS,
  sourceFile: TS.SourceFile,
  site: Pick<SiteInfo, 'offset' | 'trigger'>,
): CachedFunction | undefined {
  if (site.trigger === 'tag') {
    const node = nodeAt(ts, sourceFile, site.offset, (n) => isFunctionNode(ts, n))
    if (!node || !isFunctionNode(ts, node)) return undefined
    return { declaration: node, node, async: asyncAsWritten(ts, node) }
  }
  const call = nodeAt(ts, sourceFile, site.offset, (n) => ts.isCallExpression(n))
  if (!call || !ts.isCallExpression(call)) return undefined
  const first = call.arguments[0]
  let target: TS.Node | undefined
  if (!first || ts.isObjectLiteralExpression(first)) {
    // mcache({…}) used on a function: as a decorator, or applied at once: mcache({…})(fn)
    if (ts.isDecorator(call.parent)) target = call.parent.parent
    else if (ts.isCallExpression(call.parent) && call.parent.expression === call) target = call.parent.arguments[0]
  } else {
    target = first
  }
  if (!target) return undefined
  const inner = ts.isExpression(target as TS.Expression) ? skipOuter(ts, target as TS.Expression) : target
  const declaration = isFunctionNode(ts, inner) ? inner : ts.isIdentifier(inner) ? localFunction(ts, sourceFile, inner.text) : undefined
  return { declaration, node: inner, async: asyncAsWritten(ts, declaration) }
}
