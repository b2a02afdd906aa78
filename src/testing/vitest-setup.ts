/**
 * Vitest setup file (`setupFiles: ['twat-cache/testing/vitest-setup']`): each test file gets a temporary cache root
 * of its own (`TWAT_CACHE_DIR`), removed after its tests, so persistent entries never pass from one test file or one
 * `vitest run` to the next and the developer's cache folder is never touched; and every cache is reset before each
 * test (`resetCaches`), so no test sees another's entries, statistics or warnings; and ttls follow `vi.setSystemTime`
 * as well as `vi.advanceTimersByTime` (`followFakeTimers`).
 */
import { afterAll, beforeEach } from 'vitest'
import { followFakeTimers, resetCaches, useTemporaryCacheRoot } from './index.js'

const cacheRoot = useTemporaryCacheRoot('twat-cache-vitest-')
followFakeTimers()

beforeEach(async () => {
  await resetCaches()
})

afterAll(async () => {
  await resetCaches()
  cacheRoot.restore()
})
