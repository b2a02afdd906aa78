// `require('twat-cache/rspack')` from CommonJS: the plugin function itself (also as `.default` and `.twatCache`), as
// CommonJS packages export it. It loads the ES module build, so `require` and `import` share one instance.
type Entry = typeof import('../rspack.js', { with: { 'resolution-mode': 'import' }})
const entry: Entry = require('../rspack.js')
export = Object.assign(entry.default, entry)
