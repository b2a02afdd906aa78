/**
 * Where a bcache miss + store spends its time, against a raw better-sqlite3 `INSERT OR REPLACE` in WAL (a two-column
 * table, one implicit transaction per write) in the same run. The steps between the two are measured one by one on
 * raw better-sqlite3: bcache's table alone (eight columns, the primary key), plus the access-time index, plus the
 * totals triggers (exact entry counts and bytes per function, whatever process wrote), plus the explicit
 * BEGIN IMMEDIATE transaction that holds the write and the budget check together. Then bcache itself, with and
 * without a byte budget (the default 1 GiB budget makes every write check the totals).
 */
import path from 'node:path'
import v8 from 'node:v8'
import { importBuilt, importPeer, temporaryFolder } from './harness/built.mjs'

export const title = 'bcache store path: miss + store, step by step'
export const processes = 3

const WRITES = 100
const valueFor = (k) => ({ id: k, name: `item-${k}`, tags: ['a', 'b'], price: 9.99 })

const ENTRIES = `CREATE TABLE entries (fn TEXT NOT NULL, key TEXT NOT NULL, version TEXT NOT NULL, value BLOB NOT NULL,
  expires INTEGER NOT NULL, size INTEGER NOT NULL, accessed INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '', PRIMARY KEY (fn, key))`
const ACCESS_INDEX =
  'CREATE INDEX entries_by_access ON entries (fn, accessed); CREATE INDEX entries_by_expiry ON entries (expires) WHERE expires > 0'
const TRIGGERS = `CREATE TABLE totals (fn TEXT PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER entries_insert AFTER INSERT ON entries BEGIN
    INSERT INTO totals (fn, count, bytes) VALUES (new.fn, 1, new.size) ON CONFLICT (fn) DO UPDATE SET count = count + 1, bytes = bytes + new.size;
  END;
  CREATE TRIGGER entries_update AFTER UPDATE OF size ON entries BEGIN
    UPDATE totals SET bytes = bytes - old.size + new.size WHERE fn = old.fn;
  END;`
const UPSERT = `INSERT INTO entries (fn, key, version, value, expires, size, accessed, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (fn, key) DO UPDATE SET version = excluded.version, value = excluded.value, expires = excluded.expires,
  size = excluded.size, accessed = excluded.accessed, tags = excluded.tags`

async function open(schema) {
  const { default: Database } = await importPeer('better-sqlite3')
  const db = new Database(path.join(temporaryFolder(), 'raw.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(schema)
  return db
}

function freshKeys(write) {
  let next = 0
  return () => {
    let acc = 0
    for (let i = 0; i < WRITES; i++) acc += write(`new-${next++}`) ? 1 : 0
    return acc
  }
}

/** A raw contender on bcache's table: `steps` say which of index, triggers, transaction are on. */
function schemaStep({ index, triggers, transaction }) {
  return {
    vs: 'raw: INSERT OR REPLACE (2 columns)',
    async setup() {
      const db = await open([ENTRIES, index ? ACCESS_INDEX : '', triggers ? TRIGGERS : ''].join(';\n'))
      const upsert = db.prepare(UPSERT)
      const totals = triggers ? db.prepare('SELECT count, bytes FROM totals WHERE fn = ?') : undefined
      const [begin, commit] = [db.prepare('BEGIN IMMEDIATE'), db.prepare('COMMIT')]
      let tick = 0
      const write = (k) => {
        const blob = v8.serialize(valueFor(k))
        if (!transaction) return upsert.run('fn', k, 'v1', blob, 0, blob.length, ++tick, '').changes
        begin.run()
        const changes = upsert.run('fn', k, 'v1', blob, 0, blob.length, ++tick, '').changes
        totals?.get('fn')
        commit.run()
        return changes
      }
      return { body: freshKeys(write), ops: WRITES, teardown: () => db.close() }
    },
  }
}

export const contenders = {
  'raw: INSERT OR REPLACE (2 columns)': {
    vs: 'raw: INSERT OR REPLACE (2 columns)',
    async setup() {
      const db = await open('CREATE TABLE entries (key TEXT PRIMARY KEY, value BLOB NOT NULL)')
      const insert = db.prepare('INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)')
      return { body: freshKeys((k) => insert.run(k, v8.serialize(valueFor(k))).changes), ops: WRITES, teardown: () => db.close() }
    },
  },
  'raw: bcache table (8 columns), upsert': schemaStep({ index: false, triggers: false, transaction: false }),
  'raw: + access-time and expiry indexes': schemaStep({ index: true, triggers: false, transaction: false }),
  'raw: + totals triggers': schemaStep({ index: true, triggers: true, transaction: false }),
  'raw: + BEGIN IMMEDIATE … totals … COMMIT': schemaStep({ index: true, triggers: true, transaction: true }),
  'bcache: miss + store (default 1 GiB budget)': {
    vs: 'raw: INSERT OR REPLACE (2 columns)',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      const cached = bcache(valueFor, { cacheDir: temporaryFolder(), name: 'bench-store' })
      if (cached.cache.engine !== 'better-sqlite3') throw new Error(`bcache runs on ${cached.cache.engine}`)
      return { body: freshKeys((k) => cached(k).id), ops: WRITES }
    },
  },
  'bcache: miss + store, maxBytes: null (no budget)': {
    vs: 'raw: INSERT OR REPLACE (2 columns)',
    async setup() {
      const { bcache } = await importBuilt('index.js')
      const cached = bcache(valueFor, { cacheDir: temporaryFolder(), name: 'bench-store', maxBytes: null })
      return { body: freshKeys((k) => cached(k).id), ops: WRITES }
    },
  },
}

export function goals(results, { ratioGoal }) {
  return [
    ratioGoal(results, {
      goal: 'bcache miss + store, default budget',
      subject: 'bcache: miss + store (default 1 GiB budget)',
      baseline: 'raw: INSERT OR REPLACE (2 columns)',
      max: 1.5,
    }),
  ]
}
