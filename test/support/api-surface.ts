/**
 * The public API as text: for each entry of package.json `exports`, every exported name with its kind and its type
 * as the built `.d.ts` files declare it, object types written out member by member (so a new option or a changed
 * return type shows as a line in the diff). The checker does the reading; only the printing is ours, because no
 * well-kept package prints a surface in this shape without a separate config per entry (API Extractor needs one).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType | ts.TypeFormatFlags.WriteArrowStyleSignature

/** `./vite` → `dist/plugins/vite.d.ts`, from each export's ESM `types` condition. */
export function typedEntries(root: string): Array<{ entry: string; file: string }> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }
  const entries: Array<{ entry: string; file: string }> = []
  for (const [entry, target] of Object.entries(manifest.exports)) {
    if (typeof target !== 'object' || target === null) continue
    const types = (target as { types?: unknown }).types
    if (typeof types === 'string') entries.push({ entry, file: path.join(root, types) })
  }
  return entries
}

function clean(text: string): string {
  // Fully qualified names carry the absolute path of the declaring file: keep them stable across machines.
  return text.replace(/import\("[^"]*?\/(dist\/[^"]+)"\)/g, 'import("$1")').replace(/\s+/g, ' ')
}

function members(checker: ts.TypeChecker, type: ts.Type, at: ts.Node): string[] {
  const lines: string[] = []
  for (const signature of type.getCallSignatures()) lines.push(`  (call) ${clean(checker.signatureToString(signature, at, FLAGS))}`)
  for (const signature of type.getConstructSignatures()) lines.push(`  (new) ${clean(checker.signatureToString(signature, at, FLAGS))}`)
  for (const property of checker.getPropertiesOfType(type)) {
    const optional = property.flags & ts.SymbolFlags.Optional ? '?' : ''
    const propertyType = checker.getTypeOfSymbolAtLocation(property, at)
    // Well-known symbols are named `__@dispose@589` inside the checker, with a number that changes between programs.
    const name = property.name.replace(/^__@(\w+)@\d+$/, '[Symbol.$1]')
    lines.push(`  ${name}${optional}: ${clean(checker.typeToString(propertyType, at, FLAGS))}`)
  }
  return lines
}

/** One entry's surface, sorted by name. */
function describeEntry(checker: ts.TypeChecker, source: ts.SourceFile): string[] {
  const moduleSymbol = checker.getSymbolAtLocation(source)
  if (!moduleSymbol) return ['(no exports)']
  const lines: string[] = []
  const exported = [...checker.getExportsOfModule(moduleSymbol)].sort((a, b) => a.name.localeCompare(b.name))
  for (const alias of exported) {
    const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias
    const at = symbol.declarations?.[0] ?? source
    if (symbol.flags & ts.SymbolFlags.Class) {
      const instance = checker.getDeclaredTypeOfSymbol(symbol)
      lines.push(
        `class ${alias.name}`,
        ...members(checker, checker.getTypeOfSymbolAtLocation(symbol, at), at).filter((l) => !l.startsWith('  prototype:')),
        ...members(checker, instance, at).map((l) => `  #${l.trimStart()}`),
      )
    } else if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
      lines.push(
        `${symbol.flags & ts.SymbolFlags.Function ? 'function' : 'const'} ${alias.name}: ${clean(checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at), at, FLAGS))}`,
      )
    }
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      const declared = checker.getDeclaredTypeOfSymbol(symbol)
      const written = clean(checker.typeToString(declared, at, FLAGS | ts.TypeFormatFlags.InTypeAlias))
      const isObject = (declared.flags & ts.TypeFlags.Object) !== 0 && !(declared.flags & ts.TypeFlags.Union)
      const declaration = symbol.declarations?.find((d) => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d)) as
        | ts.InterfaceDeclaration
        | ts.TypeAliasDeclaration
        | undefined
      const parameters = declaration?.typeParameters?.length
        ? `<${declaration.typeParameters.map((p) => clean(p.getText())).join(', ')}>`
        : ''
      lines.push(
        `type ${alias.name}${parameters} = ${isObject ? '{' : written}`,
        ...(isObject ? [...members(checker, declared, at), '}'] : []),
      )
    }
  }
  return lines
}

/** The whole surface, one section per entry. */
export function describeApi(root: string): string {
  const entries = typedEntries(root)
  const program = ts.createProgram(
    entries.map((e) => e.file),
    {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      noEmit: true,
    },
  )
  const checker = program.getTypeChecker()
  const sections: string[] = []
  for (const { entry, file } of entries) {
    const source = program.getSourceFile(file)
    sections.push(`## ${entry}`, ...(source ? describeEntry(checker, source) : [`(missing ${path.relative(root, file)})`]), '')
  }
  return `${sections.join('\n')}`
}
