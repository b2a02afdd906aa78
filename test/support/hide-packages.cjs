// Makes packages truly unresolvable in a child process, or resolve to another copy, for testing engine fallbacks
// honestly:
//   TWAT_HIDE_PACKAGES=better-sqlite3,keyv node --require ./test/support/hide-packages.cjs script.mjs
//   TWAT_REPLACE_PACKAGES='{"better-sqlite3":"/tmp/x/node_modules/better-sqlite3"}' node --require … script.mjs
// A hidden package fails both require() (CommonJS resolution, what the runtime's loader uses) and import() (an ESM
// resolve hook) with MODULE_NOT_FOUND / ERR_MODULE_NOT_FOUND, exactly as when it is not installed. A replaced
// package is required from the given folder instead (a copy without its native addon built, say); its own
// dependencies then resolve from that folder's node_modules, as in a real installation.
const Module = require('node:module')
const hidden = new Set(
  (process.env.TWAT_HIDE_PACKAGES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)
const replaced = new Map(Object.entries(JSON.parse(process.env.TWAT_REPLACE_PACKAGES || '{}')))

function packageName(request) {
  if (request.startsWith('.') || request.startsWith('/') || request.startsWith('node:')) return undefined
  const parts = request.split('/')
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

const resolveFilename = Module._resolveFilename
Module._resolveFilename = function (request, ...rest) {
  const name = packageName(request)
  if (name && hidden.has(name)) {
    const error = new Error(`Cannot find module '${request}' (hidden by test/support/hide-packages.cjs)`)
    error.code = 'MODULE_NOT_FOUND'
    throw error
  }
  if (name && replaced.has(name)) {
    return resolveFilename.call(this, replaced.get(name) + request.slice(name.length), ...rest)
  }
  return resolveFilename.call(this, request, ...rest)
}

Module.register(
  'data:text/javascript,' +
    encodeURIComponent(`
      const hidden = new Set(${JSON.stringify([...hidden])});
      export async function resolve(specifier, context, next) {
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        if (hidden.has(name)) {
          const error = new Error("Cannot find package '" + specifier + "' (hidden by hide-packages.cjs)");
          error.code = 'ERR_MODULE_NOT_FOUND';
          throw error;
        }
        return next(specifier, context);
      }`),
)
