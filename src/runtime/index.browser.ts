/**
 * The runtime for browsers (the `browser` export condition): the same API. package.json's `browser` field swaps
 * platform/optional-modules.cjs for platform/optional-modules.browser.js, so no Node module is ever required;
 * persistent caches have no disk here and run on their memory link.
 */
export * from './index.js'
