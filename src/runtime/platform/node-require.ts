/**
 * Node's `require`, for loading optional CommonJS packages synchronously (cache creation is synchronous).
 * Browser bundles swap this file for platform/node-require.browser.ts through package.json's `browser` field.
 */

export type NodeRequire = (id: string) => unknown

export function createNodeRequire(): NodeRequire | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const moduleApi = proc?.getBuiltinModule?.('node:module') as { createRequire(url: string): NodeRequire } | undefined
  return moduleApi ? moduleApi.createRequire(import.meta.url) : null
}
