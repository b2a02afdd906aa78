/**
 * What the code inside a node reads: each identifier in an expression position resolved to its binding (scopes.ts),
 * `this` and the members read through it, `super`, and the modules of `import('literal')` and `require('literal')`.
 * Versions follow these reads; closure checks look for state among them that a cache key cannot see.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import { isFunctionScope, isTypeOnly, type Binding, type FileScopes } from './scopes.js'

/** A read of a binding (or of a global when `binding` is undefined). */
export interface Reference {
  readonly identifier: TS.Identifier
  readonly binding: Binding | undefined
}

/** What the code inside one node reads. */
export interface References {
  readonly identifiers: readonly Reference[]
  /** `this` of the node itself (not of a nested function or class). */
  readonly thisKeywords: readonly TS.Node[]
  /** `this.name` and `this.#name` of the node itself. */
  readonly thisMembers: ReadonlySet<string>
  /** `super.…` or `super(…)` of the node itself. */
  readonly usesSuper: boolean
  /** Specifiers of `import('literal')` and `require('literal')`. */
  readonly dynamicImports: readonly string[]
}

/** Whether an identifier is read here, rather than being a property name, a declaration, a label or a type. */
function isReference(id: TS.Identifier): boolean {
  const p = id.parent
  if (ts.isPropertyAccessExpression(p)) return p.expression === id
  if (ts.isQualifiedName(p)) return p.left === id
  if (ts.isShorthandPropertyAssignment(p)) return p.name === id || p.objectAssignmentInitializer === id
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isGetAccessorDeclaration(p) ||
      ts.isSetAccessorDeclaration(p) ||
      ts.isEnumMember(p)) &&
    p.name === id
  ) {
    return false
  }
  if (ts.isBindingElement(p)) return p.initializer === id
  if (ts.isVariableDeclaration(p) || ts.isParameter(p)) return p.initializer === id
  if (
    ts.isFunctionDeclaration(p) ||
    ts.isFunctionExpression(p) ||
    ts.isClassDeclaration(p) ||
    ts.isClassExpression(p) ||
    ts.isEnumDeclaration(p) ||
    ts.isModuleDeclaration(p) ||
    ts.isImportClause(p) ||
    ts.isNamespaceImport(p) ||
    ts.isImportSpecifier(p) ||
    ts.isImportEqualsDeclaration(p) ||
    ts.isExportSpecifier(p) ||
    ts.isNamespaceExport(p)
  ) {
    return false
  }
  if (ts.isLabeledStatement(p) || ts.isBreakStatement(p) || ts.isContinueStatement(p)) return false
  if (ts.isMetaProperty(p) || ts.isJsxAttribute(p) || ts.isJsxNamespacedName(p)) return false
  // `<div>` is an element name, `<Panel>` a binding.
  if ((ts.isJsxOpeningElement(p) || ts.isJsxSelfClosingElement(p) || ts.isJsxClosingElement(p)) && p.tagName === id)
    return !/^[a-z]/.test(id.text)
  return true
}

/** The reads of one file's nodes, each collected once (several sites read the same declarations). */
export class ReferenceIndex {
  private readonly references = new Map<TS.Node, References>()

  constructor(readonly scopes: FileScopes) {}

  /** What the code inside `root` reads: identifiers resolved to bindings, its `this`, literal dynamic imports. */
  referencesIn(root: TS.Node): References {
    let found = this.references.get(root)
    if (!found) {
      found = this.collectReferences(root)
      this.references.set(root, found)
    }
    return found
  }

  private collectReferences(root: TS.Node): References {
    const identifiers: Reference[] = []
    const thisKeywords: TS.Node[] = []
    const thisMembers = new Set<string>()
    const dynamicImports: string[] = []
    let usesSuper = false
    const visit = (node: TS.Node, ownThis: boolean): void => {
      if (isTypeOnly(node)) return
      if (ts.isIdentifier(node)) {
        if (isReference(node)) identifiers.push({ identifier: node, binding: this.scopes.resolve(node) })
        return
      }
      if (node.kind === ts.SyntaxKind.ThisKeyword) {
        if (ownThis) thisKeywords.push(node)
        return
      }
      if (node.kind === ts.SyntaxKind.SuperKeyword) {
        if (ownThis) usesSuper = true
        return
      }
      if (ownThis && ts.isPropertyAccessExpression(node) && node.expression.kind === ts.SyntaxKind.ThisKeyword)
        thisMembers.add(node.name.text)
      if (
        ownThis &&
        ts.isElementAccessExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ThisKeyword &&
        ts.isStringLiteralLike(node.argumentExpression)
      ) {
        thisMembers.add(node.argumentExpression.text)
      }
      if (ts.isCallExpression(node)) {
        const [first] = node.arguments
        const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword
        const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require' && !this.scopes.resolve(node.expression)
        if ((isImport || isRequire) && first && ts.isStringLiteralLike(first)) dynamicImports.push(first.text)
      }
      // Functions (not arrows) and class members have a `this` of their own.
      const keepsThis =
        ownThis && (node === root || !((isFunctionScope(node) && !ts.isArrowFunction(node)) || ts.isPropertyDeclaration(node)))
      ts.forEachChild(node, (child) => visit(child, keepsThis))
    }
    visit(root, true)
    return { identifiers, thisKeywords, thisMembers, usesSuper, dynamicImports }
  }
}
