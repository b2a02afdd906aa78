/** "Did you mean …?" for misspelt option names, cache kinds and plugin options. */

/** Edit distance (Levenshtein, case-insensitive); hand-written: a dozen lines, not worth a dependency. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      const same = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase()
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (same ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = distance(word, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}
