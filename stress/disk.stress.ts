// The reliability suite, disk half (npm run stress): many processes on one bcache and one fcache folder, writers
// killed with SIGKILL, a full disk, and a database replaced by garbage while open. Children run the built dist/.
// Every value is self-verifying (it carries its key, its length and a body derived from both), so a reader can tell
// a right value from a wrong one whoever wrote it. Figures are printed; docs/reliability.md collects them.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { suite } from '../test/support/suite.js'
import * as assert from 'uvu/assert'
import { REPO_ROOT, RUNTIME_URL, runChild } from '../test/support/child.js'

const s = suite('reliability: disk', { timeoutMs: 240_000 })
const root = mkdtempSync(path.join(os.tmpdir(), 'twat-stress-disk-'))
let serial = 0
const freshDir = () => path.join(root, `dir-${++serial}`)
s.after(() => rmSync(root, { recursive: true, force: true }))

const KEYS = 200

/** Shared by every child: the self-verifying value of a key and length, and a seeded random source. */
const PRELUDE = `
  import { openCache } from ${JSON.stringify(RUNTIME_URL)}
  import { createHash } from 'node:crypto'
  const body = (key, n) => createHash('sha256').update(key + ':' + n).digest('hex').repeat(Math.ceil(n / 64)).slice(0, n)
  const valueOf = (key, n) => ({ key, n, body: body(key, n) })
  const isRight = (key, v) => v !== null && typeof v === 'object' && v.key === key && typeof v.n === 'number' && v.body === body(key, v.n)
  let seed = Number(process.env.SEED) || 1
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296)
  const sizeUpTo = (max) => Math.floor(10 * Math.pow(max / 10, rand()))
  const warnings = {}
  process.on('warning', (w) => (warnings[w.code] = (warnings[w.code] ?? 0) + 1))
`

interface WorkerReport {
  ops: number
  gets: number
  hits: number
  wrong: number
  sets: number
  deletes: number
  ms: number
  warnings: Record<string, number>
}

function mixedWorker(kind: 'bcache' | 'fcache', cacheDir: string, ops: number, maxBytes: number): string {
  return `${PRELUDE}
    const cache = openCache({ kind: '${kind}', name: 'stress', cacheDir: ${JSON.stringify(cacheDir)} })
    const r = { ops: ${ops}, gets: 0, hits: 0, wrong: 0, sets: 0, deletes: 0 }
    const started = performance.now()
    for (let i = 0; i < ${ops}; i++) {
      const key = 'k' + Math.floor(rand() * ${KEYS})
      const op = rand()
      if (op < 0.5) {
        r.gets++
        const v = cache.get(key)
        if (v !== undefined) { r.hits++; if (!isRight(key, v)) r.wrong++ }
      } else if (op < 0.85) {
        cache.set(key, valueOf(key, sizeUpTo(${maxBytes})))
        r.sets++
      } else {
        cache.delete(key)
        r.deletes++
      }
    }
    r.ms = Math.round(performance.now() - started)
    await new Promise((resolve) => setImmediate(resolve))
    console.log(JSON.stringify({ ...r, warnings }))
  `
}

const lastJson = <T>(stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as T

for (const [kind, maxBytes] of [
  ['bcache', 64 * 1024],
  ['fcache', 1024 * 1024],
] as const) {
  s(`${kind}: 8 processes × 5,000 mixed operations on one folder should read no wrong value and crash none`, async () => {
    const cacheDir = freshDir()
    const started = Date.now()
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runChild(mixedWorker(kind, cacheDir, 5000, maxBytes), { env: { SEED: String(i + 1) }, timeoutMs: 200_000 }),
      ),
    )
    const wall = Date.now() - started
    for (const result of results) assert.is(result.code, 0, `a worker crashed: ${result.stderr}`)
    const reports = results.map((r) => lastJson<WorkerReport>(r.stdout))
    const sum = (k: 'gets' | 'hits' | 'wrong' | 'sets' | 'deletes') => reports.reduce((t, r) => t + r[k], 0)
    const warnings: Record<string, number> = {}
    for (const r of reports) for (const [code, n] of Object.entries(r.warnings)) warnings[code] = (warnings[code] ?? 0) + n
    console.log(
      `  ${kind} 8×5000: ${sum('gets')} gets (${sum('hits')} hits, ${sum('wrong')} wrong), ${sum('sets')} sets, ${sum('deletes')} deletes; ` +
        `0 crashes; ${(wall / 1000).toFixed(1)} s wall, ${Math.round((8 * 5000) / (wall / 1000))} ops/s; warnings ${JSON.stringify(warnings)}`,
    )
    assert.is(sum('wrong'), 0)
    assert.ok(sum('hits') > 0, 'the processes read each other’s entries')
    if (kind === 'bcache') {
      const db = new Database(path.join(cacheDir, 'default', 'cache.sqlite'), { readonly: true })
      assert.equal(db.pragma('integrity_check'), [{ integrity_check: 'ok' }])
      const exact = db
        .prepare('SELECT count = (SELECT count(*) FROM entries) AND bytes = (SELECT sum(size) FROM entries) AS ok FROM totals')
        .get() as { ok: number }
      assert.is(exact.ok, 1, 'totals exact')
      db.close()
    }
  })
}

/** Temp files (`.tmp`) anywhere under `dir`. */
function tempFiles(dir: string): number {
  let n = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile() && entry.name.endsWith('.tmp')) n++
  return n
}

s(
  'kill -9 of writers at 12 random moments: a fresh reader should see every entry absent or exactly right, and no temp file left',
  async () => {
    const cacheDir = freshDir()
    const writer = `${PRELUDE}
    const b = openCache({ kind: 'bcache', name: 'killed', cacheDir: ${JSON.stringify(cacheDir)} })
    const f = openCache({ kind: 'fcache', name: 'killed', cacheDir: ${JSON.stringify(cacheDir)} })
    console.log('ready')
    for (let i = 0; i < 1e6; i++) {
      const key = 'k' + Math.floor(rand() * ${KEYS})
      b.set(key, valueOf(key, sizeUpTo(64 * 1024)))
      f.set(key, valueOf(key, sizeUpTo(1024 * 1024)))
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  `
    let kills = 0
    let left = 0
    for (let round = 0; round < 12; round++) {
      // Two writers at a time, both killed at one random moment after they start writing.
      const children = [0, 1].map((i) =>
        spawn(process.execPath, ['--input-type=module'], {
          cwd: REPO_ROOT,
          env: { ...process.env, SEED: String(round * 2 + i + 1) },
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      )
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve, reject) => {
              child.stdout!.once('data', () => resolve())
              child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)))
              child.stdin!.end(writer)
            }),
        ),
      )
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.floor(Math.random() * 300)))
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              child.removeAllListeners('exit')
              child.once('exit', () => resolve())
              child.kill('SIGKILL')
              kills++
            }),
        ),
      )
      // The next round's writers remove these when they open: count them now.
      left += tempFiles(cacheDir)
    }
    const reader = await runChild(
      `${PRELUDE}
    const b = openCache({ kind: 'bcache', name: 'killed', cacheDir: ${JSON.stringify(cacheDir)} })
    const f = openCache({ kind: 'fcache', name: 'killed', cacheDir: ${JSON.stringify(cacheDir)} })
    const r = { present: 0, absent: 0, wrong: 0 }
    for (let i = 0; i < ${KEYS}; i++) {
      for (const cache of [b, f]) {
        const v = cache.get('k' + i)
        if (v === undefined) r.absent++
        else if (isRight('k' + i, v)) r.present++
        else r.wrong++
      }
    }
    console.log(JSON.stringify({ ...r, engines: [b.engine, f.engine], warnings }))
    `,
    )
    assert.is(reader.code, 0, reader.stderr)
    const r = lastJson<{ present: number; absent: number; wrong: number; engines: string[]; warnings: Record<string, number> }>(
      reader.stdout,
    )
    const after = tempFiles(cacheDir)
    console.log(
      `  kill -9: ${kills} writers killed; reader: ${r.present} right, ${r.absent} absent, ${r.wrong} wrong; temp files left by killed writers ${left} (summed over the rounds), ${after} after a fresh open`,
    )
    assert.equal(r.engines, ['better-sqlite3', 'file'], `engines (warnings: ${JSON.stringify(r.warnings)})`)
    assert.is(r.wrong, 0)
    assert.ok(r.present > 0)
    assert.is(after, 0, 'temp files of dead writers are removed at open')
    const db = new Database(path.join(cacheDir, 'default', 'cache.sqlite'), { readonly: true })
    assert.equal(db.pragma('integrity_check'), [{ integrity_check: 'ok' }])
    db.close()
  },
)

/** A 2 MiB tmpfs at `dir` if this process may mount one (root, and a container that allows it), else undefined. */
function mountSmallDisk(dir: string): (() => void) | undefined {
  mkdirSync(dir, { recursive: true })
  // mode=0700: a tmpfs root is 1777 (writable by all, like /tmp) by default, which the safe-folder rule refuses.
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir], { encoding: 'utf8' })
  if (mounted.status !== 0) return undefined
  return () => void spawnSync('umount', ['-l', dir])
}

s('a full disk: calls should return right values with a warning, and the caches store again when space returns', async () => {
  const dir = freshDir()
  // TWAT_STRESS_NO_MOUNT=1 runs the ulimit path where a mount would work.
  const unmount = process.env.TWAT_STRESS_NO_MOUNT === '1' ? (mkdirSync(dir, { recursive: true }), undefined) : mountSmallDisk(dir)
  // Where a tmpfs cannot be mounted, the same run happens in a child whose file size is limited (ulimit -f, with
  // SIGXFSZ ignored so that writes fail with EFBIG).
  const limited = unmount === undefined
  const script = `${PRELUDE}
    import fs from 'node:fs'
    process.on('SIGXFSZ', () => {})
    const dir = ${JSON.stringify(dir)}
    const b = openCache({ kind: 'bcache', name: 'full', cacheDir: dir })
    const f = openCache({ kind: 'fcache', name: 'full', cacheDir: dir })
    b.set('warm', valueOf('warm', 100)); f.set('warm', valueOf('warm', 100))
    const filler = dir + '/filler'
    ${
      limited
        ? ''
        : `
    const fd = fs.openSync(filler, 'w')
    try { for (;;) fs.writeSync(fd, Buffer.alloc(64 * 1024, 1)) } catch (e) { if (e.code !== 'ENOSPC') throw e } finally { fs.closeSync(fd) }`
    }
    const r = { fullRight: 0, fullWrong: 0, afterHits: 0, afterWrong: 0 }
    const value = (cache, key, n) => { const v = cache.get(key); if (v !== undefined) return v; const made = valueOf(key, n); cache.set(key, made); return made }
    for (let i = 0; i < 40; i++) for (const cache of [b, f]) isRight('full' + i, value(cache, 'full' + i, ${limited ? '3 * 1024 * 1024' : '256 * 1024'})) ? r.fullRight++ : r.fullWrong++
    const faults = warnings.TWAT_CACHE_FAULT ?? 0
    await new Promise((resolve) => setImmediate(resolve))
    r.warningsWhileFull = { ...warnings }
    ${limited ? '' : 'fs.rmSync(filler)'}
    // Space is back: small entries are stored and read back.
    for (let i = 0; i < 20; i++) for (const cache of [b, f]) value(cache, 'back' + i, 1000)
    for (let i = 0; i < 20; i++) for (const cache of [b, f]) { const v = cache.get('back' + i); if (v !== undefined) isRight('back' + i, v) ? r.afterHits++ : r.afterWrong++ }
    r.engines = [b.engine, f.engine]
    console.log(JSON.stringify(r))
  `
  try {
    const result = limited
      ? await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          // 2 MiB blocks of 1 KiB: an entry of 3 MiB cannot be written, a small one can.
          const child = spawn('bash', ['-c', `ulimit -f 2048; exec "${process.execPath}" --input-type=module`], {
            cwd: REPO_ROOT,
            stdio: ['pipe', 'pipe', 'pipe'],
          })
          let stdout = ''
          let stderr = ''
          child.stdout.on('data', (d) => (stdout += d))
          child.stderr.on('data', (d) => (stderr += d))
          child.on('close', (code) => resolve({ code, stdout, stderr }))
          child.stdin.end(script)
        })
      : await runChild(script, { timeoutMs: 120_000 })
    assert.is(result.code, 0, result.stderr)
    const r = lastJson<{
      fullRight: number
      fullWrong: number
      afterHits: number
      afterWrong: number
      engines: string[]
      warningsWhileFull: Record<string, number>
    }>(result.stdout)
    console.log(
      `  full disk (${limited ? 'ulimit -f' : 'tmpfs 2 MiB'}): ${r.fullRight} right / ${r.fullWrong} wrong while full, warnings ${JSON.stringify(r.warningsWhileFull)}; ` +
        `after space returned ${r.afterHits}/40 read back, ${r.afterWrong} wrong; engines ${r.engines.join(', ')}`,
    )
    assert.is(r.fullWrong, 0)
    assert.is(r.fullRight, 80)
    assert.ok((r.warningsWhileFull.TWAT_CACHE_FAULT ?? 0) >= 1, 'the full disk was reported')
    assert.equal(r.engines, ['better-sqlite3', 'file'])
    assert.is(r.afterWrong, 0)
    assert.is(r.afterHits, 40, 'both caches store again once space returns')
  } finally {
    unmount?.()
  }
})

s('a database replaced by garbage while open: calls should go on, and the next process move the file aside', async () => {
  const cacheDir = freshDir()
  const file = path.join(cacheDir, 'default', 'cache.sqlite')
  const signal = path.join(cacheDir, 'replaced')
  const running = runChild(
    `${PRELUDE}
    import { existsSync } from 'node:fs'
    const b = openCache({ kind: 'bcache', name: 'garbage', cacheDir: ${JSON.stringify(cacheDir)} })
    const r = { before: 0, after: 0, wrong: 0 }
    const value = (key) => { const v = b.get(key); if (v !== undefined) return v; const made = valueOf(key, 500); b.set(key, made); return made }
    for (let i = 0; i < 50; i++) isRight('g' + i, value('g' + i)) ? r.before++ : r.wrong++
    console.log('ready')
    for (let t = 0; t < 2000 && !existsSync(${JSON.stringify(signal)}); t++) await new Promise((resolve) => setTimeout(resolve, 5))
    for (let i = 0; i < 100; i++) isRight('g' + i, value('g' + i)) ? r.after++ : r.wrong++
    console.log(JSON.stringify(r))
    `,
  )
  for (let t = 0; t < 2000 && !existsSync(file); t++) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => setTimeout(resolve, 300))
  writeFileSync(`${file}.garbage`, Buffer.alloc(64 * 1024, 0xab))
  renameSync(`${file}.garbage`, file)
  writeFileSync(signal, '')
  const first = await running
  assert.is(first.code, 0, first.stderr)
  const r = lastJson<{ before: number; after: number; wrong: number }>(first.stdout)
  const next = await runChild(
    `${PRELUDE}
    const b = openCache({ kind: 'bcache', name: 'garbage', cacheDir: ${JSON.stringify(cacheDir)} })
    let right = 0
    for (let round = 0; round < 2; round++) for (let i = 0; i < 20; i++) { const v = b.get('n' + i) ?? (b.set('n' + i, valueOf('n' + i, 500)), b.get('n' + i)); if (isRight('n' + i, v)) right++ }
    await new Promise((resolve) => setImmediate(resolve))
    console.log(JSON.stringify({ right, engine: b.engine, warnings }))
    `,
  )
  assert.is(next.code, 0, next.stderr)
  const n = lastJson<{ right: number; engine: string; warnings: Record<string, number> }>(next.stdout)
  const aside = readdirSync(path.dirname(file)).filter((name) => name.startsWith('cache.sqlite.corrupt-'))
  console.log(
    `  garbage while open: ${r.before} + ${r.after} right, ${r.wrong} wrong in the open process; next process: ${n.engine}, ${n.right}/40 right, ${aside.length} file moved aside, warnings ${JSON.stringify(n.warnings)}`,
  )
  assert.is(r.wrong, 0)
  assert.is(r.after, 100)
  assert.is(n.engine, 'better-sqlite3')
  assert.is(n.right, 40)
  assert.is(aside.length, 1)
  assert.is(n.warnings.TWAT_CACHE_CORRUPT, 1)
  assert.ok(statSync(file).size > 0)
})

s.run()
