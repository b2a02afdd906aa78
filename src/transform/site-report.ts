/**
 * What the transform tells `options.onSite` about each cache site it rewrites: where it is, which cache, and the
 * options the emitted code passes (the plugin's defaults merged under the site's own), so a tool such as
 * `twat-cache scan` reports exactly what the build injects. Built from the same entries the rewrite prints.
 */
import type TS from 'typescript'
import { ts } from './typescript.js'
import { locate } from './errors.js'
import { canonicalOption, literalValue, type SiteOption } from './options.js'
import type { MarkerCall } from './markers.js'
import type { CacheKindName } from './tags.js'

/** One cache site as the build rewrites it. */
export interface SiteInfo {
  /** The module's path, as the transform was given it. */
  readonly file: string
  /** 1-based line and column of the cached function (a tagged site) or of the marker call. */
  readonly line: number
  readonly column: number
  /** 0-based offset of the same place. */
  readonly offset: number
  /** A JSDoc tag, or a call of the runtime (`mcache(fn, options)`). */
  readonly trigger: 'tag' | 'marker'
  readonly kind: CacheKindName
  /** The function id the cache gets (injected, or the literal `name` the site sets); undefined when only known at run time. */
  readonly name: string | undefined
  /** The version the cache gets; undefined when only known at run time. */
  readonly version: string | undefined
  /** Options whose values are known at build time (defaults included; name and version apart). */
  readonly options: Record<string, unknown>
  /** Every option as the code the build emits, by name (`...` for an options object only known at run time). */
  readonly code: Record<string, string>
}

export type SiteListener = (site: SiteInfo) => void

/** A string value from its emitted code (`"abc"`), or undefined when the code is not a string literal. */
function stringOf(code: string | undefined): string | undefined {
  if (code === undefined || !code.startsWith('"')) return undefined
  try {
    const value: unknown = JSON.parse(code)
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

function place(sourceFile: TS.SourceFile, node: TS.Node): Pick<SiteInfo, 'file' | 'line' | 'column' | 'offset'> {
  const offset = node.getStart(sourceFile)
  const { line, column } = locate(sourceFile.text, offset)
  return { file: sourceFile.fileName, line, column, offset }
}

/** A tagged site: its options (defaults and the tag's, as validated) and the entries the rewrite emits. */
export function tagSiteInfo(
  sourceFile: TS.SourceFile,
  node: TS.Node,
  kind: CacheKindName,
  options: readonly SiteOption[],
  entries: ReadonlyArray<readonly [string, string]>,
): SiteInfo {
  const values: Record<string, unknown> = {}
  for (const option of options)
    if (option.value.literal && option.name !== 'name' && option.name !== 'version') values[option.name] = option.value.value
  const code: Record<string, string> = {}
  for (const [name, text] of entries) code[name] = text
  const { name, version, ...rest } = code
  return { ...place(sourceFile, node), trigger: 'tag', kind, name: stringOf(name), version: stringOf(version), options: values, code: rest }
}

/** A marker call: the options it writes, and the `name: …` entries the rewrite adds to them. */
export function markerSiteInfo(
  sourceFile: TS.SourceFile,
  marker: MarkerCall,
  defaults: ReadonlyMap<string, { readonly code: string; readonly value: unknown }>,
  added: readonly string[],
): SiteInfo {
  const values: Record<string, unknown> = {}
  const code: Record<string, string> = {}
  for (const [name, d] of defaults) {
    if (marker.present.has(name)) continue
    values[name] = d.value
    code[name] = d.code
  }
  const options = marker.options
  if (options && ts.isObjectLiteralExpression(options)) {
    for (const property of options.properties) {
      if (ts.isSpreadAssignment(property)) {
        code['...'] = property.expression.getText(sourceFile)
        continue
      }
      if (!property.name || ts.isComputedPropertyName(property.name)) continue
      const text = property.name.getText(sourceFile).replace(/^["']|["']$/g, '')
      const written = canonicalOption(text) ?? text
      const valueNode = ts.isPropertyAssignment(property)
        ? property.initializer
        : ts.isShorthandPropertyAssignment(property)
          ? property.name
          : property
      code[written] = valueNode.getText(sourceFile)
      const literal = ts.isPropertyAssignment(property) ? literalValue(property.initializer) : undefined
      if (literal) values[written] = literal.value
    }
  } else if (options) {
    code['...'] = options.getText(sourceFile)
  }
  // The rewrite adds `name: "…"` and `version: "…"` entries (and the defaults) as `key: code` text.
  for (const entry of added) {
    const colon = entry.indexOf(': ')
    code[entry.slice(0, colon)] = entry.slice(colon + 2)
  }
  const { name, version, ...rest } = code
  const literalName = values.name
  const literalVersion = values.version
  delete values.name
  delete values.version
  return {
    ...place(sourceFile, marker.call),
    trigger: 'marker',
    kind: marker.kind,
    name: stringOf(name) ?? (typeof literalName === 'string' ? literalName : undefined),
    version: stringOf(version) ?? (typeof literalVersion === 'string' ? literalVersion : undefined),
    options: values,
    code: rest,
  }
}
