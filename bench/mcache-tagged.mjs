/**
 * What users actually call: a function tagged `@cache mcache`, rewritten by the build step (the built transform of
 * the same build), against the same function wrapped by `mcache(fn)` and the hand-written lru-cache memo. The tagged
 * declaration keeps its hoisting by going through a small wrapper (`(store ??= mcache(impl)).apply(this, arguments)`),
 * which is what this measures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { DIST, importBuilt } from './harness/built.mjs'
import { lruMemo } from './harness/baselines.mjs'
import { loopOne, randomOrder } from './harness/measure.mjs'

export const title = 'mcache hit through a tagged function'
export const processes = 6

const KEYS = 1000
const MAXSIZE = 1024
const work = (x) => x * 2 + 1
const keys = Array.from({ length: KEYS }, (_, i) => i * 7 + 3)
const patterns = {
  'hot key': new Uint32Array(1000),
  '1,000 warm keys': randomOrder(1000, KEYS),
}

const SOURCE = `
/** @cache mcache maxsize=${MAXSIZE} */
export function work(x) {
  return x * 2 + 1
}
`

/** The tagged module, rewritten by this build's transform and imported from a temporary file. */
async function taggedWork() {
  const { transform } = await import(pathToFileURL(path.join(DIST, '..', 'transform', 'index.js')).href)
  const runtime = pathToFileURL(path.join(DIST, 'index.js')).href
  const result = transform(SOURCE, '/bench/tagged.js', { root: '/bench', runtime })
  if (!result) throw new Error('the transform did not rewrite the tagged function')
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twat-bench-tagged-'))
  const file = path.join(dir, 'tagged.mjs')
  writeFileSync(file, result.code)
  try {
    return (await import(pathToFileURL(file).href)).work
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const makers = {
  'lru-cache memo': async () => lruMemo(work, MAXSIZE),
  'mcache(fn)': async () => (await importBuilt('index.js')).mcache(work, { maxsize: MAXSIZE }),
  'tagged @cache mcache': taggedWork,
}

export const contenders = {}
for (const [pattern, order] of Object.entries(patterns)) {
  for (const [who, make] of Object.entries(makers)) {
    contenders[`${who} · ${pattern}`] = {
      vs: `mcache(fn) · ${pattern}`,
      async setup() {
        const cached = await make()
        for (const k of keys) cached(k)
        return { body: loopOne(cached, keys, order), ops: order.length }
      },
    }
  }
}

export function goals(results, { ratioGoal }) {
  return Object.keys(patterns).map((pattern) =>
    ratioGoal(results, {
      goal: `tagged mcache hit, ${pattern}`,
      subject: `tagged @cache mcache · ${pattern}`,
      baseline: `mcache(fn) · ${pattern}`,
      max: 1.2,
    }),
  )
}
