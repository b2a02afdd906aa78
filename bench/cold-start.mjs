/**
 * Cold start, which a CLI script pays on every run: medians of 21 fresh Node processes, from process start
 * (performance.timeOrigin) to the first bcache hit on a database written by an earlier process, against a raw
 * `require('better-sqlite3')` + open + SELECT of one row in the same run (processes interleaved, so both see the
 * same machine load). Also the time to the first miss + store in a fresh folder, where opening creates the schema.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { DIST, ROOT, Skip, temporaryFolder } from './harness/built.mjs'
import { QUICK } from './harness/measure.mjs'

export const title = 'Cold start: process start → first bcache call'
export const measureAll = async () => {
  // What `import 'twat-cache'` loads in Node: the bundle (dist/node) beside the built tree, when there is one.
  const bundle = path.join(DIST, '..', 'node', 'index.js')
  const runtime = pathToFileURL(existsSync(bundle) ? bundle : path.join(DIST, 'index.js')).href
  const folder = temporaryFolder()
  const cacheDir = path.join(folder, 'cache')
  const scripts = {
    hit: `import { bcache } from ${JSON.stringify(runtime)}
      const f = bcache((n) => ({ n, name: 'item-' + n }), { cacheDir: ${JSON.stringify(cacheDir)}, name: 'cold' })
      const v = f(1)
      const at = performance.now()
      if (v.n !== 1 || f.cache.stats().hits !== 1) throw new Error('not a hit')
      console.log(at)`,
    raw: `import { createRequire } from 'node:module'
      const require = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})
      const Database = require('better-sqlite3')
      const db = new Database(${JSON.stringify(path.join(folder, 'raw.sqlite'))})
      db.pragma('journal_mode = WAL')
      const row = db.prepare('SELECT value FROM entries WHERE key = ?').get('k1')
      const at = performance.now()
      if (!row) throw new Error('no row')
      console.log(at)`,
    fresh: `import { bcache } from ${JSON.stringify(runtime)}
      const f = bcache((n) => ({ n, name: 'item-' + n }), { cacheDir: process.env.FRESH_DIR, name: 'cold' })
      f(1)
      console.log(performance.now())`,
  }
  const files = {}
  for (const [name, source] of Object.entries(scripts)) {
    files[name] = path.join(folder, `${name}.mjs`)
    writeFileSync(files[name], source)
  }
  const run = (name, env = {}) => {
    const child = spawnSync(process.execPath, [files[name]], { encoding: 'utf8', env: { ...process.env, ...env } })
    if (child.status !== 0) throw new Error(`${name} failed: ${child.stderr}`)
    return Number(child.stdout.trim())
  }
  // The database of the hit, and the raw one, written by earlier processes.
  run('fresh', { FRESH_DIR: cacheDir })
  const { default: Database } = await import('better-sqlite3').catch(() => {
    throw new Skip('better-sqlite3 is not installed')
  })
  const raw = new Database(path.join(folder, 'raw.sqlite'))
  raw.pragma('journal_mode = WAL')
  raw.exec('CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB)')
  raw.prepare('INSERT INTO entries VALUES (?, ?)').run('k1', Buffer.from('value'))
  raw.close()
  run('hit') // make the first hit's version cleanup happen before the measured runs
  const times = { hit: [], raw: [], fresh: [] }
  const n = QUICK ? 3 : 21
  for (let i = 0; i < n; i++) {
    times.raw.push(run('raw'))
    times.hit.push(run('hit'))
    times.fresh.push(run('fresh', { FRESH_DIR: path.join(folder, `fresh-${i}`) }))
  }
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
  const ms = (list, detail) => ({
    value: median(list),
    unit: 'ms',
    detail: `median of ${list.length} processes; min ${Math.min(...list).toFixed(1)} ms; ${detail}`,
  })
  return {
    results: {
      'raw: require better-sqlite3 + open + SELECT': ms(times.raw, 'baseline'),
      'bcache: first hit': ms(times.hit, `${(median(times.hit) - median(times.raw)).toFixed(1)} ms over raw`),
      'bcache: first miss + store, new folder': ms(times.fresh, 'creates the database and its schema'),
    },
  }
}

export function goals(results, { limitGoal }) {
  const raw = results['raw: require better-sqlite3 + open + SELECT']
  return [
    limitGoal(results, {
      goal: 'cold start to the first bcache hit',
      subject: 'bcache: first hit',
      max: raw && !raw.skip ? raw.value + 3 : Number.NaN,
      unit: 'ms',
      reference: 'raw: require better-sqlite3 + open + SELECT',
      note: 'target: raw + 3 ms',
    }),
  ]
}
