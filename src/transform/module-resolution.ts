/**
 * What an import specifier refers to, for versions: a file of the project (whose content counts), a package under
 * node_modules (which counts by name and installed version), a Node built-in (by name), or nothing found.
 *
 * Resolution is synchronous, like the transform: TypeScript's `resolveModuleName` with the compiler options of the
 * nearest tsconfig.json (so `paths` and `baseUrl` aliases work), each tsconfig read once per build; then Node's
 * rules for relative specifiers with extension probing, for what TypeScript does not resolve (a `.js` file without
 * `allowJs`, a `.css` file). The tsc plugin resolves with the program's own options and host instead.
 */
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import type TS from 'typescript'
import { ts } from './typescript.js'

export type ResolvedModule =
  | { readonly type: 'file'; readonly file: string }
  | { readonly type: 'package'; readonly name: string; readonly version: string; readonly manifest: string | undefined }
  | { readonly type: 'builtin'; readonly name: string }
  | { readonly type: 'missing'; readonly specifier: string }

/** A resolver given by the caller (the tsc plugin): the resolved file, or undefined to fall back to the default. */
export type ResolveHook = (
  specifier: string,
  containingFile: string,
) => { readonly file: string; readonly external: boolean; readonly packageName?: string; readonly packageVersion?: string } | undefined

const BUILTINS: ReadonlySet<string> = new Set(builtinModules)

/** Extensions tried for a specifier without one, in TypeScript's order, then plain JavaScript and JSON. */
const PROBE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.json']
/** `./a.js` may name `./a.ts` (TypeScript's convention for ES modules). */
const SOURCE_FOR_OUTPUT: Readonly<Record<string, readonly string[]>> = {
  '.js': ['.ts', '.tsx'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts'],
  '.cjs': ['.cts'],
}
/** The JavaScript a declaration file describes, when both sit side by side: the code is what runs. */
const CODE_FOR_DECLARATION: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/\.d\.ts$/, ['.js', '.jsx']],
  [/\.d\.mts$/, ['.mjs']],
  [/\.d\.cts$/, ['.cjs']],
]

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** Resolves specifiers for one build: tsconfig options, TypeScript's resolution cache and package versions are kept until {@link clear}. */
export class ModuleResolver {
  private readonly configOfDirectory = new Map<string, string | undefined>()
  private readonly compilerOptions = new Map<string, { options: TS.CompilerOptions; cache: TS.ModuleResolutionCache }>()
  private readonly versions = new Map<string, string | undefined>()
  private readonly resolved = new Map<string, ResolvedModule>()

  constructor(private readonly hook?: ResolveHook) {}

  /** Forget everything: a new build (files may have appeared, tsconfig.json or a package may have changed). */
  clear(): void {
    this.configOfDirectory.clear()
    this.compilerOptions.clear()
    this.versions.clear()
    this.resolved.clear()
  }

  resolve(specifier: string, containingFile: string): ResolvedModule {
    // Resolution depends on the folder (and the tsconfig.json it is under), not on the file itself.
    const key = `${path.dirname(containingFile)}\0${specifier}`
    let result = this.resolved.get(key)
    if (!result) {
      result = this.resolveUncached(specifier, containingFile)
      this.resolved.set(key, result)
    }
    return result
  }

  private resolveUncached(specifier: string, containingFile: string): ResolvedModule {
    const relative = specifier.startsWith('.') || path.isAbsolute(specifier)
    if (!relative && (specifier.startsWith('node:') || BUILTINS.has(specifier))) {
      return { type: 'builtin', name: specifier.replace(/^node:/, '') }
    }
    const hooked = this.hook?.(specifier, containingFile)
    if (hooked) {
      if (!hooked.external) return this.localFile(hooked.file)
      const name = hooked.packageName ?? packageNameOf(specifier)
      return this.packageOf(name, path.dirname(containingFile), hooked.packageVersion)
    }
    const byTypeScript = this.resolveWithTypeScript(specifier, containingFile)
    if (byTypeScript) return byTypeScript
    if (relative) {
      const file = probe(path.resolve(path.dirname(containingFile), specifier))
      return file ? this.localFile(file) : { type: 'missing', specifier }
    }
    return this.packageOf(packageNameOf(specifier), path.dirname(containingFile), undefined)
  }

  private resolveWithTypeScript(specifier: string, containingFile: string): ResolvedModule | undefined {
    const { options, cache } = this.optionsFor(path.dirname(containingFile))
    const { resolvedModule } = ts.resolveModuleName(specifier, containingFile, options, ts.sys, cache, undefined, ts.ModuleKind.ESNext)
    if (!resolvedModule) return undefined
    const file = resolvedModule.resolvedFileName
    if (resolvedModule.isExternalLibraryImport || /[\\/]node_modules[\\/]/.test(file)) {
      const id = resolvedModule.packageId
      return this.packageOf(id?.name ?? packageNameOf(specifier), path.dirname(containingFile), id?.version)
    }
    return this.localFile(file)
  }

  /** A file of the project; a declaration file stands for the JavaScript beside it when there is one. */
  private localFile(file: string): ResolvedModule {
    for (const [pattern, extensions] of CODE_FOR_DECLARATION) {
      if (!pattern.test(file)) continue
      const base = file.replace(pattern, '')
      for (const extension of extensions) if (isFile(base + extension)) return { type: 'file', file: path.resolve(base + extension) }
    }
    return { type: 'file', file: path.resolve(file) }
  }

  /** A package by name and installed version (its package.json found from `fromDirectory` up, as Node does). */
  private packageOf(name: string, fromDirectory: string, knownVersion: string | undefined): ResolvedModule {
    const manifest = findManifest(name, fromDirectory)
    if (knownVersion) return { type: 'package', name, version: knownVersion, manifest }
    if (!manifest) return { type: 'missing', specifier: name }
    let version = this.versions.get(manifest)
    if (!this.versions.has(manifest)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: unknown }
        version = typeof parsed.version === 'string' ? parsed.version : undefined
      } catch {
        version = undefined
      }
      this.versions.set(manifest, version)
    }
    return { type: 'package', name, version: version ?? 'unknown', manifest }
  }

  /** Compiler options of the nearest tsconfig.json (or TypeScript's defaults for a bundler), read once per build. */
  private optionsFor(directory: string): { options: TS.CompilerOptions; cache: TS.ModuleResolutionCache } {
    const config = this.nearestConfig(directory) ?? ''
    let entry = this.compilerOptions.get(config)
    if (!entry) {
      const options: TS.CompilerOptions = config
        ? readCompilerOptions(config)
        : { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }
      // Resolve JavaScript and JSON modules too: their content counts whatever the project compiles.
      Object.assign(options, { allowJs: true, resolveJsonModule: true })
      const cache = ts.createModuleResolutionCache(
        config ? path.dirname(config) : directory,
        (name) => (ts.sys.useCaseSensitiveFileNames ? name : name.toLowerCase()),
        options,
      )
      entry = { options, cache }
      this.compilerOptions.set(config, entry)
    }
    return entry
  }

  private nearestConfig(directory: string): string | undefined {
    if (this.configOfDirectory.has(directory)) return this.configOfDirectory.get(directory)
    const candidate = path.join(directory, 'tsconfig.json')
    const parent = path.dirname(directory)
    const found = isFile(candidate) ? candidate : parent === directory ? undefined : this.nearestConfig(parent)
    this.configOfDirectory.set(directory, found)
    return found
  }
}

/** The compiler options of a tsconfig.json, `extends` followed; its file list is not read (it is not needed here). */
function readCompilerOptions(configFile: string): TS.CompilerOptions {
  const read = ts.readConfigFile(configFile, ts.sys.readFile)
  if (read.error || !read.config) return {}
  const host: TS.ParseConfigHost = {
    useCaseSensitiveFileNames: ts.sys.useCaseSensitiveFileNames,
    readDirectory: () => [],
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
  }
  return { ...ts.parseJsonConfigFileContent(read.config, host, path.dirname(configFile), undefined, configFile).options }
}

/** `<dir>/node_modules/<name>/package.json`, from `directory` up to the file system root. */
function findManifest(name: string, directory: string): string | undefined {
  for (let current = directory; ; ) {
    if (path.basename(current) !== 'node_modules') {
      const candidate = path.join(current, 'node_modules', name, 'package.json')
      if (isFile(candidate)) return candidate
    }
    const parent = path.dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

/** Node's resolution of a relative path: the file, `.js` → `.ts`, added extensions, then index files. */
function probe(target: string): string | undefined {
  const extension = path.extname(target)
  for (const source of SOURCE_FOR_OUTPUT[extension] ?? []) {
    const candidate = target.slice(0, -extension.length) + source
    if (isFile(candidate)) return candidate
  }
  if (isFile(target)) return target
  for (const added of PROBE_EXTENSIONS) if (isFile(target + added)) return target + added
  for (const added of PROBE_EXTENSIONS) {
    const index = path.join(target, `index${added}`)
    if (isFile(index)) return index
  }
  return undefined
}
