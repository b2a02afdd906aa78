// `require('twat-cache/esbuild')` from CommonJS: the plugin function itself (also as `.default` and `.twatCache`), as
// CommonJS packages export it. It loads the ES module build, so `require` and `import` share one instance.
type Entry = typeof import('../esbuild.js', { with: { 'resolution-mode': 'import' }})
const entry: Entry = require('../esbuild.js')
export = Object.assign(entry.default, entry)
