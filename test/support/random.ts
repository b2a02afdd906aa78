/** Deterministic pseudo-random numbers (mulberry32), so a failing property test can be replayed from its seed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) >>> 0
    let t = seed
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A picker over `next`: one of `items`, or a whole number below `n`. */
export function picker(next: () => number) {
  return {
    one: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    below: (n: number): number => Math.floor(next() * n),
    chance: (p: number): boolean => next() < p,
  }
}
