/**
 * Emitting: each site is rewritten in place with magic-string, so everything the user wrote keeps its position (the
 * source map is exact inside function bodies) and no line breaks are added (lines stay the same even where a tool
 * ignores the map, such as tsc's diagnostics). One function per construct; each says what it keeps and how.
 */
import type MagicString from 'magic-string'
import type TS from 'typescript'
import { ts } from './typescript.js'
import type { IdAllocator } from './ids.js'
import type { MarkerCall } from './markers.js'
import { checkCombination, optionCode, renderOptions, tagOptions, type SiteOption } from './options.js'
import { asyncHandle, siteFacts, type KnownOptions } from './site-facts.js'
import {
  siteQualifiedName,
  type BindingSite,
  type DeclarationSite,
  type MethodSite,
  type ObjectMethodSite,
  type PrivateMethodSite,
  type TagSite,
} from './sites.js'
import type { ClosureSite } from './closures.js'
import type { ErrorReporter } from './errors.js'
import { markerSiteInfo, tagSiteInfo, type SiteListener } from './site-report.js'
import type { CacheKindName } from './tags.js'
import type { SiteVersions } from './versions.js'

/** Runtime exports the emitted code imports, in the order the import lists them. */
const RUNTIME_EXPORTS = [
  'mcache',
  'bcache',
  'fcache',
  'acache',
  'ucache',
  'cachedMethod',
  'registerDeclaredCache',
  'registerDisabledSite',
] as const
type RuntimeExport = (typeof RUNTIME_EXPORTS)[number]

/** The plugin's defaults: option name → value code and the value itself (for build-time checks). */
export type ResolvedDefaults = ReadonlyMap<string, { readonly code: string; readonly value: unknown }>

export interface RewriteContext {
  readonly s: MagicString
  readonly sourceFile: TS.SourceFile
  readonly errors: ErrorReporter
  readonly ids: IdAllocator
  readonly defaults: ResolvedDefaults
  /** Emit type annotations (the file is TypeScript). */
  readonly typed: boolean
  readonly runtime: string
  /** Import the runtime with `require` (a CommonJS script). */
  readonly commonJs: boolean
  /** Told each site's options as emitted (`options.onSite`). */
  readonly onSite?: SiteListener | undefined
  readonly versions: SiteVersions
  /** Check what a site's function reads (closures.ts); a site it does not apply to returns at once. */
  readonly checkClosures: (site: ClosureSite) => void
  /** The plugin's `strict`: closure problems are errors in every site. */
  readonly strict: boolean
  /**
   * The plugin is disabled (`enabled: false`): every tagged function stays as written and is only registered as a
   * disabled site, so `cacheOf` can tell it was tagged (see runtime/api/cache-of.ts).
   */
  readonly disabled?: boolean
}

/** Options the build step reads and the runtime does not need: left out of the emitted options. */
const BUILD_ONLY_OPTIONS: ReadonlySet<string> = new Set(['versionScope'])

/** Collects the runtime names a file uses and emits the import for them. */
export class Rewriter {
  private readonly used = new Set<RuntimeExport>()
  /** Statements for the top of the module, emitted right after the runtime import (registrations). */
  private readonly moduleTop: string[] = []

  constructor(readonly ctx: RewriteContext) {}

  /** The local name of a runtime export in the emitted code; prefixed so it never meets a user's binding. */
  use(name: RuntimeExport): string {
    this.used.add(name)
    return `__twat_${name}`
  }

  get typed(): boolean {
    return this.ctx.typed
  }

  private text(node: TS.Node): string {
    return node.getText(this.ctx.sourceFile)
  }

  /** `{ …defaults, …tag options, name, version }` for a tagged site; the site's own options win. */
  private tagOptionsCode(site: TagSite): string {
    const { errors, ids, defaults } = this.ctx
    const errorsBefore = errors.count
    const options = tagOptions(site.tag, errors)
    const given = new Set(options.map((o) => o.name))
    const span = { start: site.tag.start, length: site.tag.end - site.tag.start }
    const fromDefaults: SiteOption[] = [...defaults]
      .filter(([name]) => !given.has(name))
      .map(([name, d]) => ({ name, value: { literal: true, value: d.value }, ...span }))
    // Rules about options together are only checked when each option is valid.
    if (errors.count === errorsBefore) checkCombination([...fromDefaults, ...options], span, errors)
    const entries: [string, string][] = [
      ...fromDefaults.map((o): [string, string] => [o.name, defaults.get(o.name)!.code]),
      ...options.map((o): [string, string] => [o.name, optionCode(o)]),
    ].filter(([name]) => !BUILD_ONLY_OPTIONS.has(name))
    const qualified = siteQualifiedName(site)
    if (!given.has('name')) entries.push(['name', JSON.stringify(ids.claim(qualified))])
    const known: KnownOptions = new Map([...fromDefaults, ...options].map((o) => [o.name, o.value.literal ? o.value : { literal: false }]))
    const version = this.analyze(
      { node: site.node, fn: site.node, kind: site.tag.kind, known, complete: true, qualified },
      !given.has('version'),
    )
    if (version !== undefined) entries.push(['version', JSON.stringify(version)])
    if (this.ctx.onSite && errors.count === errorsBefore)
      this.ctx.onSite(tagSiteInfo(this.ctx.sourceFile, site.node, site.tag.kind, [...fromDefaults, ...options], entries))
    return renderOptions(entries)
  }

  /**
   * `{ name, kind, async?, functionName? }` for a tagged site of a disabled build: how the enabled build would have
   * named it and whether its handle would answer with promises. Nothing is checked or reported (the plugin is off).
   */
  private disabledSiteCode(site: TagSite, fn: TS.SignatureDeclaration, functionName?: string): string {
    const { errors, ids, defaults } = this.ctx
    const options = new Map<string, { literal: true; value: unknown } | { literal: false }>()
    for (const [name, d] of defaults) options.set(name, { literal: true, value: d.value })
    for (const o of tagOptions(site.tag, errors)) options.set(o.name, o.value.literal ? o.value : { literal: false })
    const given = options.get('name')
    const name = given?.literal && typeof given.value === 'string' ? given.value : ids.claim(siteQualifiedName(site))
    const isAsync = ts.getModifiers(fn as TS.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ?? false
    const entries: [string, string][] = [
      ['name', JSON.stringify(name)],
      ['kind', JSON.stringify(site.tag.kind)],
    ]
    if (asyncHandle(site.tag.kind, options, isAsync)) entries.push(['async', 'true'])
    if (functionName !== undefined) entries.push(['functionName', JSON.stringify(functionName)])
    return renderOptions(entries)
  }

  /**
   * Put `statement` where the declaration `fn` is hoisted to, so it runs before any other code of that scope: the
   * top of the module (after the runtime import), of a namespace, of a function body (after its directives) or of a
   * block. A declaration directly in a `case` clause gets it right after itself; one directly under `if` or a label
   * (sloppy-mode JavaScript) gets none, and is then not found by cacheOf.
   */
  private atScopeTop(fn: TS.FunctionDeclaration, statement: string): void {
    const { s, sourceFile } = this.ctx
    const parent = fn.parent
    if (ts.isSourceFile(parent)) {
      this.moduleTop.push(statement)
    } else if (ts.isModuleBlock(parent)) {
      s.appendLeft(parent.getStart(sourceFile) + 1, ` ${statement}`)
    } else if (ts.isBlock(parent)) {
      let at = parent.getStart(sourceFile) + 1
      let separator = ' '
      if (ts.isFunctionLike(parent.parent)) {
        for (const directive of parent.statements) {
          if (!ts.isExpressionStatement(directive) || !ts.isStringLiteral(directive.expression)) break
          at = directive.end
          // A directive ended by a line break: the statement on its line needs the semicolon.
          separator = sourceFile.text[at - 1] === ';' ? ' ' : '; '
        }
      }
      s.appendLeft(at, `${separator}${statement}`)
    } else if (ts.isCaseClause(parent) || ts.isDefaultClause(parent)) {
      s.appendLeft(fn.end, ` ${statement}`)
    }
  }

  /**
   * The version of a site, computed as its options ask (versions.ts), after the check of what its function reads
   * (closures.ts), which depends on the same facts.
   */
  private analyze(
    site: { node: TS.Node; fn: TS.Node | undefined; kind: CacheKindName; known: KnownOptions; complete: boolean; qualified: string },
    wantsVersion: boolean,
  ): string | undefined {
    const facts = siteFacts(site.kind, site.known, site.complete)
    if (site.fn && site.complete) {
      this.ctx.checkClosures({
        node: site.fn,
        label: `${site.kind} function ${site.qualified}`,
        kind: site.kind,
        persistent: facts.persistent,
        hasKey: facts.hasKey,
        strict: facts.strict || this.ctx.strict,
      })
    }
    return wantsVersion ? this.ctx.versions.of(site.node, facts) : undefined
  }

  rewriteSite(site: TagSite): void {
    switch (site.type) {
      case 'declaration':
        return this.declaration(site)
      case 'binding':
        return this.binding(site)
      case 'method':
        return this.method(site)
      case 'private-method':
        return this.privateMethod(site)
      case 'object-method':
        return this.objectMethod(site)
    }
  }

  /**
   * A declaration stays a declaration, so it is still hoisted: a wrapper with the same name, parameters and
   * modifiers (`export`, `default`, `async`) creates the cache on its first call (through `__twat$name$cache`, also
   * declared, so hoisted) and forwards `this` and `arguments`; the original becomes `__twat$name$impl` in place.
   * Recursive calls name the wrapper, so they go through the cache. Overload signatures above stay attached to the
   * wrapper. The top of the scope registers the wrapper with its cache maker, for cacheOf. An anonymous
   * `export default function` wrapper gets a name to be registered by, and its name "default" back.
   *
   *   registerDeclaredCache(fib, __twat$fib$cache)     (top of the scope)
   *   function fib(n) { return (__twat$fib ?? __twat$fib$cache()).apply(this, arguments) } var __twat$fib;
   *   function __twat$fib$cache() { return __twat$fib ??= __twat_mcache(__twat$fib$impl, {…}) }
   *   function __twat$fib$impl(n) { …original body… }
   */
  private declaration(site: DeclarationSite): void {
    if (this.ctx.disabled) return this.disabledDeclaration(site)
    const { s, sourceFile } = this.ctx
    const fn = site.node
    const base = fn.name?.text ?? 'default'
    const store = `__twat$${base}`
    const impl = `__twat$${base}$impl`
    const maker = `__twat$${base}$cache`
    const wrapperName = fn.name?.text ?? `__twat$${base}$fn`
    const options = this.tagOptionsCode(site)
    const cache = this.use(site.tag.kind)
    const modifiers = ts.getModifiers(fn) ?? []
    const has = (kind: TS.SyntaxKind) => modifiers.some((m) => m.kind === kind)
    const typeParameters = fn.typeParameters ? `<${fn.typeParameters.map((p) => this.text(p)).join(', ')}>` : ''
    const typeArguments = fn.typeParameters ? `<${fn.typeParameters.map((p) => p.name.text).join(', ')}>` : ''
    const implType = `typeof ${impl}${typeArguments}`
    const { list, refs } = this.wrapperParameters(fn, implType)
    const returnType = fn.type ? `: ${this.text(fn.type)}` : this.typed ? `: ReturnType<${implType}>` : ''
    const args = this.typed && refs.length ? `arguments as unknown as [${refs.join(', ')}]` : 'arguments'
    const header = `${has(ts.SyntaxKind.ExportKeyword) ? 'export ' : ''}${has(ts.SyntaxKind.DefaultKeyword) ? 'default ' : ''}${has(ts.SyntaxKind.AsyncKeyword) ? 'async ' : ''}function ${wrapperName}`
    const wrapper = `${header}${typeParameters}(${list.join(', ')})${returnType} { return (${store} ?? ${maker}()).apply(this, ${args}) }`
    const storeDeclaration = `${store}${this.typed ? ': Function | undefined' : ''};`
    const makerDeclaration = `function ${maker}()${this.typed ? ': Function' : ''} { return ${store} ??= ${cache}(${impl}, ${options}) }`

    const start = fn.getStart(sourceFile)
    const blockStart = nestedBlockStart(fn, sourceFile)
    if (blockStart === undefined) {
      s.appendLeft(start, `${wrapper} var ${storeDeclaration} ${makerDeclaration} `)
    } else {
      // In a nested block the function is created on each entry to the block: a block-scoped store gives each
      // instance its own cache, and sits at the top of the block so calls hoisted above the function find it.
      s.appendLeft(blockStart, ` let ${storeDeclaration}`)
      s.appendLeft(start, `${wrapper} ${makerDeclaration} `)
    }
    this.atScopeTop(fn, `${this.use('registerDeclaredCache')}(${wrapperName}, ${maker}${fn.name ? '' : ', "default"'});`)
    // The implementation loses export/default (the wrapper has them) and takes the impl name.
    const keyword = fn.getChildren(sourceFile).find((child) => child.kind === ts.SyntaxKind.FunctionKeyword)!
    const firstKept = modifiers.find((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword)
    const keepFrom = firstKept ? firstKept.getStart(sourceFile) : keyword.getStart(sourceFile)
    if (keepFrom > start) s.remove(start, keepFrom)
    if (fn.name) s.overwrite(fn.name.getStart(sourceFile), fn.name.end, impl)
    else if (sourceFile.text[keyword.end] === ' ') s.appendLeft(keyword.end + 1, impl)
    else s.appendLeft(keyword.end, ` ${impl}`)
  }

  /**
   * A declaration of a disabled build stays exactly as written (an anonymous `export default function` gets a name
   * to be registered by, and "default" back); the top of its scope registers it as a disabled site.
   */
  private disabledDeclaration(site: DeclarationSite): void {
    const { s, sourceFile } = this.ctx
    const fn = site.node
    let reference = fn.name?.text
    if (!reference) {
      reference = '__twat$default$fn'
      const keyword = fn.getChildren(sourceFile).find((child) => child.kind === ts.SyntaxKind.FunctionKeyword)!
      const star = fn.asteriskToken ? fn.asteriskToken.end : keyword.end
      s.appendLeft(star, ` ${reference}`)
    }
    const info = this.disabledSiteCode(site, fn, fn.name ? undefined : 'default')
    this.atScopeTop(fn, `${this.use('registerDisabledSite')}(${reference}, ${info});`)
  }

  /**
   * The wrapper's parameter list: the same names, optionality and types, so the signature (and `length`) is the
   * original's. Defaults become `undefined` so they are evaluated once, by the implementation; destructuring
   * patterns become plain names. `refs` lists them for a type-only use, which keeps `noUnusedParameters` quiet.
   */
  private wrapperParameters(fn: TS.FunctionDeclaration, implType: string): { list: string[]; refs: string[] } {
    const list: string[] = []
    const refs: string[] = []
    let index = 0
    let hasThis = false
    for (const parameter of fn.parameters) {
      if (ts.isIdentifier(parameter.name) && parameter.name.text === 'this') {
        list.push(this.text(parameter))
        hasThis = true
        continue
      }
      const i = index++
      const name = ts.isIdentifier(parameter.name) ? parameter.name.text : `__twat$p${i}`
      let type = parameter.type ? this.text(parameter.type) : undefined
      if (!type && this.typed && (parameter.initializer || !ts.isIdentifier(parameter.name))) {
        type = parameter.dotDotDotToken ? 'any[]' : `Parameters<${implType}>[${i}]`
      }
      const initializer = parameter.initializer ? (this.typed ? ' = undefined!' : ' = undefined') : ''
      list.push(
        `${parameter.dotDotDotToken ? '...' : ''}${name}${parameter.questionToken ? '?' : ''}${type ? `: ${type}` : ''}${initializer}`,
      )
      refs.push(parameter.dotDotDotToken ? `...typeof ${name}` : `typeof ${name}`)
    }
    // `this` forwarded by the wrapper must have a type under noImplicitThis; unknown accepts every caller. It never
    // reaches a library's types: the tsc plugin emits the declarations of the source as written.
    if (this.typed && !hasThis) list.unshift('this: unknown')
    return { list, refs }
  }

  /**
   * A function bound to a name is wrapped where it stands: `const f = __twat_mcache(() => …, {…})`. The binding
   * now holds the cached function, so recursion through the name is cached too. An anonymous function got its
   * name from the binding; passing it to the cache loses that, so the name is given back.
   */
  private binding(site: BindingSite): void {
    const { s, sourceFile } = this.ctx
    if (this.ctx.disabled) {
      const info = this.disabledSiteCode(site, site.node, site.node.name ? undefined : site.name)
      s.prependRight(site.expression.getStart(sourceFile), `${this.use('registerDisabledSite')}(`)
      s.appendLeft(site.expression.end, `, ${info})`)
      return
    }
    const options = this.tagOptionsCode(site)
    const cache = this.use(site.tag.kind)
    const anonymous = !site.node.name
    s.prependRight(site.expression.getStart(sourceFile), anonymous ? `Object.defineProperty(${cache}(` : `${cache}(`)
    s.appendLeft(site.expression.end, anonymous ? `, ${options}), "name", { value: ${JSON.stringify(site.name)} })` : `, ${options})`)
  }

  /**
   * Class methods stay as written; a static block at the top of the class body replaces them with cached ones
   * before any static initializer can call them. Memory caches keep one cache per instance (static methods: per
   * class) in a WeakMap. Persistent caches (bcache, fcache, acache with url/store/backend) keep ONE cache shared by
   * all instances, keyed by the arguments only: a result must not depend on instance state, or the `key` option
   * (called with `this`) must include what it depends on.
   */
  private method(site: MethodSite): void {
    const name = site.node.name
    const access = ts.isIdentifier(name)
      ? `.${name.text}`
      : `[${ts.isNumericLiteral(name) ? name.text : JSON.stringify((name as TS.StringLiteral).text)}]`
    const target = site.isStatic ? 'this' : 'this.prototype'
    const statement = this.ctx.disabled
      ? `${this.use('registerDisabledSite')}(${target}${access}, ${this.disabledSiteCode(site, site.node)});`
      : `${target}${access} = ${this.use('cachedMethod')}(${this.use(site.tag.kind)}, ${target}${access}, ${this.tagOptionsCode(site)});`
    const pending = this.classBlocks.get(site.owner) ?? []
    pending.push(statement)
    this.classBlocks.set(site.owner, pending)
  }

  private readonly classBlocks = new Map<TS.ClassLikeDeclaration, string[]>()

  /** Emit the static blocks collected by {@link method}, one per class. */
  flushClassBlocks(): void {
    for (const [owner, statements] of this.classBlocks) {
      this.ctx.s.appendLeft(owner.members.pos, ` static { ${statements.join(' ')} }`)
    }
    this.classBlocks.clear()
  }

  /**
   * A `#private` method cannot be replaced after the class is defined, so it becomes a private getter that returns
   * the cached method (built once per class, stored in a static private field), while the original body moves to
   * `#__twat$name`. `this.#name(…)` still calls it with the right `this`; the getter's type is the body's.
   */
  private privateMethod(site: PrivateMethodSite): void {
    const { s, sourceFile } = this.ctx
    const node = site.node
    const name = node.name.text
    const impl = `#__twat$${name.slice(1)}`
    const store = `#__twat$${name.slice(1)}$cached`
    const cached = this.ctx.disabled
      ? `${this.use('registerDisabledSite')}(f, ${this.disabledSiteCode(site, node)})`
      : `Object.defineProperty(${this.use('cachedMethod')}(${this.use(site.tag.kind)}, f, ${this.tagOptionsCode(site)}), "name", { value: ${JSON.stringify(name)} })`
    const prefix = site.isStatic ? 'static ' : ''
    const getter = `${prefix}get ${name}() { const f = this.${impl}; return (${site.className}.${store} ??= ${cached})${this.typed ? ' as typeof f' : ''} }`
    s.appendLeft(node.getStart(sourceFile), `${getter} static ${store}${this.typed ? ': Function | undefined' : ''}; `)
    s.overwrite(node.name.getStart(sourceFile), node.name.end, impl)
  }

  /**
   * An object method becomes a property holding the cached method; the body stays in place as the method of a
   * one-property object, so it keeps `this`, `arguments` and its closure. TypeScript types `this` in such a
   * method as that small object, so the emitted method declares `this: any` unless the user declared one.
   */
  private objectMethod(site: ObjectMethodSite): void {
    const { s, sourceFile } = this.ctx
    const node = site.node
    const name = node.name as TS.Identifier | TS.StringLiteral | TS.NumericLiteral
    const key = ts.isIdentifier(name) ? name.text : name.getText(sourceFile)
    const access = ts.isIdentifier(name) ? `.${name.text}` : `[${ts.isNumericLiteral(name) ? name.text : JSON.stringify(name.text)}]`
    const disabled = this.ctx.disabled === true
    const options = disabled ? this.disabledSiteCode(site, node) : this.tagOptionsCode(site)
    const wrap = disabled ? `${this.use('registerDisabledSite')}(` : `${this.use('cachedMethod')}(${this.use(site.tag.kind)}, `
    s.prependRight(node.getStart(sourceFile), `${key}: ${wrap}{ `)
    const first = node.parameters[0]
    const declaresThis = first && ts.isIdentifier(first.name) && first.name.text === 'this'
    if (this.typed && !declaresThis) s.appendLeft(node.parameters.pos, `this: any${node.parameters.length ? ', ' : ''}`)
    s.appendLeft(node.end, ` }${access}, ${options})`)
  }

  /**
   * A marker call gets `name` and `version` (and the plugin's defaults) unless it sets them: added to its options
   * object literal, as a new argument, or around a non-literal options expression: `{ name, version, ...(expr) }`.
   */
  rewriteMarker(marker: MarkerCall): void {
    const { s, sourceFile, ids, defaults } = this.ctx
    const entries: string[] = []
    const known = new Map(marker.known)
    for (const [name, d] of defaults) {
      if (marker.present.has(name)) continue
      known.set(name, { literal: true, value: d.value })
      if (!BUILD_ONLY_OPTIONS.has(name)) entries.push(`${name}: ${d.code}`)
    }
    if (!marker.present.has('name')) entries.push(`name: ${JSON.stringify(ids.claim(marker.qualified))}`)
    const { kind, qualified, complete } = marker
    const version = this.analyze(
      { node: marker.versionNode, fn: marker.fn, kind, known, complete, qualified },
      !marker.present.has('version'),
    )
    if (version !== undefined) entries.push(`version: ${JSON.stringify(version)}`)
    this.ctx.onSite?.(markerSiteInfo(sourceFile, marker, defaults, entries))
    if (!entries.length) return
    const options = marker.options
    const args = marker.call.arguments
    if (options && ts.isObjectLiteralExpression(options)) {
      const open = options.getStart(sourceFile) + 1
      s.appendLeft(open, ` ${entries.join(', ')}${options.properties.length ? ',' : ' '}`)
    } else if (options) {
      s.prependRight(options.getStart(sourceFile), `{ ${entries.join(', ')}, ...(`)
      s.appendLeft(options.end, `) }`)
    } else if (marker.form === 'options') {
      s.appendLeft(args.pos, `{ ${entries.join(', ')} }`)
    } else if (args.hasTrailingComma) {
      s.appendLeft(args.end, ` { ${entries.join(', ')} }`)
    } else {
      s.appendLeft(args[args.length - 1]!.end, `, { ${entries.join(', ')} }`)
    }
  }

  /**
   * The import of the runtime, on the first line (after a `#!` line and directives such as 'use client', which
   * must stay first), without a line break of its own.
   */
  emitImport(): void {
    if (!this.used.size) return
    const { s, sourceFile, runtime, commonJs } = this.ctx
    const names = RUNTIME_EXPORTS.filter((name) => this.used.has(name))
    const importCode = commonJs
      ? `const { ${names.map((n) => `${n}: __twat_${n}`).join(', ')} } = require(${JSON.stringify(runtime)});`
      : `import { ${names.map((n) => `${n} as __twat_${n}`).join(', ')} } from ${JSON.stringify(runtime)};`
    const code = [importCode, ...this.moduleTop].join(' ')
    const text = sourceFile.text
    let position = 0
    if (text.startsWith('#!')) {
      const lineEnd = text.indexOf('\n')
      position = lineEnd === -1 ? text.length : lineEnd + 1
    }
    let lastDirective: TS.Statement | undefined
    for (const statement of sourceFile.statements) {
      if (ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression)) lastDirective = statement
      else break
    }
    if (lastDirective) {
      const terminated = text[lastDirective.end - 1] === ';'
      s.appendLeft(lastDirective.end, `${terminated ? '' : ';'} ${code}`)
    } else if (position === 0) {
      s.prepend(`${code} `)
    } else {
      s.prependLeft(position, `${code} `)
    }
  }
}

/** The offset just inside `{` of the block holding a declaration, when that block is not a function body. */
function nestedBlockStart(fn: TS.FunctionDeclaration, sourceFile: TS.SourceFile): number | undefined {
  const parent = fn.parent
  if (!ts.isBlock(parent)) return undefined
  const owner = parent.parent
  const isBody = ts.isFunctionLike(owner) || ts.isClassStaticBlockDeclaration(owner)
  return isBody ? undefined : parent.getStart(sourceFile) + 1
}
