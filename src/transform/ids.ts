/**
 * Stable identities of cache sites: `path/relative/to/root.ts#Qualified.name` and a version hashed from the function's
 * source text. Persistent caches key their entries by both, so editing a function invalidates its entries and two
 * functions never share them, on every machine that builds the project.
 */
import { createHash } from 'node:crypto'
import path from 'node:path'
import type TS from 'typescript'
import { ts } from './typescript.js'

/** The file part of a module id: without a bundler's `\0` prefix and `?query`. */
export function fileOfId(id: string): string {
  return id.replace(/^\0/, '').replace(/\?.*$/s, '')
}

/** The file's path relative to `root`, with `/` separators on every platform. */
export function relativeLabel(file: string, root: string): string {
  const relative = path.isAbsolute(file) ? path.relative(root, file) : file
  return (relative || path.basename(file)).replace(/\\/g, '/')
}

/**
 * First 12 hex digits of the SHA-256 of the text. Line endings are normalized first so a Windows checkout
 * (CRLF) builds the same version as a Linux one.
 */
export function versionOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n?/g, '\n')).digest('hex').slice(0, 12)
}

/** The text of a property or member name: `of`, `#of`, `"a-b"` → `a-b`, `[Symbol.iterator]`. */
export function propertyNameText(name: TS.PropertyName | TS.PrivateIdentifier): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text
  return `[${name.getText()}]`
}

function skipOuterExpressions(node: TS.Node): TS.Node {
  let current = node
  while (
    current.parent &&
    (ts.isParenthesizedExpression(current.parent) ||
      ts.isAsExpression(current.parent) ||
      ts.isSatisfiesExpression(current.parent) ||
      ts.isNonNullExpression(current.parent) ||
      ts.isTypeAssertionExpression(current.parent))
  ) {
    current = current.parent
  }
  return current
}

/** The name an expression is bound to: `const f = …`, `{ f: … }`, `class { f = … }`, `export default …`. */
export function bindingName(expression: TS.Node): string | undefined {
  const outer = skipOuterExpressions(expression)
  const parent = outer.parent
  if (!parent) return undefined
  if (ts.isVariableDeclaration(parent) && parent.initializer === outer && ts.isIdentifier(parent.name)) return parent.name.text
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === outer) {
    return propertyNameText(parent.name)
  }
  if (ts.isExportAssignment(parent)) return 'default'
  if (ts.isBinaryExpression(parent) && parent.right === outer && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    if (ts.isIdentifier(parent.left)) return parent.left.text
    if (ts.isPropertyAccessExpression(parent.left)) return parent.left.name.text
  }
  return undefined
}

function hasDefaultModifier(node: TS.Node): boolean {
  return (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) ?? false
}

/** The segment a scope contributes to a qualified name, if it has a name. */
function segmentOf(node: TS.Node): string | undefined {
  if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) {
    return node.name?.text ?? (hasDefaultModifier(node) ? 'default' : undefined)
  }
  if (ts.isModuleDeclaration(node)) return node.name.text
  if (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
    return propertyNameText(node.name)
  }
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  if (ts.isFunctionExpression(node) || ts.isClassExpression(node)) return node.name?.text ?? bindingName(node)
  if (ts.isArrowFunction(node) || ts.isObjectLiteralExpression(node)) return bindingName(node)
  return undefined
}

/**
 * `Outer.inner`, `Prices.of`, `api.get`: the names of the scopes around `node`, outermost first. `own` names the
 * node itself when it is not a scope (a marker call's binding).
 */
export function qualifiedName(node: TS.Node, own?: string): string {
  const segments: string[] = []
  const first = own ?? segmentOf(node)
  if (first) segments.push(first)
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    const segment = segmentOf(current)
    if (segment) segments.unshift(segment)
  }
  return segments.join('.')
}

/** Hands out ids unique within one file: a second `helper` becomes `helper~2`. */
export class IdAllocator {
  private readonly used = new Map<string, number>()
  constructor(private readonly label: string) {}

  claim(qualified: string): string {
    const count = (this.used.get(qualified) ?? 0) + 1
    this.used.set(qualified, count)
    return `${this.label}#${qualified}${count > 1 ? `~${count}` : ''}`
  }
}
