// Makes packages truly unresolvable in a child process, for testing engine fallbacks honestly:
//   TWAT_HIDE_PACKAGES=better-sqlite3,lru-cache node --require ./test/support/hide-packages.cjs script.mjs
// Both require() (CommonJS resolution, used by createRequire) and import() (an ESM resolve hook) fail with
// ERR_MODULE_NOT_FOUND / MODULE_NOT_FOUND, exactly as when the package is not installed.
const Module = require('node:module')
const hidden = new Set((process.env.TWAT_HIDE_PACKAGES ?? '').split(',').map((s) => s.trim()).filter(Boolean))

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
