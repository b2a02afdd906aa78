// The audit trail: clear, invalidate, tamper, corrupt and refused-folder events on the diagnostics channel
// `twat-cache:audit`, and as JSON lines in the file named by $TWAT_CACHE_AUDIT (in a child process, since the
// variable is read at each event and other tests must not write there).
import { spawnSync } from 'node:child_process'
import diagnostics from 'node:diagnostics_channel'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from './support/suite.js'
import { warningsDelivered } from './support/warnings.js'
import * as assert from 'uvu/assert'
import { bcache } from '../src/runtime/caches/bcache.js'
import { fcache } from '../src/runtime/caches/fcache.js'
import { invalidateTag } from '../src/runtime/tags/registry.js'
import { AUDIT_CHANNEL, type AuditEvent } from '../src/runtime/report/audit.js'

const root = mkdtempSync(path.join(os.tmpdir(), 'twat-audit-'))
const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const SECRET = 'an audit test secret of some length'

function entryFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? entryFiles(full) : entry.name.endsWith('.bin') ? [full] : []
  })
}

const s = suite('audit')
s.after(() => rmSync(root, { recursive: true, force: true }))

s('should publish clear, invalidate, tamper, corrupt and refused-folder events on twat-cache:audit', async () => {
  const events: AuditEvent[] = []
  const listener = (message: unknown) => events.push(message as AuditEvent)
  diagnostics.subscribe(AUDIT_CHANNEL, listener)
  try {
    const cacheDir = path.join(root, 'channel')
    const f = fcache((n: number) => n * 2, { cacheDir, name: 'audited', secret: SECRET, tags: ['prices'] })
    f(1)
    f(2)
    const [first, second] = entryFiles(cacheDir)
    writeFileSync(first!, readFileSync(second!)) // an honest entry moved to another key: tampering
    f(1)
    f(2)
    const [victim] = entryFiles(cacheDir)
    writeFileSync(victim!, Buffer.from('garbage, not an entry'))
    f(1)
    f(2)
    f.cache.clear()
    await invalidateTag('prices')
    const open = path.join(root, 'open')
    mkdirSync(open)
    chmodSync(open, 0o777)
    bcache((n: number) => n, { cacheDir: open, name: 'refused' })
    await warningsDelivered()
    const kinds = events.map((e) => e.event)
    for (const kind of ['tamper', 'corrupt', 'clear', 'invalidate', 'refused-folder'] as const) {
      assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(', ')}`)
    }
    for (const event of events) {
      assert.is(event.pid, process.pid)
      assert.type(event.time, 'number')
      assert.ok(Math.abs(event.time - Date.now()) < 60_000)
      assert.type(event.reason, 'string')
      assert.ok(event.reason.length > 0)
    }
    assert.is(events.find((e) => e.event === 'tamper')!.cache, 'audited')
    assert.is(events.find((e) => e.event === 'clear')!.cache, 'audited')
    assert.is(events.find((e) => e.event === 'invalidate')!.cache, '*')
    assert.ok(events.find((e) => e.event === 'invalidate')!.reason.includes('prices'))
    assert.is(events.find((e) => e.event === 'refused-folder')!.cache, 'refused')
    assert.ok(events.find((e) => e.event === 'refused-folder')!.reason.includes(open))
    assert.not.ok(JSON.stringify(events).includes(SECRET), 'no event carries the key')
  } finally {
    diagnostics.unsubscribe(AUDIT_CHANNEL, listener)
  }
})

s('should append events as JSON lines to $TWAT_CACHE_AUDIT, from several processes', () => {
  const log = path.join(root, 'audit.jsonl')
  const cacheDir = path.join(root, 'file')
  const script = `
    import { bcache } from ${JSON.stringify(path.join(repo, 'dist/runtime/index.js'))}
    const f = bcache((n) => n, { cacheDir: process.argv[1], name: 'logged' + process.pid })
    f(1)
    f.cache.clear()
  `
  for (let i = 0; i < 2; i++) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, cacheDir], {
      env: { ...process.env, TWAT_CACHE_AUDIT: log },
      encoding: 'utf8',
      timeout: 60_000,
    })
    assert.is(run.status, 0, run.stderr)
  }
  const lines = readFileSync(log, 'utf8').trim().split('\n')
  assert.is(lines.length, 2, lines.join('\n'))
  const records = lines.map((line) => JSON.parse(line) as AuditEvent)
  assert.equal(
    records.map((r) => r.event),
    ['clear', 'clear'],
  )
  assert.is.not(records[0]!.pid, records[1]!.pid)
  for (const record of records) {
    assert.equal(Object.keys(record).sort(), ['cache', 'event', 'pid', 'reason', 'time'])
    assert.is(record.cache, `logged${record.pid}`)
  }
})

s.run()
