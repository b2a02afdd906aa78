/**
 * The digests of the project's modules, for versions that follow dependencies: a module's digest covers its own
 * normalised tokens and, transitively, every module it imports (relative and path-aliased imports by content,
 * packages by name and installed version, Node built-ins by name). Modules that import each other (a strongly
 * connected component) share one digest computed from all of them, so a cycle terminates and the digest does not
 * depend on which file of the cycle a build reaches first.
 *
 * One graph serves a whole build: each file is read, scanned and hashed once (kept across builds while its mtime
 * and size stay the same), stat'ed once per build, and each closure digest computed once per build. The plugins
 * call {@link ModuleGraph.startBuild} when a build (or a watch rebuild) starts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ModuleResolver, type ResolveHook, type ResolvedModule } from './module-resolution.js'
import { digestOf, tokenDigest } from './tokens.js'
import { ts } from './typescript.js'

export interface ModuleGraphOptions {
  /** Resolve a specifier (the tsc plugin: with the program's options and host); undefined falls back to the default. */
  readonly resolve?: ResolveHook
  /** The text of a file the caller already holds (the tsc plugin: the program's source files); undefined reads the disk. */
  readonly readFile?: (file: string) => string | undefined
}

/** A digest and the files it was computed from (project files and package manifests), for bundlers' watch lists. */
export interface DependencyDigest {
  readonly digest: string
  readonly files: readonly string[]
}

interface ModuleInfo {
  /** mtime and size, or the text itself when the caller supplied it. */
  readonly stamp: string
  readonly local: string
  readonly imports: readonly string[]
}

/** Files whose code is scanned as tokens and whose imports are followed; anything else (CSS, SVG…) counts by bytes. */
const CODE_FILE = /\.(?:[cm]?[jt]sx?|json)$/

export class ModuleGraph {
  private readonly modules = new Map<string, ModuleInfo | undefined>()
  private readonly stamps = new Map<string, string | undefined>()
  private readonly closures = new Map<string, DependencyDigest>()
  private readonly resolver: ModuleResolver
  private readonly readText: ((file: string) => string | undefined) | undefined

  constructor(options: ModuleGraphOptions = {}) {
    this.resolver = new ModuleResolver(options.resolve)
    this.readText = options.readFile
  }

  /**
   * A new build: files are stat'ed again and closures recomputed (a file whose mtime and size did not change is not
   * read again). Call it when a build or a watch rebuild starts.
   */
  startBuild(): void {
    this.stamps.clear()
    this.closures.clear()
    this.resolver.clear()
  }

  /** The digest of what `specifier`, imported by `fromFile`, refers to. */
  importDigest(specifier: string, fromFile: string): DependencyDigest {
    return this.digestOfTarget(this.resolver.resolve(specifier, fromFile))
  }

  /** The digest of a module and everything it imports, transitively. */
  moduleDigest(file: string): DependencyDigest {
    return this.closures.get(file) ?? this.computeClosures(path.resolve(file))
  }

  private digestOfTarget(target: ResolvedModule): DependencyDigest {
    switch (target.type) {
      case 'file':
        return this.moduleDigest(target.file)
      case 'package':
        return { digest: digestOf('package', target.name, target.version), files: target.manifest ? [target.manifest] : [] }
      case 'builtin':
        return { digest: digestOf('builtin', target.name), files: [] }
      case 'missing':
        return { digest: digestOf('missing', target.specifier), files: [] }
    }
  }

  private stampOf(file: string): string | undefined {
    if (this.stamps.has(file)) return this.stamps.get(file)
    let stamp: string | undefined
    const supplied = this.readText?.(file)
    if (supplied !== undefined) stamp = `text:${supplied}`
    else {
      try {
        const stat = fs.statSync(file)
        stamp = stat.isFile() ? `${stat.mtimeMs}:${stat.size}` : undefined
      } catch {
        stamp = undefined
      }
    }
    this.stamps.set(file, stamp)
    return stamp
  }

  /** A module's own digest and import specifiers, read again only when its stamp changed. */
  private info(file: string): ModuleInfo | undefined {
    const stamp = this.stampOf(file)
    const known = this.modules.get(file)
    if (stamp === undefined) return undefined
    if (known && known.stamp === stamp) return known
    const text = stamp.startsWith('text:') ? stamp.slice(5) : readOrUndefined(file)
    if (text === undefined) return undefined
    const code = CODE_FILE.test(file)
    const info: ModuleInfo = {
      stamp,
      local: code ? tokenDigest(text) : digestOf('bytes', text),
      imports: code && !file.endsWith('.json') ? runtimeImports(text) : [],
    }
    this.modules.set(file, info)
    return info
  }

  /**
   * Tarjan's algorithm from `start`, iterative (a long import chain must not overflow the stack): each strongly
   * connected component gets one digest, from its members' own digests and the digests of what they import outside
   * it, sorted so the order of discovery does not matter.
   */
  private computeClosures(start: string): DependencyDigest {
    const index = new Map<string, number>()
    const low = new Map<string, number>()
    const onStack = new Set<string>()
    const stack: string[] = []
    const edges = new Map<string, ResolvedModule[]>()
    const frames: { file: string; next: number }[] = []
    let counter = 0

    const enter = (file: string): void => {
      index.set(file, counter)
      low.set(file, counter)
      counter++
      stack.push(file)
      onStack.add(file)
      const info = this.info(file)
      edges.set(file, info ? info.imports.map((specifier) => this.resolver.resolve(specifier, file)) : [])
      frames.push({ file, next: 0 })
    }

    enter(start)
    while (frames.length) {
      const frame = frames[frames.length - 1]!
      const targets = edges.get(frame.file)!
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!
        if (target.type !== 'file' || this.closures.has(target.file)) continue
        if (!index.has(target.file)) enter(target.file)
        else if (onStack.has(target.file)) low.set(frame.file, Math.min(low.get(frame.file)!, index.get(target.file)!))
        continue
      }
      frames.pop()
      const parent = frames[frames.length - 1]
      if (parent) low.set(parent.file, Math.min(low.get(parent.file)!, low.get(frame.file)!))
      if (low.get(frame.file) !== index.get(frame.file)) continue
      const members: string[] = []
      for (let member = stack.pop()!; ; member = stack.pop()!) {
        onStack.delete(member)
        members.push(member)
        if (member === frame.file) break
      }
      this.finishComponent(members, edges)
    }
    return this.closures.get(start)!
  }

  private finishComponent(members: readonly string[], edges: ReadonlyMap<string, readonly ResolvedModule[]>): void {
    const inside = new Set(members)
    const own = members.map((member) => this.info(member)?.local ?? digestOf('unreadable')).sort()
    const outside = new Set<string>()
    const files = new Set<string>(members)
    for (const member of members) {
      for (const target of edges.get(member) ?? []) {
        if (target.type === 'file' && inside.has(target.file)) continue
        const dependency = this.digestOfTarget(target)
        outside.add(dependency.digest)
        for (const file of dependency.files) files.add(file)
      }
    }
    const digest: DependencyDigest = { digest: digestOf('modules', ...own, '|', ...[...outside].sort()), files: [...files] }
    for (const member of members) this.closures.set(member, digest)
  }
}

/** `import type { A } from './a'` and `export type { A } from './a'`: no code (TypeScript drops them). */
const TYPE_ONLY_IMPORT = /^(?:import|export)\s+type\s+(?!from\b)[\s\S]*\bfrom\s*$/
const STATEMENT_KEYWORD = /\b(?:import|export)\b/g

/** Whether the statement that ends in `before` (the text up to a specifier) is a type-only import or export. */
function isTypeOnly(before: string): boolean {
  let start = -1
  for (const match of before.matchAll(STATEMENT_KEYWORD)) start = match.index
  return start >= 0 && TYPE_ONLY_IMPORT.test(before.slice(start))
}

/**
 * The specifiers a module imports at run time (static imports, re-exports, `require` and `import()` of literals), by
 * TypeScript's import scanner (`preProcessFile`, which reads the tokens and does not parse); type-only imports left out.
 */
function runtimeImports(text: string): string[] {
  const specifiers: string[] = []
  for (const reference of ts.preProcessFile(text, true, true).importedFiles) {
    // The reference starts at the specifier's opening quote.
    const before = text.slice(Math.max(0, reference.pos - 300), reference.pos)
    if (!isTypeOnly(before)) specifiers.push(reference.fileName)
  }
  return specifiers
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}
