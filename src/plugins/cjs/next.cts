// `require('twat-cache/next')` from CommonJS: `withTwatCache` itself (also as `.default` and `.withTwatCache`), as
// CommonJS packages export it. It loads the ES module build, so `require` and `import` share one instance.
type Entry = typeof import('../next.js', { with: { 'resolution-mode': 'import' }})
const entry: Entry = require('../next.js')
export = Object.assign(entry.default, entry)
