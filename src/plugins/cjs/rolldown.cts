// `require('twat-cache/rolldown')` from CommonJS: the plugin function itself (also as `.default` and `.twatCache`), as
// CommonJS packages export it. It loads the ES module build, so `require` and `import` share one instance.
type Entry = typeof import('../rolldown.js', { with: { 'resolution-mode': 'import' }})
const entry: Entry = require('../rolldown.js')
export = Object.assign(entry.default, entry)
