// A loader that runs before the twat-cache loader in the loader tests: it adds two lines at the top and hands on the
// source map of that change, as a real loader before it would, so the test can check that the maps are combined.
const MagicString = require('magic-string')

module.exports = function shiftLoader(source) {
  const s = new MagicString(source)
  s.prepend('// line added by shift-loader\n// another added line\n')
  this.callback(null, s.toString(), s.generateMap({ hires: true, source: this.resourcePath, includeContent: true }))
}
