/**
 * The browser's stand-in for optional-modules.cts (swapped in by package.json's `browser` field): none of the
 * optional packages can run in a page (SQLite is a native addon; the Redis and memcached clients need sockets), so
 * each is reported as unavailable "in the browser" and its cache keeps its entries in memory. No `require` here:
 * a browser bundle must hold no Node code.
 */
import type OptionalModules from './optional-modules.cjs'

type Loaders = (typeof OptionalModules)['loaders']

function unavailable(name: string) {
  return () => ({ error: new Error(`${name} is not available in the browser`) })
}

const browserModules: typeof OptionalModules = {
  environment: 'browser',
  loaders: {
    'better-sqlite3': unavailable('better-sqlite3'),
    keyv: unavailable('keyv'),
    '@keyv/redis': unavailable('@keyv/redis'),
    '@keyv/memcache': unavailable('@keyv/memcache'),
  } satisfies Loaders,
}

export default browserModules
