import { openCache } from '/work/wt/faults/dist/runtime/index.js'
import Database from 'better-sqlite3'
import fs from 'node:fs'
const dir = fs.mkdtempSync('/tmp/fx/b-')
const c = openCache({ kind: 'bcache', name: 'x', cacheDir: dir })
console.log(c.engine, c.path)
c.set('a', 1)
const db = new Database(c.path)
db.exec('BEGIN IMMEDIATE')
process.on('warning', w => console.log('WARN', w.code, w.message.slice(0,150)))
for (const op of ['get','set','delete','has','clear']) {
  const t = Date.now()
  try { console.log(op, c[op]('a', 2), Date.now() - t) } catch (e) { console.log(op, 'THROW', e.code, e.message.slice(0,100), Date.now()-t) }
}
try { const t=Date.now(); const d = openCache({ kind: 'bcache', name: 'y', cacheDir: dir }); console.log('open2', d.engine, Date.now()-t) } catch (e) { console.log('open2 THROW', e.code, e.message) }
db.exec('COMMIT')
