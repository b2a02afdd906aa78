/**
 * bcache against better-sqlite3 used by hand, with the same database settings (WAL, synchronous NORMAL) and its
 * own table: a hit (a small value, 1,000 warm keys in random order) against a prepared SELECT (pluck) plus
 * v8.deserialize, and a miss that stores against an INSERT OR REPLACE of v8.serialize(value), each in its own
 * implicit transaction, as a cache writes. keyv + @keyv/sqlite would be the other peer; it is not installed, so
 * it is reported as skipped.
 */
import path from 'node:path'
import v8 from 'node:v8'
import { importBuilt, importPeer, temporaryFolder } from './harness/built.mjs'
import { loopOne, randomOrder } from './harness/measure.mjs'

export const title = 'bcache (SQLite) hit and miss'
/** Processes per contender (see run.mjs): each process spends seconds on disk work; three are enough. */
export const processes = 3

const KEYS = 1000
const WRITES = 100
const valueFor = (k) => ({ id: k, name: `item-${k}`, tags: ['a', 'b'], price: 9.99 })
const keys = Array.from({ length: KEYS }, (_, i) => `sku-${i}`)
const order = randomOrder(1000, KEYS)

async function rawDatabase() {
  const { default: Database } = await importPeer('better-sqlite3')
  const db = new Database(path.join(temporaryFolder(), 'raw.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB NOT NULL)')
  return db
}

/** A loop of WRITES calls with keys never used before. */
function freshKeys(f) {
  let next = 0
  return () => {
    let acc = 0
    for (let i = 0; i < WRITES; i++) acc += f(`new-${next++}`) ? 1 : 0
    return acc
  }
}

export const contenders = {
  'hit: better-sqlite3 get + v8.deserialize': {
    vs: 'hit: better-sqlite3 get + v8.deserialize',
    async setup() {
      const db = await rawDatabase()
      const insert = db.prepare('INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)')
      for (const k of keys) insert.run(k, v8.serialize(valueFor(k)))
      const select = db.prepare('SELECT value FROM entries WHERE key = ?').pluck()
      const get = (k) => v8.deserialize(select.get(k)).id
      return { body: loopOne(get, keys, order), ops: order.length, teardown: () => db.close() }
    },
  },
  'hit: bcache': {
    vs: 'hit: better-sqlite3 get + v8.deserialize',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      const cached = bcache(valueFor, { cacheDir: temporaryFolder(), name: 'bench-hit', maxsize: 10_000 })
      if (cached.cache.engine !== 'better-sqlite3') throw new Error(`bcache runs on ${cached.cache.engine}, not better-sqlite3`)
      for (const k of keys) cached(k)
      return { body: loopOne((k) => cached(k).id, keys, order), ops: order.length }
    },
  },
  'miss+store: better-sqlite3 INSERT OR REPLACE': {
    vs: 'miss+store: better-sqlite3 INSERT OR REPLACE',
    async setup() {
      const db = await rawDatabase()
      const insert = db.prepare('INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)')
      return { body: freshKeys((k) => insert.run(k, v8.serialize(valueFor(k))).changes), ops: WRITES, teardown: () => db.close() }
    },
  },
  'miss+store: bcache': {
    vs: 'miss+store: better-sqlite3 INSERT OR REPLACE',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      // maxsize far above what the run writes: this measures a store, not eviction.
      const cached = bcache(valueFor, { cacheDir: temporaryFolder(), name: 'bench-miss', maxsize: 100_000_000 })
      return { body: freshKeys((k) => cached(k).id), ops: WRITES }
    },
  },
  'hit: keyv + @keyv/sqlite': {
    vs: 'hit: better-sqlite3 get + v8.deserialize',
    async setup() {
      await importPeer('@keyv/sqlite')
      throw new Error('@keyv/sqlite is installed: add its benchmark')
    },
  },
}

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, {
      goal: 'bcache hit, small value',
      subject: 'hit: bcache',
      baseline: 'hit: better-sqlite3 get + v8.deserialize',
      max: 1.5,
    }),
    ratioGoal(results, {
      goal: 'bcache miss + store',
      subject: 'miss+store: bcache',
      baseline: 'miss+store: better-sqlite3 INSERT OR REPLACE',
      max: 1.5,
    }),
  ]
}
