// `require('twat-cache/loader')` from CommonJS: the webpack loader function itself (also as `.default`), as
// CommonJS packages export it. It loads the ES module build, so `require` and `import` share one instance.
type Entry = typeof import('../loader.js', { with: { 'resolution-mode': 'import' }})
const entry: Entry = require('../loader.js')
export = Object.assign(entry.default, entry)
