/**
 * What Node-only code looks like in a browser bundle: imports and requires of built-ins or better-sqlite3,
 * `process.getBuiltinModule`, `createRequire`, a call whose argument is such a module name, and Vite's stub for a
 * built-in it had to drop. Comments are left out first, and so are bare names in data (the list of engine names a
 * user may ask for).
 */
export const NODE_LOADS: readonly RegExp[] = [
  /\bfrom\s*["'](?:node:|fs\b|zlib\b|better-sqlite3\b)[^"']*["']/g,
  /\bimport\s*\(\s*["'](?:node:|fs\b|zlib\b|better-sqlite3\b)[^"']*["']/g,
  /\brequire\s*\(/g,
  /\bcreateRequire\b/g,
  /\bgetBuiltinModule\b/g,
  /\(\s*["'](?:node:[\w/]+|fs|fs\/promises|zlib|better-sqlite3)["']\s*[,)]/g,
  /__vite-browser-external/g,
]

/** The bundle without block comments and whole-line comments (kept by Vite in an unminified build). */
export function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
}

/** The trimmed line around an index, to find a leak quickly. */
export function lineAt(text: string, index = 0): string {
  const start = text.lastIndexOf('\n', index) + 1
  const end = text.indexOf('\n', index)
  return text
    .slice(start, end === -1 ? undefined : end)
    .trim()
    .slice(0, 120)
}

/** Each Node-only load in `bundle`, with the line it is on. */
export function nodeLoadsIn(bundle: string): string[] {
  const code = withoutComments(bundle)
  return NODE_LOADS.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => `${match[0]}  in: ${lineAt(code, match.index)}`))
}
