/**
 * Misspelt cache tags. `@cahce`, `@cached`, `@mcahce`, `@Cache` or `@memoize` are just unknown JSDoc tags, so the
 * function would silently stay uncached; the transform warns with a "did you mean" instead. Only names one edit
 * away from a cache tag (a swapped pair of letters counts as one) and a few likely near-misses are reported, so
 * real JSDoc and TypeDoc tags such as `@callback`, `@category` or `@catch`-like words are left alone.
 */

/** Words people write for "cache this" that are not tags of ours, and the tag they most likely meant. */
const NEAR_MISSES: Readonly<Record<string, string>> = {
  memo: 'mcache',
  memoize: 'mcache',
  memoise: 'mcache',
  memoized: 'mcache',
  memoised: 'mcache',
  cacheable: 'cache',
  cachable: 'cache',
}

/** Every spelling of "cache" one edit away (deleted, swapped, replaced or added letter), as regular expressions. */
const CACHE_ONE_EDIT = [
  'cache',
  'ache',
  'cche',
  'cahe',
  'cace',
  'cach',
  'acche',
  'ccahe',
  'cahce',
  'caceh',
  '[a-z]ache',
  'c[a-z]che',
  'ca[a-z]he',
  'cac[a-z]e',
  'cach[a-z]',
  '[a-z]cache',
  'c[a-z]ache',
  'ca[a-z]che',
  'cac[a-z]he',
  'cach[a-z]e',
  'cache[a-z]',
].join('|')

/**
 * Text that may hold a misspelt cache tag: a superset of the names {@link suggestCacheTag} reports (an optional
 * leading letter covers mcache … ucache and their misspellings), cheap enough for a bundler's code filter.
 */
export const MISSPELT_TAG_TEXT: RegExp = new RegExp(`@(?:[a-z]?(?:${CACHE_ONE_EDIT})|${Object.keys(NEAR_MISSES).join('|')})\\b`, 'i')

/**
 * Optimal string alignment distance: Levenshtein plus swapped neighbours, the commonest typo (`@cahce`).
 * Hand-written: a dozen lines, and the runtime's suggestion helper counts a swap as two edits.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

/**
 * The cache tag `name` (a JSDoc tag name without `@`) is most likely a misspelling of, or `undefined` when it is
 * one of `known` or not close to any: a different case (`Cache`), a near-miss word (`memoize`), or one edit away.
 */
export function suggestCacheTag(name: string, known: readonly string[]): string | undefined {
  if (known.includes(name)) return undefined
  const lower = name.toLowerCase()
  if (known.includes(lower)) return lower
  const nearMiss = NEAR_MISSES[lower]
  if (nearMiss) return nearMiss
  // The first of `known` wins a tie, so `@xcache` suggests @cache rather than one of the kinds.
  let best: string | undefined
  let bestDistance = 2
  for (const candidate of known) {
    const distance = editDistance(lower, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** The warning for a misspelt tag. */
export function misspeltTagMessage(name: string, suggestion: string): string {
  return `unknown tag @${name} (did you mean @${suggestion}?): twat-cache ignores it, so this function is not cached`
}
