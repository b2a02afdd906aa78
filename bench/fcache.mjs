/**
 * fcache hit on a large value, a 1 MiB Float64Array, against reading the same bytes by hand: readFileSync of a file
 * holding v8.serialize(value), then v8.deserialize. Defaults (no compression), one key called repeatedly.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import v8 from 'node:v8'
import { importBuilt, temporaryFolder } from './harness/built.mjs'

export const title = 'fcache hit, 1 MiB Float64Array'
/** Processes per contender (see run.mjs): each process spends seconds on disk work; three are enough. */
export const processes = 3

const LENGTH = (1024 * 1024) / 8
function spectrum(seed) {
  const out = new Float64Array(LENGTH)
  for (let i = 0; i < LENGTH; i++) out[i] = Math.sin((i + seed) / 1000) * 1000
  return out
}
const OPS = 4

function repeat(read) {
  return () => {
    let acc = 0
    for (let i = 0; i < OPS; i++) acc += read().length
    return acc
  }
}

export const contenders = {
  'readFileSync + v8.deserialize': {
    vs: 'readFileSync + v8.deserialize',
    async setup() {
      const file = path.join(temporaryFolder(), 'value.bin')
      writeFileSync(file, v8.serialize(spectrum(1)))
      return { body: repeat(() => v8.deserialize(readFileSync(file))), ops: OPS }
    },
  },
  fcache: {
    vs: 'readFileSync + v8.deserialize',
    async setup() {
      const { fcache } = await importBuilt('index.js')
      const cached = fcache(spectrum, { cacheDir: temporaryFolder(), name: 'bench-spectrum' })
      if (cached.cache.engine !== 'file') throw new Error(`fcache runs on ${cached.cache.engine}, not the file engine`)
      cached(1)
      return { body: repeat(() => cached(1)), ops: OPS }
    },
  },
}

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, { goal: 'fcache hit, 1 MiB Float64Array', subject: 'fcache', baseline: 'readFileSync + v8.deserialize', max: 1.3 }),
  ]
}
