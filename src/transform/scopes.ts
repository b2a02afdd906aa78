/**
 * The scopes of one file and the bindings declared in them, built from the syntax tree alone (no type checker and no
 * ts.Program, which would cost a whole program per file): module declarations and imports, function parameters,
 * `var` (hoisted to its function), block-scoped `let`/`const`/`class`/`function`, catch clauses, and every write to a
 * binding (assignments, `++`/`--`, destructuring). references.ts resolves what a function reads against them.
 *
 * Hand-written on purpose: TypeScript's binder is internal API, and it only runs as part of a Program.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'

export type BindingKind =
  | 'var'
  | 'let'
  | 'const'
  | 'parameter'
  | 'function'
  | 'class'
  | 'enum'
  | 'namespace'
  | 'import'
  | 'catch'
  | 'arguments'
  | 'ambient'

export type ScopeKind = 'module' | 'namespace' | 'function' | 'block' | 'class'

export interface Scope {
  readonly kind: ScopeKind
  readonly node: TS.Node
  readonly parent: Scope | undefined
  readonly bindings: Map<string, Binding>
}

export interface Binding {
  readonly name: string
  readonly kind: BindingKind
  readonly scope: Scope
  /** Where it is declared, for versions: the statement, the function, the parameter (several for overloads, merged enums). */
  readonly declarations: TS.Node[]
  /** The identifier that declares it. */
  readonly nameNode: TS.Node
  /** Identifiers that assign to it after its declaration. */
  readonly writes: TS.Identifier[]
  /** An import: its module specifier, and whether it is a type-only import (no code). */
  readonly specifier?: string
  readonly typeOnly?: boolean
}

/** Nodes with parameters and a body of their own: functions, methods, accessors, constructors, static blocks. */
export const isFunctionScope = (node: TS.Node): boolean =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node) ||
  ts.isClassStaticBlockDeclaration(node)

function hasDeclareModifier(node: TS.Node): boolean {
  return (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) ?? false
}

/** Nodes that are only types: never code, never visited. */
export function isTypeOnly(node: TS.Node): boolean {
  // `class A extends Base<T>`: the base is an expression (its type arguments are types, skipped on the way down).
  if (ts.isExpressionWithTypeArguments(node))
    return !(ts.isHeritageClause(node.parent) && node.parent.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(node.parent.parent))
  return (
    ts.isTypeNode(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isTypeParameterDeclaration(node) ||
    (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword) ||
    hasDeclareModifier(node)
  )
}

function isAssignmentOperator(kind: TS.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment
}

/** Identifiers an assignment target writes: `a`, `{ a, b: [c] }`, `[a = 1, ...b]`. */
function assignmentTargets(node: TS.Expression, out: TS.Identifier[]): void {
  let expression = node
  while (
    ts.isParenthesizedExpression(expression) ||
    ts.isNonNullExpression(expression) ||
    ts.isAsExpression(expression) ||
    ts.isSatisfiesExpression(expression) ||
    ts.isTypeAssertionExpression(expression)
  ) {
    expression = expression.expression
  }
  if (ts.isIdentifier(expression)) out.push(expression)
  else if (ts.isObjectLiteralExpression(expression)) {
    for (const property of expression.properties) {
      if (ts.isShorthandPropertyAssignment(property)) out.push(property.name)
      else if (ts.isPropertyAssignment(property)) assignmentTargets(property.initializer, out)
      else if (ts.isSpreadAssignment(property)) assignmentTargets(property.expression, out)
    }
  } else if (ts.isArrayLiteralExpression(expression)) {
    for (const element of expression.elements) {
      if (ts.isSpreadElement(element)) assignmentTargets(element.expression, out)
      else if (!ts.isOmittedExpression(element)) assignmentTargets(element, out)
    }
  } else if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    assignmentTargets(expression.left, out)
  }
}

/** The identifiers a binding name declares: `a`, `{ a, b: [c] }`. */
function boundNames(name: TS.BindingName, out: TS.Identifier[]): void {
  if (ts.isIdentifier(name)) out.push(name)
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) boundNames(element.name, out)
}

/** The scopes and bindings of one file. */
export class FileScopes {
  readonly module: Scope
  private readonly scopes = new Map<TS.Node, Scope>()
  private readonly pendingWrites: TS.Identifier[] = []
  private readonly argumentsBindings = new Map<TS.Node, Binding>()

  constructor(readonly sourceFile: TS.SourceFile) {
    this.module = this.scope('module', sourceFile, undefined)
    for (const statement of sourceFile.statements) this.visit(statement, this.module)
    for (const target of this.pendingWrites) {
      const binding = this.resolve(target)
      if (binding) binding.writes.push(target)
    }
  }

  private scope(kind: ScopeKind, node: TS.Node, parent: Scope | undefined): Scope {
    const scope: Scope = { kind, node, parent, bindings: new Map() }
    this.scopes.set(node, scope)
    return scope
  }

  private declare(
    scope: Scope,
    name: TS.Identifier,
    kind: BindingKind,
    declaration: TS.Node,
    extra: { specifier?: string; typeOnly?: boolean } = {},
  ): void {
    const existing = scope.bindings.get(name.text)
    // Overloads, merged enums and namespaces, `var` twice: one binding, every declaration.
    if (existing) {
      existing.declarations.push(declaration)
      return
    }
    scope.bindings.set(name.text, { name: name.text, kind, scope, declarations: [declaration], nameNode: name, writes: [], ...extra })
  }

  /** The scope `var` declarations go to: the nearest function, namespace or the module. */
  private varScope(scope: Scope): Scope {
    let current = scope
    while (current.kind === 'block' || current.kind === 'class') current = current.parent!
    return current
  }

  private visit(node: TS.Node, scope: Scope): void {
    if (isTypeOnly(node)) {
      if (hasDeclareModifier(node)) this.declareAmbient(node, scope)
      return
    }
    if (ts.isImportDeclaration(node)) return this.importDeclaration(node, scope)
    if (ts.isImportEqualsDeclaration(node)) {
      const reference = node.moduleReference
      const specifier =
        ts.isExternalModuleReference(reference) && ts.isStringLiteral(reference.expression) ? reference.expression.text : undefined
      this.declare(
        scope,
        node.name,
        specifier === undefined ? 'const' : 'import',
        node,
        specifier === undefined ? {} : { specifier, typeOnly: node.isTypeOnly },
      )
      return
    }
    if (isFunctionScope(node)) return this.functionLike(node as TS.FunctionLikeDeclaration | TS.ClassStaticBlockDeclaration, scope)
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return this.classLike(node, scope)
    if (ts.isVariableDeclarationList(node)) return this.variables(node, scope)
    if (ts.isEnumDeclaration(node)) {
      this.declare(scope, node.name, 'enum', node)
      ts.forEachChild(node, (child) => (child === node.name ? undefined : this.visit(child, scope)))
      return
    }
    if (ts.isModuleDeclaration(node)) {
      // `declare module 'x'` and `declare global` are ambient (skipped above); `namespace N {}` holds code.
      if (ts.isIdentifier(node.name)) this.declare(scope, node.name, 'namespace', node)
      const inner = this.scope('namespace', node, scope)
      if (node.body) this.visit(node.body, inner)
      return
    }
    if (ts.isModuleBlock(node)) {
      for (const statement of node.statements) this.visit(statement, scope)
      return
    }
    if (ts.isBlock(node) || ts.isCaseBlock(node) || ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
      const inner = this.scope('block', node, scope)
      if ((ts.isForInStatement(node) || ts.isForOfStatement(node)) && !ts.isVariableDeclarationList(node.initializer)) {
        assignmentTargets(node.initializer, this.pendingWrites)
      }
      ts.forEachChild(node, (child) => this.visit(child, inner))
      return
    }
    if (ts.isCatchClause(node)) {
      const inner = this.scope('block', node, scope)
      if (node.variableDeclaration) {
        const names: TS.Identifier[] = []
        boundNames(node.variableDeclaration.name, names)
        for (const name of names) this.declare(inner, name, 'catch', node.variableDeclaration)
      }
      ts.forEachChild(node, (child) => this.visit(child, inner))
      return
    }
    if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind)) {
      if (node.operatorToken.kind === ts.SyntaxKind.EqualsToken) assignmentTargets(node.left, this.pendingWrites)
      else if (ts.isIdentifier(node.left)) this.pendingWrites.push(node.left)
    } else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
    ) {
      assignmentTargets(node.operand, this.pendingWrites)
    }
    ts.forEachChild(node, (child) => this.visit(child, scope))
  }

  private declareAmbient(node: TS.Node, scope: Scope): void {
    if (ts.isVariableStatement(node)) {
      const names: TS.Identifier[] = []
      for (const declaration of node.declarationList.declarations) boundNames(declaration.name, names)
      for (const name of names) this.declare(scope, name, 'ambient', node)
    } else if (
      (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node) || ts.isModuleDeclaration(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    ) {
      this.declare(scope, node.name, 'ambient', node)
    }
  }

  private importDeclaration(node: TS.ImportDeclaration, scope: Scope): void {
    const clause = node.importClause
    if (!clause || !ts.isStringLiteral(node.moduleSpecifier)) return
    const specifier = node.moduleSpecifier.text
    const typeOnly = clause.isTypeOnly
    if (clause.name) this.declare(scope, clause.name, 'import', node, { specifier, typeOnly })
    const bindings = clause.namedBindings
    if (bindings && ts.isNamespaceImport(bindings)) this.declare(scope, bindings.name, 'import', node, { specifier, typeOnly })
    else if (bindings)
      for (const element of bindings.elements)
        this.declare(scope, element.name, 'import', node, { specifier, typeOnly: typeOnly || element.isTypeOnly })
  }

  private functionLike(node: TS.FunctionLikeDeclaration | TS.ClassStaticBlockDeclaration, scope: Scope): void {
    if (ts.isFunctionDeclaration(node) && node.name) this.declare(scope, node.name, 'function', node)
    // A method's computed name and decorators are evaluated outside it.
    if (!ts.isClassStaticBlockDeclaration(node)) {
      if (node.name && ts.isComputedPropertyName(node.name)) this.visit(node.name, scope)
      if (ts.canHaveDecorators(node)) for (const decorator of ts.getDecorators(node) ?? []) this.visit(decorator, scope)
    }
    const inner = this.scope('function', node, scope)
    if (ts.isFunctionExpression(node) && node.name) this.declare(inner, node.name, 'function', node)
    if (!ts.isClassStaticBlockDeclaration(node)) {
      for (const parameter of node.parameters) {
        const names: TS.Identifier[] = []
        boundNames(parameter.name, names)
        for (const name of names) if (name.text !== 'this') this.declare(inner, name, 'parameter', parameter)
        ts.forEachChild(parameter, (child) => (child === parameter.name && ts.isIdentifier(child) ? undefined : this.visit(child, inner)))
      }
    }
    const body = node.body
    if (!body) return
    // The body's own declarations live in the function's scope (a parameter and a `let` of the body cannot share a name).
    if (ts.isBlock(body)) for (const statement of body.statements) this.visit(statement, inner)
    else this.visit(body, inner)
  }

  private classLike(node: TS.ClassLikeDeclaration, scope: Scope): void {
    if (ts.isClassDeclaration(node) && node.name) this.declare(scope, node.name, 'class', node)
    for (const decorator of ts.getDecorators(node) ?? []) this.visit(decorator, scope)
    const inner = this.scope('class', node, scope)
    if (ts.isClassExpression(node) && node.name) this.declare(inner, node.name, 'class', node)
    for (const clause of node.heritageClauses ?? []) this.visit(clause, scope)
    for (const member of node.members) this.visit(member, inner)
  }

  private variables(list: TS.VariableDeclarationList, scope: Scope): void {
    const flags = list.flags
    const kind: BindingKind = flags & ts.NodeFlags.Const || flags & ts.NodeFlags.Using ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var'
    const target = kind === 'var' ? this.varScope(scope) : scope
    const statement = ts.isVariableStatement(list.parent) ? list.parent : list
    for (const declaration of list.declarations) {
      const names: TS.Identifier[] = []
      boundNames(declaration.name, names)
      for (const name of names) this.declare(target, name, kind, statement)
      if (!ts.isIdentifier(declaration.name)) this.visit(declaration.name, scope)
      if (declaration.initializer) this.visit(declaration.initializer, scope)
    }
  }

  /** The innermost scope holding `node`. */
  scopeOf(node: TS.Node): Scope {
    for (let current: TS.Node | undefined = node; current; current = current.parent) {
      const scope = this.scopes.get(current)
      if (scope) return scope
    }
    return this.module
  }

  /** The binding an identifier reads or writes, or undefined for a global. */
  resolve(identifier: TS.Identifier): Binding | undefined {
    const name = identifier.text
    for (let scope: Scope | undefined = this.scopeOf(identifier.parent); scope; scope = scope.parent) {
      const binding = scope.bindings.get(name)
      if (binding) return binding
    }
    if (name === 'arguments') return this.argumentsOf(identifier)
    return undefined
  }

  /** `arguments` of the nearest non-arrow function around `node`. */
  private argumentsOf(node: TS.Node): Binding | undefined {
    let fn: TS.Node | undefined = node.parent
    while (fn && !(isFunctionScope(fn) && !ts.isArrowFunction(fn))) fn = fn.parent
    if (!fn) return undefined
    let binding = this.argumentsBindings.get(fn)
    if (!binding) {
      binding = { name: 'arguments', kind: 'arguments', scope: this.scopes.get(fn)!, declarations: [fn], nameNode: fn, writes: [] }
      this.argumentsBindings.set(fn, binding)
    }
    return binding
  }
}

/** Whether `inner` is `outer` or inside it. */
export function contains(outer: TS.Node, inner: TS.Node): boolean {
  for (let current: TS.Node | undefined = inner; current; current = current.parent) if (current === outer) return true
  return false
}

/** Whether a binding lives in a scope at or inside `node`. */
export function isDeclaredInside(binding: Binding, node: TS.Node): boolean {
  return contains(node, binding.scope.node)
}
