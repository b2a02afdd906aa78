/**
 * Finding tagged functions: every JSDoc comment holding a cache tag is matched to the construct it documents, and
 * that construct is either a supported site (declaration, function bound to a name, class or object method) or a
 * build error saying what to do instead.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import type { ErrorReporter } from './errors.js'
import { propertyNameText, qualifiedName } from './ids.js'
import { findCacheTags, type CacheTag } from './tags.js'

/** `function f() {}`, including `export`, `export default` and `async`. */
export interface DeclarationSite {
  readonly type: 'declaration'
  readonly tag: CacheTag
  readonly node: TS.FunctionDeclaration & { readonly body: TS.Block }
}

/** An arrow or function expression bound to a name: `const f = …`, `{ f: … }`, `export default …`. */
export interface BindingSite {
  readonly type: 'binding'
  readonly tag: CacheTag
  readonly node: TS.ArrowFunction | TS.FunctionExpression
  /** The expression to wrap (the function, possibly inside parentheses or `as`). */
  readonly expression: TS.Expression
  /** The name the function had from its binding, given back to the cached function. */
  readonly name: string
}

/** A class method with a plain name, instance or static. */
export interface MethodSite {
  readonly type: 'method'
  readonly tag: CacheTag
  readonly node: TS.MethodDeclaration & { readonly body: TS.Block }
  readonly owner: TS.ClassLikeDeclaration
  readonly isStatic: boolean
}

/** A `#private` class method, instance or static. */
export interface PrivateMethodSite {
  readonly type: 'private-method'
  readonly tag: CacheTag
  readonly node: TS.MethodDeclaration & { readonly body: TS.Block; readonly name: TS.PrivateIdentifier }
  readonly className: string
  readonly isStatic: boolean
}

/** A method of an object literal: `{ get(id) {…} }`. */
export interface ObjectMethodSite {
  readonly type: 'object-method'
  readonly tag: CacheTag
  readonly node: TS.MethodDeclaration & { readonly body: TS.Block }
}

export type TagSite = DeclarationSite | BindingSite | MethodSite | PrivateMethodSite | ObjectMethodSite

/** The qualified name of a site, e.g. `Prices.of`, `api.get`, `fib`. */
export function siteQualifiedName(site: TagSite): string {
  return site.type === 'binding' ? qualifiedName(site.node, site.name) : qualifiedName(site.node)
}

function hasModifier(node: TS.Node, kind: TS.SyntaxKind): boolean {
  return (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === kind)) ?? false
}

/** `(…)`, `… as T`, `… satisfies T`, `…!`, `<T>…`: wrappers that leave the value as it is. */
function isOuterExpression(
  node: TS.Node,
): node is TS.ParenthesizedExpression | TS.AsExpression | TS.SatisfiesExpression | TS.NonNullExpression | TS.TypeAssertion {
  return (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isTypeAssertionExpression(node)
  )
}

/** The function inside `(…)`, `… as T`, `… satisfies T`, `…!`, if the expression is one. */
export function unwrapFunction(expression: TS.Expression): TS.ArrowFunction | TS.FunctionExpression | undefined {
  let current: TS.Expression = expression
  while (isOuterExpression(current)) current = current.expression
  return ts.isArrowFunction(current) || ts.isFunctionExpression(current) ? current : undefined
}

/** Whether `super` is used by the body itself (arrows inherit it; nested functions and classes have their own). */
function usesSuper(body: TS.Node): boolean {
  let found = false
  const visit = (node: TS.Node): void => {
    if (found) return
    if (node.kind === ts.SyntaxKind.SuperKeyword) {
      found = true
      return
    }
    if (ts.isFunctionLike(node) && !ts.isArrowFunction(node)) return
    if (ts.isClassLike(node)) return
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(body, visit)
  return found
}

/** Climb from the node a comment precedes (a modifier, decorator or name) to the declaration it documents. */
function documented(node: TS.Node): TS.Node {
  let current = node
  for (;;) {
    const parent = current.parent
    if (!parent || ts.isSourceFile(parent)) return current
    const isName = 'name' in parent && (parent as { name?: TS.Node }).name === current
    if (ts.isModifier(current) || ts.isDecorator(current) || isName) current = parent
    else return current
  }
}

const SUPPORTED = 'tag a function declaration, a function or arrow assigned to const/let/var, a class method or an object method'

/** Match a tag to the construct it documents; unsupported constructs are build errors at the tag. */
function classify(node: TS.Node, tag: CacheTag, errors: ErrorReporter): TagSite {
  const fail = (message: string): never => {
    throw errors.at(tag.start, tag.end - tag.start, message)
  }
  const generator = (): never =>
    fail(
      'a generator function cannot be cached (its result is an iterator that can be consumed once); cache a function that returns an array instead',
    )

  if (ts.isFunctionDeclaration(node)) {
    if (hasModifier(node, ts.SyntaxKind.DeclareKeyword) || !node.body) {
      fail('this declaration has no body (an overload signature or a declare): put the cache tag on the implementation')
    }
    if (node.asteriskToken) generator()
    return { type: 'declaration', tag, node: node as DeclarationSite['node'] }
  }
  if (ts.isVariableStatement(node)) {
    const declarations = node.declarationList.declarations
    if (hasModifier(node, ts.SyntaxKind.DeclareKeyword))
      fail('a declare statement has no function to cache: put the cache tag on the implementation')
    if (declarations.length !== 1) fail('this statement declares several variables: declare the cached function in its own statement')
    return classify(declarations[0]!, tag, errors)
  }
  if (ts.isVariableDeclaration(node)) {
    const fn = node.initializer && unwrapFunction(node.initializer)
    if (!fn || !node.initializer) return fail(`${node.name.getText()} is not initialized with a function or arrow function: ${SUPPORTED}`)
    if (!ts.isIdentifier(node.name)) return fail(`a cache tag on a destructuring declaration: ${SUPPORTED}`)
    if (ts.isFunctionExpression(fn) && fn.asteriskToken) generator()
    return { type: 'binding', tag, node: fn, expression: node.initializer, name: node.name.text }
  }
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    let outer: TS.Node = node
    while (outer.parent && isOuterExpression(outer.parent)) outer = outer.parent
    const parent = outer.parent
    if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isExportAssignment(parent))) {
      return classify(parent, tag, errors)
    }
    return fail(`this function is not bound to a name, so its cache could not be kept or named: assign it (const f = …), or ${SUPPORTED}`)
  }
  if (ts.isPropertyAssignment(node)) {
    const fn = unwrapFunction(node.initializer)
    if (!fn) return fail(`property ${propertyNameText(node.name)} is not a function or arrow function: ${SUPPORTED}`)
    if (ts.isComputedPropertyName(node.name)) return fail('a cached property needs a plain name, not a computed [name]')
    if (ts.isFunctionExpression(fn) && fn.asteriskToken) generator()
    return { type: 'binding', tag, node: fn, expression: node.initializer, name: propertyNameText(node.name) }
  }
  if (ts.isExportAssignment(node)) {
    const fn = unwrapFunction(node.expression)
    if (!fn) return fail(`the default export is not a function or arrow function: ${SUPPORTED}`)
    if (ts.isFunctionExpression(fn) && fn.asteriskToken) generator()
    return { type: 'binding', tag, node: fn, expression: node.expression, name: 'default' }
  }
  if (ts.isMethodDeclaration(node)) {
    if (node.asteriskToken) generator()
    if (hasModifier(node, ts.SyntaxKind.AbstractKeyword))
      fail('an abstract method has no body to cache: put the cache tag on the implementing method of the subclass')
    if (hasModifier(node, ts.SyntaxKind.DeclareKeyword))
      fail('a declare member has no body to cache: put the cache tag on the implementation')
    if (!node.body) fail('this method has no body (an overload signature): put the cache tag on the implementation')
    if (ts.isComputedPropertyName(node.name)) fail('a cached method needs a plain name, not a computed [name]')
    const withBody = node as MethodSite['node']
    if (ts.isClassLike(node.parent)) {
      const isStatic = hasModifier(node, ts.SyntaxKind.StaticKeyword)
      if (ts.isPrivateIdentifier(node.name)) {
        const className = node.parent.name?.text
        if (!className) return fail(`a cached #private method needs a named class (class Name { … }), so the method can reach its cache`)
        return { type: 'private-method', tag, node: withBody as PrivateMethodSite['node'], className, isStatic }
      }
      return { type: 'method', tag, node: withBody, owner: node.parent, isStatic }
    }
    if (ts.isObjectLiteralExpression(node.parent)) {
      if (usesSuper(withBody.body)) fail('a cached object method cannot use super: move the super call out, or make it a class method')
      return { type: 'object-method', tag, node: withBody }
    }
  }
  if (ts.isGetAccessorDeclaration(node)) return fail('a getter cannot be cached: make it a method, or cache a function it calls')
  if (ts.isSetAccessorDeclaration(node)) return fail('a setter cannot be cached: setters return nothing to cache')
  if (ts.isConstructorDeclaration(node)) return fail('a constructor cannot be cached: cache a static factory method instead')
  if (ts.isPropertyDeclaration(node)) {
    if (hasModifier(node, ts.SyntaxKind.DeclareKeyword))
      fail('a declare field has no function to cache: put the cache tag on the implementation')
    if (hasModifier(node, ts.SyntaxKind.AbstractKeyword))
      fail('an abstract member has no body to cache: put the cache tag on the implementation')
    return fail('a class field cannot be cached (every instance would build its own cache): write it as a method')
  }
  if (ts.isClassLike(node)) return fail('a cache tag on a class: put it on the methods to cache')
  if (ts.isMethodSignature(node) || ts.isPropertySignature(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
    return fail('a cache tag on a type has nothing to cache: put it on the implementation')
  }
  return fail(`a cache tag must document a function: ${SUPPORTED}`)
}

/**
 * Every tagged function of the file, in source order. A comment belongs to the outermost node that starts right
 * after it, which is what JSDoc documents. A tag that cannot be used is recorded in `errors` and left out.
 */
export function findTagSites(sourceFile: TS.SourceFile, errors: ErrorReporter): TagSite[] {
  const source = sourceFile.text
  const seen = new Set<number>()
  const sites = new Map<TS.Node, TagSite>()
  const firstTag = new Map<TS.Node, CacheTag>()

  const visit = (node: TS.Node): void => {
    if (!seen.has(node.pos)) {
      seen.add(node.pos)
      // A comment on the line of the previous token counts as that token's trailing comment in TypeScript's API,
      // but `[1].map(/** @mcache */ (n) => …)` or `{ /** @mcache */ m() {} }` document what follows: read both.
      const comments = [...(ts.getTrailingCommentRanges(source, node.pos) ?? []), ...(ts.getLeadingCommentRanges(source, node.pos) ?? [])]
      const read = new Set<number>()
      for (const comment of comments) {
        if (comment.kind !== ts.SyntaxKind.MultiLineCommentTrivia || read.has(comment.pos)) continue
        read.add(comment.pos)
        for (const tag of findCacheTags(source, comment.pos, comment.end, errors)) {
          // A tag on a construct that cannot be cached is recorded; the other tags are still read.
          const site = errors.attempt(() => classify(documented(node), tag, errors))
          if (!site) continue
          const earlier = firstTag.get(site.node)
          if (earlier) {
            const line = source.slice(0, earlier.start).split('\n').length
            errors.report(
              errors.at(
                tag.start,
                tag.end - tag.start,
                `a second cache tag on the same function (the first, @${earlier.name}, is on line ${line}): keep one`,
              ),
            )
            continue
          }
          firstTag.set(site.node, tag)
          sites.set(site.node, site)
        }
      }
    }
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(sourceFile, visit)
  return [...sites.values()].sort((a, b) => a.node.pos - b.node.pos)
}
