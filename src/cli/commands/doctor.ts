/**
 * `twat-cache doctor`: what this machine gives twat-cache. The Node.js version; which engines load here and, for
 * each one that does not, why and the fix (the runtime's own load-failure reasons); the cache root and its
 * permissions; Redis reachability for --url (PING with a timeout); and which TypeScript the build step would use.
 * Each check is ✓ (fine), ✗ (a problem, with its fix; exit 1) or – (optional and not installed, with how to get it).
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { getAvailableBackends } from '../../runtime/api/backends.js'
import { betterSqlite3Driver, nodeSqliteDriver } from '../../runtime/engines/disk/sqlite/driver.js'
import { SECURE_FOLDER_MODE, cacheRoot } from '../../runtime/engines/disk/folders.js'
import { requireOptional, type OptionalPackage } from '../../runtime/platform/optional.js'
import { BUILD_PACKAGES, searchPlaces } from '../../transform/build-packages.js'
import { TYPESCRIPT6_ALIAS, unusableTypeScriptMessage } from '../../transform/typescript.js'
import { CommandFailure, ExitCode } from '../exit.js'
import { connectRedis, redactUrl } from '../inventory/redis.js'
import type { Output } from '../output.js'

export interface DoctorOptions {
  readonly dir?: string | undefined
  readonly url?: string | undefined
  /** Where the build would run (the project root). */
  readonly root: string
}

/** ok: fine; problem: needs fixing (exit 1); absent: an optional part that is not installed. */
type Status = 'ok' | 'problem' | 'absent'
interface Check {
  readonly name: string
  readonly status: Status
  readonly detail: string
  readonly fix: string | null
}

const PING_TIMEOUT_MS = 2000

const ownPackage = createRequire(import.meta.url)('../../../package.json') as { version: string; engines: { node: string } }

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

function nodeCheck(): Check {
  const wanted = ownPackage.engines.node.replace(/^>=\s*/, '')
  const ok = compareVersions(process.versions.node, wanted) >= 0
  return {
    name: 'Node.js',
    status: ok ? 'ok' : 'problem',
    detail: `${process.versions.node} (twat-cache ${ownPackage.version} needs ${ownPackage.engines.node})`,
    fix: ok ? null : `Install Node.js ${wanted} or later`,
  }
}

function engineChecks(): Check[] {
  const available = getAvailableBackends()
  const checks: Check[] = [
    {
      name: 'memory engines',
      status: 'ok',
      detail: available.filter((n) => ['lru-cache', 'lfu', 'rr', 'mru', 'map'].includes(n)).join(', '),
      fix: null,
    },
  ]
  const better = betterSqlite3Driver()
  if (better.driver) checks.push({ name: 'better-sqlite3', status: 'ok', detail: 'loads (bcache runs on SQLite)', fix: null })
  else {
    const missing = better.failure.kind === 'not-installed'
    checks.push({
      name: 'better-sqlite3',
      status: missing ? 'absent' : 'problem',
      detail: `${better.failure.cause}; bcache falls back to ${nodeSqliteDriver() ? 'node:sqlite' : 'the file engine'}`,
      fix: better.failure.fix,
    })
  }
  if (nodeSqliteDriver()) checks.push({ name: 'node:sqlite', status: 'ok', detail: 'available', fix: null })
  checks.push(
    available.includes('file')
      ? { name: 'file engine', status: 'ok', detail: 'node:fs available (fcache)', fix: null }
      : { name: 'file engine', status: 'problem', detail: 'no node:fs here', fix: 'Run on Node.js' },
  )
  const optional = (name: OptionalPackage, role: string): Check => {
    const loaded = requireOptional(name)
    if (!loaded.failure) return { name, status: 'ok', detail: `loads (${role})`, fix: null }
    return {
      name,
      status: loaded.failure.kind === 'not-installed' ? 'absent' : 'problem',
      detail: `${loaded.failure.cause}; ${role} is not available`,
      fix: loaded.failure.fix,
    }
  }
  checks.push(optional('keyv', 'acache with a keyv store'))
  checks.push(optional('@keyv/redis', 'acache on Redis'))
  checks.push(optional('@keyv/memcache', 'acache on memcached'))
  return checks
}

function rootCheck(dir: string | undefined): Check[] {
  const root = cacheRoot(dir)
  const stat = fs.statSync(root, { throwIfNoEntry: false })
  if (!stat) {
    // Caches create it on first use: what matters is that its nearest existing parent is writable.
    let parent = path.dirname(root)
    while (!fs.existsSync(parent) && path.dirname(parent) !== parent) parent = path.dirname(parent)
    let writable = true
    try {
      fs.accessSync(parent, fs.constants.W_OK)
    } catch {
      writable = false
    }
    return [
      {
        name: 'cache root',
        status: writable ? 'ok' : 'problem',
        detail: `${root} (not created yet; ${writable ? `${parent} is writable` : `${parent} is not writable`})`,
        fix: writable ? null : `Make ${parent} writable, or set TWAT_CACHE_DIR to a writable folder`,
      },
    ]
  }
  const checks: Check[] = []
  if (!stat.isDirectory())
    return [
      {
        name: 'cache root',
        status: 'problem',
        detail: `${root} is not a folder`,
        fix: `Remove ${root}, or set TWAT_CACHE_DIR to a folder`,
      },
    ]
  let writable = true
  try {
    fs.accessSync(root, fs.constants.W_OK)
  } catch {
    writable = false
  }
  checks.push({
    name: 'cache root',
    status: writable ? 'ok' : 'problem',
    detail: `${root} (${writable ? 'writable' : 'not writable'})`,
    fix: writable ? null : `chmod u+w ${root}, or set TWAT_CACHE_DIR to a writable folder`,
  })
  if (process.platform !== 'win32') {
    const mode = stat.mode & 0o777
    const open = (mode & 0o077) !== 0
    checks.push({
      name: 'cache root permissions',
      status: open ? 'problem' : 'ok',
      detail: `${mode.toString(8).padStart(4, '0')}${open ? ': group or others have access, so they could read entries or plant their own' : ''}`,
      fix: open ? `chmod ${SECURE_FOLDER_MODE.toString(8)} ${root}` : null,
    })
    const uid = process.getuid?.()
    if (uid !== undefined) {
      const mine = stat.uid === uid
      checks.push({
        name: 'cache root owner',
        status: mine ? 'ok' : 'problem',
        detail: mine ? `uid ${uid} (you)` : `uid ${stat.uid}, not you (uid ${uid})`,
        fix: mine ? null : `chown -R ${uid} ${root}, or set TWAT_CACHE_DIR to a folder of your own`,
      })
    }
  }
  return checks
}

async function redisCheck(url: string): Promise<Check> {
  const name = `Redis ${redactUrl(url)}`
  const started = performance.now()
  try {
    const connection = await connectRedis(url, PING_TIMEOUT_MS)
    try {
      const answer = await Promise.race([
        connection.command<string>('PING'),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no answer to PING within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS).unref(),
        ),
      ])
      return { name, status: 'ok', detail: `${answer} in ${Math.round(performance.now() - started)} ms`, fix: null }
    } finally {
      connection.close()
    }
  } catch (error) {
    const missing = error instanceof CommandFailure && error.code === 'TWAT_CACHE_CLI_MISSING'
    return {
      name,
      status: 'problem',
      detail: (error as Error).message,
      fix: missing ? 'npm install keyv @keyv/redis' : 'Start the server, or check the host, port and password in the URL',
    }
  }
}

function packageVersion(name: string, place: string): { version: string; path: string } | undefined {
  const base = place.startsWith('file:') ? place : path.join(place, 'noop.js')
  try {
    const file = createRequire(base).resolve(`${name}/package.json`)
    return { version: (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version, path: path.dirname(file) }
  } catch {
    return undefined
  }
}

/** Which TypeScript the build step would use, found as it finds it, from package.json files (without loading it). */
function typeScriptCheck(root: string): Check[] {
  const seen: Array<{ name: string; version: string; path: string }> = []
  let chosen: { name: string; version: string; path: string } | undefined
  for (const place of searchPlaces([root])) {
    for (const name of ['typescript', TYPESCRIPT6_ALIAS]) {
      const found = packageVersion(name, place)
      if (!found || seen.some((s) => s.path === found.path)) continue
      seen.push({ name, ...found })
      if (!chosen && /^6\./.test(found.version)) chosen = { name, ...found }
    }
    if (chosen) break
  }
  const checks: Check[] = []
  if (chosen)
    checks.push({ name: 'TypeScript for the build', status: 'ok', detail: `${chosen.name} ${chosen.version} (${chosen.path})`, fix: null })
  else {
    const message = unusableTypeScriptMessage(seen, 'the build step').replace(/^twat-cache: /, '')
    const [detail, fix] = message.split(/\. (?=(?:Install|Keep))/)
    checks.push({ name: 'TypeScript for the build', status: seen.length ? 'problem' : 'absent', detail: detail!, fix: fix ?? null })
  }
  const magic = searchPlaces([root])
    .map((place) => packageVersion('magic-string', place))
    .find(Boolean)
  checks.push(
    magic
      ? { name: 'magic-string', status: 'ok', detail: `${magic.version} (${magic.path})`, fix: null }
      : { name: 'magic-string', status: 'absent', detail: 'not installed (the build step needs it)', fix: BUILD_PACKAGES['magic-string'] },
  )
  return checks
}

const SYMBOLS: Record<Status, string> = { ok: '✓', problem: '✗', absent: '–' }

export async function doctor(options: DoctorOptions, out: Output): Promise<ExitCode> {
  const checks: Check[] = [nodeCheck(), ...engineChecks(), ...rootCheck(options.dir)]
  if (options.url) checks.push(await redisCheck(options.url))
  checks.push(...typeScriptCheck(options.root))
  const ok = checks.every((c) => c.status !== 'problem')
  out.document({ ok, checks })
  if (!out.json) {
    const width = Math.max(...checks.map((c) => c.name.length))
    for (const check of checks) {
      const symbol =
        check.status === 'ok' ? out.ok(SYMBOLS.ok) : check.status === 'problem' ? out.bad(SYMBOLS.problem) : out.dim(SYMBOLS.absent)
      out.line(`${symbol} ${check.name.padEnd(width)}  ${check.detail}`)
      if (check.fix) out.line(`  ${' '.repeat(width)}  ${out.dim('fix:')} ${check.fix}`)
    }
    out.line()
    out.line(ok ? out.ok('No problems found.') : out.bad(`${checks.filter((c) => c.status === 'problem').length} problem(s) found.`))
  }
  return ok ? ExitCode.ok : ExitCode.problems
}
