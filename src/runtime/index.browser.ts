/**
 * The runtime for browsers (the `browser` export condition): the same API. package.json's `browser` field swaps
 * node-require.js for node-require.browser.js, so lru-cache is bundled and no Node module is ever required;
 * persistent caches have no disk here and run on their memory link.
 */
export * from './index.js'
