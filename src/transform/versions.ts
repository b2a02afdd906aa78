/**
 * Versions of cache sites. Persistent entries are keyed by (id, version, arguments), so the version must change
 * whenever the code that computes a result changes, and should not change otherwise:
 *
 * - `deps` (the default for persistent caches): the function's normalised tokens, those of every declaration of the
 *   module (or of an enclosing function) it reads, transitively (functions, classes, constants, enums, `let`/`var`
 *   with their initializers, the class members it reads through `this`, top-level statements that touch those
 *   bindings), and for each import it reads, the digest of the imported module and of everything that module imports
 *   (see module-graph.ts);
 * - `module`: the normalised tokens of the whole module;
 * - `function`: the function's normalised tokens alone.
 *
 * Memory caches ignore versions (their entries die with the process); they keep the hash of the function's text.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import { versionOf } from './ids.js'
import type { ModuleGraph } from './module-graph.js'
import type { ReferenceIndex } from './references.js'
import { contains, isDeclaredInside, type Binding } from './scopes.js'
import type { VersionScope } from './site-facts.js'
import { digestOf, tokenDigest } from './tokens.js'

/** Versions are this long: 48 bits tell apart the versions of one function. */
const VERSION_LENGTH = 12

/** Module-level statements that declare nothing: `registry.set(…)`, `if (…) config.x = …`. */
function isPlainStatement(statement: TS.Statement): boolean {
  return !(
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isVariableStatement(statement) ||
    ts.isEnumDeclaration(statement) ||
    ts.isModuleDeclaration(statement) ||
    ts.isImportDeclaration(statement) ||
    ts.isImportEqualsDeclaration(statement) ||
    ts.isExportDeclaration(statement) ||
    ts.isExportAssignment(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement)
  )
}

/** The class or object literal a method belongs to, whose other members `this.name` reaches. */
function memberOwner(node: TS.Node): TS.ClassLikeDeclaration | TS.ObjectLiteralExpression | undefined {
  const parent = node.parent
  if (!ts.isMethodDeclaration(node) || !parent) return undefined
  return ts.isClassLike(parent) || ts.isObjectLiteralExpression(parent) ? parent : undefined
}

function memberName(member: TS.Node): string | undefined {
  const name = (member as { name?: TS.Node }).name
  if (!name) return undefined
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text
  return undefined
}

function membersOf(owner: TS.ClassLikeDeclaration | TS.ObjectLiteralExpression): readonly TS.Node[] {
  return ts.isObjectLiteralExpression(owner) ? owner.properties : owner.members
}

export interface SiteVersionsInput {
  readonly sourceFile: TS.SourceFile
  readonly file: string
  readonly graph: ModuleGraph
  /** What the file's nodes read, its scopes built on first use (memory caches at module level never need them). */
  readonly references: () => ReferenceIndex
}

/** The versions of one file's sites, and the files they were computed from. */
export class SiteVersions {
  private readonly tokens = new Map<TS.Node, string>()
  private readonly files = new Set<string>()
  private moduleTokens: string | undefined
  private plainStatements: readonly TS.Statement[] | undefined

  constructor(private readonly input: SiteVersionsInput) {}

  /** The version of the site whose function (or method, or call) is `node`. */
  of(node: TS.Node, site: { readonly persistent: boolean; readonly versionScope: VersionScope }): string {
    if (!site.persistent) return versionOf(node.getText(this.input.sourceFile))
    switch (site.versionScope) {
      case 'function':
        return digestOf('function', this.tokensOf(node)).slice(0, VERSION_LENGTH)
      case 'module':
        this.moduleTokens ??= tokenDigest(this.input.sourceFile.text)
        return digestOf('module', this.moduleTokens).slice(0, VERSION_LENGTH)
      case 'deps':
        return this.followingDependencies(node)
    }
  }

  /** Project files and package manifests the versions depend on: a bundler watches them, and rebuilds on a change. */
  get dependencies(): readonly string[] {
    return [...this.files]
  }

  private tokensOf(node: TS.Node): string {
    let digest = this.tokens.get(node)
    if (digest === undefined) {
      digest = tokenDigest(this.input.sourceFile.text, node.getStart(this.input.sourceFile), node.end)
      this.tokens.set(node, digest)
    }
    return digest
  }

  private followingDependencies(root: TS.Node): string {
    const references = this.input.references()
    const module = references.scopes.module
    const owner = memberOwner(root)
    const walked = new Set<TS.Node>([root])
    const declarations: TS.Node[] = []
    const specifiers = new Set<string>()
    const moduleBindings = new Set<Binding>()
    const queue: TS.Node[] = [root]
    const include = (node: TS.Node): void => {
      if (walked.has(node)) return
      walked.add(node)
      declarations.push(node)
      queue.push(node)
    }
    const includeMembers = (of: TS.ClassLikeDeclaration | TS.ObjectLiteralExpression, name: string | undefined): void => {
      for (const member of membersOf(of)) if (member !== root && (name === undefined || memberName(member) === name)) include(member)
    }

    const drain = (): void => {
      while (queue.length) {
        const node = queue.pop()!
        const reads = references.referencesIn(node)
        for (const specifier of reads.dynamicImports) specifiers.add(specifier)
        for (const { identifier, binding } of reads.identifiers) {
          if (!binding || binding.kind === 'arguments' || isDeclaredInside(binding, node)) continue
          if (binding.kind === 'import') {
            if (!binding.typeOnly) specifiers.add(binding.specifier!)
            continue
          }
          if (binding.scope === module) moduleBindings.add(binding)
          for (const declaration of binding.declarations) {
            if (!contains(declaration, root)) include(declaration)
            // The class around a method, named from inside it: `Prices.rate` reads one member, `new Prices()` all.
            else if (ts.isClassLike(declaration)) {
              const access = identifier.parent
              const named = ts.isPropertyAccessExpression(access) && access.expression === identifier ? access.name.text : undefined
              includeMembers(declaration, named)
            }
          }
        }
        if (owner && (node === root || node.parent === owner)) {
          for (const name of reads.thisMembers) includeMembers(owner, name)
          if (reads.usesSuper && ts.isClassLike(owner)) for (const clause of owner.heritageClauses ?? []) include(clause)
        }
      }
    }

    drain()
    // Statements run at load time that touch a binding the function reads change what it computes too.
    for (let added = true; added; ) {
      added = false
      for (const statement of this.plainStatementsOf()) {
        if (walked.has(statement)) continue
        if (references.referencesIn(statement).identifiers.some((r) => r.binding && moduleBindings.has(r.binding))) {
          include(statement)
          added = true
        }
      }
      drain()
    }

    const parts = [this.tokensOf(root)]
    for (const node of declarations.sort((a, b) => a.pos - b.pos || a.end - b.end)) parts.push(this.tokensOf(node))
    parts.push('|')
    for (const specifier of [...specifiers].sort()) {
      const dependency = this.input.graph.importDigest(specifier, this.input.file)
      parts.push(specifier, dependency.digest)
      for (const file of dependency.files) this.files.add(file)
    }
    return digestOf('deps', ...parts).slice(0, VERSION_LENGTH)
  }

  private plainStatementsOf(): readonly TS.Statement[] {
    this.plainStatements ??= this.input.sourceFile.statements.filter(isPlainStatement)
    return this.plainStatements
  }
}
