/**
 * The runtime for browsers (the `browser` export condition): the same API, with lru-cache imported statically
 * since browsers have no `require`. Persistent caches have no disk here and run on their memory link.
 */
import { LRUCache } from 'lru-cache'
import { provideModule } from './optional.js'

provideModule('lru-cache', { LRUCache })

export * from './index.js'
