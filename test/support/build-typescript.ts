// TypeScript for the two bundlers that cannot read it (Rollup, webpack). Real projects use
// @rollup/plugin-typescript or ts-loader there; these stand-ins do the same job with esbuild's transform (already
// installed) so the fixture app can stay in TypeScript. They run after the twat-cache plugin, as a user's would.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { transform as esbuildTransform } from 'esbuild'
import type { Plugin } from 'rollup'

const TYPESCRIPT = /\.[cm]?tsx?$/

async function stripTypes(code: string, file: string): Promise<{ code: string; map: string }> {
  const result = await esbuildTransform(code, {
    loader: file.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'external',
    sourcefile: file,
  })
  return { code: result.code, map: result.map }
}

/** A Rollup plugin: resolves `./x.js` to `./x.ts` (NodeNext-style imports) and strips types. */
export function rollupTypeScript(): Plugin {
  return {
    name: 'test-typescript',
    resolveId(source, importer) {
      if (!importer || !source.startsWith('.') || !source.endsWith('.js')) return null
      const candidate = path.resolve(path.dirname(importer), `${source.slice(0, -3)}.ts`)
      return existsSync(candidate) ? candidate : null
    },
    async transform(code, id) {
      return TYPESCRIPT.test(id) ? stripTypes(code, id) : null
    },
  }
}

/** The webpack loader (this file is its `loader` path; the tests run under tsx, which lets webpack load it). */
export default function webpackTypeScriptLoader(
  this: { resourcePath: string; async(): (error: Error | null, code?: string, map?: string) => void },
  source: string,
): void {
  const callback = this.async()
  stripTypes(source, this.resourcePath).then(
    ({ code, map }) => callback(null, code, map),
    (error: Error) => callback(error),
  )
}
